/**
 * The demo store end to end: generated, imported through the real importer, its truth recorded,
 * and the stored figures equal to what the generator counted while writing the files.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStatus } from '../src/analytics/status.js';
import { loadDemo, type LoadedDemo } from '../src/demo/load-demo.js';
import { ENTITY_KINDS } from '../src/store/entities.js';
import { raw } from '../src/store/sql.js';
import { fingerprint, makeTempDir, openTempStore, readCsv, runCli, type TempStore } from './helpers.js';

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
