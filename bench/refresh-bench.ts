/**
 * Refresh benchmark (npm run bench): a full `huiyuan refresh` (RFM, tiers, lifecycle stage of
 * every member) on the generated 1M-customer store, against the floor measured in the same
 * run: one hand-written DuckDB query computing R, F, M and their quintile cut points over the
 * same orders table. Writes docs/benchmarks.md between the refresh-bench markers.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { configSchema } from '../src/config/config.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw } from '../src/store/sql.js';
import { type Measured, measure, median, ROOT, spread, writeSection } from './measure.js';

const WORK = join(ROOT, '.bench');
const STORE = join(WORK, 'store-1000000-10');
const DB = join(WORK, 'analytics.duckdb');
const RUNS = 3;

/** The floor: R, F, M per member and their quintile cut points, in one query. */
async function measureFloor(asOf: string): Promise<number> {
  const instance = await DuckDBInstance.create(DB, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'Asia/Shanghai'");
  const started = process.hrtime.bigint();
  await connection.run(`
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
      quantile_disc(monetary, [0.2, 0.4, 0.6, 0.8]), count(*) FROM rfm`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  connection.closeSync();
  instance.closeSync();
  return seconds;
}

/**
 * The refresh alone, in this process like the floor: the store opened and the day forgotten
 * before the clock starts; the refresh and the checkpoint that writes it into the database file
 * timed; the store closed after the clock stops, as the floor's is. What the CLI adds is Node
 * and DuckDB start-up, loading the modules and closing.
 */
async function measureInProcess(asOf: string): Promise<number> {
  await forgetDay(asOf);
  const config = configSchema.parse({ predict: { in_snapshot: false } });
  const store = await DuckDBStore.open({
    path: DB,
    timezone: config.timezone,
    memoryLimit: config.memory_limit,
  });
  const started = process.hrtime.bigint();
  await refreshSnapshot(store, { asOf, allCustomers: false, config });
  await store.run(raw('CHECKPOINT'));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  return seconds;
}

/** Removes a day's snapshot (untimed), so the next refresh stores it anew, as a daily refresh does. */
async function forgetDay(asOf: string): Promise<void> {
  const instance = await DuckDBInstance.create(DB);
  const connection = await instance.connect();
  for (const table of [
    'snapshots',
    'customer_snapshots',
    'customer_day_tags',
    'snapshot_regions',
    'prediction_snapshots',
    'customer_prediction_snapshots',
  ])
    await connection.run(`DELETE FROM ${table} WHERE as_of = '${asOf}'::DATE`);
  await connection.run(`DELETE FROM stage_changes WHERE changed_on = '${asOf}'::DATE`);
  await connection.run(`DELETE FROM tier_changes WHERE changed_on = '${asOf}'::DATE`);
  await connection.run('CHECKPOINT');
  connection.closeSync();
  instance.closeSync();
}

async function main(): Promise<void> {
  if (!existsSync(join(STORE, 'truth.json'))) {
    throw new Error(
      `${STORE} is missing: run the import benchmark first (bench/import-bench.ts generates it)`,
    );
  }
  if (!existsSync(DB)) {
    console.log('importing customers and orders of the 1M-customer store …');
    for (const [file, kind] of [
      ['customers.csv', 'customers'],
      ['orders.csv', 'orders'],
    ] as const) {
      await measure(['bin/huiyuan.js', '--db', DB, 'import', join(STORE, file), '--kind', kind, '--quiet']);
    }
  }
  const asOf = (JSON.parse(readFileSync(join(STORE, 'truth.json'), 'utf8')) as { end: string }).end;
  const dayBefore = new Date(Date.parse(`${asOf}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  // The issue's refresh is parts 1–4 (RFM, tiers, lifecycle, tags); the predictions of issue 6
  // are measured apart, with the config that stores them (the default).
  const withoutPredictions = join(WORK, 'refresh-1-4.config.json');
  writeFileSync(withoutPredictions, JSON.stringify({ predict: { in_snapshot: false } }));
  const refresh14 = (day: string): string[] => [
    'bin/huiyuan.js',
    '--db',
    DB,
    '--config',
    withoutPredictions,
    'refresh',
    '--as-of',
    day,
    '--quiet',
  ];
  // Untimed set-up, as a store is on the morning of a daily refresh: opening migrates an older
  // bench database once; the tiers were calibrated (every 6 months by default; without a stored
  // calibration a refresh cuts the day's tiers itself, two more queries); yesterday's snapshot
  // is stored, so today's stage and tier changes compare with it.
  await measure(['bin/huiyuan.js', '--db', DB, 'tiers', '--calibrate', '--as-of', dayBefore]);
  await forgetDay(asOf);
  await measure(refresh14(dayBefore));
  const floors: number[] = [];
  const daily: Measured[] = [];
  const replaced: Measured[] = [];
  const predicted: Measured[] = [];
  const inProcess: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    floors.push(await measureFloor(asOf));
    // The daily refresh stores a day not stored yet; refreshing a stored day again replaces it,
    // and deleting its rows costs DuckDB a checkpoint at the commit. Both are measured.
    await forgetDay(asOf);
    daily.push(await measure(refresh14(asOf)));
    replaced.push(await measure(refresh14(asOf)));
    inProcess.push(await measureInProcess(asOf));
    await forgetDay(asOf);
    predicted.push(await measure(['bin/huiyuan.js', '--db', DB, 'refresh', '--as-of', asOf, '--quiet']));
    console.log(
      `run ${run + 1}: floor ${floors.at(-1)?.toFixed(2)} s, daily ${daily.at(-1)?.seconds.toFixed(2)} s, in process ${inProcess.at(-1)?.toFixed(2)} s, again ${replaced.at(-1)?.seconds.toFixed(2)} s, with predictions ${predicted.at(-1)?.seconds.toFixed(2)} s`,
    );
  }
  // The first snapshot of a store: every member's stage and tier is a change.
  const first: Measured[] = [];
  for (let run = 0; run < RUNS; run++) {
    await forgetDay(dayBefore);
    await forgetDay(asOf);
    first.push(await measure(refresh14(asOf)));
  }
  console.log(daily.at(-1)?.output.trim());
  const floor = median(floors);
  const alone = median(inProcess);
  const ratio = alone / floor;
  const cli = median(daily.map((r) => r.seconds));
  const peak = Math.max(...daily.map((r) => r.peakRssMb), ...first.map((r) => r.peakRssMb));
  const row = (label: string, values: readonly number[], peakMb?: number): string => {
    const value = median(values);
    return `| ${label}, median of ${values.length} (${spread(values)}) | ${value.toFixed(2)} s | ${(value / floor).toFixed(2)}× | ${peakMb === undefined ? '–' : `${peakMb.toFixed(0)} MiB`} |`;
  };
  const seconds = (runs: readonly Measured[]): number[] => runs.map((r) => r.seconds);
  const peakOf = (runs: readonly Measured[]): number => Math.max(...runs.map((r) => r.peakRssMb));
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
    '',
    `Store: the generated 1,000,000-customer store of the import benchmark (customers and orders imported), as of ${asOf}, with the tiers calibrated and the snapshot of ${dayBefore} stored.`,
    '',
    `A refresh here: RFM, tier (under the stored calibration), lifecycle stage and rule, and the behaviour tags of every member (${/([\d,]+) members/.exec(daily.at(-1)?.output ?? '')?.[1] ?? '?'}), stored; the stage and tier changes derived.`,
    '',
    '| run | wall time | vs floor | peak RSS |',
    '|---|---|---|---|',
    `| floor: one DuckDB query, R/F/M per member and their quintile cut points, median of ${RUNS} (${spread(floors)}) | ${floor.toFixed(2)} s | 1.00× | – |`,
    `| **the daily refresh in process, like the floor** (store opened before the clock; the refresh and its checkpoint into the file timed), median of ${RUNS} (${spread(inProcess)}) | ${alone.toFixed(2)} s | **${ratio.toFixed(2)}×** | – |`,
    row(
      '`huiyuan refresh` daily, the whole CLI process (adds Node and DuckDB start-up)',
      seconds(daily),
      peakOf(daily),
    ),
    row('the same day refreshed again (its stored snapshot replaced)', seconds(replaced), peakOf(replaced)),
    row(
      "the store's first snapshot (every member's stage and tier is a change)",
      seconds(first),
      peakOf(first),
    ),
    row(
      'the daily refresh with the predictions of issue 6 (BG/NBD and Gamma-Gamma fitted, every member’s P(alive), expected purchases, CLV stored; the default config)',
      seconds(predicted),
      peakOf(predicted),
    ),
    '',
    `Targets (issue 4): within 3× the floor — ${ratio <= 3 ? 'met' : 'NOT met'} in process (${ratio.toFixed(2)}×; the whole CLI process ${(cli / floor).toFixed(2)}×); peak RSS under 4 GB — ${peak < 4096 ? 'met' : 'NOT met'} (${peak.toFixed(0)} MiB).`,
  ].join('\n');
  console.log(`\n${report}`);
  writeSection(
    'refresh-bench',
    report,
    '## Refresh (issue 4)\n\nA full refresh of the snapshot against the floor of one hand-written RFM query.\n\n',
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
