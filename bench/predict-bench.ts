/**
 * Predict benchmark (npm run bench): fitting BG/NBD and Gamma-Gamma, the data preparation in
 * DuckDB included, (1) on the real CDNOW sample (target: the BG/NBD fit under 100 ms) and (2) on
 * the generated 1M-customer store of the refresh benchmark (target: prep + both fits under
 * 10 s). Each against a floor measured in the same run: one plain DuckDB query that reads every
 * purchase once and aggregates it per customer (count, first and last purchase), the scan no
 * preparation can avoid. Writes docs/benchmarks.md between the predict-bench markers.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fitPredictionModels, type FittedModels } from '../src/analytics/predict/predict.js';
import { configSchema } from '../src/config/config.js';
import { importFile } from '../src/ingest/import-file.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { BENCH_DIR, copyFullStore, prepareFullStore } from './full-store.js';
import { median, ROOT, writeSection } from './measure.js';

const CDNOW = resolve(ROOT, '..', 'shared', 'data', 'cdnow', 'CDNOW_sample.txt.gz');
const DB = join(BENCH_DIR, 'predict.duckdb');
const CDNOW_RUNS = 9;
const LARGE_RUNS = 3;

const FLOOR = raw(`SELECT count(*), sum(n) FROM (
    SELECT customer_id, count(*) AS n, min(placed_at), max(placed_at) FROM orders
    WHERE customer_id IS NOT NULL AND status IN ('paid', 'shipped', 'completed', 'refunded') AND paid_amount > 0
    GROUP BY customer_id)`);

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

interface Runs {
  readonly floor: number[];
  readonly total: number[];
  readonly fits: FittedModels[];
}

async function measureFits(store: Store, calibrationEnd: string, runs: number, unit: 'weeks'): Promise<Runs> {
  // BG/NBD, as the targets of issue 6 were set (the default is MBG/NBD since issue 15).
  const config = { ...configSchema.parse({}).predict, model: 'bgnbd' as const, unit };
  const result: Runs = { floor: [], total: [], fits: [] };
  for (let run = 0; run < runs; run++) {
    result.floor.push((await time(() => store.query(FLOOR))).ms);
    const { ms, value } = await time(() => fitPredictionModels(store, { calibrationEnd, config }));
    if (value.status !== 'fitted') throw new Error(`too few repeat buyers to fit (${value.repeat_buyers})`);
    result.total.push(ms);
    result.fits.push(value);
    console.log(
      `  run ${run + 1}: floor ${result.floor.at(-1)?.toFixed(0)} ms, prep + fits ${ms.toFixed(0)} ms`,
    );
  }
  return result;
}

const ms = (value: number): string =>
  value < 1000 ? `${value.toFixed(1)} ms` : `${(value / 1000).toFixed(2)} s`;

function describeRuns(name: string, runs: Runs, target: string): string[] {
  const floor = median(runs.floor);
  const total = median(runs.total);
  const pick = (key: 'prepare' | 'purchase' | 'spend'): number =>
    median(runs.fits.map((f) => f.timings_ms[key]));
  const fit = runs.fits.at(-1);
  return [
    `| ${name}: floor (one aggregate query over the purchases) | ${ms(floor)} | 1.00× |`,
    `| ${name}: data prep in DuckDB (x, t_x, T per customer, same-day merged, compressed) | ${ms(pick('prepare'))} | ${(pick('prepare') / floor).toFixed(2)}× |`,
    `| ${name}: BG/NBD fit (${fit?.purchase.rows.toLocaleString('en-US')} distinct rows, ${fit?.purchase.customers.toLocaleString('en-US')} customers) | ${ms(pick('purchase'))} | ${(pick('purchase') / floor).toFixed(2)}× |`,
    `| ${name}: Gamma-Gamma fit (${fit?.spend.rows.toLocaleString('en-US')} rows, ${fit?.spend.customers.toLocaleString('en-US')} repeat buyers) | ${ms(pick('spend'))} | ${(pick('spend') / floor).toFixed(2)}× |`,
    `| ${name}: **prep + both fits** (${target}) | **${ms(total)}** | **${(total / floor).toFixed(2)}×** |`,
  ];
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const verdicts: string[] = [];
  if (existsSync(CDNOW)) {
    console.log('CDNOW sample …');
    const dir = mkdtempSync(join(tmpdir(), 'huiyuan-predict-bench-'));
    try {
      const store = await DuckDBStore.open({ path: join(dir, 'cdnow.duckdb'), timezone: 'Asia/Shanghai' });
      await importFile(store, CDNOW, { rejectsDir: join(dir, 'rejects') });
      const runs = await measureFits(store, '1997-09-30', CDNOW_RUNS, 'weeks');
      await store.close();
      rows.push(...describeRuns('CDNOW sample', runs, `median of ${CDNOW_RUNS}`));
      const fit = median(runs.fits.map((f) => f.timings_ms.purchase));
      verdicts.push(`CDNOW BG/NBD fit under 100 ms — ${fit < 100 ? 'met' : 'NOT met'} (${ms(fit)})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    console.log(`${CDNOW} is not here: the CDNOW part is skipped`);
  }
  // The realistic 1M store, copied: the preparation writes temp tables and migrates on open.
  copyFullStore(await prepareFullStore(), DB);
  console.log('realistic 1M-customer store …');
  const store = await DuckDBStore.open({ path: DB, timezone: 'Asia/Shanghai', memoryLimit: '4GB' });
  const [last] = await store.query<{ day: string }>(
    raw('SELECT max(placed_at)::DATE::VARCHAR AS day FROM orders'),
  );
  const runs = await measureFits(store, last?.day ?? '2026-10-31', LARGE_RUNS, 'weeks');
  await store.close();
  rows.push(...describeRuns('1M store', runs, `median of ${LARGE_RUNS}`));
  const total = median(runs.total);
  verdicts.push(`1M store prep + fits under 10 s — ${total < 10_000 ? 'met' : 'NOT met'} (${ms(total)})`);

  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; in one process (the store opened once, each run prepares and fits anew).`,
    '',
    '| run | time | vs floor |',
    '|---|---|---|',
    ...rows,
    '',
    `Targets (issue 6): ${verdicts.join('; ')}.`,
  ].join('\n');
  console.log(`\n${report}`);
  writeSection(
    'predict-bench',
    report,
    '## Predict (issue 6)\n\nFitting BG/NBD and Gamma-Gamma with the data preparation in DuckDB, on the CDNOW sample and on the generated 1M-customer store, against one aggregate query over the same purchases.\n\n',
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
