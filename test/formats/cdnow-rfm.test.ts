/**
 * RFM on the real CDNOW sample as of 1997-09-30 (the end of the published calibration period),
 * all customers (the file has no members). Recency, frequency and monetary of every customer
 * equal a plain reduction over the raw rows here, and the purchase days agree with the
 * published BTYD/lifetimes calibration summary (x = repeat purchase days, T − t_x = weeks since
 * the last purchase; ../shared/data/cdnow/README.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRfmCustomers, type RfmCustomer } from '../../src/analytics/rfm/rfm.js';
import { configSchema } from '../../src/config/config.js';
import { importFile } from '../../src/ingest/import-file.js';
import { centsToString, openTempStore, SHARED_DATA, toCents, type TempStore } from '../helpers.js';

const DIR = join(SHARED_DATA, 'cdnow');
const SAMPLE = join(DIR, 'CDNOW_sample.txt.gz');
const SUMMARY = join(DIR, 'cdnow_customers_summary_with_transactions.csv.gz');
const available = existsSync(SAMPLE) && existsSync(SUMMARY);
if (!available && !process.env.CI)
  console.warn(`skipped: ${DIR} is not here (the shared data folder is absent)`);

const AS_OF = '19970930';
const dayNumber = (yyyymmdd: string): number =>
  Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) /
  86_400_000;

interface Raw {
  sampleId: string;
  days: Set<string>;
  /** Days with a purchase of more than $0 (a $0 order is not a purchase). */
  paidDays: Set<string>;
  paidOrders: number;
  cents: bigint;
  hasZeroRow: boolean;
}

function reduceRawSample(): Map<string, Raw> {
  const customers = new Map<string, Raw>();
  for (const line of gunzipSync(readFileSync(SAMPLE)).toString('utf8').split('\n')) {
    const [masterId, sampleId, date, , dollars] = line.trim().split(/\s+/);
    if (!masterId || !sampleId || !date || !dollars || date > AS_OF) continue;
    const raw = customers.get(masterId) ?? {
      sampleId,
      days: new Set<string>(),
      paidDays: new Set<string>(),
      paidOrders: 0,
      cents: 0n,
      hasZeroRow: false,
    };
    const cents = toCents(dollars);
    raw.days.add(date);
    if (cents > 0n) {
      raw.paidDays.add(date);
      raw.paidOrders++;
    } else {
      raw.hasZeroRow = true;
    }
    raw.cents += cents;
    customers.set(masterId, raw);
  }
  return customers;
}

describe.skipIf(!available && !process.env.CI)('RFM on the real CDNOW sample', () => {
  let temp: TempStore;
  let raw: Map<string, Raw>;
  let byOrders: Map<string, RfmCustomer>;
  let byDays: Map<string, RfmCustomer>;

  beforeAll(async () => {
    raw = reduceRawSample();
    temp = await openTempStore();
    await importFile(temp.store, SAMPLE, { rejectsDir: join(temp.dir, 'rejects') });
    const config = configSchema.parse({}).rfm;
    const asOf = '1997-09-30';
    const orders = await getRfmCustomers(temp.store, { asOf, allCustomers: true, config });
    const days = await getRfmCustomers(temp.store, {
      asOf,
      allCustomers: true,
      config: { ...config, frequency: 'order_days' },
    });
    byOrders = new Map(orders.map((c) => [c.customer_id, c]));
    byDays = new Map(days.map((c) => [c.customer_id, c]));
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('counts the 2,357 customers of the sample', () => {
    expect(raw.size).toBe(2357);
    expect(byOrders.size).toBe(2357);
  });

  it('gives every customer the recency, frequency and monetary of the raw rows', () => {
    const asOf = dayNumber(AS_OF);
    for (const [id, r] of raw) {
      const ours = byOrders.get(id)!;
      const last = [...r.paidDays].sort().at(-1);
      expect([ours.recency_days, ours.frequency, ours.monetary], id).toEqual([
        last === undefined ? null : asOf - dayNumber(last),
        r.paidOrders,
        centsToString(r.cents),
      ]);
      expect(byDays.get(id)!.frequency, id).toBe(r.paidDays.size);
    }
  });

  it('agrees with the published calibration summary: x + 1 purchase days, T − t_x weeks since the last', () => {
    const published = gunzipSync(readFileSync(SUMMARY))
      .toString('utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((line) => line.trim() !== '')
      .map((line) => line.split(',').map(Number) as [number, number, number, number, number]);
    expect(published).toHaveLength(2357);
    const bySampleId = new Map([...raw].map(([id, r]) => [r.sampleId.replace(/^0+/, ''), { id, r }]));
    let compared = 0;
    for (const [sampleId, x, tx, T] of published) {
      const { id, r } = bySampleId.get(String(sampleId))!;
      // The published summary counts $0 rows as purchases; RFM does not, so compare the others.
      if (r.hasZeroRow) continue;
      const ours = byDays.get(id)!;
      expect(ours.frequency, id).toBe(x + 1);
      // Both sides of T − t_x are rounded to 2 decimals of a week.
      expect(Math.abs(ours.recency_days! / 7 - (T - tx)), id).toBeLessThanOrEqual(0.011);
      compared++;
    }
    expect(compared).toBeGreaterThan(2300);
  });
});
