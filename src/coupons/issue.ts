/**
 * Giving coupon codes to enrollments (a rule's `coupon` action at send time). Set-oriented: the
 * enrollments due come as one relation, and one INSERT into coupon_issues pairs the n-th of them
 * (in priority order) with the n-th free code of the pool, within the rule's budget. Because the pairing, the budget
 * and the "still free" test are one statement, and coupon_issues is keyed by code and by
 * enrollment, two calls never hand out one code twice, however their other statements interleave; and an enrollment that already holds a code (a rerun after
 * a crash) keeps it and gets no second one.
 *
 * An enrollment left without a code is `pool_empty` (the budget allowed it, the pool had no code
 * left) or `budget_spent` (the rule's per-day or total budget was used up). A pool found empty
 * raises the monitor alert coupon_pool_empty for the store day (monitor_days and
 * monitor_conditions, from which the alerts are derived), so staff hear of it the way they hear of
 * any alert, and a rule with `trigger: alert: {check: coupon_pool_empty}` can tell them.
 */
import { AppError } from '../errors.js';
import { buildDeriveAlertsQueries } from '../monitor/alerts-query.js';
import { ParamList, type Query, sql } from '../store/sql.js';
import type { Store } from '../store/store.js';

export const COUPON_OUTCOMES = ['issued', 'pool_empty', 'budget_spent'] as const;
export type CouponOutcome = (typeof COUPON_OUTCOMES)[number];

export const POOL_EMPTY_CHECK = 'coupon_pool_empty';

export interface IssueCouponsOptions {
  readonly ruleId: string;
  readonly pool: string;
  /** The rule's budget: codes per store day, and in all, when it sets them. */
  readonly perDay?: number;
  readonly total?: number;
  /** The tick's clock, an ISO instant (exclusive end: `--as-of D` is D+1 00:00 store time). */
  readonly clock: string;
  /**
   * (enrollment_id, customer_id, position): the enrollments due, position giving the priority
   * (lower first; ties by enrollment_id), since SQL keeps no row order of its own.
   */
  readonly enrollments: Query;
}

export interface IssueCouponsResult {
  /** Codes given by this call. */
  readonly issued: number;
  /** Enrollments that already held a code (a rerun): they keep it. */
  readonly kept: number;
  readonly pool_empty: number;
  readonly budget_spent: number;
}

/**
 * The store day a clock's codes count against: the day the clock ends, so a tick `--as-of D`
 * (clock D+1 00:00) spends day D's budget, and a tick at 14:00 spends today's.
 */
const budgetDay = (clock: string): string => `(${clock}::TIMESTAMPTZ - INTERVAL 1 MICROSECOND)::DATE`;

/** The requested enrollments, one row each (the lowest position when one is given twice). */
const requests = (enrollments: string): string =>
  `SELECT enrollment_id, any_value(customer_id) AS customer_id, min(position) AS position
    FROM (${enrollments}) e GROUP BY enrollment_id`;

/** Codes the rule may still give: its budget left for the day and in all (NULL: no limit). */
function budgetLeft(params: ParamList, options: IssueCouponsOptions, clock: string): string {
  const rule = params.add(options.ruleId);
  const perDay = params.add(options.perDay ?? null);
  const total = params.add(options.total ?? null);
  return `(SELECT least(
      ${perDay}::BIGINT - count(*) FILTER (WHERE (issued_at - INTERVAL 1 MICROSECOND)::DATE = ${budgetDay(clock)}),
      ${total}::BIGINT - count(*))
    FROM coupon_issues WHERE rule_id = ${rule})`;
}

/**
 * Gives each enrollment one code of the pool: in position order, while the pool has codes valid
 * on the store day and the rule's budget lasts. Codes go out soonest-expiring first.
 *
 * @example await issueCoupons(store, { ruleId: 'winback', pool: 'winback-30', perDay: 500,
 *   clock: '2026-11-01T00:00:00+08:00', enrollments: sql`SELECT id AS enrollment_id, customer_id,
 *   due_at AS position FROM rule_enrollments WHERE …` })
 */
export async function issueCoupons(store: Store, options: IssueCouponsOptions): Promise<IssueCouponsResult> {
  return serialize(store, () => store.transaction(() => issueInTransaction(store, options)));
}

