/**
 * Writes docs/data-model.md from src/store/entities.ts, so the documented columns are the ones
 * the importer checks (test/docs.test.ts fails when the two drift). Run: npx tsx scripts/write-data-model.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ENTITIES,
  ENTITY_KINDS,
  FEEDBACK_KINDS,
  getStorageType,
  ORDER_STATUSES,
} from '../src/store/entities.js';

const out: string[] = [
  '# Data model',
  '',
  'The canonical entities every import maps onto. Canonical files (CSV with a header row, JSON Lines, or Parquet; gzip or not) use exactly these column names; columns that are not required may be left out. One example file per kind is in `examples/`.',
  '',
  'Conventions:',
  '',
  '- **Timestamps** are `YYYY-MM-DD HH:MM:SS` (or ISO 8601). A timestamp without an offset is read in the store\'s timezone (config `timezone`, default `Asia/Shanghai`); one with an offset (`Z`, `+08:00`) is taken as written. Days, months and "as of a date" are cut in the store\'s timezone.',
  '- **Money** is an exact decimal with at most two decimals (`DECIMAL(18,2)`); a cell such as `12.345` is rejected rather than rounded. Sums stay exact over millions of orders.',
  '- **Booleans** accept `true/false`, `yes/no`, `1/0`, `是/否`. **Gender** accepts `male/female/unknown`, `m/f`, `男/女`.',
  '- An empty cell is a missing value; a column with a default takes the default.',
  '- Every stored row also carries `batch_id` (the import batch that last wrote it), `first_imported_at` and `updated_at`.',
  '- A row is identified by its **key**: importing a row whose key is stored updates it when a value differs and leaves it alone otherwise. Two rows with the same key in one file are rejected (the later one). Only the columns a file has are compared and written: a column the file lacks keeps its stored value (a new row takes the default), so a partial file never erases what another file gave.',
  '',
  `Order statuses: ${ORDER_STATUSES.map((s) => `\`${s}\``).join(', ')}. GMV counts \`paid\`, \`shipped\`, \`completed\` and \`refunded\` orders (a refunded order was paid; its refund is subtracted in net GMV). \`unpaid\` and \`cancelled\` orders are kept but are never GMV.`,
  '',
  `Feedback kinds: ${FEEDBACK_KINDS.map((s) => `\`${s}\``).join(', ')}.`,
];
for (const kind of ENTITY_KINDS) {
  const entity = ENTITIES[kind];
  out.push(
    '',
    `## ${kind} (table \`${entity.table}\`)`,
    '',
    entity.description,
    '',
    `Key: ${entity.key.map((k) => `\`${k}\``).join(' + ')}. Example: [\`examples/${kind}.csv\`](../examples/${kind}.csv).`,
    '',
    '| column | stored as | required | default | meaning |',
    '|---|---|---|---|---|',
    ...entity.columns.map(
      (c) =>
        `| \`${c.name}\` | ${getStorageType(c.type)} (${c.type}) | ${c.required ? 'yes' : ''} | ${c.default ?? ''} | ${c.description.replaceAll('|', '\\|')} |`,
    ),
  );
  if (entity.rowChecks.length) {
    out.push('', 'Rows are also rejected when:', '', ...entity.rowChecks.map((check) => `- ${check.reason}`));
  }
}
out.push(
  '',
  '## import_batches',
  '',
  'One row per imported file: `id`, `file` (absolute path), `format`, `kind`, `content_hash` (sha256 of the file as stored, compressed or not), `rows_read`, `inserted`, `updated`, `unchanged`, `rejected`, `started_at`, `finished_at`. A file whose import was aborted leaves no row.',
  '',
  '## generator_truth',
  '',
  "Written by `huiyuan demo`: the generator's seed and true parameters (purchase process, spend, seasonality) as JSON, so later predictions can be checked against the truth.",
  '',
  '## schema_migrations',
  '',
  'The schema versions applied to this database. A huiyuan that finds a version newer than it knows refuses to open the database.',
  '',
);
writeFileSync(join(import.meta.dirname, '..', 'docs', 'data-model.md'), out.join('\n'));
