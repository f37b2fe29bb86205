/**
 * Stand-ins for the parts of the engine other helpers are writing at the same time (issue 11):
 * the audience relation (engine-enroll, audience.ts), enrollment (engine-enroll, enroll.ts),
 * taking coupon codes (coupons, src/coupons/) and sending the outbox (delivery, src/delivery/).
 * dispatch.ts and tick.ts reach them only through this file, so each is swapped for the real
 * one here, in one place, by re-exporting it under the same name and shape.
 */
import { buildCommunityTagQuery } from '../../analytics/communities/communities.js';
import type { Config } from '../../config/config.js';
import { buildSegmentCondition, type SegmentSpec } from '../../analytics/profiles/segment-spec.js';
import { ParamList, type Query, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';

/**
 * The customer ids matching an audience over the latest snapshot with as_of ≤ day (YYYY-MM-DD),
 * one column `customer_id`. Stand-in for engine-enroll's buildAudienceQuery(spec, day), which
 * adds community, tag: and prediction fields; this one knows the snapshot's own columns.
 */
export function buildAudienceQuery(spec: SegmentSpec, day: string): Query {
  const params = new ParamList();
  const asOf = params.add(day);
  const needsCommunity = spec.conditions.some((condition) => condition.kind === 'community');
  const condition = buildSegmentCondition(spec, params, needsCommunity ? buildCommunityTagQuery(day) : null);
  return {
    sql: `WITH latest AS (SELECT max(as_of) AS as_of FROM snapshots WHERE as_of <= ${asOf}::DATE)
      SELECT customer_id FROM (
        SELECT s.customer_id, s.is_member, s.recency_days, s.frequency, s.monetary, s.r, s.f, s.m, s.score,
          s.segment, s.tier, s.stage, t.* EXCLUDE (as_of, customer_id)
        FROM customer_snapshots s
        JOIN customer_tag_snapshots t ON t.as_of = s.as_of AND t.customer_id = s.customer_id
        WHERE s.as_of = (SELECT as_of FROM latest) AND t.as_of = (SELECT as_of FROM latest)
      ) WHERE ${condition}`,
    params: params.values,
  };
}

/** Per rule, what one tick's enrollment step found. */
export interface EnrollRuleCounts {
  readonly rule_id: string;
  readonly occurrences: number;
  readonly entered: number;
  readonly not_in_audience: number;
}

export interface EnrollOptions {
  readonly clock: string;
  readonly dryRun: boolean;
}

/**
 * Stand-in for engine-enroll's enroll(): reads each active rule's trigger occurrences since its
 * cursor and writes rule_enrollments. This one enrolls nobody; tests insert enrollments directly.
 */
export function enroll(_store: Store, _config: Config, _options: EnrollOptions): Promise<EnrollRuleCounts[]> {
  return Promise.resolve([]);
}

/** What one delivery pass did with the outbox. */
export interface DeliverySummary {
  readonly sent: number;
  readonly failed: number;
  /** Still pending: retried later (a 5xx, 429 or timeout) or not yet due. */
  readonly pending: number;
}

/**
 * Stand-in for the delivery helper's deliverPending(store, config, env, clock, options): sends
 * pending outbox rows and marks them. This one sends nothing and leaves every row pending.
 */
export async function deliverPending(
  store: Store,
  _config: Config,
  _env: NodeJS.ProcessEnv,
  clock: string,
  _options: Record<string, never> = {},
): Promise<DeliverySummary> {
  const [row] = await store.query<{ pending: number }>(
    sql`SELECT count(*)::INTEGER AS pending FROM rule_deliveries
      WHERE status = 'pending' AND next_attempt_at <= ${clock}::TIMESTAMPTZ`,
  );
  return { sent: 0, failed: 0, pending: row?.pending ?? 0 };
}

export { issueCoupons, type IssueCouponsOptions, type IssueCouponsResult } from '../../coupons/issue.js';
