/**
 * The tier reports of many days computed together (the monitor's back-fill) against the one-day
 * computation, on a small store written by hand (Asia/Shanghai, default tiers: shares 55/25/15/5 %
 * of members, 12-month tier window, 3-month contribution window):
 *
 *   C1 member since 2024-01-01: 2024-01-10 paid 100; 2024-03-05 paid 50, refunded 20 (net 30)
 *   C2 member since 2024-02-01: 2024-02-15 paid 300
 *   C3 member since 2024-03-01: 2024-03-02 paid 1000
 *   C4 member since 2024-01-01: no order
 *   C5 not a member:            2024-02-20 paid 500 (tiered only with allCustomers)
 *   C6 member since 2024-03-10: 2024-03-15 paid 40
 *
 * By hand, 2024-03-31: values 0, 40, 130, 300, 1000 (n = 5). Tier k's cut is the value at rank
 * ⌈c·n⌉ + 1: silver c = 55 % → rank 4 → 300; gold 80 % → rank 5 → 1000; diamond 95 % → rank 6,
 * past n → 1000.01. Members 3 / 1 / 1 / 0, contribution values 170 / 300 / 1000 / 0.
 * 2024-02-16: C1 100, C2 300, C4 0 (n = 3): silver rank 3 → 300; gold and diamond rank 4, past n →
 * 300.01. Members 2 / 1 / 0 / 0, values 100 / 300 / 0 / 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/config.js';
import { getLocalDays } from '../src/analytics/facts/local-day.js';
import {
  calibrateTiers,
  getTierReport,
  getTierReportsOfDays,
  saveTierCalibration,
  type TierCalibration,
  type TierReport,
} from '../src/analytics/tiers/tiers.js';
import type { TiersConfig } from '../src/config/tiers-config.js';
import { raw } from '../src/store/sql.js';
import { openTempStore, type TempStore } from './helpers.js';

const DAYS = [
  '2023-12-31',
  '2024-01-05',
  '2024-02-16',
  '2024-03-03',
  '2024-03-09',
  '2024-03-31',
  '2024-06-10',
];
const defaults = configSchema.parse({}).tiers;
const ratioConfig = configSchema.parse({ tiers: { calibration: { method: 'contribution_ratio' } } }).tiers;

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore();
  const member = (id: string, since: string | null): string =>
    `('${id}', ${since === null ? 'NULL' : `TIMESTAMPTZ '${since} 09:00:00+08'`}, 1, now(), now())`;
  await temp.store.run(
    raw(`INSERT INTO customers (id, member_since, batch_id, first_imported_at, updated_at) VALUES
      ${[member('C1', '2024-01-01'), member('C2', '2024-02-01'), member('C3', '2024-03-01'), member('C4', '2024-01-01'), member('C5', null), member('C6', '2024-03-10')].join(', ')}`),
  );
  const order = (id: string, customer: string, day: string, paid: number, refunded = 0): string =>
    `('${id}', '${customer}', TIMESTAMPTZ '${day} 20:00:00+08', 'completed', ${paid}, ${refunded}, 1, now(), now())`;
  await temp.store.run(
    raw(`INSERT INTO orders (id, customer_id, placed_at, status, paid_amount, refunded_amount, batch_id,
        first_imported_at, updated_at) VALUES
      ${[order('o1', 'C1', '2024-01-10', 100), order('o2', 'C1', '2024-03-05', 50, 20), order('o3', 'C2', '2024-02-15', 300), order('o4', 'C3', '2024-03-02', 1000), order('o5', 'C5', '2024-02-20', 500), order('o6', 'C6', '2024-03-15', 40)].join(', ')}`),
  );
});
afterAll(() => temp.cleanup());

/** The reports of DAYS one day at a time, as the monitor computed them before. */
async function getOneDayReports(
  config: TiersConfig,
  allCustomers: boolean,
  calibrationOf: (day: string) => TierCalibration | null,
): Promise<Map<string, TierReport>> {
  const localDays = await getLocalDays(temp.store, '2024-06-30');
  const reports = new Map<string, TierReport>();
  for (const day of DAYS) {
    const options = { asOf: day, config, facts: { localDays }, allCustomers };
    const calibration = calibrationOf(day) ?? (await calibrateTiers(temp.store, options));
    reports.set(day, await getTierReport(temp.store, options, calibration, calibrationOf(day) !== null));
  }
  return reports;
}

async function getManyDayReports(
  config: TiersConfig,
  allCustomers: boolean,
  calibrationOf: (day: string) => TierCalibration | null,
): Promise<Map<string, TierReport>> {
  const localDays = await getLocalDays(temp.store, '2024-06-30');
  const reports = await getTierReportsOfDays(
    temp.store,
    { days: DAYS, config, localDays, allCustomers },
    calibrationOf,
  );
  return new Map([...reports].map(([day, { report }]) => [day, report]));
}

const provisional = (): null => null;
const tierFigures = (report: TierReport | undefined): unknown[] =>
  (report?.tiers ?? []).map((tier) => [tier.tier, tier.threshold, tier.members, tier.value]);

describe('the tier reports of many days at once', () => {
  it('cut and count by hand on 2024-02-16 and 2024-03-31 (provisional calibrations)', async () => {
    const reports = await getManyDayReports(defaults, false, provisional);
    expect(tierFigures(reports.get('2024-03-31'))).toEqual([
      ['member', null, 3, '170.00'],
      ['silver', '300.00', 1, '300.00'],
      ['gold', '1000.00', 1, '1000.00'],
      ['diamond', '1000.01', 0, '0.00'],
    ]);
    expect(tierFigures(reports.get('2024-02-16'))).toEqual([
      ['member', null, 2, '100.00'],
      ['silver', '300.00', 1, '300.00'],
      ['gold', '300.01', 0, '0.00'],
      ['diamond', '300.01', 0, '0.00'],
    ]);
    expect(reports.get('2023-12-31')?.members).toBe(0);
  });

  it.each([
    ['shares, members', defaults, false],
    ['shares, all customers', defaults, true],
    ['contribution ratio, members', ratioConfig, false],
    ['contribution ratio, all customers', ratioConfig, true],
  ])('equal the one-day reports on every day (%s)', async (_, config, allCustomers) => {
    expect(await getManyDayReports(config, allCustomers, provisional)).toEqual(
      await getOneDayReports(config, allCustomers, provisional),
    );
  });

  it('equal the one-day reports under stored calibrations', async () => {
    const localDays = await getLocalDays(temp.store, '2024-06-30');
    const calibrations: TierCalibration[] = [];
    for (const asOf of ['2024-02-16', '2024-03-09']) {
      const calibration = await calibrateTiers(temp.store, { asOf, config: defaults, facts: { localDays } });
      await saveTierCalibration(temp.store, calibration);
      calibrations.push(calibration);
    }
    const latestOn = (day: string): TierCalibration | null =>
      calibrations.filter((c) => c.calibrated_on <= day).at(-1) ?? null;
    const many = await getManyDayReports(defaults, false, latestOn);
    expect(many).toEqual(await getOneDayReports(defaults, false, latestOn));
    expect(many.get('2024-03-31')?.calibration.calibrated_on).toBe('2024-03-09');
  });
});
