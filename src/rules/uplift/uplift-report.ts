/**
 * A rule's uplift report (效果评估): what the rule's actions changed, measured against its
 * holdout (对照组). Members are compared by the arm the hash put them in, whatever happened after
 * (intention to treat): a treated member whose message was refused for consent counts as treated.
 *
 * The unit is the member: a member with several enrollments of the version (re_entry every or
 * after) counts once, converted when they bought within any of their goal windows, with the
 * revenue of every distinct order inside those windows. A goal window starts at the moment the
 * action went or would have gone (the first `sent` or `held_out` decision, else the enrollment's
 * due_at) and lasts goal.within. Only closed windows count; a member none of whose windows has
 * closed by the clock is counted apart (open), never as a non-buyer.
 *
 * One query returns each arm's counts, sums, sums of squares and cross-products; the
 * statistics are uplift-stats.ts. The CLI renders what getRuleReport returns.
 */
import { AppError } from '../../errors.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, type Query, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { type Arm, ARMS } from '../engine/decisions.js';
import { parseDurationMinutes } from '../duration.js';
import { getRule } from '../rule-versions.js';
import type { RuleDefinition } from '../rule-schema.js';
import {
  adjustCuped,
  type CovariateMoments,
  type DifferenceInterval,
  getAdjustedRateDifference,
  getMinimumDetectableLift,
  getMinimumDetectableMeanDifference,
  getProportionDifference,
  getWelchDifference,
  getWelchDifferenceFromVariances,
  type Moments,
  type WelchInterval,
} from './uplift-stats.js';

export interface RuleReportOptions {
  /** The report as of the end of this store day (YYYY-MM-DD); default now. */
  readonly asOf?: string;
  /** Add the CUPED-adjusted differences (pre-period spend as the covariate). */
  readonly cuped?: boolean;
  /** The rule version measured; default the current one (each version is its own experiment). */
  readonly version?: number;
  /** Days of spend before a member's first goal window that CUPED reads (default 90). */
  readonly prePeriodDays?: number;
}

export const DEFAULT_PRE_PERIOD_DAYS = 90;
export const REPORT_ALPHA = 0.05;
export const REPORT_POWER = 0.8;

/** One arm's figures over the members whose goal windows have closed. */
export interface ArmFigures {
  readonly members: number;
  /** Members at least one of whose actions was sent (holdout: 0). */
  readonly delivered: number;
  /** Members who bought within a goal window. */
  readonly conversions: number;
  readonly conversion_rate: number | null;
  readonly orders: number;
  readonly orders_per_member: number | null;
  /** Order value within the windows, before this rule's coupons (paid + the rule's coupon redeemed). */
  readonly revenue: number;
  /** revenue / members, zeros included. */
  readonly revenue_per_member: number | null;
  /** What the members paid within the windows (after every discount). */
  readonly paid: number;
  /** Members with an enrollment whose goal window is still open, not counted above. */
  readonly open_members: number;
}

