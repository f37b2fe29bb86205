/**
 * UCI Online Retail (Chen 2015): one row per invoice line of a UK giftware shop.
 * InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
 *
 * - One order per InvoiceNo; an invoice without CustomerID is a guest order.
 * - A `C` invoice is a cancellation: a refund recorded against the customer, never GMV. It
 *   becomes a refund-only order (status refunded, paid 0, refunded = its amount), since the
 *   purchase it cancels is often before the file starts.
 * - `A` invoices (bad-debt adjustments), lines with a zero or negative price, and negative
 *   quantities outside a cancellation (stock write-offs) are skipped and counted by reason.
 * - A StockCode that appears twice in one invoice at different prices keeps both lines, as
 *   `CODE@PRICE`; prices are rounded to cents (4 rows carry a third decimal).
 * - InvoiceDate is naive local time, read in the store's timezone.
 */
import { column, type StoreFormat } from './store-format.js';

const invoice = column('InvoiceNo');
const isCancellation = `${invoice} LIKE 'C%'`;
const quantity = `TRY_CAST(${column('Quantity')} AS BIGINT)`;
const price = `TRY_CAST(${column('UnitPrice')} AS DECIMAL(18,3))`;

const skipReason = `CASE
    WHEN ${invoice} LIKE 'A%' THEN 'bad-debt adjustment (A invoice)'
    WHEN ${quantity} IS NULL OR ${price} IS NULL THEN 'quantity or unit price is not a number'
    WHEN ${price} <= 0 THEN 'zero or negative unit price'
    WHEN ${quantity} < 0 AND NOT (${isCancellation}) THEN 'negative quantity outside a cancellation (stock write-off)'
  END`;

/** The lines that become orders: everything not skipped, with the staged qty, price and cancellation. */
const kept = (staged: string): string => `(SELECT * FROM ${staged} WHERE hy_skip_reason IS NULL)`;

/**
 * One row per (invoice, stock code), the order line of nearly every code: whether the code has
 * one price in the invoice, and its sums. Grouping by the code alone and splitting the few codes
 * sold at two prices afterwards is cheaper than grouping by price and then counting each code's
 * prices with a window over every line.
 */
const invoiceCodes = (staged: string): string =>
  `SELECT min(line) AS line, ${invoice} AS order_id, ${column('StockCode')} AS code,
    min(hy_price) = max(hy_price) AS one_price, min(hy_price) AS price, min(${column('Description')}) AS name,
    sum(hy_qty) AS qty, bool_or(hy_cancellation) AS cancelled
  FROM ${kept(staged)} GROUP BY ${invoice}, ${column('StockCode')}`;

/** The lines of codes with two prices in one invoice: one per price, as CODE@PRICE. */
const codesAtTwoPrices = (staged: string): string =>
  `SELECT min(k.line), k.${invoice}, k.${column('StockCode')} || '@' || k.hy_price::VARCHAR, min(k.${column('Description')}),
    sum(k.hy_qty), k.hy_price, bool_or(k.hy_cancellation)
  FROM ${kept(staged)} k SEMI JOIN (SELECT order_id, code FROM codes WHERE NOT one_price) two
    ON k.${invoice} = two.order_id AND k.${column('StockCode')} = two.code
  GROUP BY k.${invoice}, k.${column('StockCode')}, k.hy_price`;

export const onlineRetail: StoreFormat = {
  name: 'online-retail',
  title: 'UCI Online Retail',
  detect: (sample) => {
    const needed = ['InvoiceNo', 'StockCode', 'InvoiceDate', 'UnitPrice', 'CustomerID'];
    return needed.every((name) => sample.header.includes(name))
      ? `header has ${needed.join(', ')} (UCI Online Retail)`
      : null;
  },
  requiredColumns: ['InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID'],
  // Each line is cast and classified once: every entity and the skip count read these.
  stagedColumns: {
    hy_qty: quantity,
    hy_price: price,
    hy_cancellation: isCancellation,
    hy_skip_reason: skipReason,
  },
  entities: [
    {
      kind: 'customers',
      provides: ['id', 'created_at', 'attributes'],
      select: (
        staged,
      ) => `SELECT min(line) AS line, ${column('CustomerID')} AS id, min(${column('InvoiceDate')}) AS created_at,
          json_object('country', arg_max(${column('Country')}, ${column('InvoiceDate')}))::VARCHAR AS attributes
        FROM ${kept(staged)} WHERE ${column('CustomerID')} IS NOT NULL GROUP BY ${column('CustomerID')}`,
    },
    {
      kind: 'orders',
      provides: [
        'id',
        'customer_id',
        'placed_at',
        'paid_at',
        'status',
        'paid_amount',
        'refunded_amount',
        'item_count',
        'source',
      ],
      select: (
        staged,
      ) => `SELECT min(line) AS line, ${invoice} AS id, min(${column('CustomerID')}) AS customer_id,
          min(${column('InvoiceDate')}) AS placed_at, min(${column('InvoiceDate')}) AS paid_at,
          CASE WHEN bool_or(hy_cancellation) THEN 'refunded' ELSE 'completed' END AS status,
          CASE WHEN bool_or(hy_cancellation) THEN '0.00' ELSE round(sum(hy_qty * hy_price), 2)::VARCHAR END AS paid_amount,
          CASE WHEN bool_or(hy_cancellation) THEN round(-sum(hy_qty * hy_price), 2)::VARCHAR ELSE '0.00' END AS refunded_amount,
          abs(sum(hy_qty))::VARCHAR AS item_count, 'online-retail' AS source
        FROM ${kept(staged)} GROUP BY ${invoice}`,
    },
    {
      kind: 'order-lines',
      provides: ['order_id', 'sku', 'name', 'quantity', 'unit_price', 'refunded_amount'],
      select: (staged) => `WITH codes AS (${invoiceCodes(staged)}),
        lines AS (
          SELECT line, order_id, code AS sku, name, qty, price, cancelled FROM codes WHERE one_price
          UNION ALL
          ${codesAtTwoPrices(staged)})
        SELECT line, order_id, sku, name, abs(qty)::VARCHAR AS quantity, round(price, 2)::VARCHAR AS unit_price,
          CASE WHEN cancelled THEN round(abs(qty) * price, 2)::VARCHAR ELSE '0.00' END AS refunded_amount
        FROM lines`,
    },
  ],
  skipped: (staged) =>
    `SELECT hy_skip_reason AS reason, count(*)::INTEGER AS rows FROM ${staged} WHERE hy_skip_reason IS NOT NULL GROUP BY reason ORDER BY rows DESC`,
};
