/**
 * Refresh benchmark (npm run bench): the daily `huiyuan refresh` with the default config (RFM,
 * tiers, lifecycle, tags and the predictions) on the realistic 1M-customer store with all five
 * entities imported (bench/full-store.ts), against the floor measured in the same run: one
 * hand-written DuckDB query computing R, F, M and their quintile cut points over the same
 * orders. Every row is timed twice, side by side: in this process like the floor's query (the
 * store opened before the clock), and as a whole process (Node and DuckDB start-up included)
 * against the floor's own whole process (FLOOR_PROCESS). Writes docs/benchmarks.md
 * between the refresh-bench markers.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { predictCustomers } from '../src/analytics/predict/predict.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { configSchema } from '../src/config/config.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { buildCustomerFactsSql } from '../src/analytics/facts/customer-facts.js';
import { getLocalDays } from '../src/analytics/facts/local-day.js';
import { ParamList, raw, type Query } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { BENCH_DIR, copyFullStore, prepareFullStore, rfmFloorSql } from './full-store.js';
import { type Measured, measure, median, writeSection } from './measure.js';

const DB = join(BENCH_DIR, 'refresh.duckdb');
/** Runs per row: 3, or the number given (`tsx bench/refresh-bench.ts 1` for a quick look). */
const RUNS = Number(process.argv[2] ?? 3);


/**
 * The floor as a whole process, to stand beside a whole `huiyuan refresh` process: Node starts,
 * loads DuckDB, opens the store read-only and runs the query (argv: database, query).
 */
const FLOOR_PROCESS = `
  import { DuckDBInstance } from '@duckdb/node-api';
  const [db, query] = process.argv.slice(1);
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'Asia/Shanghai'");
  await connection.run(query);
  connection.closeSync();
  instance.closeSync();`;

