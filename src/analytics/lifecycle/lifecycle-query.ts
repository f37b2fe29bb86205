/**
 * Lifecycle stages as of one or more days, as SQL values the Store runs, set-oriented. A single
 * as-of day reads the customer facts (lifecycleStageCtes, which a refresh shares); the month
 * ends of a flow report read the purchase days. Both measure the same figures and place them
 * with the same rules and rule texts (stageCtes, windowColumns), so the two cannot disagree on
 * the rules (a test compares them at month ends).
 *
 * Definitions (spec section 6, issue 4 item 3; "as of", "counted" and "purchase" as in RFM):
 * - As of day D = orders placed before the end of D in the store's timezone. Counted: members
 *   (member_since before the end of D); with allCustomers also every customer with an order by
 *   then. Guest orders never. A purchase is an order in a GMV status with paid_amount > 0
 *   (config `purchases`: or a distinct purchase day).
 * - Purchase days are the distinct days (store timezone) with a purchase; a gap is the number
 *   of days between two consecutive purchase days of one customer.
 * - C, the store's typical purchase cycle as of D = the median of every gap, of every customer
 *   with a customer id (members or not), whose later purchase day is ≤ D: the gaps of the repeat
 *   buyers. Median as DuckDB's `median` (the mean of the two middle gaps when their number is
 *   even). Null when no customer has two purchase days yet.
 * - c, a customer's own cycle = the median of their gaps up to D; C when they have one purchase
 *   day.
 * - Churn window W = max(min_churn_days, churn_cycles × C), or churn_days when set; min_churn_days
 *   when C is null.
 * - Recency = D − the last purchase day, in days.
 * - The stage is the first rule that holds, in this order (LIFECYCLE_STAGES):
 *   prospect     no purchase up to D;
 *   churned      recency > W;
 *   at_risk      recency > at_risk_cycles × c (inside W, since churned was tried first);
 *   loyal        ≥ loyal_min_purchases purchases on days in (D − loyal_window_days, D] and
 *                recency ≤ loyal_recency_cycles × c;
 *   reactivated  won back: the gap before the last purchase day is longer than W, i.e. the
 *                customer had churned and bought again. It lasts while that purchase is the last
 *                one: the next purchase makes them repeat (or loyal), and going quiet again makes
 *                them at risk or churned. The gap is judged against W as of D;
 *   repeat       two or more purchases;
 *   new          one purchase.
 *   A rule that needs c is false when c is null (no repeat buyer in the store yet).
 * - Each placement carries the rule that decided it, in words with the figures, e.g.
 *   "recency 200 d > churn window 180 d".
 */
import type { LifecycleConfig } from '../../config/lifecycle-config.js';
import type { PredictConfig } from '../../config/predict-config.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, quoteIdent, type Query } from '../../store/sql.js';
import { countedFactsCtes, type FactsSource } from '../facts/customer-facts.js';
import { valuesAtRanksSql } from '../ranked-values.js';

export interface LifecycleOptions {
  /** The as-of day, YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  /** Also place customers who are not members (as of the day). */
  readonly allCustomers?: boolean;
  readonly config: LifecycleConfig;
  /** Where the customer facts come from (default: computed inline). */
  readonly facts?: FactsSource;
  /**
   * With config churn_rule 'p_alive': the table of predictions (customer_id, p_alive) of the
   * day, and the P(alive) below which a customer is churned. A customer without a prediction
   * (the models could not be fitted) is judged by the churn window.
   */
  readonly predictions?: { readonly table: string; readonly churnBelow: number };
  /** With config churn_rule 'p_alive' and no predictions given: fit with this config first. */
  readonly predict?: PredictConfig;
}

export interface LifecycleFlowOptions {
  /** First month reported, YYYY-MM; its flows start from the end of the month before it. */
  readonly from: string;
  /** Last month reported, YYYY-MM. */
  readonly to: string;
  readonly allCustomers?: boolean;
  readonly config: LifecycleConfig;
}

export interface InviteCandidatesOptions {
  readonly asOf: string;
  readonly config: LifecycleConfig;
}

/** A number for a rule's text: whole numbers without decimals, others to one decimal. */
const num = (expr: string): string =>
  `(CASE WHEN ${expr} = round(${expr}) THEN round(${expr})::BIGINT::VARCHAR ELSE round(${expr}, 1)::VARCHAR END)`;

