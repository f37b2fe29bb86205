/**
 * Shopify orders export (Admin → Orders → Export, "orders_export.csv"): one row per line item,
 * 79 columns in a current export; stores may lack some (Phone, Employee, Tax N, …), so every
 * column is read by its header name and the optional ones read as empty when absent.
 *
 * - An order is the rows sharing a `Name` (#1001). Only its first row carries the order-level
 *   fields (Financial Status, totals, addresses, …), the others repeat at most Name, Email and
 *   Created at; each order-level field is the order's one non-empty value.
 * - orders.id is `Name`, what the merchant and the buyer see and quote; `Id` (the numeric
 *   admin id) is only on the first row and is not kept.
 * - The export carries no customer id: customer_id is the buyer's `Email` lower-cased, so that
 *   shopify-customers (which keys by the same rule) lands on the same customer. An order
 *   without Email (a walk-in POS sale, a phone-only checkout) is a guest order.
 * - Timestamps such as `2024-05-01 10:00:00 -0400` are rewritten to ISO 8601 with their offset.
 * - Money is in the shop currency. The `Currency` column is not kept: no canonical column holds
 *   it, and an export is in one shop currency.
 * - status, from Financial Status, Fulfillment Status and Cancelled at:
 *
 *   | Financial Status        | Cancelled at | Fulfillment Status | status                    |
 *   |-------------------------|--------------|--------------------|---------------------------|
 *   | pending, authorized     | empty        | any                | unpaid                    |
 *   | pending, authorized     | set          | any                | cancelled                 |
 *   | voided, expired         | any          | any                | cancelled                 |
 *   | refunded                | any          | any                | refunded                  |
 *   | partially_refunded      | set          | any                | refunded                  |
 *   | paid, partially_paid,   | (otherwise)  | fulfilled          | completed                 |
 *   | partially_refunded      |              | partial            | shipped                   |
 *   |                         |              | unfulfilled, empty | paid                      |
 *
 *   A paid order cancelled without a refund keeps its money, so it stays a paid status (GMV);
 *   refunded_amount is `Refunded Amount` whatever the status, so a partly refunded order is
 *   completed (or shipped, paid) with its refund. Any other Financial Status is passed on as
 *   written and rejected by the status check, naming the value.
 * - coupon_code is `Discount Code` as written (the code the buyer entered; redemption of issued
 *   coupons is read from it). Where several codes were combined they stay one text, and
 *   redemption (src/coupons/redemptions.ts) reads each code of it.
 * - paid_amount is `Total`, except partially_paid: `Total − Outstanding Balance`, the money
 *   actually received (GMV must not count what is still owed).
 * - order-lines: sku is `Lineitem sku`, else `Lineitem name` (custom items and gift cards have
 *   no SKU). Lines of one order with the same SKU and price are one line (quantities summed);
 *   the same SKU at different prices (a script's "2nd unit −20%") keeps both, as `SKU@PRICE`.
 *   A line with quantity 0 is skipped and counted.
 * - customers: one per e-mail, each column the value of the customer's latest order that has
 *   one: name = Billing Name, phone = Phone else Billing Phone, city = Billing City, province =
 *   Billing Province (Shopify's province code, e.g. ON, as text), email_consent = Accepts
 *   Marketing. Nothing else is provided, so a member date or birthday from elsewhere stays.
 * - A leading apostrophe (Shopify's guard against spreadsheets eating leading zeros of zips
 *   and phones) is dropped.
 */
import { column, type StoreFormat, withOptionalColumns } from './store-format.js';

const REQUIRED_COLUMNS = [
  'Name',
  'Email',
  'Financial Status',
  'Paid at',
  'Fulfillment Status',
  'Total',
  'Created at',
  'Lineitem quantity',
  'Lineitem name',
  'Lineitem price',
  'Cancelled at',
  'Refunded Amount',
] as const;

/** Columns read when present: a store's export may lack them. */
const OPTIONAL_COLUMNS = [
  'Accepts Marketing',
  'Shipping',
  'Discount Amount',
  'Discount Code',
  'Lineitem sku',
  'Billing Name',
  'Billing City',
  'Billing Province',
  'Billing Phone',
  'Phone',
  'Source',
  'Outstanding Balance',
] as const;

/** A cell without Shopify's leading apostrophe ('02134, '+16135550142). */
export function withoutApostrophe(cell: string): string {
  return `NULLIF(ltrim(${cell}, ''''), '')`;
}

/** `2024-05-01 10:00:00 -0400` as `2024-05-01T10:00:00-04:00`; other text is left as written. */
function isoTimestamp(cell: string): string {
  return `regexp_replace(${cell}, '^(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2}) ([+-]\\d{2})(\\d{2})$', '\\1T\\2\\3:\\4')`;
}

const quantity = `TRY_CAST(${column('Lineitem quantity')} AS BIGINT)`;

