/**
 * Monthly KPIs on the real UCI Online Retail file (2010-12-01 … 2011-12-09; the shop has no
 * member programme): monthly revenue (GMV and net GMV), orders and monthly active customers
 * (buyers) equal to a plain reduction over the raw rows done here with the rules of the
 * online-retail format (src/ingest/formats/online-retail.ts): one order per kept invoice, placed
 * at its first InvoiceDate (naive store time, so the month is the text's month), C invoices are
 * refund-only orders, money in exact thousandths rounded to cents per invoice; an invoice without
 * CustomerID is a guest order.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKpis, type KpiReport } from '../../src/analytics/kpis/kpis.js';
import { configSchema } from '../../src/config/config.js';
import { importFile } from '../../src/ingest/import-file.js';
import { centsToString, openTempStore, SHARED_DATA, type TempStore } from '../helpers.js';
import { readInvoices, roundToCents } from './online-retail-raw.js';

const FILE = join(SHARED_DATA, 'online-retail', 'OnlineRetail.csv.gz');
const available = existsSync(FILE);
if (!available && !process.env.CI)
  console.warn(`skipped: ${FILE} is not here (the shared data folder is absent)`);

interface Month {
  gmvCents: bigint;
  refundedCents: bigint;
  guestCents: bigint;
  orders: number;
  guestOrders: number;
  buyers: Set<string>;
}

function reduceRawFile(): Map<string, Month> {
  const invoices = readInvoices(FILE);
  const months = new Map<string, Month>();
  for (const entry of invoices) {
    const key = entry.placed.slice(0, 7);
    const month = months.get(key) ?? {
      gmvCents: 0n,
      refundedCents: 0n,
      guestCents: 0n,
      orders: 0,
      guestOrders: 0,
      buyers: new Set<string>(),
    };
    const cents = roundToCents(entry.millis);
    // No customer = guest.
    const customer = entry.customer;
    if (entry.cancellation) {
      month.refundedCents += -cents;
    } else {
      month.gmvCents += cents;
      if (customer === undefined) month.guestCents += cents;
      if (cents > 0n) {
        month.orders++;
        if (customer === undefined) month.guestOrders++;
        else month.buyers.add(customer);
      }
    }
    months.set(key, month);
  }
  return months;
}

describe.skipIf(!available && !process.env.CI)('monthly KPIs on the real Online Retail file', () => {
  let temp: TempStore;
  let expected: Map<string, Month>;
  let report: KpiReport;

  beforeAll(async () => {
    expected = reduceRawFile();
    temp = await openTempStore();
    await importFile(temp.store, FILE, { rejectsDir: join(temp.dir, 'rejects') });
    report = await getKpis(temp.store, {
      from: '2010-12-01',
      to: '2011-12-09',
      period: 'month',
      lifecycle: configSchema.parse({}).lifecycle,
    });
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('has the 13 months of the file, the last one cut at 2011-12-09', () => {
    expect(report.periods.map((p) => p.period)).toEqual([...expected.keys()].sort());
    expect(report.periods.map((p) => p.period)).toHaveLength(13);
    expect(report.periods.at(-1)).toMatchObject({ end: '2011-12-09', partial: true });
  });

  it('gives the monthly revenue of the raw rows: GMV, refunds, net GMV and guest GMV', () => {
    const ours = report.periods.map((p) => [p.period, p.gmv, p.refunded, p.net_gmv, p.guest_gmv]);
    const theirs = [...expected]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, m]) => [
        month,
        centsToString(m.gmvCents),
        centsToString(m.refundedCents),
        centsToString(m.gmvCents - m.refundedCents),
        centsToString(m.guestCents),
      ]);
    expect(ours).toEqual(theirs);
  });

  it('gives the monthly active customers and orders of the raw rows', () => {
    const ours = report.periods.map((p) => [p.period, p.buyers, p.orders, p.guest_orders]);
    const theirs = [...expected]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, m]) => [month, m.buyers.size, m.orders, m.guestOrders]);
    expect(ours).toEqual(theirs);
  });

  it('has no members, so every member rate is empty and no GMV is member GMV', () => {
    for (const p of report.periods) {
      expect(p.members).toBe(0);
      expect(p.activation_rate.rate).toBeNull();
      expect(p.member_repurchase_rate.rate).toBeNull();
      expect(p.member_gmv_share.rate).toBe(0);
    }
  });
});
