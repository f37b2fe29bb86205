/**
 * The demo store end to end: generated, imported through the real importer, its truth recorded,
 * and the stored figures equal to what the generator counted while writing the files. Then the
 * `huiyuan demo` command as a new user meets it: its monitor alerts on the anomalies the truth
 * says were planted and nowhere else, its report is named after its database, it refuses a
 * database holding data, copes with a store too small for communities, refuses a store the disk
 * cannot hold, and leaves no temporary files when stopped.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStatus } from '../src/analytics/status.js';
import type { GeneratorAnomaly } from '../src/demo/generate-store.js';
import { loadDemo, type LoadedDemo } from '../src/demo/load-demo.js';
import { listAlerts, type AlertRow } from '../src/monitor/monitor.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { ENTITY_KINDS } from '../src/store/entities.js';
import { raw } from '../src/store/sql.js';
import { fingerprint, makeTempDir, openTempStore, readCsv, ROOT, runCli, type TempStore } from './helpers.js';

let temp: TempStore;
let demo: LoadedDemo;
const options = { customers: 2000, seed: 5 };

beforeAll(async () => {
  temp = await openTempStore();
  demo = await loadDemo(temp.store, { ...options, rejectsDir: join(temp.dir, 'rejects') });
});
afterAll(async () => {
  await temp.cleanup();
});

describe('huiyuan demo', () => {
  it('imports every generated row, rejecting none', () => {
    for (const result of demo.imports) {
      expect(result.rejected).toBe(0);
      expect(result.inserted).toBe(demo.generated.rows[result.kind]);
    }
  });

  it('stores the counts and GMV the generator recorded in its truth', async () => {
    const status = await getStatus(temp.store);
    const counts = demo.generated.truth.counts;
    expect(status.counts.customers).toBe(counts.customers);
    expect(status.counts.members).toBe(counts.members);
    expect(status.counts.orders).toBe(counts.orders);
    expect(status.counts.guest_orders).toBe(counts.guest_orders);
    expect(status.counts.order_lines).toBe(counts.order_lines);
    expect(status.counts.sessions).toBe(counts.sessions);
    expect(status.counts.feedback).toBe(counts.feedback);
    expect(status.gmv).toBe(counts.gmv);
    expect(status.refunded).toBe(counts.refunded);
  });

  it('records the true purchase-process parameters in the database', async () => {
    const [row] = await temp.store.query<{ seed: string; truth: string }>(
      raw(`SELECT seed::VARCHAR AS seed, truth::VARCHAR AS truth FROM generator_truth`),
    );
    const truth = JSON.parse(row!.truth) as { purchase: { r: number; alpha: number; a: number; b: number } };
    expect(row!.seed).toBe(String(options.seed));
    expect(truth.purchase).toMatchObject({
      r: demo.generated.truth.purchase.r,
      alpha: demo.generated.truth.purchase.alpha,
      a: demo.generated.truth.purchase.a,
      b: demo.generated.truth.purchase.b,
    });
  });

  it('loading the same demo again changes no stored row', async () => {
    const before = await fingerprint(temp.store, [
      'customers',
      'orders',
      'order_lines',
      'sessions',
      'feedback',
    ]);
    const again = await loadDemo(temp.store, { ...options, rejectsDir: join(temp.dir, 'rejects') });
    for (const result of again.imports) expect(result.unchanged).toBe(demo.generated.rows[result.kind]);
    expect(
      await fingerprint(temp.store, ['customers', 'orders', 'order_lines', 'sessions', 'feedback']),
    ).toBe(before);
  });
});

describe('huiyuan generate', () => {
  it('writes canonical files that import clean, with the row counts it prints', () => {
    const dir = makeTempDir();
    const generated = runCli(['generate', '--out', dir, '--customers', '500', '--seed', '3']);
    expect(generated.status).toBe(0);
    const files = ['customers.csv', 'orders.csv', 'order_lines.csv', 'sessions.csv', 'feedback.csv'].map(
      (f) => join(dir, f),
    );
    for (const [index, file] of files.entries()) {
      const rows = readCsv(file).length;
      expect(generated.stdout).toContain(`${file}  ${rows.toLocaleString('en-US')} rows`);
      const imported = runCli([
        '--db',
        join(dir, 'g.duckdb'),
        'import',
        file,
        '--kind',
        ENTITY_KINDS[index]!,
      ]);
      expect(imported.status).toBe(0);
      expect(imported.stdout).toContain(`rows read ${rows.toLocaleString('en-US')} · rejected 0`);
      expect(imported.stdout).toContain(`inserted ${rows.toLocaleString('en-US')} · updated 0`);
    }
  });

  it('refuses an --out that is a file', () => {
    const run = runCli(['generate', '--out', join(process.cwd(), 'package.json')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/is a file, not a folder/);
  });
});

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('huiyuan demo, the command', () => {
  const dir = makeTempDir();
  const db = join(dir, 'small.duckdb');
  let run: ReturnType<typeof runCli>;
  let alerts: AlertRow[];
  let conditions: { day: string; check: string; subject: string }[];
  let anomalies: GeneratorAnomaly[];

  beforeAll(async () => {
    // The default demo: 20,000 customers, seed 11.
    run = runCli(['--db', db, 'demo', '--quiet']);
    const store = await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' });
    try {
      alerts = await listAlerts(store);
      conditions = await store.query(
        raw(`SELECT day::VARCHAR AS day, check_name AS check, subject FROM monitor_conditions ORDER BY day`),
      );
      const [row] = await store.query<{ truth: string }>(
        raw('SELECT truth::VARCHAR AS truth FROM generator_truth'),
      );
      anomalies = (JSON.parse(row!.truth) as { anomalies: GeneratorAnomaly[] }).anomalies;
    } finally {
      await store.close();
    }
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the report beside the database, named after it', () => {
    expect(run.status).toBe(0);
    expect(existsSync(join(dir, 'small.report.html'))).toBe(true);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
    expect(run.stdout).toContain(`report written to ${join(dir, 'small.report.html')}`);
  });

  it('opens the activity and refund alerts on the days the truth planted them, open at the end', () => {
    const drop = anomalies.find((a) => a.kind === 'activity_drop')!;
    const spike = anomalies.find((a) => a.kind === 'refund_spike')!;
    const find = (check: string, subject: string) =>
      alerts.find((a) => a.check === check && a.subject === subject);
    expect(find('activity', 'page_views')).toMatchObject({ first_seen: drop.from, resolved_on: null });
    expect(find('emotion', 'refunds')).toMatchObject({ first_seen: spike.from, resolved_on: null });
    expect(drop.to).toBe('2026-10-31');
    expect(spike.to).toBe('2026-10-31');
  });

  it('finds nothing on the other days it monitored', () => {
    const planted = (day: string) => anomalies.some((a) => day >= a.from && day <= a.to);
    const elsewhere = conditions.filter((c) => !planted(c.day));
    // 30 days monitored; a clean store has at most one false alert per 90 days (test/monitor.test.ts).
    expect(conditions.length).toBeGreaterThan(0);
    expect(elsewhere.length).toBeLessThanOrEqual(1);
    expect(alerts.filter((a) => !planted(a.first_seen)).length).toBeLessThanOrEqual(1);
  });

  it('refuses a database that already holds data in one line, writing nothing', () => {
    const before = sha256(db);
    const again = runCli(['--db', db, 'demo', '--quiet', '--customers', '500', '--seed', '2']);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(
      /already holds data \(20,000 customers, .*\): the demo needs a database of its own/,
    );
    expect(sha256(db)).toBe(before);
  });
});

describe('huiyuan demo at the edges', () => {
  it('writes a report without communities for a single customer', () => {
    const dir = makeTempDir();
    try {
      const run = runCli(['--db', join(dir, 'one.duckdb'), 'demo', '--quiet', '--customers', '1']);
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('the report has no communities section');
      const report = readFileSync(join(dir, 'one.report.html'), 'utf8');
      expect(report).toMatch(/会员人数不足，无法分群：截至 \d{4}-\d{2}-\d{2} 有购买的会员 [01] 位/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a store the disk cannot hold, before creating anything', () => {
    const dir = makeTempDir();
    try {
      // 10^10 customers: about 20 TB.
      const run = runCli(['--db', join(dir, 'huge.duckdb'), 'demo', '--quiet', '--customers', '10000000000']);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(
        /need about 12500\.0 GB of temporary files in .* and 7500\.0 GB of database/,
      );
      expect(run.stderr).toMatch(
        /needs about 20000\.0 GB of disk and only .* is free: ask for fewer customers/,
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('removes its temporary folder when stopped by SIGTERM during generation', async () => {
    const dir = makeTempDir();
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    try {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bin', 'huiyuan.js'),
          '--db',
          join(dir, 'big.duckdb'),
          'demo',
          '--quiet',
          '--customers',
          '3000000',
        ],
        { env: { ...process.env, TMPDIR: temp }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait until generation has written files into its folder.
      const started = Date.now();
      const hasFiles = () =>
        readdirSync(temp).some((folder) => {
          const files = readdirSync(join(temp, folder));
          return files.length > 0;
        });
      while (!hasFiles()) {
        if (Date.now() - started > 60_000) throw new Error(`the demo wrote no files: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(readdirSync(temp)[0]).toMatch(/^huiyuan-demo-/);
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(readdirSync(temp)).toEqual([]);
      expect(stderr).toContain('demo stopped (SIGTERM): removed its temporary files');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
