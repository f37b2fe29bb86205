/**
 * Member KPIs (spec section 3) on hand-built stores. Every figure was worked out by hand from the
 * fixture rows; the working is here.
 *
 * test/fixtures/kpis (Asia/Shanghai, default config). Members: M1 joins 2024-01-10, M4 on
 * 2024-02-01 00:00, M2 mid-month on 2024-02-15, M3 on 2024-03-31 23:30 (a member at the end of
 * March, no orders); N1 never joins. GMV orders (paid / refunded / items):
 *   Dec  o1 M1 100 (before M1 joined: not a member order)
 *   Jan  o7 N1 300 (4 items), g1 guest 40 (1)              u1 M2 unpaid: not GMV
 *   Feb  o6 M4 50 (no item count; placed at the very moment M4 joined: a member order),
 *        g2 guest 10 (2024-01-31T16:30Z = Feb 1 00:30 store time), o2 M1 200 / 50 refunded (3),
 *        o3 M2 80 (1, five days before M2 joined), o4 M2 120 (2)
 *   Mar  o5 M2 60 / 60 refunded (status refunded: GMV and a purchase), g3 guest 70 / 20 (2),
 *        o8 N1 100 (2), r1 N1 refund-only 0 / 30 (not an order)     c1 M1 cancelled: not GMV
 *
 *        members new  GMV  net  refunded  member GMV (net)  orders buyers  AOV    items/orders  guest
 *   Dec  0       0    100  100  0         0 (0)             1      1       100.00 1/1           0
 *   Jan  1       1    340  340  0         0 (0)             2      1 (N1)  170.00 5/2           40 (1)
 *   Feb  3       2    460  410  50        370 (320)         5      3       92.00  7/4           10 (1)
 *   Mar  4       1    230  120  110       60 (0)            3      2       76.67  5/3           70 (1)
 * Returning members (a purchase in the month and two or more up to it, member at the month end):
 *   Jan none; Feb M1 (o1 in Dec, o2) and M2 (o3, o4 in Feb; M4's o6 is a first purchase) = 2;
 *   Mar M2 = 1 (N1 returns but is no member). December has no members: every member rate is null.
 * Churn: nobody here is quiet for 180 days; churn is worked out on the lifecycle fixture below.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getCohortRetention,
  getKpis,
  type KpiPeriodFigures,
  type KpiReport,
} from '../src/analytics/kpis/kpis.js';
import { getLifecycleSummary } from '../src/analytics/lifecycle/lifecycle.js';
import { configSchema } from '../src/config/config.js';
import { makeTempDir, openFixtureStore, ROOT, runCli, type TempStore } from './helpers.js';

const lifecycle = configSchema.parse({}).lifecycle;

const byPeriod = (report: KpiReport): Record<string, KpiPeriodFigures> =>
  Object.fromEntries(report.periods.map((p) => [p.period, p]));

describe('KPIs by month on the hand-built store', () => {
  let temp: TempStore;
  let months: Record<string, KpiPeriodFigures>;
  beforeAll(async () => {
    temp = await openFixtureStore('kpis');
    const report = await getKpis(temp.store, {
      from: '2023-12-01',
      to: '2024-03-31',
      period: 'month',
      lifecycle,
    });
    months = byPeriod(report);
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('has one whole period per month of the range', () => {
    expect(Object.keys(months)).toEqual(['2023-12', '2024-01', '2024-02', '2024-03']);
    expect(Object.values(months).map((m) => [m.start, m.end, m.partial])).toEqual([
      ['2023-12-01', '2023-12-31', false],
      ['2024-01-01', '2024-01-31', false],
      ['2024-02-01', '2024-02-29', false],
      ['2024-03-01', '2024-03-31', false],
    ]);
  });

  it('counts members at the month end and those who joined in it, a mid-month joiner included', () => {
    expect(Object.values(months).map((m) => [m.members, m.new_members])).toEqual([
      [0, 0],
      [1, 1],
      [3, 2],
      [4, 1],
    ]);
    expect(months['2024-02']!.activation_rate).toEqual({ rate: 2 / 3, numerator: 2, denominator: 3 });
    expect(months['2024-03']!.activation_rate).toEqual({ rate: 1 / 4, numerator: 1, denominator: 4 });
  });

  it('gives no member rate in a month without members', () => {
    const december = months['2023-12']!;
    expect(december.activation_rate).toEqual({ rate: null, numerator: 0, denominator: 0 });
    expect(december.churn_rate).toEqual({ rate: null, numerator: 0, denominator: 0 });
    expect(december.member_repurchase_rate).toEqual({ rate: null, numerator: 0, denominator: 0 });
    // The store still sold: M1's order came before M1 joined.
    expect(december.member_gmv_share).toEqual({ rate: 0, numerator: '0.00', denominator: '100.00' });
  });

  it('sums GMV, refunds and net GMV over GMV-status orders only, by the store-time day', () => {
    expect(Object.values(months).map((m) => [m.gmv, m.refunded, m.net_gmv])).toEqual([
      ['100.00', '0.00', '100.00'],
      ['340.00', '0.00', '340.00'],
      ['460.00', '50.00', '410.00'],
      ['230.00', '110.00', '120.00'],
    ]);
  });

  it('counts an order as a member order only once its customer had joined', () => {
    expect(months['2024-02']!.member_gmv_share).toEqual({
      rate: 370 / 460,
      numerator: '370.00',
      denominator: '460.00',
    });
    expect(months['2024-02']!.member_net_gmv_share).toEqual({
      rate: 320 / 410,
      numerator: '320.00',
      denominator: '410.00',
    });
    expect(months['2024-02']!.member_orders).toBe(3);
  });

  it('lets a full refund take a member order out of net GMV but not out of GMV', () => {
    expect(months['2024-03']!.member_gmv_share).toEqual({
      rate: 60 / 230,
      numerator: '60.00',
      denominator: '230.00',
    });
    expect(months['2024-03']!.member_net_gmv_share).toEqual({
      rate: 0,
      numerator: '0.00',
      denominator: '120.00',
    });
  });

  it('counts orders, buyers, AOV and items per order, with guests in orders but not in buyers', () => {
    expect(
      Object.values(months).map((m) => [
        m.orders,
        m.buyers,
        m.aov,
        m.items_per_order,
        m.guest_gmv,
        m.guest_orders,
      ]),
    ).toEqual([
      [1, 1, '100.00', 1, '0.00', 0],
      [2, 1, '170.00', 2.5, '40.00', 1],
      [5, 3, '92.00', 1.75, '10.00', 1],
      [3, 2, '76.67', 5 / 3, '70.00', 1],
    ]);
  });

  it('counts members who bought again as returning, against the members at the month end', () => {
    expect(Object.values(months).map((m) => m.member_repurchase_rate)).toEqual([
      { rate: null, numerator: 0, denominator: 0 },
      { rate: 0, numerator: 0, denominator: 1 },
      { rate: 2 / 3, numerator: 2, denominator: 3 },
      { rate: 1 / 4, numerator: 1, denominator: 4 },
    ]);
  });

  it('finds no churn where nobody has been quiet for the 180-day window', () => {
    expect(Object.values(months).map((m) => [m.churned, m.newly_churned, m.churn_window_days])).toEqual([
      [0, 0, 180],
      [0, 0, 180],
      [0, 0, 180],
      [0, 0, 180],
    ]);
  });
});

describe('KPIs over a range that cuts its months and weeks', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openFixtureStore('kpis');
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  /*
   * 2024-02-10 … 2024-03-15: February from the 10th (o3 80, o4 120; M2 joins, M4 and M1 joined
   * before the range), March to the 15th (o5 60/60, g3 70/20; M3 joins after it).
   */
  it('cuts the first and last month to the range', async () => {
    const report = await getKpis(temp.store, {
      from: '2024-02-10',
      to: '2024-03-15',
      period: 'month',
      lifecycle,
    });
    expect(
      report.periods.map((p) => [
        p.period,
        p.start,
        p.end,
        p.partial,
        p.members,
        p.new_members,
        p.gmv,
        p.net_gmv,
      ]),
    ).toEqual([
      ['2024-02', '2024-02-10', '2024-02-29', true, 3, 1, '200.00', '200.00'],
      ['2024-03', '2024-03-01', '2024-03-15', true, 3, 0, '130.00', '50.00'],
    ]);
    // M2's o4 is a second purchase; M1's o2 on the 5th is outside the range.
    expect(report.periods[0]!.member_repurchase_rate).toEqual({ rate: 1 / 3, numerator: 1, denominator: 3 });
    expect(report.periods[0]!.member_gmv_share.numerator).toBe('120.00');
  });

  /*
   * ISO weeks of February 2024 (Monday first): W05 Jan 29 – Feb 4 (cut to Feb 1–4: o6 50, g2 10;
   * M4 joins; members M1, M4), W06 Feb 5–11 (o2 200/50, o3 80; M1 returns), W07 12–18 (M2 joins,
   * no order), W08 19–25 (o4 120; M2 returns), W09 Feb 26 – Mar 3 cut to 26–29 (nothing).
   */
  it('reports ISO weeks, cut to the range', async () => {
    const report = await getKpis(temp.store, {
      from: '2024-02-01',
      to: '2024-02-29',
      period: 'week',
      lifecycle,
    });
    expect(
      report.periods.map((p) => [
        p.period,
        p.start,
        p.end,
        p.partial,
        p.members,
        p.new_members,
        p.gmv,
        p.member_repurchase_rate.numerator,
      ]),
    ).toEqual([
      ['2024-W05', '2024-02-01', '2024-02-04', true, 2, 1, '60.00', 0],
      ['2024-W06', '2024-02-05', '2024-02-11', false, 2, 0, '280.00', 1],
      ['2024-W07', '2024-02-12', '2024-02-18', false, 3, 1, '0.00', 0],
      ['2024-W08', '2024-02-19', '2024-02-25', false, 3, 0, '120.00', 1],
      ['2024-W09', '2024-02-26', '2024-02-29', true, 3, 0, '0.00', 0],
    ]);
    expect(report.periods[2]!.aov).toBeNull();
    expect(report.periods[2]!.items_per_order).toBeNull();
    expect(report.periods[2]!.member_gmv_share.rate).toBeNull();
  });
});

