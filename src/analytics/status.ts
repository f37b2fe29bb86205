/**
 * What is in the store: counts per entity, the order date range, GMV and the last imports.
 * GMV is the paid amount of orders in a GMV status (unpaid and cancelled orders are not GMV);
 * net GMV subtracts refunds. Guest orders count in store totals.
 */
import { formatInstant, selectEpochMs } from '../domain/instant.js';
import { GMV_STATUSES } from '../store/entities.js';
import { quoteLiteral, raw, type Query } from '../store/sql.js';
import type { Store } from '../store/store.js';

export interface StoreStatus {
  readonly database: string;
  readonly schema_version: number;
  readonly timezone: string;
  readonly counts: {
    readonly customers: number;
    readonly members: number;
    readonly non_member_customers: number;
    readonly orders: number;
    readonly guest_orders: number;
    readonly order_lines: number;
    readonly sessions: number;
    readonly feedback: number;
  };
  /** ISO 8601 in the store's timezone with its offset (formatInstant), as every JSON instant. */
  readonly first_order_at: string | null;
  readonly last_order_at: string | null;
  /** Exact decimal as a string, e.g. "1234567.89". */
  readonly gmv: string;
  readonly net_gmv: string;
  readonly refunded: string;
  readonly last_imports: readonly ImportBatchSummary[];
}

export interface ImportBatchSummary {
  readonly id: number;
  readonly file: string;
  readonly format: string;
  readonly kind: string;
  readonly rows_read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  /** ISO 8601 in the store's timezone with its offset. */
  readonly finished_at: string;
}

const gmvStatuses = GMV_STATUSES.map(quoteLiteral).join(', ');

export function buildStatusQuery(): Query {
  return raw(`SELECT
    (SELECT count(*) FROM customers)::INTEGER AS customers,
    (SELECT count(*) FROM customers WHERE member_since IS NOT NULL)::INTEGER AS members,
    (SELECT count(*) FROM orders)::INTEGER AS orders,
    (SELECT count(*) FROM orders WHERE customer_id IS NULL)::INTEGER AS guest_orders,
    (SELECT count(*) FROM order_lines)::INTEGER AS order_lines,
    (SELECT count(*) FROM sessions)::INTEGER AS sessions,
    (SELECT count(*) FROM feedback)::INTEGER AS feedback,
    (SELECT ${selectEpochMs('min(placed_at)')} FROM orders) AS first_order_ms,
    (SELECT ${selectEpochMs('max(placed_at)')} FROM orders) AS last_order_ms,
    (SELECT coalesce(sum(paid_amount), 0)::VARCHAR FROM orders WHERE status IN (${gmvStatuses})) AS gmv,
    (SELECT coalesce(sum(refunded_amount), 0)::VARCHAR FROM orders WHERE status IN (${gmvStatuses})) AS refunded,
    (SELECT coalesce(sum(paid_amount - refunded_amount), 0)::VARCHAR FROM orders WHERE status IN (${gmvStatuses})) AS net_gmv`);
}

export function buildLastImportsQuery(limit: number): Query {
  return {
    sql: `SELECT id::INTEGER AS id, file, format, kind, rows_read::INTEGER AS rows_read, inserted::INTEGER AS inserted,
        updated::INTEGER AS updated, unchanged::INTEGER AS unchanged, rejected::INTEGER AS rejected,
        ${selectEpochMs('finished_at')} AS finished_ms
      FROM import_batches ORDER BY id DESC LIMIT $1`,
    params: [limit],
  };
}

export async function getStatus(store: Store, lastImports = 5): Promise<StoreStatus> {
  const [row] = await store.query<{
    customers: number;
    members: number;
    orders: number;
    guest_orders: number;
    order_lines: number;
    sessions: number;
    feedback: number;
    first_order_ms: number | null;
    last_order_ms: number | null;
    gmv: string;
    refunded: string;
    net_gmv: string;
  }>(buildStatusQuery());
  if (!row) throw new Error('status query returned no row');
  const imports = await store.query<
    Omit<ImportBatchSummary, 'finished_at'> & { finished_ms: number } & Record<string, string | number>
  >(buildLastImportsQuery(lastImports));
  const instant = (ms: number | null): string | null =>
    ms === null ? null : formatInstant(new Date(ms), store.timezone);
  return {
    database: store.path,
    schema_version: store.schemaVersion,
    timezone: store.timezone,
    counts: {
      customers: row.customers,
      members: row.members,
      non_member_customers: row.customers - row.members,
      orders: row.orders,
      guest_orders: row.guest_orders,
      order_lines: row.order_lines,
      sessions: row.sessions,
      feedback: row.feedback,
    },
    first_order_at: instant(row.first_order_ms),
    last_order_at: instant(row.last_order_ms),
    gmv: row.gmv,
    net_gmv: row.net_gmv,
    refunded: row.refunded,
    last_imports: imports.map(({ finished_ms, ...batch }) => ({
      ...batch,
      finished_at: formatInstant(new Date(finished_ms), store.timezone),
    })),
  };
}
