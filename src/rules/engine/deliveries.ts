/**
 * The outbox as people and scripts read it (`huiyuan deliveries`): one row per message, webhook
 * or notice a rule queued, with its status and attempts. The id is the idempotency key, sent as
 * the webhook-id, so a receiver's log can be matched against it.
 */
import { formatInstant, selectEpochMs } from '../../domain/instant.js';
import { AppError } from '../../errors.js';
import { ParamList, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { suggestName } from '../rule-schema.js';
import type { DeliveryStatus } from './decisions.js';

export interface DeliveryFilter {
  readonly ruleId?: string;
  readonly customerId?: string;
  readonly status?: DeliveryStatus;
  /** The most rows listed; total counts them all. */
  readonly limit: number;
}

export interface DeliveryListRow {
  /** The webhook-id sent (msg_ + 24 hex), the row's idempotency key. */
  readonly id: string;
  readonly rule_id: string;
  readonly version: number;
  readonly customer_id: string;
  readonly enrollment_id: string;
  readonly action_index: number;
  readonly kind: string;
  readonly channel: string;
  readonly category: string;
  readonly destination: string | null;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly created_at: string;
  readonly next_attempt_at: string;
  readonly sent_at: string | null;
  readonly last_error: string | null;
}

export interface DeliveryList {
  readonly total: number;
  readonly deliveries: DeliveryListRow[];
}

interface StoredRow extends Record<string, string | number | null> {
  id: string;
  rule_id: string;
  version: number;
  customer_id: string;
  enrollment_id: string;
  action_index: number;
  kind: string;
  channel: string;
  category: string;
  destination: string | null;
  status: DeliveryStatus;
  attempts: number;
  created_ms: number;
  next_ms: number;
  sent_ms: number | null;
  last_error: string | null;
}

/** The outbox rows matching the filter, newest first; instants in store time with offset. */
export async function listDeliveries(
  store: Store,
  timeZone: string,
  filter: DeliveryFilter,
): Promise<DeliveryList> {
  if (filter.ruleId !== undefined) {
    const rules = (await store.query<{ id: string }>(sql`SELECT id FROM rules ORDER BY id`)).map((r) => r.id);
    if (!rules.includes(filter.ruleId))
      throw new AppError(
        'BAD_ARGUMENT',
        `no rule '${filter.ruleId}' (--rule)${rules.length ? suggestName(filter.ruleId, rules) : '; no rules are stored yet'}`,
      );
  }
  const params = new ParamList();
  const where = [
    filter.ruleId === undefined ? null : `rule_id = ${params.add(filter.ruleId)}`,
    filter.customerId === undefined ? null : `customer_id = ${params.add(filter.customerId)}`,
    filter.status === undefined ? null : `status = ${params.add(filter.status)}`,
  ]
    .filter((condition) => condition !== null)
    .join(' AND ');
  const filtered = `FROM rule_deliveries ${where ? `WHERE ${where}` : ''}`;
  const [count] = await store.query<{ total: number }>({
    sql: `SELECT count(*)::INTEGER AS total ${filtered}`,
    params: params.values,
  });
  const limit = params.add(filter.limit);
  const rows = await store.query<StoredRow>({
    sql: `SELECT id, rule_id, version, customer_id, enrollment_id, action_index, kind, channel, category,
        destination, status, attempts, ${selectEpochMs('created_at')} AS created_ms,
        ${selectEpochMs('next_attempt_at')} AS next_ms, ${selectEpochMs('sent_at')} AS sent_ms, last_error
      ${filtered} ORDER BY created_at DESC, id LIMIT ${limit}`,
    params: params.values,
  });
  const instant = (ms: number): string => formatInstant(new Date(ms), timeZone);
  return {
    total: count?.total ?? 0,
    deliveries: rows.map(({ created_ms, next_ms, sent_ms, ...row }) => ({
      ...row,
      created_at: instant(created_ms),
      next_attempt_at: instant(next_ms),
      sent_at: sent_ms === null ? null : instant(sent_ms),
    })),
  };
}
