/**
 * UCI Online Retail, the real file from ../shared/data: imported with no flags (format and gzip
 * detected), its counts and money equal to a plain reduction over the raw rows done here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile, type ImportResult } from '../../src/ingest/import-file.js';
import {
  centsToString,
  fingerprint,
  makeTempDir,
  openTempStore,
  runCli,
  SHARED_DATA,
  type TempStore,
} from '../helpers.js';

const FILE = join(SHARED_DATA, 'online-retail', 'OnlineRetail.csv.gz');
const available = existsSync(FILE);
if (!available && !process.env.CI)
  console.warn(`skipped: ${FILE} is not here (the shared data folder is absent)`);

interface Expected {
  orders: number;
  guestOrders: number;
  refundOrders: number;
  customers: number;
  lines: number;
  gmvCents: bigint;
  refundedCents: bigint;
  skipped: Record<string, number>;
}

/** Price and amounts in thousandths, exactly (UnitPrice has at most 3 decimals). */
function toMillis(text: string): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  const sign = whole.startsWith('-') ? -1n : 1n;
  return sign * (BigInt(whole.replace('-', '')) * 1000n + BigInt((fraction + '000').slice(0, 3)));
}

/** Thousandths to cents, half away from zero. */
const roundToCents = (millis: bigint): bigint =>
  millis >= 0n ? (millis + 5n) / 10n : -((-millis + 5n) / 10n);

function reduceRawFile(): Expected {
  const rows = parse<Record<string, string>>(gunzipSync(readFileSync(FILE)), { columns: true });
  const invoices = new Map<string, { millis: bigint; customers: Set<string>; cancellation: boolean }>();
  const customers = new Set<string>();
  const lines = new Set<string>();
  const skipped: Record<string, number> = {};
  for (const row of rows) {
    const invoice = row.InvoiceNo!;
    const quantity = BigInt(row.Quantity!);
    const price = toMillis(row.UnitPrice!);
    const cancellation = invoice.startsWith('C');
    const reason = invoice.startsWith('A')
      ? 'bad-debt adjustment (A invoice)'
      : price <= 0n
        ? 'zero or negative unit price'
        : quantity < 0n && !cancellation
          ? 'negative quantity outside a cancellation (stock write-off)'
          : null;
    if (reason) {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
      continue;
    }
    const entry = invoices.get(invoice) ?? { millis: 0n, customers: new Set<string>(), cancellation };
    entry.millis += quantity * price;
    if (row.CustomerID) {
      entry.customers.add(row.CustomerID);
      customers.add(row.CustomerID);
    }
    invoices.set(invoice, entry);
    lines.add(`${invoice}|${row.StockCode}|${price}`);
  }
  let gmvCents = 0n;
  let refundedCents = 0n;
  let guestOrders = 0;
  let refundOrders = 0;
  for (const entry of invoices.values()) {
    if (entry.cancellation) {
      refundedCents += roundToCents(-entry.millis);
      refundOrders++;
    } else {
      gmvCents += roundToCents(entry.millis);
    }
    if (entry.customers.size === 0) guestOrders++;
  }
  return {
    orders: invoices.size,
    guestOrders,
    refundOrders,
    customers: customers.size,
    lines: lines.size,
    gmvCents,
    refundedCents,
    skipped,
  };
}

describe.skipIf(!available && !process.env.CI)('online-retail on the real UCI file', () => {
  let temp: TempStore;
  let result: ImportResult;
  let expected: Expected;

  beforeAll(async () => {
    expected = reduceRawFile();
    temp = await openTempStore();
    result = await importFile(temp.store, FILE, { rejectsDir: join(temp.dir, 'rejects') });
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('detects the format and gzip with no flags', () => {
    expect(result.format).toBe('online-retail');
    expect(result.detectedBy).toMatch(/InvoiceNo/);
    expect(result.rowsRead).toBe(541_909);
  });

  it('makes one order per kept invoice, guests without CustomerID, refunds from C invoices', () => {
    const byKind = Object.fromEntries(result.entities.map((e) => [e.kind, e.inserted]));
    expect(byKind.orders).toBe(expected.orders);
    expect(byKind.customers).toBe(expected.customers);
    expect(byKind['order-lines']).toBe(expected.lines);
    expect(result.guestOrders).toBe(expected.guestOrders);
    expect(result.refundedOrders).toBe(expected.refundOrders);
    expect(result.rejected).toBe(0);
  });

  it('counts skipped rows by reason instead of dropping them silently', () => {
    expect(Object.fromEntries(result.skipped.map((s) => [s.reason, s.rows]))).toEqual(expected.skipped);
  });

  it('reports customers, orders, guest orders and GMV in status --format json', async () => {
    const db = temp.store.path;
    await temp.store.close();
    const status = JSON.parse(runCli(['--db', db, 'status', '--format', 'json']).stdout) as {
      counts: Record<string, number>;
      gmv: string;
      refunded: string;
    };
    expect(status.counts.customers).toBe(expected.customers);
    expect(status.counts.orders).toBe(expected.orders);
    expect(status.counts.guest_orders).toBe(expected.guestOrders);
    expect(status.gmv).toBe(centsToString(expected.gmvCents));
    expect(status.refunded).toBe(centsToString(expected.refundedCents));
    temp = {
      ...temp,
      store: await (
        await import('../../src/store/duckdb/duckdb-store.js')
      ).DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' }),
    };
  });

  it('re-importing the file changes nothing', async () => {
    const before = await fingerprint(temp.store, ['customers', 'orders', 'order_lines']);
    const again = await importFile(temp.store, FILE, { rejectsDir: join(temp.dir, 'rejects') });
    expect(again.inserted + again.updated).toBe(0);
    expect(await fingerprint(temp.store, ['customers', 'orders', 'order_lines'])).toBe(before);
  });

  it('given as a canonical orders file, names what is missing and imports nothing', async () => {
    const before = await fingerprint(temp.store);
    const error = await importFile(temp.store, FILE, { kind: 'orders', rejectsDir: makeTempDir() }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/header column 'InvoiceNo' is not a column of orders/);
    expect(await fingerprint(temp.store)).toBe(before);
  });
});
