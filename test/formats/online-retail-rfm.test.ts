/**
 * RFM on the real UCI Online Retail file as of 2011-12-09 (its last day), all customers (the file
 * has no members): recency, frequency and monetary of every customer, and the quintile cut
 * points, equal to a plain reduction over the raw rows done here with the rules of the
 * online-retail format (src/ingest/formats/online-retail.ts): one order per kept invoice, C
 * invoices are refund-only orders, money in exact thousandths rounded to cents per invoice.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getRfmCustomers,
  getRfmSummary,
  type RfmCustomer,
  type RfmSummary,
} from '../../src/analytics/rfm/rfm.js';
import { configSchema } from '../../src/config/config.js';
import { importFile } from '../../src/ingest/import-file.js';
import { centsToString, openTempStore, SHARED_DATA, type TempStore } from '../helpers.js';
import { readInvoices, roundToCents } from './online-retail-raw.js';

const FILE = join(SHARED_DATA, 'online-retail', 'OnlineRetail.csv.gz');
const available = existsSync(FILE);
if (!available && !process.env.CI)
  console.warn(`skipped: ${FILE} is not here (the shared data folder is absent)`);

const AS_OF = '2011-12-09';

interface Expected {
  recencyDays: number | null;
  frequency: number;
  monetaryCents: bigint;
}

/** Whole days from a YYYY-MM-DD day to the as-of day (both calendar days, no clock). */
const daysTo = (day: string): number =>
  (Date.parse(`${AS_OF}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / 86_400_000;

function reduceRawFile(): Map<string, Expected> {
  const invoices = readInvoices(FILE);
  const byCustomer = new Map<string, { last: string | null; frequency: number; monetaryCents: bigint }>();
  for (const entry of invoices) {
    // No customer = guest, not counted.
    const customer = entry.customer;
    const day = entry.placed.slice(0, 10);
    if (customer === undefined || day > AS_OF) continue;
    const facts = byCustomer.get(customer) ?? { last: null, frequency: 0, monetaryCents: 0n };
    const cents = roundToCents(entry.millis);
    if (entry.cancellation) {
      facts.monetaryCents -= -cents;
    } else {
      facts.monetaryCents += cents;
      if (cents > 0n) {
        facts.frequency++;
        if (facts.last === null || day > facts.last) facts.last = day;
      }
    }
    byCustomer.set(customer, facts);
  }
  return new Map(
    [...byCustomer].map(([id, f]) => [
      id,
      {
        recencyDays: f.last === null ? null : daysTo(f.last),
        frequency: f.frequency,
        monetaryCents: f.monetaryCents,
      },
    ]),
  );
}

/** Nearest rank: the j-th cut is the value at rank ceil(j·n/5) of the ascending values. */
function nearestRankCuts<T>(values: T[], compare: (a: T, b: T) => number): T[] {
  const sorted = [...values].sort(compare);
  return [1, 2, 3, 4].map((j) => sorted[Math.ceil((j * sorted.length) / 5) - 1]!);
}

describe.skipIf(!available && !process.env.CI)('RFM on the real Online Retail file', () => {
  let temp: TempStore;
  let expected: Map<string, Expected>;
  let customers: RfmCustomer[];
  let summary: RfmSummary;

  beforeAll(async () => {
    expected = reduceRawFile();
    temp = await openTempStore();
    await importFile(temp.store, FILE, { rejectsDir: join(temp.dir, 'rejects') });
    const options = { asOf: AS_OF, allCustomers: true, config: configSchema.parse({}).rfm };
    customers = await getRfmCustomers(temp.store, options);
    summary = await getRfmSummary(temp.store, options);
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('counts every customer with an order, and no guest', () => {
    expect(customers.length).toBe(expected.size);
    expect(summary.customers).toBe(expected.size);
  });

  it('gives every customer the recency, frequency and monetary of the raw rows', () => {
    const ours = Object.fromEntries(
      customers.map((c) => [c.customer_id, [c.recency_days, c.frequency, c.monetary]]),
    );
    const theirs = Object.fromEntries(
      [...expected].map(([id, e]) => [id, [e.recencyDays, e.frequency, centsToString(e.monetaryCents)]]),
    );
    expect(ours).toEqual(theirs);
  });

  it('uses the nearest-rank quintile cut points of the scored customers', () => {
    const scored = [...expected.values()].filter((e) => e.frequency > 0);
    expect(summary.scored_customers).toBe(scored.length);
    const byNumber = (a: number, b: number) => a - b;
    expect(summary.cut_points).toEqual({
      recency_days: nearestRankCuts(
        scored.map((e) => e.recencyDays!),
        byNumber,
      ),
      frequency: nearestRankCuts(
        scored.map((e) => e.frequency),
        byNumber,
      ),
      monetary: nearestRankCuts(
        scored.map((e) => e.monetaryCents),
        (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      ).map(centsToString),
    });
  });

  it('leaves customers with only cancellations unscored', () => {
    const unscored = [...expected.values()].filter((e) => e.frequency === 0).length;
    expect(customers.filter((c) => c.segment === 'no_purchase').length).toBe(unscored);
    expect(customers.filter((c) => c.segment === 'no_purchase').every((c) => c.r === null)).toBe(true);
  });
});