/**
 * The calls of one store, one after another. A store has one connection and one transaction at
 * a time: two calls at once would otherwise both BEGIN, or interleave the alert's delete and
 * re-insert. (The code pairing alone is one statement, safe however calls interleave.)
 */
const queues = new WeakMap<Store, Promise<unknown>>();
function serialize<T>(store: Store, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(store) ?? Promise.resolve();
  const next = previous.then(work, work);
  queues.set(
    store,
    next.catch(() => undefined),
  );
  return next;
}

async function issueInTransaction(store: Store, options: IssueCouponsOptions): Promise<IssueCouponsResult> {
  {
    const [known] = await store.query(sql`SELECT 1 AS known FROM coupon_pools WHERE name = ${options.pool}`);
    if (!known)
      throw new AppError(
        'BAD_ARGUMENT',
        `rule ${options.ruleId}: no coupon pool '${options.pool}' (huiyuan coupons list)`,
      );
    const params = new ParamList();
    const clock = params.add(options.clock);
    const pool = params.add(options.pool);
    const rule = params.add(options.ruleId);
    const enrollments = params.embed(options.enrollments);
    const left = budgetLeft(params, options, clock);
    const day = budgetDay(clock);
    const kept = await countHolders(store, options.enrollments);
    await store.run({
      sql: `INSERT INTO coupon_issues (code, pool, rule_id, enrollment_id, customer_id, issued_at)
      WITH
        waiting AS (
          SELECT r.*, row_number() OVER (ORDER BY r.position, r.enrollment_id) AS n FROM (${requests(enrollments)}) r
          WHERE NOT EXISTS (SELECT 1 FROM coupon_issues h WHERE h.enrollment_id = r.enrollment_id)
        ),
        free AS (
          SELECT code, row_number() OVER (ORDER BY valid_until NULLS LAST, code) AS n FROM coupon_pool_codes c
          WHERE pool = ${pool} AND NOT EXISTS (SELECT 1 FROM coupon_issues h WHERE h.code = c.code)
            AND (valid_from IS NULL OR valid_from <= ${day}) AND (valid_until IS NULL OR valid_until >= ${day})
        )
      SELECT f.code, ${pool}, ${rule}, w.enrollment_id, w.customer_id, ${clock}::TIMESTAMPTZ
      FROM waiting w JOIN free f USING (n)
      WHERE w.n <= coalesce(${left}, w.n)`,
      params: params.values,
    });
    const [counts] = await store.query<{ held: number; pool_empty: number; budget_spent: number }>({
      ...countOutcomes(buildCouponOutcomesQuery(options)),
    });
    const result: IssueCouponsResult = {
      issued: (counts?.held ?? 0) - kept,
      kept,
      pool_empty: counts?.pool_empty ?? 0,
      budget_spent: counts?.budget_spent ?? 0,
    };
    await recordPoolAlert(store, options, result);
    return result;
  }
}

/** How many of the enrollments hold a code already. */
async function countHolders(store: Store, enrollments: Query): Promise<number> {
  const params = new ParamList();
  const relation = params.embed(enrollments);
  const [row] = await store.query<{ held: number }>({
    sql: `SELECT count(*)::INTEGER AS held FROM (${requests(relation)}) r
      WHERE EXISTS (SELECT 1 FROM coupon_issues i WHERE i.enrollment_id = r.enrollment_id)`,
    params: params.values,
  });
  return row?.held ?? 0;
}

function countOutcomes(outcomes: Query): Query {
  return {
    sql: `SELECT count(*) FILTER (WHERE outcome = 'issued')::INTEGER AS held,
        count(*) FILTER (WHERE outcome = 'pool_empty')::INTEGER AS pool_empty,
        count(*) FILTER (WHERE outcome = 'budget_spent')::INTEGER AS budget_spent
      FROM (${outcomes.sql})`,
    params: outcomes.params,
  };
}

/**
 * What each of the enrollments has now: (enrollment_id, customer_id, code, value, min_spend,
 * valid_until, outcome), outcome being `issued` (it holds `code`), `pool_empty` or
 * `budget_spent`. Run after issueCoupons with the same options, it is what the dispatch writes
 * its decisions and messages from. Of those left without a code, the first (in position order)
 * as many as the budget still allows are pool_empty; the rest are budget_spent.
 */