/** The purchase days of every customer with the gap before each (null for the first). */
function purchaseDaysCte(params: ParamList): string {
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  return `purchase_days AS (
      SELECT customer_id, day, orders,
        date_diff('day', lag(day) OVER (PARTITION BY customer_id ORDER BY day), day) AS gap
      FROM (
        SELECT customer_id, placed_at::DATE AS day, count(*) AS orders
        FROM orders
        WHERE customer_id IS NOT NULL AND status IN (${statuses}) AND paid_amount > 0
        GROUP BY customer_id, placed_at::DATE
      )
    )`;
}

/**
 * The columns of a day's one-row window relation, given its store_cycle: the churn window W
 * and the rules' settings (lc_*). Settings are columns rather than parameters in the rules
 * because a parameter in a SELECT list is cast again for every row.
 */
function windowColumns(config: LifecycleConfig, params: ParamList, churnBelow: number | null): string {
  const churnWindow = `coalesce(${params.add(config.churn_days ?? null)}::DOUBLE,
      greatest(${params.add(config.min_churn_days)}::DOUBLE, coalesce(${params.add(config.churn_cycles)}::DOUBLE * store_cycle, 0)))`;
  const atRisk = `${params.add(config.at_risk_cycles)}::DOUBLE`;
  const loyalCycles = `${params.add(config.loyal_recency_cycles)}::DOUBLE`;
  // The rules' constant figures as text once per day, not once per customer.
  return `${churnWindow} AS churn_window, ${num(churnWindow)} AS lc_churn_text,
    ${atRisk} AS lc_at_risk_cycles, ${num(atRisk)} AS lc_at_risk_text,
    ${params.add(config.loyal_min_purchases)}::INTEGER AS lc_loyal_min,
    ${params.add(config.loyal_window_days)}::INTEGER AS lc_loyal_window,
    ${loyalCycles} AS lc_loyal_cycles, ${num(loyalCycles)} AS lc_loyal_text,
    ${params.add(churnBelow)}::DOUBLE AS lc_churn_below`;
}

/**
 * SQL: one row, store_cycle = the median of every customer's gaps in `facts`, as DuckDB's
 * median: the mean of the gaps at ranks ⌈n/2⌉ and ⌊n/2⌋ + 1 (one gap when n is odd); null
 * without gaps.
 */
export const storeCycleSql = (facts: string): string =>
  `SELECT (("values"[1] + "values"[2]) / 2)::DOUBLE AS store_cycle FROM (${valuesAtRanksSql(
    `(SELECT unnest(gaps) AS gap FROM ${facts})`,
    'gap',
    ['(n + 1) // 2', 'n // 2 + 1'],
  )})`;

/**
 * CTEs placing the rows of `measured` — which carry churn_window, the lc_* settings and
 * lc_as_of, lc_purchases, lc_last_purchase, lc_recency, lc_recent, lc_cycle, lc_last_gap,
 * lc_p_alive — ending in `output` with the stage and the rule that decided it.
 */
