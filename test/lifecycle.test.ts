/**
 * Lifecycle stages, flows and invitation candidates on a hand-built store
 * (test/fixtures/lifecycle, timezone Asia/Shanghai, default config). Every figure below was
 * worked out by hand from the fixture rows; the working is here.
 *
 * Purchase days (completed or refunded orders with paid > 0, all at 12:00 store time):
 *   L  2023-12-01, 2024-01-01, 02-01, 03-01, 04-01  gaps 31, 31, 29, 31
 *   NR 2024-02-10, 03-05                            gap 24
 *   A  2023-09-01, 2023-10-01                       gap 30
 *   W  2023-06-01, 2024-02-15, 04-10                gaps 259, 55
 *   LR 2023-05-10, 06-10, 07-10, 2024-04-28         gaps 31, 30, 293
 *   Q  2024-01-26, 02-15, 03-06, 03-26              gaps 20, 20, 20
 *   O  2024-01-15;  N 2024-04-20 (n2 is 2024-04-30T16:30Z = 05-01 00:30 store time: after Apr 30)
 *   P  a cancelled order only;  J joined 2024-03-15, no orders
 *   non-members: X1 01-10, 02-10, 03-01 (gaps 31, 20; 3 × 50); X2 01-01 (300), 02-01 (250, 50
 *   refunded) gap 31; X3 03-01 (200), 04-01 (300) gap 31; X6 (joins 2024-05-10) 03-05, 04-05
 *   (2 × 100) gap 31; X4 one purchase; X5 one purchase and a cancelled order. Guest orders g1, g2.
 *
 * C = median of every gap (members or not) ending by the day:
 *   2024-01-31  30 30 31 31                                  → 30.5
 *   2024-02-29  + 31 31 31 259 20 (9 gaps)                    → 31 (5th)
 *   2024-03-31  + 29 20 24 20 20 (14: …29 30 | 30 31…)       → (30 + 30) / 2 = 30
 *   2024-04-30  + 31 31 31 55 293 (19)                        → 31 (10th)
 * Churn window W = max(180, 3·C) = 180 throughout.
 *
 * Stages (members) at each month end, c = own median gap (C with one purchase day):
 *   Jan 31: P N NR prospect; L repeat (2, rec 30, c 31); A at_risk (rec 122 > 2·30); W churned
 *           (rec 244); LR churned (rec 205); Q new (rec 5); O new (rec 16 ≤ 2·30.5); J not counted.
 *   Feb 29: NR new (rec 19 ≤ 62); Q repeat (rec 14, c 20); W reactivated (gap 259 > 180, rec 14);
 *           L repeat; A at_risk (151); LR churned; O new (45 ≤ 62); P N prospect.
 *   Mar 31: J prospect; NR repeat (rec 26 ≤ 2·24); L loyal (4 in 365 d, rec 30 ≤ 1.5·31);
 *           Q loyal (4, rec 5 ≤ 1.5·20); A churned (rec 182 > 180, also > 2c: churned first);
 *           O at_risk (rec 76 > 2·30); W reactivated (rec 45); LR churned; P N prospect.
 *   Apr 30: N new (rec 10); NR at_risk (rec 56 > 48); W repeat (gap 55; c = median(259, 55) = 157);
 *           LR loyal (4 on days after 2023-05-01, rec 2 ≤ 1.5·31 = 46.5; its last gap 293 > 180
 *           makes it won back too: loyal first); Q repeat (rec 35 > 1.5·20 = 30, ≤ 2·20 = 40);
 *           L loyal (5, rec 29); O at_risk (rec 106 > 62); A churned; P J prospect.
 * Flows:
 *   Feb: prospect→new 1 (NR), new→repeat 1 (Q), churned→reactivated 1 (W)
 *   Mar: not_counted→prospect 1 (J), new→repeat 1 (NR), repeat→loyal 2 (L, Q),
 *        at_risk→churned 1 (A), new→at_risk 1 (O)
 *   Apr: prospect→new 1 (N), repeat→at_risk 1 (NR), reactivated→repeat 1 (W),
 *        churned→loyal 1 (LR), loyal→repeat 1 (Q)
 *
 * Invitation candidates as of 2024-04-30 (non-members with ≥ 2 purchases): X1 (3, 150.00),
 * then X3 and X2 (2, 500.00 each; X3's last purchase 04-01 is later than X2's 02-01), then X6
 * (2, 200.00; joins only in May). Not X4 (one purchase), X5 (the cancelled order is no purchase),
 * nor members.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getInviteCandidates,
  getLifecycleCustomers,
  getLifecycleFlows,
  getLifecycleSummary,
  type LifecycleCustomer,
} from '../src/analytics/lifecycle/lifecycle.js';
import { configSchema, loadConfig } from '../src/config/config.js';
import type { LifecycleConfig } from '../src/config/lifecycle-config.js';
import { importFile } from '../src/ingest/import-file.js';
import { makeTempDir, openTempStore, ROOT, runCli, type TempStore } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'lifecycle');
const defaults = (lifecycle: object = {}): LifecycleConfig => configSchema.parse({ lifecycle }).lifecycle;

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('Asia/Shanghai');
  for (const file of ['customers.csv', 'orders.csv'])
    await importFile(temp.store, join(FIXTURE, file), { rejectsDir: join(temp.dir, 'rejects') });
});
afterAll(async () => {
  await temp.cleanup();
});

async function placeById(
  asOf: string,
  config = defaults(),
  allCustomers = false,
): Promise<Map<string, LifecycleCustomer>> {
  const rows = await getLifecycleCustomers(temp.store, { asOf, allCustomers, config });
  return new Map(rows.map((row) => [row.customer_id, row]));
}

const stages = (byId: Map<string, LifecycleCustomer>): Record<string, string> =>
  Object.fromEntries([...byId.values()].map((c) => [c.customer_id, c.stage]));

describe('lifecycle stage as of a day', () => {
  it('places every member as worked out by hand on 2024-03-31', async () => {
    expect(stages(await placeById('2024-03-31'))).toEqual({
      A: 'churned',
      J: 'prospect',
      L: 'loyal',
      LR: 'churned',
      N: 'prospect',
      NR: 'repeat',
      O: 'at_risk',
      P: 'prospect',
      Q: 'loyal',
      W: 'reactivated',
    });
  });

  it('places every member as worked out by hand on 2024-04-30', async () => {
    expect(stages(await placeById('2024-04-30'))).toEqual({
      A: 'churned',
      J: 'prospect',
      L: 'loyal',
      LR: 'loyal',
      N: 'new',
      NR: 'at_risk',
      O: 'at_risk',
      P: 'prospect',
      Q: 'repeat',
      W: 'repeat',
    });
  });

  it('measures own cycles and the last gap, C for a one-purchase member, nothing for a prospect', async () => {
    const byId = await placeById('2024-04-30');
    const pick = (id: string) => {
      const c = byId.get(id);
      return (
        c && [c.purchases, c.recent_purchases, c.last_purchase, c.recency_days, c.cycle_days, c.last_gap_days]
      );
    };
    expect(pick('L')).toEqual([5, 5, '2024-04-01', 29, 31, 31]);
    expect(pick('W')).toEqual([3, 3, '2024-04-10', 20, 157, 55]);
    expect(pick('LR')).toEqual([4, 4, '2024-04-28', 2, 31, 293]);
    expect(pick('N')).toEqual([1, 1, '2024-04-20', 10, 31, null]);
    expect(pick('P')).toEqual([0, 0, null, null, null, null]);
  });

  it('says which rule placed each member, with its figures', async () => {
    const march = await placeById('2024-03-31');
    expect(march.get('A')?.rule).toBe('recency 182 d > churn window 180 d');
    expect(march.get('O')?.rule).toBe('recency 76 d > 2 × cycle 30 d = 60 d, within churn window 180 d');
    expect(march.get('W')?.rule).toBe('bought on 2024-02-15 after a gap of 259 d > churn window 180 d');
    expect(march.get('J')?.rule).toBe('no purchase up to 2024-03-31');
    const april = await placeById('2024-04-30');
    expect(april.get('LR')?.rule).toBe(
      '4 purchases in the trailing 365 d ≥ 4 and recency 2 d ≤ 1.5 × cycle 31 d = 46.5 d',
    );
    expect(april.get('Q')?.rule).toBe('4 purchases, recency 35 d ≤ churn window 180 d');
    expect(april.get('N')?.rule).toBe('1 purchase, recency 10 d ≤ churn window 180 d');
  });

  it('applies the precedence: churned before at risk, loyal before won back', async () => {
    // A on 03-31: recency 182 is past both the churn window and 2·c = 60.
    expect((await placeById('2024-03-31')).get('A')?.stage).toBe('churned');
    // LR on 04-30: loyal by count and recency, and won back after a 293-day gap.
    const lr = (await placeById('2024-04-30')).get('LR');
    expect([lr?.stage, (lr?.last_gap_days ?? 0) > 180]).toEqual(['loyal', true]);
  });

  it('summarises stages with C and the churn window', async () => {
    const summary = await getLifecycleSummary(temp.store, { asOf: '2024-04-30', config: defaults() });
    expect([summary.store_cycle_days, summary.churn_window_days, summary.customers]).toEqual([31, 180, 10]);
    const counts = Object.fromEntries(summary.stages.map((s) => [s.stage, s.customers]));
    expect(counts).toEqual({
      prospect: 2,
      new: 1,
      repeat: 2,
      loyal: 2,
      at_risk: 2,
      churned: 1,
      reactivated: 0,
    });
    expect(summary.stages.find((s) => s.stage === 'loyal')?.share).toBeCloseTo(2 / 10, 12);
    expect(summary.stages.find((s) => s.stage === 'at_risk')?.label_zh).toBe('沉睡/预流失');
    const march = await getLifecycleSummary(temp.store, { asOf: '2024-03-31', config: defaults() });
    expect(march.store_cycle_days).toBe(30);
    // An even number of gaps (30 30 31 31, see the table above): the mean of the two middle ones.
    const january = await getLifecycleSummary(temp.store, { asOf: '2024-01-31', config: defaults() });
    expect(january.store_cycle_days).toBe(30.5);
  });

  it('with allCustomers places non-members too, with a fractional own cycle', async () => {
    const byId = await placeById('2024-04-30', defaults(), true);
    expect(byId.size).toBe(16);
    // X1: recency 03-01 → 04-30 = 60 > 2 × median(31, 20) = 51.
    expect(byId.get('X1')?.rule).toBe('recency 60 d > 2 × cycle 25.5 d = 51 d, within churn window 180 d');
    // X5: one purchase 02-20, recency 70 > 2 × C 31.
    expect(byId.get('X5')?.rule).toBe('recency 70 d > 2 × cycle 31 d = 62 d, within churn window 180 d');
  });
});

describe('lifecycle config', () => {
  it('uses a fixed churn window when set', async () => {
    // W = 40 on 03-31: O (76) and W (45) are churned; NR (26) stays repeat.
    const byId = await placeById('2024-03-31', defaults({ churn_days: 40 }));
    expect([byId.get('O')?.stage, byId.get('W')?.stage, byId.get('NR')?.stage]).toEqual([
      'churned',
      'churned',
      'repeat',
    ]);
  });

  it('widens the churn window to churn_cycles × C', async () => {
    // 7 × 30 = 210 > 180 on 03-31: A (recency 182) is at risk, not churned.
    const summary = await getLifecycleSummary(temp.store, {
      asOf: '2024-03-31',
      config: defaults({ churn_cycles: 7 }),
    });
    expect(summary.churn_window_days).toBe(210);
    expect((await placeById('2024-03-31', defaults({ churn_cycles: 7 }))).get('A')?.stage).toBe('at_risk');
  });

  it('names the field of a bad value and of an unknown field', () => {
    const dir = makeTempDir();
    const write = (json: unknown): string => {
      const path = join(dir, 'c.json');
      writeFileSync(path, JSON.stringify(json));
      return path;
    };
    const load = (json: unknown) => () => loadConfig({ configFlag: write(json), env: {}, cwd: dir });
    expect(load({ lifecycle: { min_churn_days: 0 } })).toThrow(
      /field lifecycle\.min_churn_days: expected a whole number of days ≥ 1 \(the shortest churn window\), found 0/,
    );
    expect(load({ lifecycle: { at_risk_cycles: 'two' } })).toThrow(
      /field lifecycle\.at_risk_cycles: expected a number of cycles > 0.*found "two"/,
    );
    expect(load({ lifecycle: { purchases: 'visits' } })).toThrow(
      /field lifecycle\.purchases: .*found "visits"/,
    );
    expect(load({ lifecycle: { churn_window: 90 } })).toThrow(
      /unknown field 'churn_window' in lifecycle; known fields: purchases, min_churn_days, churn_cycles, churn_rule, churn_days/,
    );
  });

  it('has the defaults of spec section 6', () => {
    expect(defaults()).toEqual({
      purchases: 'orders',
      churn_rule: 'window',
      min_churn_days: 180,
      churn_cycles: 3,
      loyal_min_purchases: 4,
      loyal_window_days: 365,
      loyal_recency_cycles: 1.5,
      at_risk_cycles: 2,
    });
  });
});

describe('lifecycle flows', () => {
  it('counts stages at each month end and the transitions between them, as worked out by hand', async () => {
    const flows = await getLifecycleFlows(temp.store, { from: '2024-02', to: '2024-04', config: defaults() });
    expect(flows.months.map((m) => [m.month, m.month_end, m.store_cycle_days, m.churn_window_days])).toEqual([
      ['2024-02', '2024-02-29', 31, 180],
      ['2024-03', '2024-03-31', 30, 180],
      ['2024-04', '2024-04-30', 31, 180],
    ]);
    const asText = (m: (typeof flows.months)[number]) =>
      m.flows.map((f) => `${f.from_stage}→${f.to_stage} ${f.customers}`).sort();
    expect(flows.months.map(asText)).toEqual([
      ['churned→reactivated 1', 'new→repeat 1', 'prospect→new 1'],
      ['at_risk→churned 1', 'new→at_risk 1', 'new→repeat 1', 'not_counted→prospect 1', 'repeat→loyal 2'],
      ['churned→loyal 1', 'loyal→repeat 1', 'prospect→new 1', 'reactivated→repeat 1', 'repeat→at_risk 1'],
    ]);
    expect(flows.months[0]?.stages).toEqual({
      prospect: 2,
      new: 2,
      repeat: 2,
      loyal: 0,
      at_risk: 1,
      churned: 1,
      reactivated: 1,
    });
    expect(flows.months[1]?.stages).toEqual({
      prospect: 3,
      new: 0,
      repeat: 1,
      loyal: 2,
      at_risk: 1,
      churned: 2,
      reactivated: 1,
    });
  });

  it('agrees with the stage as of each month end', async () => {
    const flows = await getLifecycleFlows(temp.store, { from: '2024-04', to: '2024-04', config: defaults() });
    const april = await getLifecycleSummary(temp.store, { asOf: '2024-04-30', config: defaults() });
    expect(flows.months[0]?.stages).toEqual(
      Object.fromEntries(april.stages.map((s) => [s.stage, s.customers])),
    );
  });
});

describe('invitation candidates', () => {
  it('lists non-members with two or more purchases, best first', async () => {
    const rows = await getInviteCandidates(temp.store, { asOf: '2024-04-30', config: defaults() });
    expect(rows.map((r) => [r.customer_id, r.purchases, r.net_spend, r.last_purchase])).toEqual([
      ['X1', 3, '150.00', '2024-03-01'],
      ['X3', 2, '500.00', '2024-04-01'],
      ['X2', 2, '500.00', '2024-02-01'],
      ['X6', 2, '200.00', '2024-04-05'],
    ]);
  });

  it('uses only purchases up to the day', async () => {
    // On 2024-02-29: X1 has 2 (01-10, 02-10), X2 has 2; X3 and X6 none yet.
    const rows = await getInviteCandidates(temp.store, { asOf: '2024-02-29', config: defaults() });
    expect(rows.map((r) => [r.customer_id, r.net_spend])).toEqual([
      ['X2', '500.00'],
      ['X1', '100.00'],
    ]);
  });
});

describe('huiyuan lifecycle and invite-candidates', () => {
  let db: string;
  beforeAll(() => {
    db = join(makeTempDir(), 'lifecycle.duckdb');
    const run = runCli(['--db', db, 'import', join(FIXTURE, 'customers.csv'), join(FIXTURE, 'orders.csv')]);
    expect(run.status).toBe(0);
  });

  it('prints stage counts, C and the churn window as JSON', () => {
    const run = runCli(['--db', db, 'lifecycle', '--as-of', '2024-04-30', '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as {
      store_cycle_days: number;
      churn_window_days: number;
      stages: { stage: string; customers: number }[];
    };
    expect([json.store_cycle_days, json.churn_window_days]).toEqual([31, 180]);
    expect(json.stages.map((s) => [s.stage, s.customers])).toEqual([
      ['prospect', 2],
      ['new', 1],
      ['repeat', 2],
      ['loyal', 2],
      ['at_risk', 2],
      ['churned', 1],
      ['reactivated', 0],
    ]);
  });

  it('prints the month-by-month flows as JSON', () => {
    const run = runCli([
      '--db',
      db,
      'lifecycle',
      '--flows',
      '--from',
      '2024-02',
      '--to',
      '2024-02',
      '--format',
      'json',
    ]);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as {
      months: { month: string; flows: { from_stage: string; to_stage: string; customers: number }[] }[];
    };
    expect(json.months.map((m) => m.month)).toEqual(['2024-02']);
    expect(json.months[0]?.flows.find((f) => f.from_stage === 'churned')).toEqual({
      from_stage: 'churned',
      to_stage: 'reactivated',
      customers: 1,
    });
  });

  it('lists invitation candidates as of the day of the last order', () => {
    const run = runCli(['--db', db, 'invite-candidates', '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as { as_of: string; candidates: { customer_id: string }[] };
    // The last order is n2, 2024-05-01 00:30 store time; X6 joins only on 05-10.
    expect(json.as_of).toBe('2024-05-01');
    expect(json.candidates.map((c) => c.customer_id)).toEqual(['X1', 'X3', 'X2', 'X6']);
  });

  it('refuses --flows without --from and --to in one line, exit 2', () => {
    const run = runCli(['--db', db, 'lifecycle', '--flows', '--from', '2024-02']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--flows needs --from YYYY-MM and --to YYYY-MM/);
  });

  it('refuses a bad month in one line, exit 2', () => {
    const run = runCli(['--db', db, 'lifecycle', '--flows', '--from', '2024-13', '--to', '2024-04']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/expected a month YYYY-MM, found '2024-13'/);
  });
});
