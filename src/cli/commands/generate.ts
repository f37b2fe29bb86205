/** `huiyuan generate --out DIR [--customers N] [--seed S]`: the demo store as canonical files. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { ENTITY_KINDS } from '../../store/entities.js';
import type { CommandContext } from '../context.js';
import { formatCount, formatDuration, parseCount, parsePositive } from '../format.js';
import { createProgressBar } from '../progress.js';
import { DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED } from './demo.js';

interface GenerateOptions {
  readonly out: string;
  readonly customers: number;
  readonly seed: number;
  readonly ordersPerCustomer?: number;
  readonly quiet?: boolean;
}

export function registerGenerate(program: Command, _getContext: () => CommandContext): void {
  program
    .command('generate')
    .description('write the synthetic demo store as canonical CSV files (for tests and benchmarks)')
    .requiredOption('--out <dir>', 'folder to write into (created if missing)')
    .option('--customers <n>', 'customers to generate', parsePositive, DEFAULT_DEMO_CUSTOMERS)
    .option('--seed <s>', 'random seed; the same seed gives the same files', parseCount, DEFAULT_DEMO_SEED)
    .option('--orders-per-customer <n>', 'mean paid orders per ordering customer', Number)
    .option('-q, --quiet', 'no progress bar')
    .action(async (options: GenerateOptions) => {
      const dir = resolve(options.out);
      if (existsSync(dir) && !statSync(dir).isDirectory()) {
        throw new AppError('BAD_ARGUMENT', `--out ${dir} is a file, not a folder`);
      }
      if (options.ordersPerCustomer !== undefined && !(options.ordersPerCustomer >= 1)) {
        throw new AppError('BAD_ARGUMENT', `--orders-per-customer must be a number ≥ 1`);
      }
      mkdirSync(dir, { recursive: true });
      const { generateStore } = await import('../../demo/generate-store.js');
      const started = Date.now();
      const bar = createProgressBar({ quiet: options.quiet ?? false });
      try {
        const generated = await generateStore(
          dir,
          {
            customers: options.customers,
            seed: options.seed,
            ...(options.ordersPerCustomer ? { ordersPerCustomer: options.ordersPerCustomer } : {}),
          },
          (done, total) =>
            bar.update({
              label: 'generate',
              stage: 'customers',
              percentage: (100 * done) / total,
              rows: done,
            }),
        );
        bar.stop();
        for (const kind of ENTITY_KINDS) {
          process.stdout.write(`${generated.files[kind]}  ${formatCount(generated.rows[kind])} rows\n`);
        }
        process.stdout.write(`${resolve(dir, 'truth.json')}  generator parameters\n`);
        process.stderr.write(`generated in ${formatDuration(Date.now() - started)}\n`);
      } finally {
        bar.stop();
      }
    });
}
