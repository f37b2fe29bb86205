/**
 * Rules benchmark (npm run bench): the rule engine's enrollment on the realistic 1M-customer
 * store (bench/full-store.ts), against the RFM floor (rfmFloorSql) measured in the same run.
 *
 * - one enroll tick over every example rule (examples/rules/*.yaml, all enabled) when no action
 *   is due: the last day's occurrences read, tested against the audience and enrolled (target ≤ 3×);
 * - a 12-month backtest of each example rule (target ≤ 10× each).
 *
 * Untimed set-up on a copy of the store: tiers calibrated on the first month end, a snapshot at
 * each of the 13 month ends the backtests read, the rules applied and enabled.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/config.js';
import { backtestRule } from '../src/rules/engine/backtest.js';
import { enroll, getClock, listActiveRules } from '../src/rules/engine/enroll.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw } from '../src/store/sql.js';
import { BENCH_DIR, copyFullStore, prepareFullStore, rfmFloorSql } from './full-store.js';
import { measure, median, spread, ROOT, writeSection } from './measure.js';

const DB = join(BENCH_DIR, 'rules.duckdb');
const RUNS = 3;
const config = configSchema.parse({});

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

async function timeRuns(work: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    await work();
    times.push(seconds(started));
  }
  return times;
}

/** Whether DB already holds the set-up: a snapshot at every month end and the example rules. */
async function isSetUp(ends: readonly string[]): Promise<boolean> {
  if (!existsSync(DB)) return false;
  const store = await DuckDBStore.open({ path: DB, timezone: config.timezone });
  try {
    const [row] = await store.query<{ days: number; rules: number }>(
      raw(`SELECT (SELECT count(DISTINCT as_of) FROM snapshots WHERE as_of::VARCHAR IN (${ends.map((d) => `'${d}'`).join(', ')}))::INTEGER AS days,
        (SELECT count(*) FROM rules)::INTEGER AS rules`),
    );
    return row?.days === ends.length && (row?.rules ?? 0) > 0;
  } finally {
    await store.close();
  }
}

/** The last day of each of the 13 months ending with `lastDay`'s month. */
function monthEnds(lastDay: string): string[] {
  const [year, month] = lastDay.split('-').map(Number) as [number, number];
  return Array.from({ length: 13 }, (_, i) =>
    new Date(Date.UTC(year, month - 12 + i, 0)).toISOString().slice(0, 10),
  );
}

