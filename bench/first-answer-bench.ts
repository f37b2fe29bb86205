/**
 * Time to the first answer (npm run bench, issue 15 item 7): a new user's first job is to import
 * the file their back office gives them and see RFM. Whole processes on UCI Online Retail
 * (OnlineRetail.csv.gz), medians of 3, alternating so a busy moment hits every side alike:
 *
 * - huiyuan: `huiyuan import FILE` into a fresh database, then `huiyuan rfm --all-customers`;
 * - a plain pandas script run by Debian's /usr/bin/python3 (python3-pandas): read the gz CSV,
 *   clean as the online-retail format does (drop cancellations, non-positive quantities and
 *   prices, lines without a customer), recency/frequency/monetary per customer, quintile scores;
 *   skipped with a note where pandas is not installed;
 * - one hand-written DuckDB query over the gz CSV, in a Node process with @duckdb/node-api.
 *
 * Targets: beat the pandas script in the same run; moonshot: within 2× of the DuckDB query.
 * Where huiyuan's time goes is measured alongside: a bare Node start, the CLI's start without
 * the database engine (`--help`), and the import and rfm processes separately.
 *
 * BENCH_ONLINE_RETAIL overrides the file's path.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { type Measured, measure, median, ROOT, spread, writeSection } from './measure.js';

const FILE = resolve(
  process.env.BENCH_ONLINE_RETAIL ??
    [join(ROOT, '..', 'shared'), join(ROOT, '..', '..', 'shared')]
      .map((shared) => join(shared, 'data', 'online-retail', 'OnlineRetail.csv.gz'))
      .find((path) => existsSync(path)) ??
    '/work/shared/data/online-retail/OnlineRetail.csv.gz',
);
const WORK = join(ROOT, '.bench', 'first-answer');
const PYTHON = '/usr/bin/python3';
const RUNS = 3;

/** The pandas script, as a user would write it in a notebook. Prints the customers scored. */
const PANDAS_SCRIPT = `
import sys
import pandas as pd
lines = pd.read_csv(sys.argv[1], dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": "Int64"}, parse_dates=["InvoiceDate"])
lines = lines[~lines["InvoiceNo"].str.startswith("C") & (lines["Quantity"] > 0) & (lines["UnitPrice"] > 0) & lines["CustomerID"].notna()]
lines["amount"] = lines["Quantity"] * lines["UnitPrice"]
as_of = lines["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
rfm = lines.groupby("CustomerID").agg(last=("InvoiceDate", "max"), frequency=("InvoiceNo", "nunique"), monetary=("amount", "sum"))
rfm["recency"] = (as_of - rfm["last"]).dt.days
rfm["r"] = pd.qcut(rfm["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
rfm["f"] = pd.qcut(rfm["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
rfm["m"] = pd.qcut(rfm["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
print(f"customers scored {len(rfm)}; champions (555) {((rfm.r == 5) & (rfm.f == 5) & (rfm.m == 5)).sum()}")
`;

/** The one hand-written DuckDB query, run by @duckdb/node-api in its own Node process. */
const DUCKDB_SCRIPT = `
import { DuckDBInstance } from '@duckdb/node-api';
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const reader = await connection.runAndReadAll(\`
  WITH lines AS (
    SELECT * FROM read_csv('\${process.argv[1].replaceAll("'", "''")}')
    WHERE InvoiceNo NOT LIKE 'C%' AND Quantity > 0 AND UnitPrice > 0 AND CustomerID IS NOT NULL),
  customers AS (
    SELECT CustomerID, max(InvoiceDate) AS last, count(DISTINCT InvoiceNo) AS frequency,
      sum(Quantity * UnitPrice) AS monetary FROM lines GROUP BY CustomerID),
  scored AS (
    SELECT 6 - ntile(5) OVER (ORDER BY date_diff('day', last, (SELECT max(InvoiceDate) FROM lines))) AS r,
      ntile(5) OVER (ORDER BY frequency) AS f, ntile(5) OVER (ORDER BY monetary) AS m FROM customers)
  SELECT count(*)::INTEGER AS scored, count(*) FILTER (WHERE r = 5 AND f = 5 AND m = 5)::INTEGER AS champions FROM scored\`);
const [row] = reader.getRowObjectsJson();
console.log(\`customers scored \${row.scored}; champions (555) \${row.champions}\`);
`;

