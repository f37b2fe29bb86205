// One lint setup for the project: typescript-eslint with type-checked rules, exhaustive switches,
// no console outside the CLI, and the one-way layering of src/ (cli -> features -> store).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'scratch/', 'bin/', 'eslint.config.js', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: [
      'src/store/**',
      'src/ingest/**',
      'src/analytics/**',
      'src/demo/**',
      'src/domain/**',
      'src/config/**',
      'src/monitor/**',
      'src/report/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/**'], message: 'Only the CLI depends on cli/.' }] },
      ],
    },
  },
  {
    files: ['src/store/**', 'src/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/**', '**/ingest/**', '**/analytics/**', '**/demo/**'],
              message: 'store/ and domain/ are the bottom layer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', '**/*.test.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
