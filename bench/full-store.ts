/**
 * The realistic 1M-customer store that the refresh, reads and rules benchmarks share: the demo
 * generator's default shape at 1,000,000 customers, with all five entities imported (customers,
 * orders, order lines, sessions, feedback) and the default config. Generated and imported once,
 * cached under .bench/ (untimed); each benchmark copies or opens it as it needs.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DEMO_SEED } from '../src/cli/commands/demo.js';
import { generateStore } from '../src/demo/generate-store.js';
import { measure, ROOT } from './measure.js';

export const BENCH_DIR = join(ROOT, '.bench');
export const FULL_STORE_CUSTOMERS = 1_000_000;
/** The generated canonical files (customers.csv, orders.csv, order_lines.csv, sessions.csv, feedback.csv). */
export const FULL_STORE_FILES = join(BENCH_DIR, `store-${FULL_STORE_CUSTOMERS}`);
/**
 * All five entities imported, nothing else stored. Never written to by a benchmark: copy it.
 * Named by the import's storage layout, so a store cached by an older import is built anew:
 * 2 stores sessions by time (src/ingest/merge-rows.ts).
 */
export const FULL_STORE_DB = join(BENCH_DIR, 'full-imported-3.duckdb');

const ENTITIES = [
  ['customers.csv', 'customers'],
  ['orders.csv', 'orders'],
  ['order_lines.csv', 'order-lines'],
  ['sessions.csv', 'sessions'],
  ['feedback.csv', 'feedback'],
] as const;

export interface FullStore {
  /** The imported database (read it, or copy it before writing). */
  readonly db: string;
  /** The generated store's last day (its `truth.json` end). */
  readonly lastDay: string;
  /** The day before the last day. */
  readonly dayBefore: string;
}

/** Generates (the demo's default seed) and imports the store once; later calls only read what is cached. */
export async function prepareFullStore(): Promise<FullStore> {
  if (!existsSync(join(FULL_STORE_FILES, 'truth.json'))) {
    console.log(`generating ${FULL_STORE_CUSTOMERS.toLocaleString('en-US')} customers into ${FULL_STORE_FILES} …`);
    await generateStore(FULL_STORE_FILES, { customers: FULL_STORE_CUSTOMERS, seed: DEFAULT_DEMO_SEED });
  }
  if (!existsSync(FULL_STORE_DB)) {
    const building = `${FULL_STORE_DB}.building`;
    for (const [file, kind] of ENTITIES) {
      console.log(`importing ${file} …`);
      await measure(['bin/huiyuan.js', '--db', building, 'import', join(FULL_STORE_FILES, file), '--kind', kind, '--quiet']);
    }
    copyFileSync(building, FULL_STORE_DB);
  }
  const lastDay = (JSON.parse(readFileSync(join(FULL_STORE_FILES, 'truth.json'), 'utf8')) as { end: string }).end;
  const dayBefore = new Date(Date.parse(`${lastDay}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return { db: FULL_STORE_DB, lastDay, dayBefore };
}

/** A writable copy of the imported store at `path` (replaced if present). */
export function copyFullStore(store: FullStore, path: string): string {
  copyFileSync(store.db, path);
  return path;
}

/**
 * The floor of the refresh and the reads: R, F, M per member and their quintile cut points as of
 * the end of a day, in one hand-written DuckDB query.
 */
export const rfmFloorSql = (asOf: string): string => `
  WITH rfm AS (
    SELECT o.customer_id,
      ('${asOf}'::DATE - max(o.placed_at::DATE)) AS recency,
      count(*) FILTER (WHERE o.paid_amount > 0) AS frequency,
      sum(o.paid_amount - o.refunded_amount) AS monetary
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.status IN ('paid','shipped','completed','refunded') AND o.placed_at < ('${asOf}'::DATE + 1)::TIMESTAMPTZ
      AND c.member_since < ('${asOf}'::DATE + 1)::TIMESTAMPTZ
    GROUP BY o.customer_id)
  SELECT quantile_disc(recency, [0.2, 0.4, 0.6, 0.8]), quantile_disc(frequency, [0.2, 0.4, 0.6, 0.8]),
    quantile_disc(monetary, [0.2, 0.4, 0.6, 0.8]), count(*) FROM rfm`;