function stageCtes(measured: string, output: string): string {
  return `${output}_staged AS (
      SELECT *,
        CASE
          WHEN lc_purchases = 0 THEN 'prospect'
          WHEN coalesce(lc_p_alive < lc_churn_below, lc_recency > churn_window) THEN 'churned'
          WHEN lc_recency > lc_at_risk_cycles * lc_cycle THEN 'at_risk'
          WHEN lc_recent >= lc_loyal_min AND lc_recency <= lc_loyal_cycles * lc_cycle THEN 'loyal'
          WHEN lc_last_gap > churn_window THEN 'reactivated'
          WHEN lc_purchases >= 2 THEN 'repeat'
          ELSE 'new'
        END AS stage
      FROM ${measured}
    ),
    ${output} AS (
      SELECT *,
        CASE stage
          WHEN 'prospect' THEN 'no purchase up to ' || lc_as_of::VARCHAR
          WHEN 'churned' THEN CASE WHEN lc_p_alive IS NOT NULL AND lc_churn_below IS NOT NULL
            THEN format('P(alive) {} < {}', round(lc_p_alive, 3), lc_churn_below)
            ELSE 'recency ' || lc_recency::VARCHAR || ' d > churn window ' || lc_churn_text || ' d' END
          WHEN 'at_risk' THEN 'recency ' || lc_recency::VARCHAR || ' d > ' || lc_at_risk_text || ' × cycle '
            || ${num('lc_cycle')} || ' d = ' || ${num('lc_at_risk_cycles * lc_cycle')} || ' d, '
            || CASE WHEN lc_p_alive IS NOT NULL AND lc_churn_below IS NOT NULL
              THEN format('P(alive) {} ≥ {}', round(lc_p_alive, 3), lc_churn_below)
              ELSE 'within churn window ' || lc_churn_text || ' d' END
          WHEN 'loyal' THEN lc_recent::VARCHAR || ' purchases in the trailing ' || lc_loyal_window::VARCHAR || ' d ≥ '
            || lc_loyal_min::VARCHAR || ' and recency ' || lc_recency::VARCHAR || ' d ≤ ' || lc_loyal_text
            || ' × cycle ' || ${num('lc_cycle')} || ' d = ' || ${num('lc_loyal_cycles * lc_cycle')} || ' d'
          WHEN 'reactivated' THEN 'bought on ' || lc_last_purchase::VARCHAR || ' after a gap of '
            || lc_last_gap::VARCHAR || ' d > churn window ' || lc_churn_text || ' d'
          WHEN 'repeat' THEN lc_purchases::VARCHAR || ' purchases, recency ' || lc_recency::VARCHAR
            || ' d ≤ churn window ' || lc_churn_text || ' d'
          ELSE '1 purchase, recency ' || lc_recency::VARCHAR || ' d ≤ churn window ' || lc_churn_text || ' d'
        END AS rule
      FROM ${output}_staged
    )`;
}

/**
 * CTEs placing the rows of `input` (counted customers with their facts as of options.asOf, as
 * countedFactsCtes gives them), ending in `output`: the input's columns, the window's
 * (store_cycle, churn_window, lc_*), the figures the rules read (lc_*), stage and rule. Also
 * `lc_window` (one row). `facts` names the facts of every customer, for the store cycle C.
 * Every column is an expression of its row and the one-row window, so other analyses can add
 * their columns to the same rows.
 */
export function lifecycleStageCtes(
  input: string,
  facts: string,
  output: string,
  options: Pick<LifecycleOptions, 'asOf' | 'config' | 'predictions'>,
  params: ParamList,
): string {
  const { config, predictions } = options;
  const churnBelow = config.churn_rule === 'p_alive' && predictions ? predictions.churnBelow : null;
  const [purchases, recent] =
    config.purchases === 'orders' ? ['purchases', 'loyal_purchases'] : ['purchase_days', 'loyal_days'];
  return `lc_window AS (
      SELECT ${params.add(options.asOf)}::DATE AS lc_as_of, store_cycle, ${windowColumns(config, params, churnBelow)}
      FROM (${storeCycleSql(facts)})
    ),
    ${output}_measured AS (
      SELECT i.*, w.*, coalesce(i.${purchases}, 0) AS lc_purchases, i.last_purchase AS lc_last_purchase,
        date_diff('day', i.last_purchase, w.lc_as_of)::INTEGER AS lc_recency,
        coalesce(i.${recent}, 0) AS lc_recent,
        CASE WHEN i.${purchases} > 0 THEN coalesce(i.own_cycle, w.store_cycle) END AS lc_cycle,
        i.last_gap::INTEGER AS lc_last_gap, ${predictions ? 'p.p_alive' : 'NULL::DOUBLE'} AS lc_p_alive
      FROM ${input} i CROSS JOIN lc_window w
      ${predictions ? `LEFT JOIN ${quoteIdent(predictions.table)} p ON p.customer_id = i.customer_id` : ''}
    ),
    ${stageCtes(`${output}_measured`, output)}`;
}

/** The CTE chain for one day ending in `explained` (and `lc_window`), from the customer facts. */
function buildDayRelation(options: LifecycleOptions, params: ParamList): string {
  const { asOf, config } = options;
  const counted = countedFactsCtes(
    options.facts,
    {
      asOf,
      allCustomers: options.allCustomers ?? false,
      loyalWindowDays: config.loyal_window_days,
      loyalDays: config.purchases === 'order_days',
    },
    params,
  );
  return `WITH
    ${counted},
    ${lifecycleStageCtes('counted_facts', 'customer_facts', 'explained', options, params)}`;
}

