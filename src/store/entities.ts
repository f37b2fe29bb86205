/**
 * The canonical entities every import maps onto: one column list per kind, read by the schema
 * migration, the canonical importer's validation and docs/data-model.md alike, so the three
 * can never disagree about a column.
 */

export const ENTITY_KINDS = ['customers', 'orders', 'order-lines', 'sessions', 'feedback'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const GENDERS = ['male', 'female', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

/**
 * Normalised order status. `unpaid` and `cancelled` (closed before payment) are kept but are
 * never GMV; `refunded` orders were paid, so they count in GMV and their refund in net GMV.
 */
export const ORDER_STATUSES = ['unpaid', 'paid', 'shipped', 'completed', 'refunded', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** The statuses whose paid amount counts as GMV. */
export const GMV_STATUSES: readonly OrderStatus[] = ['paid', 'shipped', 'completed', 'refunded'];

export const FEEDBACK_KINDS = ['refund', 'rejection', 'complaint', 'rating'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

export const COLUMN_TYPES = [
  'text',
  'money',
  'integer',
  'timestamp',
  'date',
  'boolean',
  'gender',
  'order_status',
  'feedback_kind',
  'rating',
  'json',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** A row without a value here is rejected. */
  readonly required?: boolean;
  /** SQL literal used when the column is absent from the file or the cell is empty. */
  readonly default?: string;
  readonly description: string;
  /**
   * The migration that added the column to a table that already existed: ALTER TABLE appends
   * it after the bookkeeping columns, so the stored order is the spec's columns without it,
   * the bookkeeping, then the added ones.
   */
  readonly addedBy?: number;
}

export interface EntitySpec {
  readonly kind: EntityKind;
  readonly table: string;
  /** Columns that identify a row; a re-imported row with the same key updates it. */
  readonly key: readonly string[];
  readonly columns: readonly ColumnSpec[];
  /** Row-level rules over typed columns: SQL boolean that is true when the row is bad. */
  readonly rowChecks: readonly { readonly column: string; readonly when: string; readonly reason: string }[];
  readonly description: string;
}

const money = (name: string, description: string, required = false): ColumnSpec =>
  required
    ? { name, type: 'money', required, description }
    : { name, type: 'money', default: '0', description };

export const ENTITIES: Record<EntityKind, EntitySpec> = {
  customers: {
    kind: 'customers',
    table: 'customers',
    key: ['id'],
    description:
      'Everyone who bought or joined: a member has a member_since date, a plain customer has none.',
    columns: [
      {
        name: 'id',
        type: 'text',
        required: true,
        description: "The store's own customer id (买家会员名, Shopify id, …).",
      },
      { name: 'name', type: 'text', description: 'Display name.' },
      {
        name: 'gender',
        type: 'gender',
        default: "'unknown'",
        description: 'male | female | unknown (also 男/女, m/f).',
      },
      {
        name: 'birthday',
        type: 'date',
        description: 'Date of birth, YYYY-MM-DD; gives age and generation (80后…).',
      },
      { name: 'province', type: 'text', description: 'Province (short standard name, e.g. 广东, 北京).' },
      { name: 'city', type: 'text', description: 'City, e.g. 广州.' },
      { name: 'phone', type: 'text', description: 'Mobile phone, as text.' },
      { name: 'email', type: 'text', description: 'E-mail address.' },
      {
        name: 'email_consent',
        type: 'boolean',
        default: 'false',
        description: 'Agreed to marketing e-mail.',
      },
      { name: 'sms_consent', type: 'boolean', default: 'false', description: 'Agreed to marketing SMS.' },
      {
        name: 'member_since',
        type: 'timestamp',
        description: 'When the customer joined the member programme (入会时间); empty = not a member.',
      },
      {
        name: 'created_at',
        type: 'timestamp',
        description: "When the store's system first saw the customer.",
      },
      {
        name: 'attributes',
        type: 'json',
        description: 'Free-form attributes as a JSON object, e.g. {"vip_card":"A12"}.',
      },
    ],
    rowChecks: [],
  },
  orders: {
    kind: 'orders',
    table: 'orders',
    key: ['id'],
    description:
      'One row per order. An order without customer_id is a guest order: it counts only in store totals.',
    columns: [
      {
        name: 'id',
        type: 'text',
        required: true,
        description: 'Order number, kept as text (Taobao numbers have 19 digits).',
      },
      { name: 'customer_id', type: 'text', description: 'Buyer; empty = guest order.' },
      {
        name: 'placed_at',
        type: 'timestamp',
        required: true,
        description: 'When the order was placed (下单时间).',
      },
      { name: 'paid_at', type: 'timestamp', description: 'When it was paid (付款时间); empty while unpaid.' },
      {
        name: 'status',
        type: 'order_status',
        required: true,
        description:
          'unpaid | paid | shipped | completed | refunded | cancelled. unpaid and cancelled are not GMV.',
      },
      money('paid_amount', 'Amount the buyer paid, shipping included (实付金额); GMV.', true),
      money('shipping', 'Shipping charged (邮费).'),
      money('discount', 'Discounts applied (优惠).'),
      money(
        'refunded_amount',
        'Amount refunded so far (退款金额); net GMV = paid − refunded. A refund-only order (paid 0, status refunded) records the return of a purchase outside the data.',
      ),
      { name: 'item_count', type: 'integer', description: 'Number of items (件数, 客单量).' },
      {
        name: 'channel',
        type: 'text',
        description: 'Sales channel or device: mobile, pc, app, mini-program, store.',
      },
      {
        name: 'source',
        type: 'text',
        description: 'Where the order came from: shop or export format, e.g. tmall, shopify.',
      },
      {
        name: 'coupon_code',
        type: 'text',
        description:
          "The discount code the buyer used (Shopify's Discount Code); redemptions of issued coupons are read from it.",
        addedBy: 15,
      },
    ],
    rowChecks: [
      { column: 'paid_amount', when: 'paid_amount < 0', reason: 'paid_amount is negative' },
      { column: 'refunded_amount', when: 'refunded_amount < 0', reason: 'refunded_amount is negative' },
      {
        // A refund-only order (paid 0) records a return of a purchase outside the data.
        column: 'refunded_amount',
        when: 'refunded_amount > paid_amount AND paid_amount > 0',
        reason: 'refunded_amount is larger than paid_amount',
      },
      { column: 'item_count', when: 'item_count < 0', reason: 'item_count is negative' },
      { column: 'paid_at', when: 'paid_at < placed_at', reason: 'paid_at is before placed_at' },
    ],
  },
  'order-lines': {
    kind: 'order-lines',
    table: 'order_lines',
    key: ['order_id', 'sku'],
    description: 'Items of an order, one row per SKU.',
    columns: [
      { name: 'order_id', type: 'text', required: true, description: 'The order this line belongs to.' },
      {
        name: 'sku',
        type: 'text',
        required: true,
        description: 'SKU or item code (商家编码); unique within an order.',
      },
      { name: 'name', type: 'text', description: 'Item title (宝贝标题).' },
      { name: 'category', type: 'text', description: 'Item category.' },
      { name: 'quantity', type: 'integer', required: true, description: 'Units bought.' },
      money('unit_price', 'Price per unit.', true),
      money('refunded_amount', 'Amount refunded on this line.'),
    ],
    rowChecks: [
      { column: 'quantity', when: 'quantity <= 0', reason: 'quantity must be at least 1' },
      { column: 'unit_price', when: 'unit_price < 0', reason: 'unit_price is negative' },
      { column: 'refunded_amount', when: 'refunded_amount < 0', reason: 'refunded_amount is negative' },
    ],
  },
  sessions: {
    kind: 'sessions',
    table: 'sessions',
    key: ['customer_id', 'anonymous_id', 'started_at'],
    description: 'Browsing visits: page views, dwell and bounce, for the activity tags.',
    columns: [
      { name: 'customer_id', type: 'text', description: 'Visitor who is a known customer.' },
      {
        name: 'anonymous_id',
        type: 'text',
        description: 'Cookie or device id when the visitor is not known.',
      },
      { name: 'started_at', type: 'timestamp', required: true, description: 'Start of the visit.' },
      { name: 'page_views', type: 'integer', required: true, description: 'Pages viewed (PV).' },
      {
        name: 'duration_seconds',
        type: 'integer',
        default: '0',
        description: 'Dwell time in seconds (停留时间).',
      },
      {
        name: 'bounced',
        type: 'boolean',
        description: 'Left after one page (跳失); empty = page_views ≤ 1.',
      },
      { name: 'cart_adds', type: 'integer', default: '0', description: 'Add-to-cart events in the visit.' },
      {
        name: 'favourites',
        type: 'integer',
        default: '0',
        description: 'Favourite (收藏) events in the visit.',
      },
      { name: 'purchases', type: 'integer', default: '0', description: 'Purchase events in the visit.' },
    ],
    rowChecks: [
      {
        column: 'customer_id',
        when: 'customer_id IS NULL AND anonymous_id IS NULL',
        reason: 'either customer_id or anonymous_id is required',
      },
      { column: 'page_views', when: 'page_views < 0', reason: 'page_views is negative' },
      { column: 'duration_seconds', when: 'duration_seconds < 0', reason: 'duration_seconds is negative' },
    ],
  },
  feedback: {
    kind: 'feedback',
    table: 'feedback',
    key: ['kind', 'customer_id', 'order_id', 'created_at'],
    description: 'After-sales emotion: refunds, rejected deliveries (拒收), complaints and ratings.',
    columns: [
      { name: 'customer_id', type: 'text', description: 'Who gave the feedback.' },
      { name: 'order_id', type: 'text', description: 'The order it is about.' },
      {
        name: 'kind',
        type: 'feedback_kind',
        required: true,
        description: 'refund | rejection | complaint | rating.',
      },
      { name: 'rating', type: 'rating', description: 'Stars 1–5; required when kind is rating.' },
      { name: 'created_at', type: 'timestamp', required: true, description: 'When it happened.' },
      { name: 'text', type: 'text', description: 'What the customer wrote.' },
    ],
    rowChecks: [
      {
        column: 'rating',
        when: "kind = 'rating' AND rating IS NULL",
        reason: 'a rating needs a rating of 1–5',
      },
      {
        column: 'customer_id',
        when: 'customer_id IS NULL AND order_id IS NULL',
        reason: 'either customer_id or order_id is required',
      },
    ],
  },
};

/** The DuckDB column type a canonical column is stored as. */
export function getStorageType(type: ColumnType): string {
  switch (type) {
    case 'text':
    case 'gender':
    case 'order_status':
    case 'feedback_kind':
      return 'VARCHAR';
    case 'money':
      // Exact decimal: sums of millions of orders stay exact (DuckDB widens SUM to DECIMAL(38,2)).
      return 'DECIMAL(18,2)';
    case 'integer':
      return 'BIGINT';
    case 'rating':
      return 'TINYINT';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'date':
      return 'DATE';
    case 'boolean':
      return 'BOOLEAN';
    case 'json':
      return 'JSON';
  }
}
