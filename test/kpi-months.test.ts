/**
 * The monthly KPIs a refresh stores (src/analytics/kpis/store-kpi-months.ts) and `huiyuan kpis`
 * reads back. The stored path and the live path are held to the same independent figures: the
 * hand-worked ones of test/kpis.test.ts (its header has the working) and, for churn under a
 * window shorter than a month, a plain reduction over the fixture's CSV files here. Refreshes
 * run day after day, so the months come both from the first refresh's full computation and
 * from the daily step that computes only the month of the day from the refresh's facts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKpis, type KpiReport } from '../src/analytics/kpis/kpis.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { configSchema } from '../src/config/config.js';
import { importFile } from '../src/ingest/import-file.js';
import { makeTempDir, openFixtureStore, readCsv, ROOT, runCli, type TempStore } from './helpers.js';

const defaults = configSchema.parse({});
type Config = typeof defaults;

async function refreshDays(
  temp: TempStore,
  days: readonly string[],
  config: Config = defaults,
): Promise<void> {
  for (const asOf of days) await refreshSnapshot(temp.store, { asOf, allCustomers: false, config });
}

const kpis = (temp: TempStore, from: string, to: string, live: boolean, config: Config = defaults) =>
  getKpis(temp.store, { from, to, period: 'month', lifecycle: config.lifecycle, live });

describe.each([
  ['stored', false],
  ['live', true],
] as const)('monthly KPIs of the hand-built store, %s', (source, live) => {
  let temp: TempStore;
  let report: KpiReport;
  beforeAll(async () => {
    temp = await openFixtureStore('kpis');
    // The first refresh computes Dec … Feb 15; the next ones the month of their day only.
    await refreshDays(temp, ['2024-02-15', '2024-02-29', '2024-03-15', '2024-03-31']);
    // The store's first order (o1) is on 2023-12-10: a default `kpis` range starts there.
    report = await kpis(temp, '2023-12-10', '2024-03-31', live);
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it(`reads every month ${source === 'stored' ? 'from the refreshes' : 'from the orders'}`, () => {
    expect([report.source, report.refreshed_on, report.stale_periods]).toEqual(
      source === 'stored' ? ['stored', '2024-03-31', []] : ['live', null, []],
    );
    expect(report.periods.map((p) => [p.period, p.start, p.end, p.partial])).toEqual([
      ['2023-12', '2023-12-10', '2023-12-31', true],
      ['2024-01', '2024-01-01', '2024-01-31', false],
      ['2024-02', '2024-02-01', '2024-02-29', false],
      ['2024-03', '2024-03-01', '2024-03-31', false],
    ]);
  });

  it('gives the hand-worked members, GMV, orders, buyers, AOV, items and guests', () => {
    expect(
      report.periods.map((m) => [
        m.members,
        m.new_members,
        m.gmv,
        m.refunded,
        m.net_gmv,
        m.member_gmv_share.numerator,
        m.member_net_gmv_share.numerator,
        m.orders,
        m.buyers,
        m.aov,
        m.items_per_order,
        m.guest_gmv,
        m.guest_orders,
      ]),
    ).toEqual([
      [0, 0, '100.00', '0.00', '100.00', '0.00', '0.00', 1, 1, '100.00', 1, '0.00', 0],
      [1, 1, '340.00', '0.00', '340.00', '0.00', '0.00', 2, 1, '170.00', 2.5, '40.00', 1],
      [3, 2, '460.00', '50.00', '410.00', '370.00', '320.00', 5, 3, '92.00', 1.75, '10.00', 1],
      [4, 1, '230.00', '110.00', '120.00', '60.00', '0.00', 3, 2, '76.67', 5 / 3, '70.00', 1],
    ]);
    expect(report.periods[2]!.member_gmv_share.rate).toBe(370 / 460);
    expect(report.periods[2]!.member_orders).toBe(3);
  });

  it('gives the hand-worked returning members and no churn', () => {
    expect(report.periods.map((m) => m.member_repurchase_rate)).toEqual([
      { rate: null, numerator: 0, denominator: 0 },
      { rate: 0, numerator: 0, denominator: 1 },
      { rate: 2 / 3, numerator: 2, denominator: 3 },
      { rate: 1 / 4, numerator: 1, denominator: 4 },
    ]);
    expect(report.periods.map((m) => [m.churned, m.newly_churned, m.churn_window_days])).toEqual([
      [0, 0, 180],
      [0, 0, 180],
      [0, 0, 180],
      [0, 0, 180],
    ]);
  });

  it('reads a range that ends on the day of the last refresh, and computes one that ends before it', async () => {
    // 2024-03-01 … 03-15: o5 60/60 and g3 70/20; M3 joins after it.
    const toDay = await kpis(temp, '2024-02-01', '2024-03-31', live);
    expect(toDay.source).toBe(source);
    // The month to 03-15 was stored, then replaced by the month to 03-31: computed now.
    const cut = await kpis(temp, '2024-02-01', '2024-03-15', live);
    expect(cut.source).toBe('live');
    expect(cut.periods.at(-1)).toMatchObject({
      period: '2024-03',
      members: 3,
      new_members: 0,
      gmv: '130.00',
    });
  });
});

/** Store-local (Asia/Shanghai) 'YYYY-MM-DD HH:MM:SS' of a fixture timestamp: naive is local, Z is UTC. */
const local = (stamp: string): string =>
  stamp.endsWith('Z')
    ? new Date(Date.parse(stamp) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')
    : stamp;

const addDays = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string): number =>
  (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;

/**
 * Churned and newly churned members per month of from … to under a fixed churn window of
 * `window` days, by the definition in docs/kpis.md, straight from the fixture's files.
 */
function reduceChurn(fixture: string, from: string, to: string, window: number): [string, number, number][] {
  const dir = join(ROOT, 'test', 'fixtures', fixture);
  const joined = new Map(
    readCsv(join(dir, 'customers.csv')).map((c) => [c.id!, c.member_since ? local(c.member_since) : null]),
  );
  const purchaseDays = new Map<string, string[]>();
  for (const o of readCsv(join(dir, 'orders.csv')))
    if (
      o.customer_id &&
      ['paid', 'shipped', 'completed', 'refunded'].includes(o.status!) &&
      Number(o.paid_amount) > 0
    )
      purchaseDays.set(o.customer_id, [
        ...(purchaseDays.get(o.customer_id) ?? []),
        local(o.placed_at!).slice(0, 10),
      ]);
  const isMember = (id: string, end: string): boolean => {
    const since = joined.get(id);
    return since !== null && since !== undefined && since < `${addDays(end, 1)} 00:00:00`;
  };
  const churned = (id: string, end: string): boolean => {
    const last = (purchaseDays.get(id) ?? [])
      .filter((day) => day <= end)
      .sort()
      .at(-1);
    return isMember(id, end) && last !== undefined && daysBetween(last, end) > window;
  };
  const months: [string, number, number][] = [];
  for (let start = from; start <= to;) {
    const month = new Date(`${start.slice(0, 7)}-01T00:00:00Z`);
    month.setUTCMonth(month.getUTCMonth() + 1);
    const next = month.toISOString().slice(0, 10);
    const end = [addDays(next, -1), to].sort()[0]!;
    const before = addDays(start, -1);
    const now = [...joined.keys()].filter((id) => churned(id, end));
    const newly = now.filter((id) => isMember(id, before) && !churned(id, before));
    months.push([start.slice(0, 7), now.length, newly.length]);
    start = next;
  }
  return months;
}

describe.each([
  ['stored', false],
  ['live', true],
] as const)('churn in the stored months, %s', (_source, live) => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openFixtureStore('lifecycle');
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('gives the hand-worked churn of the default 180-day window at each month end', async () => {
    await refreshDays(temp, ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-15', '2024-04-30']);
    // The store's first order is lr1 on 2023-05-10.
    const report = await kpis(temp, '2023-05-10', '2024-04-30', live);
    expect(report.source).toBe(live ? 'live' : 'stored');
    expect(
      report.periods
        .slice(-4)
        .map((p) => [p.period, p.members, p.churned, p.newly_churned, p.churn_window_days]),
    ).toEqual([
      ['2024-01', 9, 2, 1, 180],
      ['2024-02', 9, 1, 0, 180],
      ['2024-03', 10, 2, 1, 180],
      ['2024-04', 10, 1, 0, 180],
    ]);
  });

  it('agrees with a reduction over the files under a 20-day window, shorter than a month', async () => {
    // Members churn within a month here: the daily step finds their last purchase before it.
    const config = configSchema.parse({ lifecycle: { churn_days: 20 } });
    await refreshDays(temp, ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-15', '2024-04-30'], config);
    const report = await kpis(temp, '2023-05-10', '2024-04-30', live, config);
    expect(report.source).toBe(live ? 'live' : 'stored');
    const expected = reduceChurn('lifecycle', '2023-05-10', '2024-04-30', 20);
    expect(expected.some(([, , newly]) => newly > 0)).toBe(true);
    expect(report.periods.map((p) => [p.period, p.churned, p.newly_churned])).toEqual(expected);
  });
});

describe('a month that changed after the refresh', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openFixtureStore('kpis');
    await refreshDays(temp, ['2024-03-31']);
    // A late February order, imported after the refresh.
    const late = join(temp.dir, 'late-orders.csv');
    writeFileSync(
      late,
      'id,customer_id,placed_at,status,paid_amount,refunded_amount,item_count\no9,M1,2024-02-20 12:00:00,completed,40.00,0,1\n',
    );
    await importFile(temp.store, late, { rejectsDir: join(temp.dir, 'rejects') });
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('shows the stored figures, names the months the import changed, and the next refresh updates them', async () => {
    const stale = await kpis(temp, '2023-12-10', '2024-03-31', false);
    expect([stale.source, stale.stale_periods]).toEqual(['stored', ['2024-02', '2024-03']]);
    expect(stale.periods[2]!.gmv).toBe('460.00');
    const live = await kpis(temp, '2023-12-10', '2024-03-31', true);
    expect(live.periods[2]!.gmv).toBe('500.00');
    await refreshDays(temp, ['2024-03-31']);
    const again = await kpis(temp, '2023-12-10', '2024-03-31', false);
    expect([again.source, again.stale_periods]).toEqual(['stored', []]);
    expect(again.periods.map((p) => [p.gmv, p.orders, p.member_repurchase_rate.numerator])).toEqual(
      live.periods.map((p) => [p.gmv, p.orders, p.member_repurchase_rate.numerator]),
    );
    expect(again.periods[2]!.gmv).toBe('500.00');
  });

  it('computes live where no refresh stored the months as asked: weeks, other churn settings', async () => {
    const weeks = await getKpis(temp.store, {
      from: '2024-02-01',
      to: '2024-02-29',
      period: 'week',
      lifecycle: defaults.lifecycle,
    });
    expect(weeks.source).toBe('live');
    const other = configSchema.parse({ lifecycle: { churn_days: 45 } });
    expect((await kpis(temp, '2023-12-10', '2024-03-31', false, other)).source).toBe('live');
  });
});

describe('huiyuan kpis after a refresh', () => {
  it('says the figures were read from the refreshes, and warns of a month changed since', () => {
    const dir = makeTempDir();
    const db = join(dir, 'k.duckdb');
    const fixture = join(ROOT, 'test', 'fixtures', 'kpis');
    expect(
      runCli(['--db', db, 'import', join(fixture, 'customers.csv'), join(fixture, 'orders.csv')]).status,
    ).toBe(0);
    // Both default to the day of the last order (r1, 2024-03-25).
    expect(runCli(['--db', db, 'refresh', '--quiet']).status).toBe(0);
    const stored = runCli(['--db', db, 'kpis']);
    expect(stored.status).toBe(0);
    expect(stored.stdout).toContain(
      'Read from the monthly figures stored by the refreshes (the latest of 2024-03-25)',
    );
    const late = join(dir, 'late.csv');
    writeFileSync(
      late,
      'id,customer_id,placed_at,status,paid_amount,refunded_amount,item_count\no9,M1,2024-03-20 12:00:00,completed,40.00,0,1\n',
    );
    expect(runCli(['--db', db, 'import', late]).status).toBe(0);
    const stale = runCli(['--db', db, 'kpis']);
    expect(stale.stdout).toContain(
      '! 2024-03: orders or customers were imported after these months were stored',
    );
    const json = JSON.parse(runCli(['--db', db, 'kpis', '--live', '--format', 'json']).stdout) as KpiReport;
    expect([json.source, json.periods.at(-1)?.gmv]).toEqual(['live', '270.00']);
    expect(JSON.parse(runCli(['--db', db, 'kpis', '--format', 'json']).stdout)).toMatchObject({
      source: 'stored',
      stale_periods: ['2024-03'],
    });
  });
});