/*
 * Cohorts of the members at 2024-03-31 (M1, M2, M3, M4) by the month of their first purchase:
 * 2023-12 {M1}: Dec 1, Jan 0, Feb 1 (o2), Mar 0 (c1 is cancelled);
 * 2024-02 {M2 (o3), M4 (o6)}: Feb 2, Mar 1 (M2's o5: refunded, still a purchase).
 * M3 never bought; N1 is no member.
 */
describe('monthly cohort retention of members', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openFixtureStore('kpis');
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('gives each first-purchase cohort the share with a purchase k months later', async () => {
    const retention = await getCohortRetention(temp.store, { from: '2023-12-01', to: '2024-03-31' });
    expect(retention.cohorts).toEqual([
      {
        cohort: '2023-12',
        size: 1,
        months: [
          { months_after: 0, retained: 1, share: 1 },
          { months_after: 1, retained: 0, share: 0 },
          { months_after: 2, retained: 1, share: 1 },
          { months_after: 3, retained: 0, share: 0 },
        ],
      },
      {
        cohort: '2024-02',
        size: 2,
        months: [
          { months_after: 0, retained: 2, share: 1 },
          { months_after: 1, retained: 1, share: 0.5 },
        ],
      },
    ]);
  });

  it('leaves out cohorts before the range and members who joined after it', async () => {
    const retention = await getCohortRetention(temp.store, { from: '2024-01-01', to: '2024-02-14' });
    // M2 joins on 02-15; M1's cohort (2023-12) is before the range; M4 is left.
    expect(retention.cohorts).toEqual([
      { cohort: '2024-02', size: 1, months: [{ months_after: 0, retained: 1, share: 1 }] },
    ]);
  });
});