async function main(): Promise<void> {
  const full = await prepareFullStore();
  const asOf = full.lastDay;
  const ends = monthEnds(asOf);
  const from = new Date(Date.parse(`${ends[0]}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  if (!(await isSetUp(ends))) {
    rmSync(`${DB}.wal`, { force: true });
    copyFullStore(full, DB);
    console.log(
      `set-up (untimed): tiers calibrated, ${ends.length} month-end snapshots, the example rules applied …`,
    );
    const cli = (...args: string[]): string[] => ['bin/huiyuan.js', '--db', DB, ...args];
    await measure(cli('tiers', '--calibrate', '--as-of', ends[0] ?? asOf));
    for (const day of ends) await measure(cli('refresh', '--as-of', day, '--quiet'));
    const rules = readdirSync(join(ROOT, 'examples', 'rules')).filter((name) => name.endsWith('.yaml'));
    await measure(cli('rules', 'apply', ...rules.map((name) => join(ROOT, 'examples', 'rules', name))));
  } else console.log(`set-up found in ${DB} (the snapshots and rules of an earlier run)`);
  const store = await DuckDBStore.open({
    path: DB,
    timezone: config.timezone,
    memoryLimit: config.memory_limit,
  });
  try {
    const ids = (await store.query<{ id: string }>(raw('SELECT id FROM rules ORDER BY id'))).map((r) => r.id);
    await store.run(raw(`UPDATE rules SET status = 'active'`));
    // What an earlier run enrolled is cleared: every run starts from rules that never ticked.
    for (const table of ['rule_enrollments', 'rule_decisions', 'rule_cursors', 'signals'])
      await store.run(raw(`DELETE FROM ${table}`));
    // A cold snap on the last day, so the signal rule has an occurrence.
    await store.run(
      raw(
        `INSERT INTO signals VALUES ('sig_bench', '降温', [], ['华北', '东北'], NULL, TIMESTAMPTZ '${asOf} 08:00:00', now())`,
      ),
    );
    const loadAtStart = loadavg()[0] ?? 0;
    const floors = await timeRuns(() => store.query(raw(rfmFloorSql(asOf))));
    const floor = median(floors);
    console.log(`floor: ${floor.toFixed(2)} s`);
    const clock = await getClock(store, asOf);
    // Dry runs stage exactly what a tick stages and write nothing, so every run reads the same day.
    const ticks = await timeRuns(() => enroll(store, config, { clock, dryRun: true }));
    let written = 0;
    const started = process.hrtime.bigint();
    const result = await enroll(store, config, { clock });
    const writtenTick = seconds(started);
    for (const rule of result.rules) written += rule.entered;
    console.log(
      `tick: ${median(ticks).toFixed(2)} s dry, ${writtenTick.toFixed(2)} s written (${written} enrollments)`,
    );
    const backtests: { id: string; seconds: number; entered: number }[] = [];
    for (const id of ids) {
      const begun = process.hrtime.bigint();
      const backtest = await backtestRule(store, config, id, { from, to: asOf });
      backtests.push({ id, seconds: seconds(begun), entered: backtest.totals.entered });
      console.log(
        `backtest ${id}: ${backtests.at(-1)?.seconds.toFixed(2)} s, ${backtest.totals.entered} enrollments`,
      );
    }
    const active = (await listActiveRules(store)).length;
    const ratio = (value: number): string => `${(value / floor).toFixed(2)}×`;
    const tick = median(ticks);
    const worst = Math.max(...backtests.map((b) => b.seconds));
    const body = [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, in one process with the store open (like the floor); load average ${loadAtStart.toFixed(1)} when the timed part began.`,
      '',
      `Store: the realistic 1M-customer store (bench/full-store.ts), with an untimed set-up: tiers calibrated on ${ends[0]}, a snapshot (default config) at each of the ${ends.length} month ends ${ends[0]} … ${ends.at(-1)}, the ${active} example rules of examples/rules/ applied and all enabled, and a 降温 signal for 华北 and 东北 on ${asOf}.`,
      '',
      '| what | time | vs floor | target | |',
      '|---|---:|---:|---:|---|',
      `| one enroll tick, all ${active} rules, clock the end of ${asOf}, nothing due (median of ${RUNS} dry runs, ${spread(ticks)}) | ${tick.toFixed(2)} s | **${ratio(tick)}** | ≤ 3× | ${tick <= 3 * floor ? 'met' : '**missed**'} |`,
      `| the same tick written (${written.toLocaleString('en-US')} enrollments, their decisions, the cursors) | ${writtenTick.toFixed(2)} s | ${ratio(writtenTick)} | – | |`,
      ...backtests.map(
        (b) =>
          `| 12-month backtest (${from} … ${asOf}) of \`${b.id}\` (${b.entered.toLocaleString('en-US')} enrollments, with its overlap with the other ${active - 1}) | ${b.seconds.toFixed(2)} s | ${ratio(b.seconds)} | ≤ 10× | ${b.seconds <= 10 * floor ? 'met' : '**missed**'} |`,
      ),
      '',
      `The floor is bench/full-store.ts's RFM query (R/F/M of every member and their quintile cut points): ${floor.toFixed(2)} s, median of ${RUNS} (${spread(floors)}). Targets (issue 11): the tick within 3× the floor — ${tick <= 3 * floor ? 'met' : 'NOT met'} (${ratio(tick)}); each 12-month backtest within 10× — ${worst <= 10 * floor ? 'met' : 'NOT met'} (the slowest ${ratio(worst)}).`,
    ].join('\n');
    writeSection('rules-bench', body, '## Rules (preset conditions, 预设条件)\n\n');
    console.log(body);
  } finally {
    await store.close();
  }
}

await main();
