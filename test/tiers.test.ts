/**
 * Tiers on a hand-built store (test/fixtures/tiers, timezone Asia/Shanghai). Every figure below
 * was worked out by hand from the fixture rows; the working is in the comments.
 *
 * Counted as of 2024-06-30: the 20 members NEG, Z1, Z2 (joined 23:00 on the day, no orders),
 * P04 … P20. Not counted: E2 (joins 2024-07-01), N1 (not a member), the guest order.
 *
 * Value as of 2024-06-30 = net spend over [2023-07-01, 2024-07-01) store time, with the special
 * days of SPECIAL (every 8th, every 11-11, and 2024-03-09) left out:
 *   NEG  -60  paid 30, then a refund-only order refunds 90 (refunds larger than paid)
 *   Z1, Z2 0  no orders
 *   P04  10   the 500 at 2023-06-30 23:30 is before the window
 *   P05  20   the 200 at 2024-05-07T16:30Z is 05-08 00:30 store time: member day (220 without)
 *   P06  30   the 999 on 2023-11-11 is 双11 (1029 without)
 *   P07  40   the 777 on 2024-03-09 is a listed date (817 without)
 *   P08  50   the cancelled and unpaid orders are not GMV
 *   P09  60   paid 100, refunded 40
 *   P10 80, P11 100, P12 100, P13 120, P14 150, P15 200, P16 250, P17 300, P18 400
 *   P19  500  450 + 50
 *   P20  1000 the 5000 at 2024-06-30T16:00:30Z is 07-01 store time, after the day
 *
 * Shares 55/25/15/5, n = 20: tier k's threshold is the value at rank ⌈c·n⌉ + 1 ascending,
 * c = 55, 80, 95 % → ranks 12, 17, 20 → 100 (P12), 300 (P17), 1000 (P20). A value equal to a
 * threshold takes the higher tier, so P11 = P12 = 100 are both 银卡: tiers 10 / 6 / 3 / 1.
 *
 * Stepped check: value = net spend over the last 3 months, [2024-04-01, 2024-07-01):
 *   entry  -60 + 10 + 20 + 30 + 60 + 80 = 140   (P07, P08 bought before April)
 *   银卡   100 + 100 + 120 + 150 + 200 + 250 = 920
 *   金卡   50 (P17, P18 bought in 2023; P19's 50 in June)
 *   钻石   1000                                   total 2110
 * Contribution rates (value share ÷ member share): 140/2110/0.5 = 0.1327, 920/2110/0.3 = 1.4534,
 * 50/2110/0.15 = 0.1580, 1000/2110/0.05 = 9.4787: 金卡 breaks the steps.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calibrateTiers,
  getLatestTierCalibration,
  getMemberTiers,
  getTierReport,
  listTierCalibrations,
  saveTierCalibration,
  type TierReport,
} from '../src/analytics/tiers/tiers.js';
import { getRfmCustomers } from '../src/analytics/rfm/rfm.js';
import { configSchema, parseConfig } from '../src/config/config.js';
import type { TiersConfig } from '../src/config/tiers-config.js';
import { importFile } from '../src/ingest/import-file.js';
import { makeTempDir, openTempStore, ROOT, runCli, type TempStore } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'tiers');
const AS_OF = '2024-06-30';
const SPECIAL = { monthly: [8], annual: ['11-11'], dates: ['2024-03-09'] };
const tiersConfig = (tiers: object = {}): TiersConfig => configSchema.parse({ tiers }).tiers;
const withSpecial = (tiers: object = {}): TiersConfig => tiersConfig({ special_days: SPECIAL, ...tiers });

let temp: TempStore;
beforeAll(async () => {
  temp = await openTempStore('Asia/Shanghai');
  for (const file of ['customers.csv', 'orders.csv'])
    await importFile(temp.store, join(FIXTURE, file), { rejectsDir: join(temp.dir, 'rejects') });
});
afterAll(async () => {
  await temp.cleanup();
});

async function calibrateAndReport(config: TiersConfig, asOf = AS_OF): Promise<TierReport> {
  const calibration = await calibrateTiers(temp.store, { asOf, config });
  return getTierReport(temp.store, { asOf, config }, calibration, false);
}

const thresholdsOf = (report: TierReport) => report.tiers.map((t) => t.threshold);
const membersOf = (report: TierReport) => report.tiers.map((t) => t.members);

describe('the value measure', () => {
  it('is trailing-12-month net spend of members, special-day orders left out, as worked out by hand', async () => {
    const config = withSpecial();
    const calibration = await calibrateTiers(temp.store, { asOf: AS_OF, config });
    const rows = await getMemberTiers(temp.store, { asOf: AS_OF, config }, calibration);
    const values = Object.fromEntries(rows.map((row) => [row.customer_id, row.value]));
    expect(values).toEqual({
      NEG: '-60.00',
      Z1: '0.00',
      Z2: '0.00',
      P04: '10.00',
      P05: '20.00',
      P06: '30.00',
      P07: '40.00',
      P08: '50.00',
      P09: '60.00',
      P10: '80.00',
      P11: '100.00',
      P12: '100.00',
      P13: '120.00',
      P14: '150.00',
      P15: '200.00',
      P16: '250.00',
      P17: '300.00',
      P18: '400.00',
      P19: '500.00',
      P20: '1000.00',
    });
  });

  it('counts special-day orders when no special days are configured', async () => {
    const config = tiersConfig();
    const calibration = await calibrateTiers(temp.store, { asOf: AS_OF, config });
    const rows = await getMemberTiers(temp.store, { asOf: AS_OF, config }, calibration);
    const values = Object.fromEntries(rows.map((row) => [row.customer_id, row.value]));
    expect([values.P05, values.P06, values.P07]).toEqual(['220.00', '1029.00', '817.00']);
  });
});

describe('the RFM score as the value measure', () => {
  it('measures each member by the weighted RFM score (0 without a purchase) and cuts the shares over it', async () => {
    const rfm = configSchema.parse({}).rfm;
    const config = tiersConfig({ measure: 'rfm_score' });
    const calibration = await calibrateTiers(temp.store, { asOf: AS_OF, config, rfm });
    expect(calibration.measure).toBe('rfm_score');
    const rows = await getMemberTiers(temp.store, { asOf: AS_OF, config, rfm }, calibration);
    // Each member's score as RFM gives it (RFM itself is checked by hand in rfm.test.ts).
    const scores = new Map(
      (await getRfmCustomers(temp.store, { asOf: AS_OF, config: rfm })).map((c) => [
        c.customer_id,
        c.score ?? 0,
      ]),
    );
    expect(rows).toHaveLength(20);
    for (const row of rows)
      expect(Number(row.value), row.customer_id).toBeCloseTo(scores.get(row.customer_id) ?? 0, 2);
    // Shares 55/25/15/5 over the 20 scores ascending: thresholds at ranks 12, 17 and 20.
    const ascending = [...scores.values()].sort((a, b) => a - b);
    expect(calibration.tiers.slice(1).map((tier) => Number(tier.threshold))).toEqual(
      [12, 17, 20].map((rank) => Math.max(ascending[rank - 1] ?? 0, 0.01)),
    );
    // A stored calibration keeps its measure: a later report measures by the score again.
    const report = await getTierReport(
      temp.store,
      { asOf: AS_OF, config: tiersConfig(), rfm },
      calibration,
      false,
    );
    expect(report.measure).toBe('rfm_score');
    expect(report.tiers.map((t) => t.members).reduce((a, b) => a + b, 0)).toBe(20);
  });
});

describe('calibration by member shares', () => {
  it('cuts 55/25/15/5 at ranks 12, 17, 20, a value equal to a threshold taking the higher tier', async () => {
    const report = await calibrateAndReport(withSpecial());
    expect(thresholdsOf(report)).toEqual([null, '100.00', '300.00', '1000.00']);
    expect(membersOf(report)).toEqual([10, 6, 3, 1]);
    expect(report.tiers.map((t) => t.member_share)).toEqual([0.5, 0.3, 0.15, 0.05]);
    expect(report.tiers.map((t) => t.measure_value)).toEqual(['230.00', '920.00', '1200.00', '1000.00']);
    expect(report.measure_value).toBe('3350.00');
  });

  it('puts the tied members P11 and P12 (100 = the 银卡 threshold) in the same tier', async () => {
    const config = withSpecial();
    const calibration = await calibrateTiers(temp.store, { asOf: AS_OF, config });
    const rows = await getMemberTiers(temp.store, { asOf: AS_OF, config }, calibration);
    const tierOf = new Map(rows.map((row) => [row.customer_id, row.tier]));
    expect([tierOf.get('P10'), tierOf.get('P11'), tierOf.get('P12')]).toEqual(['member', 'silver', 'silver']);
    expect([tierOf.get('NEG'), tierOf.get('Z1'), tierOf.get('P20')]).toEqual(['member', 'member', 'diamond']);
  });

  it('gives value shares and contribution rates over the last 3 months and names the tier that breaks the steps', async () => {
    const report = await calibrateAndReport(withSpecial());
    expect(report.tiers.map((t) => t.value)).toEqual(['140.00', '920.00', '50.00', '1000.00']);
    expect(report.value).toBe('2110.00');
    const expected = [140 / 2110 / 0.5, 920 / 2110 / 0.3, 50 / 2110 / 0.15, 1000 / 2110 / 0.05];
    report.tiers.forEach((t, index) => expect(t.contribution_rate).toBeCloseTo(expected[index] ?? NaN, 12));
    expect(report.tiers.map((t) => t.stepped)).toEqual([null, true, false, true]);
    expect(report.stepped).toBe(false);
    expect(report.broken_steps).toEqual(['tier 金卡 breaks the steps: contribution 0.16 ≤ 1.45 of 银卡']);
  });

  it('raises thresholds to the minimums; a tier no one reaches breaks the steps', async () => {
    const levels = tiersConfig().levels.map((level) =>
      level.id === 'silver'
        ? { ...level, min_threshold: 150 }
        : level.id === 'diamond'
          ? { ...level, min_threshold: 2000 }
          : level,
    );
    const report = await calibrateAndReport(withSpecial({ levels }));
    // 100 → 150 (P14 = 150 is on it: 银卡); 300 stays; 1000 → 2000, above every value.
    expect(thresholdsOf(report)).toEqual([null, '150.00', '300.00', '2000.00']);
    expect(membersOf(report)).toEqual([13, 3, 4, 0]);
    // Last 3 months: entry 140 + 100 + 100 + 120 = 460, 银卡 600, 金卡 1050, of 2110.
    expect(report.tiers.map((t) => t.value)).toEqual(['460.00', '600.00', '1050.00', '0.00']);
    expect(report.tiers.map((t) => t.stepped)).toEqual([null, true, true, false]);
    expect(report.broken_steps).toEqual(['tier 钻石 breaks the steps: it has no members']);
  });
});

describe('calibration by entry share and contribution ratio', () => {
  it('derives the upper cuts from the ratio 2:3:4 of the value above the entry tier', async () => {
    const report = await calibrateAndReport(
      withSpecial({
        calibration: { method: 'contribution_ratio', entry_share: 60, contribution_ratio: [2, 3, 4] },
      }),
    );
    // Entry 60 %: rank ⌈12⌉ + 1 = 13 → 120 (P13). Upper: 120 … 1000, U = 2920. From the top:
    // 钻石 until Σ ≥ 2920·4/9 = 1297.78: 1000, 1500 → 500 (P19); 金卡 and up until
    // Σ ≥ 2920·7/9 = 2271.11: 1900, 2200, 2450 → 250 (P16).
    expect(thresholdsOf(report)).toEqual([null, '120.00', '250.00', '500.00']);
    expect(membersOf(report)).toEqual([12, 3, 3, 2]);
    // Entry NEG … P12: 230 + 100 + 100; 银卡 120 + 150 + 200; 金卡 250 + 300 + 400; 钻石 500 + 1000.
    expect(report.tiers.map((t) => t.measure_value)).toEqual(['430.00', '470.00', '950.00', '1500.00']);
  });
});

describe('calibration history', () => {
  it('keeps every calibration; tiers as of a day between two use the first, thresholds fixed', async () => {
    const config = withSpecial();
    // As of 2024-03-31 (19 members: Z2 joins in June), window [2023-04-01, 2024-04-01):
    // 13 zeros, then P07 40, P08 50, P17 300, P18 400, P19 450, P04 500 (its June 2023 order).
    // Ranks ⌈c·19⌉ + 1 = 12, 17, 20: 0 → the minimum 0.01; 400 (P18); past the last member →
    // one cent above the highest value, 500.01.
    const first = await calibrateTiers(temp.store, { asOf: '2024-03-31', config });
    await saveTierCalibration(temp.store, first);
    await saveTierCalibration(temp.store, await calibrateTiers(temp.store, { asOf: AS_OF, config }));

    const history = await listTierCalibrations(temp.store);
    expect(history.map((c) => [c.calibrated_on, c.members, c.tiers.map((t) => t.threshold)])).toEqual([
      ['2024-03-31', 19, [null, '0.01', '400.00', '500.01']],
      ['2024-06-30', 20, [null, '100.00', '300.00', '1000.00']],
    ]);
    expect(history[0]?.tiers.map((t) => t.members)).toEqual([13, 3, 3, 0]);

    const between = await getLatestTierCalibration(temp.store, '2024-05-15');
    expect(between?.calibrated_on).toBe('2024-03-31');
    const report = await getTierReport(temp.store, { asOf: '2024-05-15', config }, between!, true);
    // Values as of 2024-05-15, window [2023-05-16, 2024-05-16), under 0.01 / 400 / 500.01:
    // entry NEG -60, Z1, P06, P10, P13–P16, P20 (0); 银卡 P05 20, P07 40, P08 50, P09 60,
    // P11 100, P12 100, P17 300; 金卡 P18 400, P19 450, P04 500.
    expect(thresholdsOf(report)).toEqual([null, '0.01', '400.00', '500.01']);
    expect(membersOf(report)).toEqual([9, 7, 3, 0]);
    expect(report.calibration).toEqual({
      calibrated_on: '2024-03-31',
      method: 'shares',
      stored: true,
      next_due: '2024-09-30',
      overdue: false,
    });
    expect(await getLatestTierCalibration(temp.store, '2024-03-30')).toBeNull();
    expect((await getLatestTierCalibration(temp.store, '2024-07-31'))?.calibrated_on).toBe(AS_OF);
  });
});

describe('a stored calibration', () => {
  it('is replaced when the same day is calibrated again', async () => {
    const config = withSpecial();
    const before = (await listTierCalibrations(temp.store)).length;
    await saveTierCalibration(temp.store, await calibrateTiers(temp.store, { asOf: '2024-01-31', config }));
    await saveTierCalibration(temp.store, await calibrateTiers(temp.store, { asOf: '2024-01-31', config }));
    const after = await listTierCalibrations(temp.store);
    expect(after.length).toBe(before + 1);
    expect(after.filter((c) => c.calibrated_on === '2024-01-31')).toHaveLength(1);
  });

  it('made for other tiers is refused, asking for a new calibration', async () => {
    const calibration = await calibrateTiers(temp.store, { asOf: AS_OF, config: withSpecial() });
    const levels = tiersConfig().levels.slice(0, 3);
    const config = withSpecial({ levels, calibration: { shares: [60, 30, 10] } });
    await expect(getTierReport(temp.store, { asOf: AS_OF, config }, calibration, true)).rejects.toThrow(
      /the calibration of 2024-06-30 was made for the tiers member, silver, gold, diamond, but the config has member, silver, gold: run `huiyuan tiers --calibrate`/,
    );
  });
});

describe('the tiers config', () => {
  const parse = (tiers: object) => () => parseConfig(JSON.stringify({ tiers }), 'huiyuan.config.json');

  it('defaults to four tiers, shares 55/25/15/5, 12 months, recalibration every 6 months', () => {
    const config = tiersConfig();
    expect(config.levels.map((l) => [l.id, l.name_zh])).toEqual([
      ['member', '普通会员'],
      ['silver', '银卡'],
      ['gold', '金卡'],
      ['diamond', '钻石'],
    ]);
    expect([config.calibration.method, config.calibration.shares, config.window_months]).toEqual([
      'shares',
      [55, 25, 15, 5],
      12,
    ]);
    expect(config.recalibrate_every_months).toBe(6);
    expect(config.levels[3]?.benefits).toEqual({ free_shipping: true, discount_percent: 10 });
  });

  it('names shares that do not sum to 100', () => {
    expect(parse({ calibration: { shares: [55, 25, 15, 10] } })).toThrow(
      /field tiers\.calibration\.shares: expected shares summing to 100, found a sum of 105/,
    );
  });

  it('names a share list of the wrong length', () => {
    expect(parse({ calibration: { shares: [60, 40] } })).toThrow(
      /field tiers\.calibration\.shares: expected one share per tier \(4\), found 2/,
    );
  });

  it('names a bad day of the month and a bad date', () => {
    expect(parse({ special_days: { monthly: [32] } })).toThrow(
      /field tiers\.special_days\.monthly\.0: expected a day of the month 1–31, found 32/,
    );
    expect(parse({ special_days: { dates: ['2024-02-30'] } })).toThrow(
      /field tiers\.special_days\.dates\.0: expected a day YYYY-MM-DD, found "2024-02-30"/,
    );
  });

  it('refuses a minimum threshold on the entry tier and falling minimums', () => {
    const levels = tiersConfig().levels;
    expect(parse({ levels: levels.map((l, i) => (i === 0 ? { ...l, min_threshold: 5 } : l)) })).toThrow(
      /field tiers\.levels\.0\.min_threshold: the entry tier holds every counted member and has no threshold/,
    );
    const falling = levels.map((l, i) =>
      i === 2 ? { ...l, min_threshold: 500 } : i === 3 ? { ...l, min_threshold: 100 } : l,
    );
    expect(parse({ levels: falling })).toThrow(
      /field tiers\.levels\.3\.min_threshold: expected minimum thresholds rising tier by tier, found 100 below 500/,
    );
  });

  it('names a contribution ratio of the wrong length and a bad discount', () => {
    expect(
      parse({ calibration: { method: 'contribution_ratio', contribution_ratio: [4, 3, 2, 1] } }),
    ).toThrow(
      /field tiers\.calibration\.contribution_ratio: expected one number per tier above the entry tier \(3\), found 4/,
    );
    const levels = tiersConfig().levels.map((l, i) =>
      i === 1 ? { ...l, benefits: { discount_percent: 100 } } : l,
    );
    expect(parse({ levels })).toThrow(
      /field tiers\.levels\.1\.benefits\.discount_percent: expected a discount below 100%/,
    );
  });
});

describe('huiyuan tiers', () => {
  let db: string;
  beforeAll(() => {
    const dir = makeTempDir();
    db = join(dir, 'tiers.duckdb');
    writeFileSync(join(dir, 'huiyuan.config.json'), JSON.stringify({ tiers: { special_days: SPECIAL } }));
    const run = runCli(['--db', db, 'import', join(FIXTURE, 'customers.csv'), join(FIXTURE, 'orders.csv')]);
    expect(run.status).toBe(0);
  });

  it('without a calibration says so and shows, unstored, what one as of the day would give', () => {
    const run = runCli(['--db', db, 'tiers', '--as-of', AS_OF, '--format', 'json']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/no tier calibration on or before 2024-06-30/);
    const json = JSON.parse(run.stdout) as TierReport;
    expect(json.calibration.stored).toBe(false);
    expect(json.tiers.map((t) => t.threshold)).toEqual([null, '100.00', '300.00', '1000.00']);
    expect(runCli(['--db', db, 'tiers', '--history', '--format', 'json']).stdout).toContain(
      '"calibrations": []',
    );
  });

  it('stores a calibration and reads it back as of a later day, as JSON for scripts', () => {
    const calibrate = runCli(['--db', db, 'tiers', '--calibrate', '--as-of', AS_OF, '--format', 'json']);
    expect(calibrate.status).toBe(0);
    const run = runCli(['--db', db, 'tiers', '--as-of', '2024-07-15', '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as TierReport;
    expect(json.calibration).toEqual({
      calibrated_on: AS_OF,
      method: 'shares',
      stored: true,
      next_due: '2024-12-30',
      overdue: false,
    });
    // As of 07-15 E2 has joined (9000 on 2024-06-15: 钻石) and P20's 5000 counts: 21 members.
    expect(json.members).toBe(21);
    expect(json.tiers.map((t) => [t.tier, t.threshold, t.members])).toEqual([
      ['member', null, 10],
      ['silver', '100.00', 6],
      ['gold', '300.00', 3],
      ['diamond', '1000.00', 2],
    ]);
  });

  it('a bad --as-of is one line and exit 2', () => {
    const run = runCli(['--db', db, 'tiers', '--as-of', '2024-13-01']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
