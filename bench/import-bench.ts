/**
 * Import benchmark (npm run bench): a generated store of about 10M orders, imported by the CLI
 * as a user runs it, against the floor measured in the same run: DuckDB's own read_csv loading
 * the same file into a plain table. Reports throughput, the ratio to the floor and peak RSS,
 * and writes them into docs/benchmarks.md between the import-bench markers.
 *
 * BENCH_CUSTOMERS (default 1,000,000) and BENCH_ORDERS_PER_CUSTOMER (default 10) size the store.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateStore } from '../src/demo/generate-store.js';
import { type Measured, measure, median, ROOT, spread, writeSection } from './measure.js';

const WORK = join(ROOT, '.bench');
const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const ordersPerCustomer = Number(process.env.BENCH_ORDERS_PER_CUSTOMER ?? 10);
const RUNS = 3;

async function measureFloor(file: string, db: string): Promise<{ seconds: number; rows: number }> {
  rmSync(db, { force: true });
  const instance = await DuckDBInstance.create(db);
  const connection = await instance.connect();
  const started = process.hrtime.bigint();
  await connection.run(`CREATE TABLE orders AS SELECT * FROM read_csv('${file}')`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const reader = await connection.runAndReadAll('SELECT count(*)::INTEGER AS n FROM orders');
  const rows = Number(reader.getRowObjectsJson()[0]?.n ?? 0);
  connection.closeSync();
  instance.closeSync();
  return { seconds, rows };
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const dataDir = join(WORK, `store-${customers}-${ordersPerCustomer}`);
  const ordersFile = join(dataDir, 'orders.csv');
  if (!existsSync(join(dataDir, 'truth.json'))) {
    console.log(`generating ${customers.toLocaleString('en-US')} customers into ${dataDir} …`);
    const started = Date.now();
    await generateStore(dataDir, { customers, seed: 2026, ordersPerCustomer });
    console.log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const sizeMb = statSync(ordersFile).size / 1024 / 1024;

  // Three runs each, alternating, so a busy moment on the machine hits both sides alike.
  const floors: { seconds: number; rows: number }[] = [];
  const firsts: Measured[] = [];
  const db = join(WORK, 'import.duckdb');
  const cli = ['bin/huiyuan.js', '--db', db, 'import', ordersFile, '--kind', 'orders', '--quiet'];
  for (let run = 0; run < RUNS; run++) {
    floors.push(await measureFloor(ordersFile, join(WORK, 'floor.duckdb')));
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    firsts.push(await measure(cli));
    console.log(
      `run ${run + 1}: floor ${floors.at(-1)?.seconds.toFixed(2)} s, import ${firsts.at(-1)?.seconds.toFixed(2)} s`,
    );
  }
  console.log(firsts.at(-1)?.output.trim());
  const again = await measure(cli);
  console.log(again.output.trim());
  const floor = { seconds: median(floors.map((f) => f.seconds)), rows: floors[0]?.rows ?? 0 };
  const first = {
    seconds: median(firsts.map((f) => f.seconds)),
    peakRssMb: Math.max(...firsts.map((f) => f.peakRssMb)),
  };

  const ratio = first.seconds / floor.seconds;
  const rows = floor.rows;
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
    '',
    `Input: generated store, ${customers.toLocaleString('en-US')} customers, orders.csv with ${rows.toLocaleString('en-US')} orders (${sizeMb.toFixed(0)} MiB).`,
    '',
    '| run | wall time | rows/s | vs floor | peak RSS |',
    '|---|---|---|---|---|',
    `| floor: DuckDB \`CREATE TABLE AS SELECT * FROM read_csv(file)\` (in-process), median of ${RUNS} (${spread(floors.map((f) => f.seconds))}) | ${floor.seconds.toFixed(2)} s | ${Math.round(rows / floor.seconds).toLocaleString('en-US')} | 1.00× | – |`,
    `| \`huiyuan import\` into an empty store (whole CLI process: validate, merge, record batch), median of ${RUNS} (${spread(firsts.map((f) => f.seconds))}) | ${first.seconds.toFixed(2)} s | ${Math.round(rows / first.seconds).toLocaleString('en-US')} | **${ratio.toFixed(2)}×** | ${first.peakRssMb.toFixed(0)} MiB |`,
    `| \`huiyuan import\` of the same file again (all unchanged) | ${again.seconds.toFixed(2)} s | ${Math.round(rows / again.seconds).toLocaleString('en-US')} | ${(again.seconds / floor.seconds).toFixed(2)}× | ${again.peakRssMb.toFixed(0)} MiB |`,
    '',
    `Targets (issue 2): import within 2× the floor — ${ratio <= 2 ? 'met' : 'NOT met'}; peak RSS under 2 GB — ${first.peakRssMb < 2048 && again.peakRssMb < 2048 ? 'met' : 'NOT met'}.`,
  ];
  const report = lines.join('\n');
  console.log(`\n${report}`);
  writeSection('import-bench', report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