/** One row per order: its first line and its order-level fields (the one non-empty value). */
const orderRows = (staged: string): string => {
  const value = (name: string): string => `min(${column(name)})`;
  return `(SELECT min(line) AS line, ${column('Name')} AS id, lower(${value('Email')}) AS email,
      lower(${value('Financial Status')}) AS financial, lower(${value('Fulfillment Status')}) AS fulfillment,
      ${isoTimestamp(value('Created at'))} AS placed_at, ${isoTimestamp(value('Paid at'))} AS paid_at,
      ${value('Cancelled at')} AS cancelled_at, ${value('Total')} AS total, ${value('Outstanding Balance')} AS outstanding,
      ${value('Shipping')} AS shipping, ${value('Discount Amount')} AS discount, ${value('Discount Code')} AS coupon_code, ${value('Refunded Amount')} AS refunded,
      sum(${quantity}) AS item_count, ${value('Source')} AS channel, ${value('Accepts Marketing')} AS accepts_marketing,
      ${value('Billing Name')} AS billing_name, ${value('Billing City')} AS billing_city,
      ${value('Billing Province')} AS billing_province,
      ${withoutApostrophe(`coalesce(${value('Phone')}, ${value('Billing Phone')})`)} AS phone
    FROM ${withOptionalColumns(staged, OPTIONAL_COLUMNS)} GROUP BY ${column('Name')})`;
};

const STATUS = `CASE
    WHEN financial = 'refunded' THEN 'refunded'
    WHEN financial = 'partially_refunded' AND cancelled_at IS NOT NULL THEN 'refunded'
    WHEN financial IN ('voided', 'expired') THEN 'cancelled'
    WHEN financial IN ('pending', 'authorized') THEN CASE WHEN cancelled_at IS NULL THEN 'unpaid' ELSE 'cancelled' END
    WHEN financial IN ('paid', 'partially_paid', 'partially_refunded') THEN CASE fulfillment
      WHEN 'fulfilled' THEN 'completed' WHEN 'partial' THEN 'shipped' ELSE 'paid' END
    ELSE financial
  END`;

const PAID_AMOUNT = `CASE WHEN financial = 'partially_paid' AND outstanding IS NOT NULL
    THEN (TRY_CAST(total AS DECIMAL(18,2)) - TRY_CAST(outstanding AS DECIMAL(18,2)))::VARCHAR
    ELSE total END`;

/** The line items that become order-lines, with the SKU they are keyed by. */
const lineRows = (staged: string): string =>
  `(SELECT *, coalesce(${column('Lineitem sku')}, ${column('Lineitem name')}) AS item
    FROM ${withOptionalColumns(staged, OPTIONAL_COLUMNS)} WHERE ${quantity} IS DISTINCT FROM 0)`;

export const shopifyOrders: StoreFormat = {
  name: 'shopify-orders',
  title: 'Shopify orders export',
  detect: (sample) => {
    const needed = ['Name', 'Financial Status', 'Lineitem quantity', 'Lineitem name'];
    return needed.every((name) => sample.header.includes(name))
      ? `header has ${needed.join(', ')} (Shopify orders export)`
      : null;
  },
  requiredColumns: REQUIRED_COLUMNS,
  entities: [
    {
      kind: 'customers',
      provides: ['id', 'name', 'email', 'phone', 'city', 'province', 'email_consent'],
      select: (staged) => {
        // The latest order with a value gives each column (line breaks ties in placed_at).
        const latest = (name: string): string =>
          `arg_max(${name}, {'at': TRY_CAST(placed_at AS TIMESTAMPTZ), 'line': line}) FILTER (WHERE ${name} IS NOT NULL)`;
        return `SELECT min(line) AS line, email AS id, ${latest('billing_name')} AS name, email,
            ${latest('phone')} AS phone, ${latest('billing_city')} AS city, ${latest('billing_province')} AS province,
            ${latest('accepts_marketing')} AS email_consent
          FROM ${orderRows(staged)} WHERE email IS NOT NULL GROUP BY email`;
      },
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
        'shipping',
        'discount',
        'refunded_amount',
        'item_count',
        'channel',
        'source',
        'coupon_code',
      ],
      select: (staged) => `SELECT line, id, email AS customer_id, placed_at, paid_at, ${STATUS} AS status,
          ${PAID_AMOUNT} AS paid_amount, shipping, discount, refunded AS refunded_amount, item_count::VARCHAR AS item_count,
          channel, 'shopify' AS source, coupon_code
        FROM ${orderRows(staged)}`,
    },
    {
      kind: 'order-lines',
      provides: ['order_id', 'sku', 'name', 'quantity', 'unit_price'],
      select: (staged) => `SELECT min(line) AS line, ${column('Name')} AS order_id,
          CASE WHEN count(*) OVER (PARTITION BY ${column('Name')}, item) > 1
            THEN item || '@' || ${column('Lineitem price')} ELSE item END AS sku,
          min(${column('Lineitem name')}) AS name,
          CASE WHEN count(*) = 1 THEN min(${column('Lineitem quantity')}) ELSE sum(${quantity})::VARCHAR END AS quantity,
          ${column('Lineitem price')} AS unit_price
        FROM ${lineRows(staged)} GROUP BY ${column('Name')}, item, ${column('Lineitem price')}`,
    },
  ],
  skipped: (staged) =>
    `SELECT 'line item with quantity 0 (removed by an order edit)' AS reason, count(*)::INTEGER AS rows
      FROM ${staged} WHERE ${quantity} = 0 HAVING count(*) > 0`,
};
