/**
 * The demo store: generate a synthetic store as canonical files, then import them through the
 * same importer a real store's files go through, and record the generator's true parameters so
 * later predictions can be checked against them. Then the work a store would have done by its
 * last day (runDemoAnalyses), so the demo's report shows every section.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommunities } from '../analytics/communities/communities.js';
import { refreshSnapshot } from '../analytics/refresh/refresh.js';
import { calibrateTiers, saveTierCalibration } from '../analytics/tiers/tiers.js';
import type { Config } from '../config/config.js';
import { AppError } from '../errors.js';
import { importFile, type ImportProgress, type ImportResult } from '../ingest/import-file.js';
import { runMonitor } from '../monitor/monitor.js';
import { addDays } from '../monitor/quiet-days.js';
import { ENTITY_KINDS } from '../store/entities.js';
import { raw, sql } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { generateStore, type GeneratedStore, type GenerateStoreOptions } from './generate-store.js';

export interface LoadDemoOptions extends GenerateStoreOptions {
  readonly rejectsDir: string;
  readonly onGenerateProgress?: (done: number, total: number) => void;
  readonly onImportProgress?: (progress: ImportProgress) => void;
  /**
   * Called with the temporary folder of the generated files as soon as it exists, so a caller
   * stopped by a signal can remove it (loadDemo removes it itself when it returns or throws).
   */
  readonly onTempDir?: (dir: string) => void;
}

/**
 * Bytes per customer of the generated files and of the database they become (default demo
 * shape: 2.7 orders, 3.8 order lines, 12 sessions, 0.8 feedback rows per customer), measured on
 * the 20,000-customer demo and the 1M-customer bench store (1.23 kB of CSV, 0.48–0.72 kB of
 * database per customer) and rounded up.
 */
const FILE_BYTES_PER_CUSTOMER = 1_250;
const DATABASE_BYTES_PER_CUSTOMER = 750;

/** The disk a demo of `customers` needs: its temporary files and the database's growth. */
export function estimateDemoBytes(customers: number): { readonly files: number; readonly database: number } {
  return { files: customers * FILE_BYTES_PER_CUSTOMER, database: customers * DATABASE_BYTES_PER_CUSTOMER };
}

const DATA_TABLES = ['customers', 'orders', 'order_lines', 'sessions', 'feedback'] as const;

/**
 * Refuses a store that holds any data: synthetic customers mixed into a real store (or another
 * demo) would falsify every figure of both, and could not be told apart afterwards.
 */
export async function throwIfStoreHoldsData(store: Store): Promise<void> {
  const [row] = await store.query<Record<(typeof DATA_TABLES)[number], number>>(
    raw(
      `SELECT ${DATA_TABLES.map((table) => `(SELECT count(*) FROM ${table})::INTEGER AS ${table}`).join(', ')}`,
    ),
  );
  const held = DATA_TABLES.filter((table) => (row?.[table] ?? 0) > 0).map(
    (table) => `${(row?.[table] ?? 0).toLocaleString('en-US')} ${table.replace('_', ' ')}`,
  );
  if (held.length > 0)
    throw new AppError(
      'BAD_ARGUMENT',
      `${store.path} already holds data (${held.join(', ')}): the demo needs a database of its own, e.g. --db demo.duckdb`,
    );
}

export interface LoadedDemo {
  readonly generated: GeneratedStore;
  readonly imports: readonly ImportResult[];
}

export async function loadDemo(store: Store, options: LoadDemoOptions): Promise<LoadedDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'huiyuan-demo-'));
  options.onTempDir?.(dir);
  try {
    const generated = await generateStore(dir, options, options.onGenerateProgress);
    const imports: ImportResult[] = [];
    await store.transaction(async () => {
      for (const kind of ENTITY_KINDS) {
        imports.push(
          await importFile(store, generated.files[kind], {
            kind,
            rejectsDir: options.rejectsDir,
            ...(options.onImportProgress ? { onProgress: options.onImportProgress } : {}),
          }),
        );
      }
      await store.run(
        sql`INSERT INTO generator_truth VALUES (current_timestamp, ${options.seed}, ${JSON.stringify(generated.truth)})`,
      );
    });
    return { generated, imports };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DemoAnalysesOptions {
  /** The demo's last day. */
  readonly asOf: string;
  readonly seed: number;
  readonly config: Pick<Config, 'rfm' | 'tiers' | 'lifecycle' | 'tags' | 'predict' | 'monitor'>;
  /** Days monitored up to asOf (default 30). */
  readonly monitorDays?: number;
}

export interface DemoAnalyses {
  /** False when too few members have a purchase to group (a demo of a handful of customers). */
  readonly communities: boolean;
  readonly monitored: { readonly from: string; readonly to: string };
}

/**
 * The work a store would have done by its last day, so the report shows every section: tiers
 * calibrated, the snapshot of the day, its communities, and the last 30 days monitored.
 */
export async function runDemoAnalyses(store: Store, options: DemoAnalysesOptions): Promise<DemoAnalyses> {
  const { asOf, config } = options;
  await saveTierCalibration(
    store,
    await calibrateTiers(store, { asOf, config: config.tiers, rfm: config.rfm }),
  );
  await refreshSnapshot(store, { asOf, allCustomers: false, config });
  // Too few members with a purchase to group (a demo of a handful of customers) leaves the
  // report without a communities section rather than failing the demo.
  const { result } = await runCommunities(store, {
    asOf,
    k: 'auto',
    seed: options.seed,
    activityDays: config.tags.activity_window_days,
  });
  const from = addDays(asOf, -((options.monitorDays ?? 30) - 1));
  await runMonitor(store, { from, to: asOf, config });
  return { communities: result.status === 'found', monitored: { from, to: asOf } };
}
