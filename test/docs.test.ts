/** docs/data-model.md documents every canonical column, and every example file imports clean. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTITIES, ENTITY_KINDS } from '../src/store/entities.js';
import { EXAMPLES, readCsv, ROOT } from './helpers.js';

describe('docs/data-model.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'data-model.md'), 'utf8');
  it.each(ENTITY_KINDS)('documents every %s column', (kind) => {
    for (const column of ENTITIES[kind].columns) expect(doc).toContain(`| \`${column.name}\` |`);
  });
  it.each(ENTITY_KINDS)('has an example file for %s with exactly its columns', (kind) => {
    const rows = readCsv(join(EXAMPLES, `${kind}.csv`));
    expect(Object.keys(rows[0] ?? {})).toEqual(ENTITIES[kind].columns.map((c) => c.name));
  });
});
