/**
 * A plain reduction of the raw UCI Online Retail rows into orders, with the rules of the
 * online-retail format (src/ingest/formats/online-retail.ts) written out independently: one order
 * per kept invoice; A invoices (bad debt), zero prices and negative quantities outside a C
 * invoice are skipped; a C invoice is a refund-only order; money in exact thousandths.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

/** Price and amounts in thousandths, exactly (UnitPrice has at most 3 decimals). */
export function toMillis(text: string): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  const sign = whole.startsWith('-') ? -1n : 1n;
  return sign * (BigInt(whole.replace('-', '')) * 1000n + BigInt((fraction + '000').slice(0, 3)));
}

/** Thousandths to cents, half away from zero. */
export const roundToCents = (millis: bigint): bigint =>
  millis >= 0n ? (millis + 5n) / 10n : -((-millis + 5n) / 10n);

export interface RawInvoice {
  /** Σ quantity × price, in thousandths (negative for a C invoice). */
  readonly millis: bigint;
  /** The order's customer: the smallest CustomerID on the invoice; undefined for a guest. */
  readonly customer: string | undefined;
  readonly cancellation: boolean;
  /** The earliest InvoiceDate of its rows, as written (naive local time). */
  readonly placed: string;
}

export function readInvoices(file: string): RawInvoice[] {
  const rows = parse<Record<string, string>>(gunzipSync(readFileSync(file)), { columns: true });
  const invoices = new Map<
    string,
    { millis: bigint; customers: string[]; cancellation: boolean; placed: string }
  >();
  for (const row of rows) {
    const invoice = row.InvoiceNo!;
    const quantity = BigInt(row.Quantity!);
    const price = toMillis(row.UnitPrice!);
    const cancellation = invoice.startsWith('C');
    if (invoice.startsWith('A') || price <= 0n || (quantity < 0n && !cancellation)) continue;
    const entry = invoices.get(invoice) ?? {
      millis: 0n,
      customers: [],
      cancellation,
      placed: row.InvoiceDate!,
    };
    entry.millis += quantity * price;
    if (row.CustomerID) entry.customers.push(row.CustomerID);
    if (row.InvoiceDate! < entry.placed) entry.placed = row.InvoiceDate!;
    invoices.set(invoice, entry);
  }
  return [...invoices.values()].map(({ customers, ...entry }) => ({
    ...entry,
    customer: customers.sort()[0],
  }));
}
