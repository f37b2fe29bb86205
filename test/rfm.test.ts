/**
 * RFM on a hand-built store (test/fixtures/rfm, timezone Asia/Shanghai, as of 2024-06-30). Every
 * figure below was worked out by hand from the fixture rows; the working is in the comments.
 *
 * Members scored (n = 10), recency days / frequency / net monetary:
 *   A 0 / 1 / 100   (23:59 on the as-of day counts; 00:00:30 the next day does not)
 *   B 29 / 1 / 100  (the August order is after the as-of day)
 *   C 10 / 2 / 400  (c2 is 2024-06-19T16:30Z = 2024-06-20 00:30 store time)
 *   D 20 / 3 / 150
 *   E 167 / 1 / 0   (paid 80, refunded 80: still a purchase)
 *   F 150 / 1 / -60 (paid 30; a refund-only order refunds 90)
 *   G 5 / 3 / 1800  (two orders on 2024-06-25)
 *   H 1 / 1 / 60    (the cancelled and unpaid orders are not purchases)
 *   I 212 / 1 / 100
 *   J 10 / 2 / 400  (equal to C)
 * Not scored: R1 (only a refund-only order: monetary -40), E1 (joined 23:00 on the as-of day, no
 * orders). Not counted: E2 (joined after the day) and N1 (not a member), unless allCustomers.
 * Guest orders never.
 *
 * Quintile cut points, ranks ceil(j·10/5) = 2, 4, 6, 8 of the sorted values:
 *   recency   0 1 5 10 10 20 29 150 167 212       → [1, 10, 20, 150]
 *   frequency 1 1 1 1 1 1 2 2 3 3                  → [1, 1, 1, 2]
 *   monetary  -60 0 60 100 100 100 150 400 400 1800 → [0, 100, 100, 400]
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRfmCustomers, getRfmSummary, type RfmCustomer } from '../src/analytics/rfm/rfm.js';
import { configSchema, type RfmConfig } from '../src/config/config.js';
import { importFile } from '../src/ingest/import-file.js';
import { EXAMPLES, makeTempDir, openTempStore, ROOT, runCli, type TempStore } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'rfm');
const AS_OF = '2024-06-30';
const defaults = (rfm: object = {}): RfmConfig => configSchema.parse({ rfm }).rfm;

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('Asia/Shanghai');
  for (const file of ['customers.csv', 'orders.csv'])
    await importFile(temp.store, join(FIXTURE, file), { rejectsDir: join(temp.dir, 'rejects') });
});
afterAll(async () => {
  await temp.cleanup();
});

async function scoreById(config = defaults(), allCustomers = false): Promise<Map<string, RfmCustomer>> {
  const rows = await getRfmCustomers(temp.store, { asOf: AS_OF, allCustomers, config });
  return new Map(rows.map((row) => [row.customer_id, row]));
}

const pick = (c: RfmCustomer | undefined) =>
  c && [c.recency_days, c.frequency, c.monetary, c.r, c.f, c.m, c.fm, c.score, c.segment];

describe('RFM as of a day, members', () => {
  it('counts members only: no guests, no non-members, no one who joined after the day', async () => {
    const byId = await scoreById();
    expect([...byId.keys()].sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'E1', 'F', 'G', 'H', 'I', 'J', 'R1']);
  });

  it('gives recency, frequency, monetary, scores and segment as worked out by hand', async () => {
    const byId = await scoreById();
    // R bins by cuts [1,10,20,150], reversed; F by [1,1,1,2]; M by [0,100,100,400];
    // FM = round half up of (F+M)/2; score = (R+F+M)/3 to two decimals.
    expect(pick(byId.get('A'))).toEqual([0, 1, '100.00', 5, 1, 2, 2, 2.67, 'potential_loyalist']);
    expect(pick(byId.get('B'))).toEqual([29, 1, '100.00', 2, 1, 2, 2, 1.67, 'hibernating']);
    expect(pick(byId.get('C'))).toEqual([10, 2, '400.00', 4, 4, 4, 4, 4, 'loyal']);
    expect(pick(byId.get('D'))).toEqual([20, 3, '150.00', 3, 5, 4, 5, 4, 'loyal']);
    expect(pick(byId.get('E'))).toEqual([167, 1, '0.00', 1, 1, 1, 1, 1, 'lost']);
    expect(pick(byId.get('F'))).toEqual([150, 1, '-60.00', 2, 1, 1, 1, 1.33, 'hibernating']);
    expect(pick(byId.get('G'))).toEqual([5, 3, '1800.00', 4, 5, 5, 5, 4.67, 'loyal']);
    expect(pick(byId.get('H'))).toEqual([1, 1, '60.00', 5, 1, 2, 2, 2.67, 'potential_loyalist']);
    expect(pick(byId.get('I'))).toEqual([212, 1, '100.00', 1, 1, 2, 2, 1.33, 'hibernating']);
    expect(pick(byId.get('J'))).toEqual([10, 2, '400.00', 4, 4, 4, 4, 4, 'loyal']);
  });

  it('gives equal values exactly at a quintile cut the same score', async () => {
    const byId = await scoreById();
    // recency 10 is the cut at rank 4 and also rank 5 (C and J); monetary 100 is the cut at
    // ranks 4 and 6 (A, B, I); H's recency 1 is the cut at rank 2.
    expect(new Set(['C', 'J'].map((id) => byId.get(id)?.r))).toEqual(new Set([4]));
    expect(new Set(['A', 'B', 'I'].map((id) => byId.get(id)?.m))).toEqual(new Set([2]));
    expect([byId.get('A')?.r, byId.get('H')?.r]).toEqual([5, 5]);
  });

  it('leaves members without a purchase unscored, as no_purchase, with their refunds in monetary', async () => {
    const byId = await scoreById();
    expect(pick(byId.get('R1'))).toEqual([null, 0, '-40.00', null, null, null, null, null, 'no_purchase']);
    expect(pick(byId.get('E1'))).toEqual([null, 0, '0.00', null, null, null, null, null, 'no_purchase']);
  });

  it('summarises segments with the cut points used', async () => {
    const summary = await getRfmSummary(temp.store, { asOf: AS_OF, config: defaults() });
    expect(summary.cut_points).toEqual({
      recency_days: [1, 10, 20, 150],
      frequency: [1, 1, 1, 2],
      monetary: ['0.00', '100.00', '100.00', '400.00'],
    });
    expect([summary.customers, summary.scored_customers]).toEqual([12, 10]);
    const counts = Object.fromEntries(
      summary.segments.filter((s) => s.customers).map((s) => [s.segment, s.customers]),
    );
    expect(counts).toEqual({ potential_loyalist: 2, hibernating: 3, loyal: 4, lost: 1, no_purchase: 2 });
    const loyal = summary.segments.find((s) => s.segment === 'loyal');
    // C, D, G, J: recency (10+20+5+10)/4, frequency (2+3+3+2)/4, monetary 2750/4; Σ all = 3010.
    expect(loyal?.mean_recency_days).toBe(11.25);
    expect(loyal?.mean_frequency).toBe(2.5);
    expect(loyal?.mean_monetary).toBe('687.50');
    expect(loyal?.monetary).toBe('2750.00');
    expect(loyal?.share).toBeCloseTo(4 / 12, 12);
    expect(loyal?.revenue_share).toBeCloseTo(2750 / 3010, 12);
    expect(summary.segments.find((s) => s.segment === 'no_purchase')?.label_zh).toBe('未购买');
  });
});

describe('RFM options', () => {
  it('with allCustomers adds non-members and members-to-be, never guests, and recomputes the cuts', async () => {
    const byId = await scoreById(defaults(), true);
    expect(byId.size).toBe(14);
    expect(pick(byId.get('N1'))?.slice(0, 3)).toEqual([2, 1, '250.00']);
    expect(pick(byId.get('E2'))?.slice(0, 3)).toEqual([15, 1, '70.00']);
    // n = 12: ranks ceil(j·12/5) = 3, 5, 8, 10.
    const summary = await getRfmSummary(temp.store, { asOf: AS_OF, allCustomers: true, config: defaults() });
    expect(summary.cut_points).toEqual({
      recency_days: [2, 10, 20, 150],
      frequency: [1, 1, 1, 2],
      monetary: ['60.00', '100.00', '150.00', '400.00'],
    });
  });

  it('counts distinct purchase days as frequency when asked', async () => {
    const byId = await scoreById(defaults({ frequency: 'order_days' }));
    expect(byId.get('G')?.frequency).toBe(2);
    expect(byId.get('D')?.frequency).toBe(3);
  });

  it('uses gross monetary when asked', async () => {
    const byId = await scoreById(defaults({ monetary: 'gross' }));
    expect([byId.get('E')?.monetary, byId.get('F')?.monetary, byId.get('R1')?.monetary]).toEqual([
      '80.00',
      '30.00',
      '0.00',
    ]);
  });

  it("scores by the store's breakpoints, a value on a breakpoint taking the lower bin", async () => {
    const config = defaults({
      scoring: 'breakpoints',
      breakpoints: {
        recency_days: [7, 30, 90, 180],
        frequency: [1, 2, 3, 5],
        monetary: [50, 100, 500, 1000],
      },
    });
    const byId = await scoreById(config);
    // A: recency 0 → R5; F 1 = breakpoint → F1; M 100 = breakpoint → M2.
    expect([byId.get('A')?.r, byId.get('A')?.f, byId.get('A')?.m]).toEqual([5, 1, 2]);
    // G: recency 5 → R5; F 3 = breakpoint → F3; M 1800 → M5.
    expect([byId.get('G')?.r, byId.get('G')?.f, byId.get('G')?.m]).toEqual([5, 3, 5]);
    // I: recency 212 > 180 → R1.
    expect(byId.get('I')?.r).toBe(1);
  });

  it('weights the total score', async () => {
    const byId = await scoreById(defaults({ weights: { r: 2, f: 1, m: 1 } }));
    // A: (2·5 + 1 + 2) / 4.
    expect(byId.get('A')?.score).toBe(3.25);
  });
});

describe('huiyuan rfm', () => {
  let db: string;
  beforeAll(() => {
    db = join(makeTempDir(), 'rfm.duckdb');
    const run = runCli(['--db', db, 'import', join(FIXTURE, 'customers.csv'), join(FIXTURE, 'orders.csv')]);
    expect(run.status).toBe(0);
  });

  it('prints segment counts as JSON', () => {
    const run = runCli(['--db', db, 'rfm', '--as-of', AS_OF, '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as {
      segments: { segment: string; customers: number }[];
      as_of: string;
    };
    const counts = Object.fromEntries(
      json.segments.filter((s) => s.customers).map((s) => [s.segment, s.customers]),
    );
    expect(counts).toEqual({ potential_loyalist: 2, hibernating: 3, loyal: 4, lost: 1, no_purchase: 2 });
  });

  it('defaults to the day of the last order and lists customers with --members', () => {
    const run = runCli(['--db', db, 'rfm', '--members', '--all-customers', '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as { as_of: string; customers: RfmCustomer[] };
    // The last order is b2, 2024-08-01 10:00 store time.
    expect(json.as_of).toBe('2024-08-01');
    const b = json.customers.find((c) => c.customer_id === 'B');
    expect([b?.recency_days, b?.frequency, b?.monetary]).toEqual([0, 2, '1099.00']);
  });

  it('a bad --as-of is one line and exit 2', () => {
    const run = runCli(['--db', db, 'rfm', '--as-of', '2024-02-30']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/expected a day YYYY-MM-DD, found '2024-02-30'/);
  });

  it('says plainly that a store without orders has nothing to score, exit 8', () => {
    const db = join(makeTempDir(), 'empty.duckdb');
    expect(runCli(['--db', db, 'import', join(EXAMPLES, 'customers.csv')]).status).toBe(0);
    const run = runCli(['--db', db, 'rfm']);
    expect(run.status).toBe(8);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/no orders yet/);
  });
});