export function buildCouponOutcomesQuery(options: IssueCouponsOptions): Query {
  const params = new ParamList();
  const clock = params.add(options.clock);
  const enrollments = params.embed(options.enrollments);
  const left = budgetLeft(params, options, clock);
  return {
    sql: `WITH
      held AS (
        SELECT r.enrollment_id, r.customer_id, r.position, i.code, c.value, c.min_spend, c.valid_until
        FROM (${requests(enrollments)}) r
        LEFT JOIN coupon_issues i ON i.enrollment_id = r.enrollment_id
        LEFT JOIN coupon_pool_codes c ON c.code = i.code
      ),
      unserved AS (
        SELECT enrollment_id, row_number() OVER (ORDER BY position, enrollment_id) AS n FROM held WHERE code IS NULL
      )
    SELECT h.enrollment_id, h.customer_id, h.code, h.value::VARCHAR AS value, h.min_spend::VARCHAR AS min_spend,
      h.valid_until::VARCHAR AS valid_until,
      CASE WHEN h.code IS NOT NULL THEN 'issued'
        WHEN u.n <= coalesce(${left}, u.n) THEN 'pool_empty'
        ELSE 'budget_spent' END AS outcome
    FROM held h LEFT JOIN unserved u USING (enrollment_id)`,
    params: params.values,
  };
}

/**
 * Records the day's coupon_pool_empty check: the pool's condition when it ran dry, and again the
 * pools of still open alerts that have no code left (so an alert ends only when its pool has
 * codes again on a day the check runs); then the alerts are derived again.
 */
async function recordPoolAlert(
  store: Store,
  options: IssueCouponsOptions,
  result: IssueCouponsResult,
): Promise<void> {
  const day = budgetDay('$1');
  const clock = options.clock;
  await store.run({
    sql: `INSERT INTO monitor_days SELECT ${day}, '${POOL_EMPTY_CHECK}', $1::TIMESTAMPTZ
      WHERE NOT EXISTS (SELECT 1 FROM monitor_days WHERE day = ${day} AND check_name = '${POOL_EMPTY_CHECK}')`,
    params: [clock],
  });
  if (result.pool_empty > 0) {
    const message = `coupon pool '${options.pool}' is empty: ${result.pool_empty} enrollments of rule ${options.ruleId} got no code`;
    await store.run({
      sql: `INSERT INTO monitor_conditions
        SELECT ${day}, '${POOL_EMPTY_CHECK}', $2, 'warning', NULL, $3,
          json_object('pool', $2, 'rule_id', $4, 'pool_empty', $5::INTEGER,
            'codes', (SELECT count(*) FROM coupon_codes WHERE pool = $2),
            'issued', (SELECT count(enrollment_id) FROM coupon_codes WHERE pool = $2))
        WHERE NOT EXISTS (SELECT 1 FROM monitor_conditions
          WHERE day = ${day} AND check_name = '${POOL_EMPTY_CHECK}' AND subject = $2)`,
      params: [clock, options.pool, message, options.ruleId, result.pool_empty],
    });
  }
  // Open alerts whose pool is still dry stay open today.
  await store.run({
    sql: `INSERT INTO monitor_conditions
      SELECT ${day}, check_name, subject, severity, score, message, figures FROM (
        SELECT a.check_name, a.subject, a.severity, NULL::DOUBLE AS score, a.message, a.figures FROM alerts a
        WHERE a.check_name = '${POOL_EMPTY_CHECK}' AND a.resolved_on IS NULL AND a.last_seen < ${day}
          AND NOT EXISTS (SELECT 1 FROM coupon_codes c WHERE c.pool = a.subject AND c.enrollment_id IS NULL
            AND (c.valid_until IS NULL OR c.valid_until >= ${day}))
          AND NOT EXISTS (SELECT 1 FROM monitor_conditions m
            WHERE m.day = ${day} AND m.check_name = a.check_name AND m.subject = a.subject))`,
    params: [clock],
  });
  for (const query of buildDeriveAlertsQueries()) await store.run(query);
}
