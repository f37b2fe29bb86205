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

export interface IssueCouponsOptions {
  readonly ruleId: string;
  readonly pool: string;
  /** The rule's coupon budget per store day and in total, when it sets one. */
  readonly perDay?: number;
  readonly total?: number;
  readonly clock: string;
  /**
   * (enrollment_id, customer_id, position) in priority order: the first get the codes when few
   * are left. position (1, 2, …) says the order explicitly, as SQL keeps no row order by itself.
   */
  readonly enrollments: Query;
}

export interface IssueCouponsResult {
  readonly issued: number;
  readonly pool_empty: number;
  readonly budget_spent: number;
}

/**
 * Stand-in for the coupons helper's issueCoupons: gives each enrollment one unissued code of the
 * pool (coupon_codes, migration 15), in the order given, within the budget. An enrollment that
 * already holds a code keeps it (a rerun gives no second code).
 */
export async function issueCoupons(store: Store, options: IssueCouponsOptions): Promise<IssueCouponsResult> {
  const params = new ParamList();
  const pool = params.add(options.pool);
  const rule = params.add(options.ruleId);
  const clock = params.add(options.clock);
  const enrollments = params.embed(options.enrollments);
  const spentToday = `(SELECT count(*) FROM coupon_codes WHERE rule_id = ${rule}
    AND issued_at::DATE = ${clock}::TIMESTAMPTZ::DATE)`;
  const spentTotal = `(SELECT count(*) FROM coupon_codes WHERE rule_id = ${rule})`;
  const perDay = params.add(options.perDay ?? null);
  const total = params.add(options.total ?? null);
  const budget = `least(coalesce(${perDay}::BIGINT - ${spentToday}, 9223372036854775807),
    coalesce(${total}::BIGINT - ${spentTotal}, 9223372036854775807))`;
  const [counts] = await store.query<{ wanted: number; budget: number; available: number }>({
    sql: `SELECT (SELECT count(*) FROM (${enrollments}) e
        WHERE e.enrollment_id NOT IN (SELECT enrollment_id FROM coupon_codes WHERE enrollment_id IS NOT NULL))::INTEGER AS wanted,
      greatest(${budget}, 0)::BIGINT::DOUBLE AS budget,
      (SELECT count(*) FROM coupon_codes WHERE pool = ${pool} AND enrollment_id IS NULL)::INTEGER AS available`,
    params: params.values,
  });
  const wanted = counts?.wanted ?? 0;
  const budgetLeft = counts?.budget ?? 0;
  const available = counts?.available ?? 0;
  const issued = Math.min(wanted, budgetLeft, available);
  if (issued > 0) {
    const take = new ParamList();
    const takePool = take.add(options.pool);
    const takeRule = take.add(options.ruleId);
    const takeClock = take.add(options.clock);
    const takeEnrollments = take.embed(options.enrollments);
    const limit = take.add(issued);
    await store.run({
      sql: `WITH wanted AS (
          SELECT enrollment_id, customer_id, row_number() OVER (ORDER BY position) AS n FROM (${takeEnrollments}) e
          WHERE e.enrollment_id NOT IN (SELECT enrollment_id FROM coupon_codes WHERE enrollment_id IS NOT NULL)
        ),
        free AS (
          SELECT code, row_number() OVER (ORDER BY code) AS n FROM coupon_codes
          WHERE pool = ${takePool} AND enrollment_id IS NULL
        ),
        pairs AS (SELECT f.code, w.enrollment_id, w.customer_id FROM wanted w JOIN free f USING (n) WHERE w.n <= ${limit})
        UPDATE coupon_codes c SET enrollment_id = p.enrollment_id, customer_id = p.customer_id,
          rule_id = ${takeRule}, issued_at = ${takeClock}::TIMESTAMPTZ
        FROM pairs p WHERE c.pool = ${takePool} AND c.code = p.code`,
      params: take.values,
    });
  }
  const short = wanted - issued;
  // Whichever ran out first stops the rest: the budget when it is smaller than the pool.
  const budgetFirst = budgetLeft < Math.min(wanted, available);
  return {
    issued,
    pool_empty: budgetFirst ? 0 : short,
    budget_spent: budgetFirst ? short : 0,
  };
}