/**
 * The CTE chain for several days (the month ends of a flow report) ending in `explained`, one
 * row per (idx, as_of, counted customer), and `windows` (one row per idx), from the purchase
 * days.
 */
function buildDaysRelation(options: LifecycleFlowOptions, params: ParamList): string {
  const { config } = options;
  const days = monthEnds(options.from, options.to, params);
  const count = config.purchases === 'orders' ? 'sum(p.orders)' : 'count(*)';
  const loyalWindow = params.add(config.loyal_window_days);
  const nonMembers = options.allCustomers
    ? `UNION SELECT w.idx, w.as_of, f.customer_id FROM windows w JOIN first_orders f ON f.first_at < w.end_at`
    : '';
  const firstOrders = options.allCustomers
    ? `first_orders AS (
        SELECT customer_id, min(placed_at) AS first_at FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id
      ),`
    : '';
  return `WITH
    dates AS (SELECT idx::INTEGER AS idx, as_of::DATE AS as_of, (as_of::DATE + 1)::TIMESTAMPTZ AS end_at FROM (${days})),
    ${purchaseDaysCte(params)},
    store_cycles AS (
      SELECT d.idx, median(p.gap)::DOUBLE AS store_cycle
      FROM dates d JOIN purchase_days p ON p.day <= d.as_of AND p.gap IS NOT NULL
      GROUP BY d.idx
    ),
    facts AS (
      SELECT d.idx, p.customer_id, ${count}::INTEGER AS purchases, max(p.day) AS last_purchase,
        coalesce(${count} FILTER (WHERE p.day > d.as_of - ${loyalWindow}::INTEGER), 0)::INTEGER AS recent_purchases,
        median(p.gap)::DOUBLE AS own_cycle, arg_max(p.gap, p.day) AS last_gap
      FROM dates d JOIN purchase_days p ON p.day <= d.as_of
      GROUP BY d.idx, p.customer_id
    ),
    windows AS (
      SELECT d.idx, d.as_of, d.end_at, s.store_cycle, ${windowColumns(config, params, null)}
      FROM dates d LEFT JOIN store_cycles s USING (idx)
    ),
    ${firstOrders}
    counted AS (
      SELECT w.idx, w.as_of, c.id AS customer_id FROM windows w JOIN customers c ON c.member_since < w.end_at
      ${nonMembers}
    ),
    measured AS (
      SELECT c.idx, c.as_of, c.customer_id, w.* EXCLUDE (idx, as_of, end_at), c.as_of AS lc_as_of,
        coalesce(f.purchases, 0) AS lc_purchases, f.last_purchase AS lc_last_purchase,
        date_diff('day', f.last_purchase, c.as_of)::INTEGER AS lc_recency,
        coalesce(f.recent_purchases, 0) AS lc_recent,
        CASE WHEN f.purchases > 0 THEN coalesce(f.own_cycle, w.store_cycle) END AS lc_cycle,
        f.last_gap::INTEGER AS lc_last_gap, NULL::DOUBLE AS lc_p_alive
      FROM counted c JOIN windows w USING (idx) LEFT JOIN facts f USING (idx, customer_id)
    ),
    ${stageCtes('measured', 'explained')}`;
}

/**
 * The month ends of from−1 … to (idx 0 is the end of the month before `from`), in the store's
 * calendar: a month end is a DATE, whose end is cut in the store's timezone like any as-of day.
 */
function monthEnds(from: string, to: string, params: ParamList): string {
  const start = params.add(`${from}-01`);
  const end = params.add(`${to}-01`);
  return `SELECT (row_number() OVER (ORDER BY m) - 1) AS idx, (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS as_of
    FROM generate_series(${start}::DATE - INTERVAL 1 MONTH, ${end}::DATE, INTERVAL 1 MONTH) AS t(m)`;
}

function oneDay(options: LifecycleOptions, select: string): Query {
  const params = new ParamList();
  const relation = buildDayRelation(options, params);
  return { sql: `${relation}\n${select}`, params: params.values };
}