/** A total scaled from a per-member difference: difference × treated members, with its interval. */
export interface Incremental {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface CupedFigures {
  readonly pre_period_days: number;
  /** θ of each metric: cov(metric, pre-period spend) / var(pre-period spend), both arms together. */
  readonly theta: { readonly conversion_rate: number; readonly revenue_per_member: number };
  readonly conversion_rate: DifferenceInterval;
  readonly revenue_per_member: WelchInterval;
  /** Share of the difference's variance CUPED removed, per metric. */
  readonly variance_reduction: { readonly conversion_rate: number; readonly revenue_per_member: number };
}

export interface RuleReport {
  readonly rule_id: string;
  readonly name: string;
  readonly version: number;
  readonly current_version: number;
  /** The version's holdout share. */
  readonly holdout_share: number;
  readonly goal: RuleDefinition['goal'];
  /** The day asked for (YYYY-MM-DD), or null for now. */
  readonly as_of: string | null;
  readonly treatment: ArmFigures;
  readonly holdout: ArmFigures;
  /** Treatment − holdout, each with its 95% interval. */
  readonly difference: {
    readonly conversion_rate: DifferenceInterval;
    readonly revenue_per_member: WelchInterval;
    readonly orders_per_member: WelchInterval;
    /** The conversion-rate difference relative to the holdout's rate; null when that is 0. */
    readonly relative_lift: number | null;
  };
  readonly incremental_orders: Incremental;
  /** Revenue before this rule's coupons: what the rule brought in, before paying for its coupons. */
  readonly incremental_revenue: Incremental;
  /** Orders within the treated members' windows that redeemed a code this rule gave; null when unknown. */
  readonly coupons_redeemed: number | null;
  /** The face value of those codes; null when the store cannot tell (see notes). */
  readonly coupon_cost: number | null;
  /** Incremental revenue − coupon cost (= the difference in what members paid, × treated members). */
  readonly net_incremental_revenue: Incremental | null;
  /** The smallest true difference this volume detects (two-sided α 0.05, power 0.8). */
  readonly minimum_detectable: {
    readonly conversion_rate: number | null;
    readonly revenue_per_member: number | null;
    readonly alpha: number;
    readonly power: number;
  };
  readonly cuped: CupedFigures | null;
  /** Every version of the rule with its holdout and enrolled members, to pick another with --version. */
  readonly versions: readonly {
    readonly version: number;
    readonly holdout: number;
    readonly members: number;
  }[];
  /** What the figures could not include and why, in English (the CLI translates none of it). */
  readonly notes: readonly string[];
}

/** The columns the coupons module adds (migration 15); without them coupon cost is unknown. */
interface CouponSupport {
  readonly available: boolean;
}

async function getCouponSupport(store: Store): Promise<CouponSupport> {
  const rows = await store.query<{ table_name: string; column_name: string }>(
    sql`SELECT table_name, column_name FROM information_schema.columns
      WHERE (table_name = 'orders' AND column_name = 'coupon_code')
        OR (table_name = 'coupon_codes' AND column_name IN ('code', 'enrollment_id', 'value'))`,
  );
  return { available: rows.length === 4 };
}

interface ArmSums extends Record<string, number | string> {
  readonly kind: 'closed' | 'open';
  readonly arm: Arm;
  readonly members: number;
  readonly delivered: number;
  readonly conversions: number;
  readonly orders: number;
  readonly orders_squares: number;
  readonly revenue: number;
  readonly revenue_squares: number;
  readonly paid: number;
  readonly paid_squares: number;
  readonly pre: number;
  readonly pre_squares: number;
  readonly pre_revenue: number;
  readonly pre_conversions: number;
  readonly coupons: number;
  readonly coupon_value: number;
}

export interface ArmSumsQueryOptions {
  readonly ruleId: string;
  readonly version: number;
  /** YYYY-MM-DD (the clock is its end in store time), or null for now. */
  readonly asOf: string | null;
  readonly goalMinutes: number;
  /** Days of pre-period spend to sum for CUPED, or null to leave the pre-period columns 0. */
  readonly prePeriodDays: number | null;
  readonly coupons: boolean;
}

/**
 * Per arm, over the members whose goal windows closed (kind `closed`): members, delivered,
 * conversions, orders, revenue and paid with their squares, the pre-period spend X with its
 * square and its products with revenue and conversion (for CUPED), coupons redeemed and their
 * value; and per arm the members still open (kind `open`, only `members` set).
 */
export function buildArmSumsQuery(options: ArmSumsQueryOptions): Query {
  const params = new ParamList();
  const rule = params.add(options.ruleId);
  const version = params.add(options.version);
  const within = `to_minutes(${params.add(options.goalMinutes)}::BIGINT)`;
  const pre =
    options.prePeriodDays === null ? null : `to_days(${params.add(options.prePeriodDays)}::INTEGER)`;
  const clock = options.asOf === null ? 'now()' : `(${params.add(options.asOf)}::DATE + 1)::TIMESTAMPTZ`;
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  // This rule's codes with their face value. An order's coupon_code may hold several codes,
  // comma-separated, matched without regard to case (as the coupons module reads redemptions).
  const ruleCodes = options.coupons
    ? `rule_codes AS (
        SELECT DISTINCT upper(trim(k.code)) AS code, k.value::DOUBLE AS value
        FROM coupon_codes k JOIN enrolled e ON e.id = k.enrollment_id
      ),`
    : '';
  const couponValue = options.coupons
    ? `(SELECT sum(k.value) FROM rule_codes k
        WHERE list_contains(list_transform(string_split(o.coupon_code, ','), c -> upper(trim(c))), k.code))`
    : 'NULL::DOUBLE';
  const text = `WITH clock AS (SELECT ${clock} AS at),
    decided AS (
      SELECT d.enrollment_id,
        min(d.decided_at) FILTER (WHERE d.decision IN ('sent', 'held_out')) AS decided_at,
        bool_or(d.decision = 'sent') AS delivered
      FROM rule_decisions d, clock
      WHERE d.rule_id = ${rule} AND d.version = ${version} AND d.decided_at < clock.at
      GROUP BY d.enrollment_id
    ),
    enrolled AS (
      SELECT e.id, e.customer_id, e.arm, e.order_id,
        coalesce(d.decided_at, e.due_at) AS moment, coalesce(d.delivered, false) AS delivered
      FROM rule_enrollments e LEFT JOIN decided d ON d.enrollment_id = e.id, clock
      WHERE e.rule_id = ${rule} AND e.version = ${version} AND e.occurred_at < clock.at
    ),
    ${ruleCodes}
    closed AS (
      SELECT enrolled.* FROM enrolled, clock WHERE enrolled.moment + ${within} <= clock.at
    ),
    members AS (
      SELECT customer_id, any_value(arm) AS arm, bool_or(delivered) AS delivered, min(moment) AS first_moment
      FROM closed GROUP BY customer_id
    ),
    -- The purchases between the first pre-period (or window) and the last window's end: cut
    -- by time first, so the joins below hash a month of orders rather than all of them.
    purchases AS MATERIALIZED (
      SELECT o.*
      FROM orders o, (SELECT min(moment) AS first_at, max(moment) + ${within} AS last_at FROM closed) b
      WHERE o.status IN (${statuses}) AND o.paid_amount > 0
        AND o.placed_at >= b.first_at${pre === null ? '' : ` - ${pre}`} AND o.placed_at <= b.last_at
    ),
    -- Each distinct order inside any of the member's windows, never the order that triggered it.
    hits AS (
      SELECT DISTINCT c.customer_id, o.id, o.paid_amount::DOUBLE AS paid, ${couponValue} AS coupon_value
      FROM closed c
      JOIN purchases o ON o.customer_id = c.customer_id
        AND o.placed_at > c.moment AND o.placed_at <= c.moment + ${within}
        AND o.id IS DISTINCT FROM c.order_id
    ),
    member_orders AS (
      SELECT customer_id, count(*)::DOUBLE AS orders, sum(paid) AS paid,
        sum(paid + coalesce(coupon_value, 0)) AS revenue,
        count(coupon_value)::DOUBLE AS coupons, coalesce(sum(coupon_value), 0) AS coupon_value
      FROM hits GROUP BY customer_id
    ),
    pre_spend AS (
      ${
        pre === null
          ? 'SELECT NULL::VARCHAR AS customer_id, 0::DOUBLE AS spend WHERE false'
          : `SELECT m.customer_id, sum(o.paid_amount)::DOUBLE AS spend
      FROM members m JOIN purchases o ON o.customer_id = m.customer_id
        AND o.placed_at < m.first_moment AND o.placed_at >= m.first_moment - ${pre}
      GROUP BY m.customer_id`
      }
    ),
    per_member AS (
      SELECT m.arm, m.delivered,
        coalesce(mo.orders, 0) AS orders, coalesce(mo.revenue, 0) AS revenue, coalesce(mo.paid, 0) AS paid,
        CASE WHEN mo.orders > 0 THEN 1.0 ELSE 0.0 END AS converted,
        coalesce(p.spend, 0) AS pre, coalesce(mo.coupons, 0) AS coupons, coalesce(mo.coupon_value, 0) AS coupon_value
      FROM members m
      LEFT JOIN member_orders mo ON mo.customer_id = m.customer_id
      LEFT JOIN pre_spend p ON p.customer_id = m.customer_id
    )
    SELECT 'closed' AS kind, arm, count(*)::INTEGER AS members,
      count(*) FILTER (WHERE delivered)::INTEGER AS delivered,
      sum(converted)::INTEGER AS conversions,
      sum(orders)::DOUBLE AS orders, sum(orders * orders)::DOUBLE AS orders_squares,
      sum(revenue)::DOUBLE AS revenue, sum(revenue * revenue)::DOUBLE AS revenue_squares,
      sum(paid)::DOUBLE AS paid, sum(paid * paid)::DOUBLE AS paid_squares,
      sum(pre)::DOUBLE AS pre, sum(pre * pre)::DOUBLE AS pre_squares,
      sum(pre * revenue)::DOUBLE AS pre_revenue, sum(pre * converted)::DOUBLE AS pre_conversions,
      sum(coupons)::DOUBLE AS coupons, sum(coupon_value)::DOUBLE AS coupon_value
    FROM per_member GROUP BY arm
    UNION ALL
    SELECT 'open', e.arm, count(DISTINCT e.customer_id)::INTEGER, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM enrolled e ANTI JOIN members m ON m.customer_id = e.customer_id
    GROUP BY e.arm`;
  return { sql: text, params: params.values };
}

const EMPTY_SUMS = (kind: ArmSums['kind'], arm: Arm): ArmSums => ({
  kind,
  arm,
  members: 0,
  delivered: 0,
  conversions: 0,
  orders: 0,
  orders_squares: 0,
  revenue: 0,
  revenue_squares: 0,
  paid: 0,
  paid_squares: 0,
  pre: 0,
  pre_squares: 0,
  pre_revenue: 0,
  pre_conversions: 0,
  coupons: 0,
  coupon_value: 0,
});

const roundMoney = (value: number): number => Math.round(value * 100) / 100;
const share = (part: number, whole: number): number | null => (whole ? part / whole : null);

/**
 * The uplift report of one rule version (default the current one) as of the end of `asOf` (default
 * now). Throws BAD_ARGUMENT for an unknown rule or version.
 *
 * @example const report = await getRuleReport(store, 'churned-win-back', { asOf: '2026-10-31', cuped: true });
 */
export async function getRuleReport(
  store: Store,
  ruleId: string,
  options: RuleReportOptions = {},
): Promise<RuleReport> {
  const rule = await getRule(store, ruleId, options.version);
  const { definition } = rule;
  const goalMinutes = parseDurationMinutes(definition.goal.within);
  // The schema stores only durations it parsed; a stored one that does not parse is a bug.
  if (goalMinutes === null)
    throw new AppError(
      'INTERNAL',
      `rule '${ruleId}' version ${rule.version} has a goal window '${definition.goal.within}' that is not a duration`,
    );
  const prePeriodDays = options.prePeriodDays ?? DEFAULT_PRE_PERIOD_DAYS;
  const coupons = await getCouponSupport(store);
  const rows = await store.query<ArmSums>(
    buildArmSumsQuery({
      ruleId,
      version: rule.version,
      asOf: options.asOf ?? null,
      goalMinutes,
      prePeriodDays: options.cuped ? prePeriodDays : null,
      coupons: coupons.available,
    }),
  );
  const find = (kind: ArmSums['kind'], arm: Arm): ArmSums =>
    rows.find((row) => row.kind === kind && row.arm === arm) ?? EMPTY_SUMS(kind, arm);
  const [t, h] = ARMS.map((arm) => find('closed', arm)) as [ArmSums, ArmSums];
  const figures = (sums: ArmSums, open: ArmSums): ArmFigures => ({
    members: sums.members,
    delivered: sums.delivered,
    conversions: sums.conversions,
    conversion_rate: share(sums.conversions, sums.members),
    orders: sums.orders,
    orders_per_member: share(sums.orders, sums.members),
    revenue: roundMoney(sums.revenue),
    revenue_per_member: share(sums.revenue, sums.members),
    paid: roundMoney(sums.paid),
    open_members: open.members,
  });
  const moments = (sums: ArmSums, metric: 'orders' | 'revenue' | 'paid'): Moments => {
    const squares = { orders: sums.orders_squares, revenue: sums.revenue_squares, paid: sums.paid_squares };
    return { n: sums.members, sum: sums[metric], sumSquares: squares[metric] };
  };
  const conversion = getProportionDifference(t.conversions, t.members, h.conversions, h.members);
  const revenue = getWelchDifference(moments(t, 'revenue'), moments(h, 'revenue'));
  const orders = getWelchDifference(moments(t, 'orders'), moments(h, 'orders'));
  const paid = getWelchDifference(moments(t, 'paid'), moments(h, 'paid'));
  const scale = (d: DifferenceInterval): Incremental => ({
    estimate: roundMoney(d.difference * t.members),
    low: roundMoney(d.low * t.members),
    high: roundMoney(d.high * t.members),
  });
  const notes: string[] = [];
  const hasCoupon = definition.actions.some((action) => 'coupon' in action);
  let couponCost: number | null = roundMoney(t.coupon_value);
  let couponsRedeemed: number | null = t.coupons;
  if (!coupons.available) {
    couponCost = hasCoupon ? null : 0;
    couponsRedeemed = hasCoupon ? null : 0;
    if (hasCoupon)
      notes.push(
        'coupon cost unknown: the orders have no coupon_code column (import the coupons module first); revenue is what members paid, after any coupon',
      );
  }
  const pooledRate = share(t.conversions + h.conversions, t.members + h.members);
  if (t.members === 0 || h.members === 0)
    notes.push(
      `no difference yet: ${t.members} treated and ${h.members} held-out members have a closed goal window`,
    );
  const open = find('open', 'treatment').members + find('open', 'holdout').members;
  if (open > 0)
    notes.push(
      `${open} members are not counted yet: their goal window (${definition.goal.within}) has not closed`,
    );
  return {
    rule_id: rule.id,
    name: rule.name,
    version: rule.version,
    current_version: rule.current_version,
    holdout_share: definition.holdout,
    goal: definition.goal,
    as_of: options.asOf ?? null,
    treatment: figures(t, find('open', 'treatment')),
    holdout: figures(h, find('open', 'holdout')),
    difference: {
      conversion_rate: conversion,
      revenue_per_member: revenue,
      orders_per_member: orders,
      relative_lift: h.members && h.conversions ? conversion.difference / (h.conversions / h.members) : null,
    },
    incremental_orders: scale(orders),
    incremental_revenue: scale(revenue),
    coupons_redeemed: couponsRedeemed,
    coupon_cost: couponCost,
    net_incremental_revenue: couponCost === null ? null : scale(paid),
    minimum_detectable: {
      conversion_rate:
        pooledRate === null
          ? null
          : getMinimumDetectableLift(pooledRate, t.members, h.members, {
              alpha: REPORT_ALPHA,
              power: REPORT_POWER,
            }),
      revenue_per_member: getMinimumDetectableMeanDifference(moments(t, 'revenue'), moments(h, 'revenue'), {
        alpha: REPORT_ALPHA,
        power: REPORT_POWER,
      }),
      alpha: REPORT_ALPHA,
      power: REPORT_POWER,
    },
    cuped: options.cuped ? getCupedFigures(t, h, prePeriodDays) : null,
    versions: await getVersionSizes(store, ruleId),
    notes,
  };
}

function getCupedFigures(t: ArmSums, h: ArmSums, prePeriodDays: number): CupedFigures {
  const covariate = (sums: ArmSums, metric: 'conversion' | 'revenue'): CovariateMoments => ({
    n: sums.members,
    sumY: metric === 'revenue' ? sums.revenue : sums.conversions,
    // A conversion is 0 or 1: its square is itself.
    sumYSquares: metric === 'revenue' ? sums.revenue_squares : sums.conversions,
    sumX: sums.pre,
    sumXSquares: sums.pre_squares,
    sumXY: metric === 'revenue' ? sums.pre_revenue : sums.pre_conversions,
  });
  const conversion = adjustCuped(covariate(t, 'conversion'), covariate(h, 'conversion'));
  const revenue = adjustCuped(covariate(t, 'revenue'), covariate(h, 'revenue'));
  return {
    pre_period_days: prePeriodDays,
    theta: { conversion_rate: conversion.theta, revenue_per_member: revenue.theta },
    conversion_rate: getAdjustedRateDifference(conversion.treatment, conversion.holdout),
    revenue_per_member: getWelchDifferenceFromVariances(revenue.treatment, revenue.holdout),
    variance_reduction: {
      conversion_rate: conversion.variance_reduction,
      revenue_per_member: revenue.variance_reduction,
    },
  };
}

async function getVersionSizes(store: Store, ruleId: string): Promise<RuleReport['versions']> {
  return store.query<{ version: number; holdout: number; members: number }>(
    sql`SELECT v.version, json_extract(v.definition, '$.holdout')::DOUBLE AS holdout,
        (SELECT count(DISTINCT e.customer_id) FROM rule_enrollments e
          WHERE e.rule_id = v.rule_id AND e.version = v.version)::INTEGER AS members
      FROM rule_versions v WHERE v.rule_id = ${ruleId} ORDER BY v.version`,
  );
}
