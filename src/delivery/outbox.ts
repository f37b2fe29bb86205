/**
 * The outbox (rule_deliveries, migration 14) as delivery reads and marks it. Dispatch writes each
 * row pending; delivery reads the due ones a page at a time (keyset on id, so memory stays flat
 * however many are due) and marks a whole page in one transaction after its sends came back.
 *
 * What a row holds, by channel (the contract with dispatch):
 * | channel   | kind             | destination             | payload                                   |
 * | `webhook` | webhook          | the endpoint name       | the JSON body posted as is                |
 * | `sms`     | message          | the phone number        | `{ to, text }`                            |
 * | `email`   | message          | the email address       | `{ to, subject, text }`                   |
 * | `robot`   | notify           | a robot name, or null   | `{ text }` (null: channels.notify_robot)  |
 */
import { sql } from '../store/sql.js';
import type { Store } from '../store/store.js';

export const DELIVERY_CHANNELS = ['webhook', 'sms', 'email', 'robot'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export interface PendingDelivery {
  readonly id: string;
  readonly channel: string;
  readonly destination: string | null;
  /** The stored JSON text. */
  readonly payload: string;
  readonly attempts: number;
}

/** What one attempt came to, as written back. */
export interface MarkedDelivery {
  readonly id: string;
  readonly status: 'sent' | 'failed' | 'pending';
  /** For a retry: when the next attempt is due (ISO). */
  readonly retry_at: string | null;
  readonly error: string | null;
  /** The decision's sentence for a final outcome. */
  readonly detail: string | null;
}

const dueFilter = (clock: Date) =>
  sql`status = 'pending' AND next_attempt_at <= ${clock.toISOString()}::TIMESTAMPTZ`;

export async function countDue(store: Store, clock: Date): Promise<number> {
  const filter = dueFilter(clock);
  const [row] = await store.query<{ due: number }>({
    sql: `SELECT count(*)::INTEGER AS due FROM rule_deliveries WHERE ${filter.sql}`,
    params: filter.params,
  });
  return row?.due ?? 0;
}

/** The channels and (for webhooks and robots) the destinations of the due rows: what must be configured. */
export async function listDueTargets(
  store: Store,
  clock: Date,
): Promise<{ channel: string; target: string | null; deliveries: number }[]> {
  const filter = dueFilter(clock);
  return store.query({
    sql: `SELECT channel, CASE WHEN channel IN ('webhook', 'robot') THEN destination END AS target,
            count(*)::INTEGER AS deliveries
          FROM rule_deliveries WHERE ${filter.sql} GROUP BY ALL ORDER BY ALL`,
    params: filter.params,
  });
}

/** The next page of due rows after `afterId` (ids ascending). */
export async function readDuePage(
  store: Store,
  clock: Date,
  afterId: string,
  limit: number,
): Promise<PendingDelivery[]> {
  return store.query<PendingDelivery & Record<string, string | number | null>>(sql`
    SELECT id, channel, destination, payload::VARCHAR AS payload, attempts
    FROM rule_deliveries
    WHERE status = 'pending' AND next_attempt_at <= ${clock.toISOString()}::TIMESTAMPTZ AND id > ${afterId}
    ORDER BY id LIMIT ${limit}`);
}

const MARKS = `(SELECT unnest(from_json($1, '[{"id":"VARCHAR","status":"VARCHAR","retry_at":"VARCHAR","error":"VARCHAR","detail":"VARCHAR"}]'), recursive := true))`;

/**
 * Writes a page's outcomes in one transaction: status, attempts + 1, sent_at, the next attempt's
 * time, the last error, and a `sent` / `failed` decision for every final outcome.
 */
export async function markDeliveries(
  store: Store,
  marks: readonly MarkedDelivery[],
  clock: Date,
): Promise<void> {
  if (marks.length === 0) return;
  const params = [JSON.stringify(marks), clock.toISOString()];
  await store.transaction(async () => {
    await store.run({
      sql: `UPDATE rule_deliveries AS d SET
              status = m.status,
              attempts = d.attempts + 1,
              sent_at = CASE WHEN m.status = 'sent' THEN $2::TIMESTAMPTZ ELSE d.sent_at END,
              next_attempt_at = coalesce(m.retry_at::TIMESTAMPTZ, d.next_attempt_at),
              last_error = m.error
            FROM ${MARKS} AS m WHERE d.id = m.id`,
      params,
    });
    await store.run({
      sql: `INSERT INTO rule_decisions
              (enrollment_id, rule_id, version, customer_id, decided_at, decision, action_index, channel, detail)
            SELECT d.enrollment_id, d.rule_id, d.version, d.customer_id, $2::TIMESTAMPTZ, m.status,
              d.action_index, d.channel, m.detail
            FROM rule_deliveries AS d JOIN ${MARKS} AS m ON d.id = m.id
            WHERE m.status IN ('sent', 'failed')`,
      params,
    });
  });
}