async function measureFloor(asOf: string): Promise<number> {
  const instance = await DuckDBInstance.create(DB, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'Asia/Shanghai'");
  const started = process.hrtime.bigint();
  await connection.run(rfmFloorSql(asOf));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  connection.closeSync();
  instance.closeSync();
  return seconds;
}

type Variant = 'default' | 'no_predictions';

/** The config file of each variant: the default config, or the predictions turned off. */
const CONFIGS: Readonly<Record<Variant, object>> = {
  default: {},
  no_predictions: { predict: { in_snapshot: false } },
};

const configPath = (variant: Variant): string => join(BENCH_DIR, `refresh-${variant}.config.json`);

/**
 * The refresh alone, in this process like the floor: the store opened and the day forgotten
 * before the clock starts; the refresh and the checkpoint that writes it into the database file
 * timed; the store closed after the clock stops, as the floor's is.
 */
async function measureInProcess(asOf: string, variant: Variant): Promise<number> {
  await forgetDay(asOf);
  const config = configSchema.parse(CONFIGS[variant]);
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

const refreshProcess = (variant: Variant, day: string): Promise<Measured> =>
  measure([
    'bin/huiyuan.js',
    '--db',
    DB,
    '--config',
    configPath(variant),
    'refresh',
    '--as-of',
    day,
    '--quiet',
  ]);

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

/** What a statement writes, to group a refresh's statements by: the table it creates or fills. */
function labelStatement(text: string): string {
  const match = /^\s*(?:CREATE (?:OR REPLACE )?TEMP TABLE|INSERT INTO|DELETE FROM)\s+"?(\w+)/i.exec(text);
  if (match?.[1]) return match[1];
  return /^\s*CHECKPOINT/i.test(text) ? 'the checkpoint' : 'other reads';
}

/**
 * One in-process daily refresh (default config) with every statement timed, as one line: the
 * time per table a statement creates or fills, and the rest (the fits and the expectations per
 * distinct history, in JavaScript).
 */
async function measureRefreshSteps(asOf: string): Promise<string> {
  await forgetDay(asOf);
  const config = configSchema.parse({});
  const store = await DuckDBStore.open({ path: DB, timezone: config.timezone, memoryLimit: config.memory_limit });
  const spent = new Map<string, number>();
  const timed = <A extends unknown[], R>(run: (query: Query, ...rest: A) => Promise<R>) =>
    async (query: Query, ...rest: A): Promise<R> => {
      const started = performance.now();
      try {
        return await run(query, ...rest);
      } finally {
        const label = labelStatement(query.sql);
        spent.set(label, (spent.get(label) ?? 0) + performance.now() - started);
      }
    };
  const steps: Store = {
    path: store.path,
    timezone: store.timezone,
    schemaVersion: store.schemaVersion,
    run: timed(store.run.bind(store)),
    query: timed(store.query.bind(store)) as Store['query'],
    queryNumbers: timed(store.queryNumbers.bind(store)),
    transaction: (work) => store.transaction(work),
    close: () => store.close(),
  };
  const started = performance.now();
  await refreshSnapshot(steps, { asOf, allCustomers: false, config });
  await steps.run(raw('CHECKPOINT'));
  const total = performance.now() - started;
  await store.close();
  const inDatabase = [...spent.values()].reduce((sum, ms) => sum + ms, 0);
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const parts = [...spent.entries()]
    .filter(([, ms]) => ms >= 20)
    .sort((a, b) => b[1] - a[1])
    .map(([label, ms]) => `${label} ${s(ms)}`);
  return `${s(total)} in all: ${parts.join(', ')}; in JavaScript (the fits, the expectations per distinct history) ${s(total - inDatabase)}`;
}

/** One in-process run of the prediction step alone, as a refresh runs it (on its customer facts), as one line. */
async function measurePredictionSteps(asOf: string): Promise<string> {
  const config = configSchema.parse({});
  const store = await DuckDBStore.open({
    path: DB,
    timezone: config.timezone,
    memoryLimit: config.memory_limit,
  });
  // The refresh's customer facts, untimed: the refresh computes them for every analysis.
  const localDays = await getLocalDays(store, asOf);
  const params = new ParamList();
  const facts = buildCustomerFactsSql({ asOf, localDays, firstDaySpend: true }, params);
  await store.run({ sql: `CREATE TEMP TABLE bench_facts AS ${facts}`, params: params.values });
  const started = performance.now();
  const result = await predictCustomers(store, {
    asOf,
    config: config.predict,
    localDays,
    factsTable: 'bench_facts',
  });
  const total = performance.now() - started;
  await store.close();
  if (result.status !== 'fitted') return 'not fitted (too few repeat buyers)';
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const t = result.timings_ms;
  return (
    `${s(total)} in all: the histories (x, t_x, T and the repeat value per customer, from the customer facts) and their distinct rows read as typed arrays ${s(t.prepare)}, ` +
    `the ${result.model === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD'} fit ${s(t.purchase)} (${result.purchase.rows.toLocaleString('en-US')} distinct histories), ` +
    `the Gamma-Gamma fit ${s(t.spend)} (${result.spend.rows.toLocaleString('en-US')} rows), ` +
    `every customer's predictions (one INSERT) ${s(result.predict_ms)}`
  );
}

interface Row {
  readonly label: string;
  readonly inProcess: readonly number[];
  readonly whole: readonly Measured[];
}

async function main(): Promise<void> {
  // The machine may be shared: the load when the runs start and end goes beside the figures.
  const loadAtStart = loadavg()[0] ?? 0;
  const full = await prepareFullStore();
  const { lastDay: asOf, dayBefore } = full;
  console.log(`copying ${full.db} to ${DB} …`);
  copyFullStore(full, DB);
  for (const variant of Object.keys(CONFIGS) as Variant[])
    writeFileSync(configPath(variant), JSON.stringify(CONFIGS[variant]));
  // Untimed set-up, as a store is on the morning of a daily refresh: opening migrates the
  // imported store once; the tiers were calibrated (every 6 months by default); yesterday's
  // snapshot is stored, with its predictions, so today's changes compare with it.
  await measure(['bin/huiyuan.js', '--db', DB, 'tiers', '--calibrate', '--as-of', dayBefore]);
  await refreshProcess('default', dayBefore);
  // The breakdowns first, so that a failure in them shows before the timed runs.
  const steps = await measureRefreshSteps(asOf);
  const breakdown = await measurePredictionSteps(asOf);
  console.log(`steps: ${steps}\nprediction step: ${breakdown}`);

  const floors: number[] = [];
  const floorProcesses: Measured[] = [];
  const rows: Record<'daily' | 'plain' | 'again', { inProcess: number[]; whole: Measured[] }> = {
    daily: { inProcess: [], whole: [] },
    plain: { inProcess: [], whole: [] },
    again: { inProcess: [], whole: [] },
  };
  for (let run = 0; run < RUNS; run++) {
    floors.push(await measureFloor(asOf));
    floorProcesses.push(await measure(['--input-type=module', '-e', FLOOR_PROCESS, DB, rfmFloorSql(asOf)]));
    // The daily refresh stores a day not stored yet; refreshing a stored day again replaces it,
    // and deleting its rows costs DuckDB a checkpoint at the commit.
    rows.daily.inProcess.push(await measureInProcess(asOf, 'default'));
    await forgetDay(asOf);
    rows.daily.whole.push(await refreshProcess('default', asOf));
    rows.again.whole.push(await refreshProcess('default', asOf));
    rows.plain.inProcess.push(await measureInProcess(asOf, 'no_predictions'));
    await forgetDay(asOf);
    rows.plain.whole.push(await refreshProcess('no_predictions', asOf));
    console.log(
      `run ${run + 1}: floor ${floors.at(-1)?.toFixed(2)} s (process ${floorProcesses.at(-1)?.seconds.toFixed(2)} s), ` +
        `daily ${rows.daily.inProcess.at(-1)?.toFixed(2)} s (process ${rows.daily.whole.at(-1)?.seconds.toFixed(2)} s), ` +
        `again (process) ${rows.again.whole.at(-1)?.seconds.toFixed(2)} s, ` +
        `without predictions ${rows.plain.inProcess.at(-1)?.toFixed(2)} s (process ${rows.plain.whole.at(-1)?.seconds.toFixed(2)} s)`,
    );
  }
  // The first snapshot of a store: every member's stage and tier is a change.
  const first: Measured[] = [];
  for (let run = 0; run < RUNS; run++) {
    await forgetDay(dayBefore);
    await forgetDay(asOf);
    first.push(await refreshProcess('default', asOf));
  }
  console.log(rows.daily.whole.at(-1)?.output.trim());

  const floor = median(floors);
  const floorProcess = median(floorProcesses.map((r) => r.seconds));
  const seconds = (runs: readonly Measured[]): number[] => runs.map((r) => r.seconds);
  const range = (values: readonly number[]): string =>
    values.length ? ` (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})` : '';
  const cell = (values: readonly number[], base: number, bold = false): string => {
    if (!values.length) return '– | –';
    const value = median(values);
    const ratio = `${(value / base).toFixed(2)}×`;
    return `${value.toFixed(2)} s${range(values)} | ${bold ? `**${ratio}**` : ratio}`;
  };
  const line = (row: Row, bold = false): string => {
    const peak = row.whole.length ? `${Math.max(...row.whole.map((r) => r.peakRssMb)).toFixed(0)} MiB` : '–';
    return `| ${row.label} | ${cell(row.inProcess, floor, bold)} | ${cell(seconds(row.whole), floorProcess, bold)} | ${peak} |`;
  };
  const daily = median(rows.daily.inProcess) / floor;
  const dailyProcess = median(seconds(rows.daily.whole)) / floorProcess;
  const allRuns = [...rows.daily.whole, ...rows.again.whole, ...rows.plain.whole, ...first];
  const peak = Math.max(...allRuns.map((r) => r.peakRssMb));
  const members = /([\d,]+) members/.exec(rows.daily.whole.at(-1)?.output ?? '')?.[1] ?? '?';
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; medians of ${RUNS} (range in brackets); load average ${loadAtStart.toFixed(1)} when the runs started and ${(loadavg()[0] ?? 0).toFixed(1)} when they ended (above the cores, other processes shared them and every figure, the floor's too, is slower and noisier).`,
    '',
    `Store: the realistic 1,000,000-customer store of bench/full-store.ts (all five entities imported: customers, orders, order lines, sessions, feedback), as of ${asOf}, with the tiers calibrated and the snapshot of ${dayBefore} stored.`,
    '',
    `A refresh here, with the default config: RFM, tier (under the stored calibration), lifecycle stage and rule, the behaviour tags (activity over the sessions, emotion over the feedback) of every member (${members}), and the predictions (MBG/NBD and Gamma-Gamma fitted once, every customer's P(alive), expected purchases, spend and CLV), stored; the stage and tier changes derived.`,
    '',
    '| run | in process | vs floor | whole process | vs floor process | peak RSS |',
    '|---|---|---|---|---|---|',
    `| floor: one DuckDB query, R/F/M per member and their quintile cut points | ${floor.toFixed(2)} s${range(floors)} | 1.00× | ${floorProcess.toFixed(2)} s${range(seconds(floorProcesses))} | 1.00× | – |`,
    line({ label: '**the daily `huiyuan refresh`, default config (predictions on)**', ...rows.daily }, true),
    line({ label: 'the same day refreshed again (its stored snapshot replaced)', ...rows.again }),
    line({ label: 'the daily refresh without predictions (`predict.in_snapshot: false`)', ...rows.plain }),
    line({
      label: "the store's first snapshot (every member's stage and tier is a change)",
      inProcess: [],
      whole: first,
    }),
    '',
    `In process: the store opened before the clock, the refresh and its checkpoint into the file timed, as the floor's query alone is. Whole process: \`node bin/huiyuan.js refresh\` against a \`node\` process that opens the store and runs the floor's query (both with Node and DuckDB start-up).`,
    '',
    `Where the prediction step's time goes (one in-process run of predictCustomers): ${breakdown}.`,
    '',
    `Where the daily refresh's time goes (one more in-process run, every statement timed, grouped by the table it creates or fills; hy_snap_facts is the customer facts, in one pass over the orders, that every analysis and the predictions read): ${steps}.`,
    '',
    "The activity tags' scan of the sessions reads only the trailing window: the import stores sessions by month, then by customer (src/ingest/merge-rows.ts), so DuckDB skips the row groups whose started_at lies before the window by their min/max.",
    '',
    `Targets (issue 15): the default daily refresh within 3× the floor — ${daily <= 3 ? 'met' : 'NOT met'} in process (${daily.toFixed(2)}×), whole process ${dailyProcess.toFixed(2)}×; peak RSS under 4 GB — ${peak < 4096 ? 'met' : 'NOT met'} (${peak.toFixed(0)} MiB).`,
  ].join('\n');
  console.log(`\n${report}`);
  writeSection(
    'refresh-bench',
    report,
    '## Refresh (issues 4, 15)\n\nThe daily refresh of the snapshot against the floor of one hand-written RFM query.\n\n',
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