/*
 * Churn on test/fixtures/lifecycle (its test header works out every stage by hand; default
 * config, churn window 180 days throughout). Members at month ends: 9 in Jan and Feb (J joins
 * 03-15), 10 in Mar and Apr. Churned: Jan W, LR; Feb LR (W won back); Mar A, LR; Apr A (LR loyal).
 * At 2023-12-31 C = median(30, 31, 30) = 30, W = 180: W (recency 213) is churned, LR (174) not,
 * so LR is newly churned in January; A (at risk → churned) in March.
 */
describe('churn from the lifecycle stage at each period end', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openFixtureStore('lifecycle');
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('counts churned members at the month end and those newly churned in the month', async () => {
    const report = await getKpis(temp.store, {
      from: '2024-01-01',
      to: '2024-04-30',
      period: 'month',
      lifecycle,
    });
    expect(
      report.periods.map((p) => [p.period, p.members, p.churned, p.newly_churned, p.churn_window_days]),
    ).toEqual([
      ['2024-01', 9, 2, 1, 180],
      ['2024-02', 9, 1, 0, 180],
      ['2024-03', 10, 2, 1, 180],
      ['2024-04', 10, 1, 0, 180],
    ]);
    expect(report.periods[2]!.churn_rate).toEqual({ rate: 0.2, numerator: 2, denominator: 10 });
  });

  it('agrees with huiyuan lifecycle at every week end, with the default and a fixed window', async () => {
    for (const config of [lifecycle, configSchema.parse({ lifecycle: { churn_days: 45 } }).lifecycle]) {
      const report = await getKpis(temp.store, {
        from: '2024-01-01',
        to: '2024-05-31',
        period: 'week',
        lifecycle: config,
      });
      for (const p of report.periods) {
        const summary = await getLifecycleSummary(temp.store, { asOf: p.end, config });
        expect([p.end, p.churned]).toEqual([
          p.end,
          summary.stages.find((s) => s.stage === 'churned')!.customers,
        ]);
        expect(p.members).toBe(summary.customers);
      }
    }
  });

  it('follows the lifecycle config: a fixed 30-day window churns everyone quiet for 30 days', async () => {
    // Last purchase days as of 2024-04-30 with W = 30: churned A (2023-10-01), NR (03-05, 56 d),
    // O (01-15), Q (03-26, 35 d); not L (04-01, 29 d), LR (04-28), W (04-10), N (04-20); P, J none.
    const report = await getKpis(temp.store, {
      from: '2024-04-01',
      to: '2024-04-30',
      period: 'month',
      lifecycle: configSchema.parse({ lifecycle: { churn_days: 30 } }).lifecycle,
    });
    expect(report.periods.map((p) => [p.churned, p.churn_window_days])).toEqual([[4, 30]]);
  });
});

describe('huiyuan kpis', () => {
  it('prints the series as CSV with every numerator and denominator, and refuses --from after --to', () => {
    const dir = makeTempDir();
    const db = join(dir, 'k.duckdb');
    const fixture = join(ROOT, 'test', 'fixtures', 'kpis');
    expect(
      runCli(['--db', db, 'import', join(fixture, 'customers.csv'), join(fixture, 'orders.csv')]).status,
    ).toBe(0);
    const csv = runCli(['--db', db, 'kpis', '--from', '2024-02-01', '--to', '2024-02-29', '--format', 'csv']);
    expect(csv.status).toBe(0);
    const [header, february] = csv.stdout.trim().split('\n');
    const row = Object.fromEntries(header!.split(',').map((column, i) => [column, february!.split(',')[i]]));
    expect(row).toMatchObject({
      period: '2024-02',
      members: '3',
      new_members: '2',
      member_gmv: '370.00',
      gmv: '460.00',
      member_net_gmv: '320.00',
      net_gmv: '410.00',
      returning_members: '2',
    });
    const bad = runCli(['--db', db, 'kpis', '--from', '2024-03-01', '--to', '2024-02-01']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--from 2024-03-01 is after --to 2024-02-01');
  });
});