/** One row per counted customer as of the day: figures, stage and the rule that placed them. */
export function buildLifecycleCustomersQuery(options: LifecycleOptions): Query {
  return oneDay(
    options,
    `SELECT customer_id, stage, lc_purchases AS purchases, lc_recent AS recent_purchases,
       lc_last_purchase::VARCHAR AS last_purchase, lc_recency AS recency_days, lc_cycle AS cycle_days,
       lc_last_gap AS last_gap_days, rule
     FROM explained ORDER BY customer_id`,
  );
}

/** Customers per stage as of the day (stages with none are absent), with C and W of the day. */
export function buildLifecycleSummaryQuery(options: LifecycleOptions): Query {
  return oneDay(
    options,
    `SELECT w.store_cycle, w.churn_window, s.stage, count(s.customer_id)::INTEGER AS customers
     FROM lc_window w LEFT JOIN explained_staged s ON true GROUP BY ALL`,
  );
}

/**
 * Month by month from `from` to `to`: customers per stage at each month end, and transitions
 * from the stage at the previous month end (not_counted when the customer was not counted then)
 * to the stage at this one. Rows: kind 'stage' (from_stage null) or 'flow' (stage changed).
 */
export function buildLifecycleFlowsQuery(options: LifecycleFlowOptions): Query {
  const params = new ParamList();
  const relation = buildDaysRelation(options, params);
  return {
    sql: `${relation}
     SELECT 'window' AS kind, strftime(w.as_of, '%Y-%m') AS month, w.as_of::VARCHAR AS month_end, NULL AS from_stage,
       NULL AS to_stage, 0 AS customers, w.store_cycle, w.churn_window
     FROM windows w WHERE w.idx > 0
     UNION ALL
     SELECT 'stage', strftime(s.as_of, '%Y-%m'), s.as_of::VARCHAR, NULL, s.stage, count(*)::INTEGER, NULL, NULL
     FROM explained_staged s WHERE s.idx > 0 GROUP BY ALL
     UNION ALL
     SELECT 'flow', strftime(cur.as_of, '%Y-%m'), cur.as_of::VARCHAR, coalesce(prev.stage, 'not_counted'), cur.stage,
       count(*)::INTEGER, NULL, NULL
     FROM explained_staged cur LEFT JOIN explained_staged prev ON prev.customer_id = cur.customer_id AND prev.idx = cur.idx - 1
     WHERE cur.idx > 0 AND cur.stage IS DISTINCT FROM prev.stage
     GROUP BY ALL
     ORDER BY month, kind, from_stage, to_stage`,
    params: params.values,
  };
}

/**
 * Non-members as of the day (no member_since, or joined after the day) with two or more
 * purchases up to it: the invitation candidates of spec section 2, best first (most purchases,
 * then highest net spend, then most recent last purchase, then customer id).
 */
export function buildInviteCandidatesQuery(options: InviteCandidatesOptions): Query {
  const params = new ParamList();
  const asOf = params.add(options.asOf);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const purchases =
    options.config.purchases === 'orders'
      ? 'count(*) FILTER (WHERE o.paid_amount > 0)'
      : 'count(DISTINCT o.placed_at::DATE) FILTER (WHERE o.paid_amount > 0)';
  return {
    sql: `WITH cutoff AS (SELECT (${asOf}::DATE + 1)::TIMESTAMPTZ AS end_at)
      SELECT o.customer_id, ${purchases}::INTEGER AS purchases,
        sum(o.paid_amount - o.refunded_amount)::DECIMAL(38,2)::VARCHAR AS net_spend,
        max(o.placed_at::DATE) FILTER (WHERE o.paid_amount > 0)::VARCHAR AS last_purchase
      FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
      WHERE o.customer_id IS NOT NULL AND o.placed_at < (SELECT end_at FROM cutoff) AND o.status IN (${statuses})
        AND (c.member_since IS NULL OR c.member_since >= (SELECT end_at FROM cutoff))
      GROUP BY o.customer_id
      HAVING ${purchases} >= 2
      ORDER BY purchases DESC, sum(o.paid_amount - o.refunded_amount) DESC, last_purchase DESC, o.customer_id`,
    params: params.values,
  };
}