interface Side {
  readonly name: string;
  readonly runs: number[];
  /** CPU seconds of each run, all threads (NaN without /usr/bin/time). */
  readonly cpu: number[];
  readonly output: string;
}

/** A whole process's wall time and, through /usr/bin/time, its CPU time (user + system). */
interface Timed extends Measured {
  readonly cpuSeconds: number;
}

const GNU_TIME = '/usr/bin/time';

/**
 * measure() with the process's CPU time as well: on a shared machine the wall time of a
 * multi-threaded engine grows with the others' load far more than its CPU time does.
 */
async function measureCpu(args: readonly string[], command = process.execPath): Promise<Timed> {
  if (!existsSync(GNU_TIME)) return { ...(await measure(args, command)), cpuSeconds: Number.NaN };
  const cpuFile = join(WORK, 'cpu-time.txt');
  const measured = await measure(['-f', '%U %S', '-o', cpuFile, command, ...args], GNU_TIME);
  const [user = Number.NaN, system = Number.NaN] = readFileSync(cpuFile, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  return { ...measured, cpuSeconds: user + system };
}

function pandasAvailable(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0;
}

const seconds = (m: Measured): number => m.seconds;
const cpuSeconds = (m: Timed): number => m.cpuSeconds;

async function main(): Promise<void> {
  if (!existsSync(FILE)) {
    console.log(`first-answer-bench: ${FILE} not found; skipped (set BENCH_ONLINE_RETAIL)`);
    return;
  }
  mkdirSync(WORK, { recursive: true });
  const db = join(WORK, 'online-retail.duckdb');
  const cli = (...args: string[]): string[] => ['bin/huiyuan.js', '--db', db, ...args];
  const withPandas = pandasAvailable();
  const loadBefore = loadavg()[0] ?? 0;

  const imports: Timed[] = [];
  const rfms: Timed[] = [];
  const pandas: Timed[] = [];
  const duckdb: Timed[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const path of [db, `${db}.wal`]) rmSync(path, { force: true });
    imports.push(await measureCpu(cli('import', FILE, '--quiet')));
    rfms.push(await measureCpu(cli('rfm', '--all-customers')));
    if (withPandas) pandas.push(await measureCpu(['-c', PANDAS_SCRIPT, FILE], PYTHON));
    duckdb.push(await measureCpu(['--input-type=module', '-e', DUCKDB_SCRIPT, FILE]));
    console.log(
      `run ${run + 1}: huiyuan ${(imports.at(-1)!.seconds + rfms.at(-1)!.seconds).toFixed(2)} s (import ${imports.at(-1)!.seconds.toFixed(2)} + rfm ${rfms.at(-1)!.seconds.toFixed(2)}), ` +
        `pandas ${withPandas ? `${pandas.at(-1)!.seconds.toFixed(2)} s` : 'skipped'}, duckdb ${duckdb.at(-1)!.seconds.toFixed(2)} s`,
    );
  }
  // Where the time goes: what any Node process pays, and what the CLI pays before the engine.
  const nodeStart: number[] = [];
  const cliStart: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    nodeStart.push((await measure(['-e', '0'])).seconds);
    cliStart.push((await measure(['bin/huiyuan.js', '--help'])).seconds);
  }

  const loadAfter = loadavg()[0] ?? 0;
  // The import's own work, from its summary line, against the whole process.
  const importWork = imports.map((m) => {
    const [, value, unit] = /rows read [\d,]+ · rejected [\d,]+ · ([\d.]+) (ms|s)/.exec(m.output) ?? [];
    return value === undefined ? Number.NaN : Number(value) / (unit === 'ms' ? 1000 : 1);
  });
  const huiyuan: Side = {
    name: '`huiyuan import OnlineRetail.csv.gz` (fresh db) then `huiyuan rfm --all-customers`',
    runs: imports.map((m, i) => m.seconds + (rfms[i]?.seconds ?? Number.NaN)),
    cpu: imports.map((m, i) => m.cpuSeconds + (rfms[i]?.cpuSeconds ?? Number.NaN)),
    output: /RFM as of [^\n]*/.exec(rfms.at(-1)?.output ?? '')?.[0] ?? '',
  };
  const sides: Side[] = [
    huiyuan,
    ...(withPandas
      ? [
          {
            name: 'a plain pandas script (read the gz CSV, clean, quintiles)',
            runs: pandas.map(seconds),
            cpu: pandas.map(cpuSeconds),
            output: pandas.at(-1)?.output.trim() ?? '',
          },
        ]
      : []),
    {
      name: 'one hand-written DuckDB query over the gz CSV (@duckdb/node-api)',
      runs: duckdb.map(seconds),
      cpu: duckdb.map(cpuSeconds),
      output: duckdb.at(-1)?.output.trim() ?? '',
    },
  ];
  const ours = median(huiyuan.runs);
  const row = (side: Side): string => {
    const time = median(side.runs);
    const against =
      side === huiyuan ? '1.00×' : `${(ours / time).toFixed(2)}× ${time < ours ? 'faster' : 'slower'}`;
    const cpu = median(side.cpu);
    return `| ${side.name}, median of ${RUNS} (${spread(side.runs)}) | ${time.toFixed(2)} s | ${against} | ${Number.isNaN(cpu) ? '–' : `${cpu.toFixed(2)} s`} | ${side.output} |`;
  };
  const pandasTime = withPandas ? median(pandas.map(seconds)) : Number.NaN;
  const duckdbTime = median(duckdb.map(seconds));
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${loadBefore.toFixed(1)} before the runs, ${loadAfter.toFixed(1)} after (the machine's other work slows every side, the multi-threaded ones most).`,
    '',
    `Input: UCI Online Retail, OnlineRetail.csv.gz (541,909 invoice lines). Whole processes, alternating runs.`,
    '',
    '| run | time | against huiyuan | CPU time (all threads) | answer |',
    '|---|---|---|---|---|',
    ...sides.map(row),
    ...(withPandas
      ? []
      : [
          '',
          `The pandas script was skipped: ${PYTHON} with pandas (Debian's python3-pandas) is not installed.`,
        ]),
    '',
    "Where huiyuan's time goes (medians of 3):",
    '',
    '| part | time | CPU time (all threads) |',
    '|---|---|---|',
    `| \`huiyuan import\`, the whole process | ${median(imports.map(seconds)).toFixed(2)} s | ${median(imports.map(cpuSeconds)).toFixed(2)} s |`,
    `| of it: the import's own work (the elapsed time its summary prints) | ${median(importWork).toFixed(2)} s | |`,
    `| \`huiyuan rfm --all-customers\`, the whole process | ${median(rfms.map(seconds)).toFixed(2)} s | ${median(rfms.map(cpuSeconds)).toFixed(2)} s |`,
    `| of each: a bare Node process (\`node -e 0\`) | ${median(nodeStart).toFixed(2)} s | |`,
    `| of each: the CLI's start without the database engine (\`huiyuan --help\`) | ${median(cliStart).toFixed(2)} s | |`,
    '',
    `Targets (issue 15): beat the pandas script — ${withPandas ? (ours < pandasTime ? `met (${(pandasTime / ours).toFixed(2)}× its time)` : `NOT met: ${(ours / pandasTime).toFixed(2)}× its time`) : 'not measured (no pandas)'}; ` +
      `moonshot within 2× of the DuckDB query — ${ours <= 2 * duckdbTime ? 'met' : `NOT met: ${(ours / duckdbTime).toFixed(2)}×`}.`,
    ...(Number.isNaN(median(huiyuan.cpu))
      ? []
      : [
          '',
          `By CPU time (what a busy machine shares out): huiyuan ${median(huiyuan.cpu).toFixed(2)} s, ` +
            `${withPandas ? `${(median(huiyuan.cpu) / median(pandas.map(cpuSeconds))).toFixed(2)}× the pandas script's, ` : ''}` +
            `${(median(huiyuan.cpu) / median(duckdb.map(cpuSeconds))).toFixed(2)}× the DuckDB query's.`,
        ]),
  ];
  const report = lines.join('\n');
  console.log(`\n${report}`);
  writeSection('first-answer-bench', report, '## Time to the first answer (issue 15)\n\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
