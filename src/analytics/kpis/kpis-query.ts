/**
 * The KPIs of member marketing (spec section 3) as SQL values the Store runs: one query gives
 * every figure of every period of a range (buildKpisQuery), another the monthly cohort
 * retention of members (buildCohortRetentionQuery). docs/kpis.md has the same definitions with a
 * worked example.
 *
 * Periods. A range is the days from … to (store timezone). Its periods are the calendar months
 * (or ISO weeks, Monday to Sunday) that overlap it, each cut to the range: a period runs from
 * max(its first day, from) to min(its last day, to), so a range that ends mid-month ends with a
 * partial month. "At the end of P" = before the end of P's last day in the store's timezone.
 *
 * Orders. A GMV order is one in a GMV status (paid, shipped, completed, refunded); it belongs to
 * the period of the day it was placed. GMV = Σ paid_amount of GMV orders; net GMV = Σ (paid −
 * refunded) of the same orders (refunds carry no date of their own, so a refund counts in the
 * period of its order, and a refund-only order — paid 0 — lowers net GMV only). A purchase is a
 * GMV order with paid_amount > 0; orders = purchases. A guest order has no customer_id.
 *
 * Figures of a period P:
 * - members = customers with member_since before the end of P; new_members = member_since in P.
 * - activation rate 激活会员率 = new_members / members.
 * - churned = members whose lifecycle stage at the end of P is churned (spec section 6, the
 *   lifecycle config): at least one purchase by then and recency > the churn window W, where
 *   W = churn_days when set, else max(min_churn_days, churn_cycles × C) and C is the median gap
 *   between consecutive purchase days of every identified customer up to the end of P (exactly
 *   the rule of src/analytics/lifecycle/lifecycle-query.ts; churned is tried right after
 *   prospect, so it needs nothing else). churn rate 流失会员率 = churned / members.
 * - newly_churned = members churned at the end of P who were members, and not churned, at the
 *   end of the period before (for the first period: the day before it starts). A member who
 *   joins during P already lapsed is churned but not newly churned.
 * - member GMV share 会员交易额占有率 = member GMV / GMV, gross and net, where a member order is an
 *   order whose customer had joined by the time it was placed (member_since ≤ placed_at).
 * - member repurchase rate 会员回头购买率 = returning members / members, where a returning
 *   customer in P has a purchase in P and at least two purchases up to it (so an earlier one,
 *   before P or in P), and a returning member is a returning customer who is a member at the end
 *   of P.
 * - gmv, net_gmv, refunded (Σ refunded of P's GMV orders), orders, buyers (distinct customer ids
 *   with a purchase; guests cannot be told apart and are not counted), AOV 客单价 = GMV / orders,
 *   items per order 客单量 = Σ item_count / the purchases that record one, guest_gmv and
 *   guest_orders (purchases without a customer id).
 * A rate whose denominator is 0 is null.
 *
 * Cohort retention (members): the members at the end of `to`, grouped by the month of their
 * first purchase (ever; the cohorts are the months from … to). For month k after (k = 0 is the
 * cohort month itself), retained = cohort members with a purchase in that month, share =
 * retained / cohort size.
 */
import type { LifecycleConfig } from '../../config/lifecycle-config.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, type Query } from '../../store/sql.js';
import { dateOfDayNumberSql, dayNumberSql, type LocalDays, ZONE_LOCAL_DAYS } from '../facts/local-day.js';

export const KPI_PERIODS = ['month', 'week'] as const;
export type KpiPeriod = (typeof KPI_PERIODS)[number];

/** SQL for each period kind; a closed set, so no user value ever reaches the text. */
const PERIOD_SQL: Record<KpiPeriod, { trunc: string; step: string; label: string }> = {
  month: { trunc: `'month'`, step: 'INTERVAL 1 MONTH', label: `'%Y-%m'` },
  week: { trunc: `'week'`, step: 'INTERVAL 7 DAY', label: `'%G-W%V'` },
};

export interface KpisOptions {
  /** First day, YYYY-MM-DD in the store's timezone. */
  readonly from: string;
  /** Last day, YYYY-MM-DD, not before `from`. */
  readonly to: string;
  readonly period: KpiPeriod;
  /** The churn rule's settings (churn window). */
  readonly lifecycle: LifecycleConfig;
  /** How timestamps are cut into the store's days (default: the zone's cast, always correct). */
  readonly localDays?: LocalDays;
}

export interface CohortRetentionOptions {
  readonly from: string;
  readonly to: string;
  /** How timestamps are cut into the store's days (default: the zone's cast, always correct). */
  readonly localDays?: LocalDays;
}

/**
 * SQL: the periods of the range held by a CTE `bounds` (from_day, to_day), one row each: idx
 * (1, 2, … in order), period_start (the first day of its whole month or week), period (its
 * label), start_day and end_day (cut to the range).
 */
export function periodsSql(period: KpiPeriod): string {
  const { trunc, step, label } = PERIOD_SQL[period];
  return `SELECT row_number() OVER (ORDER BY p)::INTEGER AS idx, p::DATE AS period_start,
        strftime(p::DATE, ${label}) AS period,
        greatest(p::DATE, b.from_day) AS start_day,
        least((p + ${step} - INTERVAL 1 DAY)::DATE, b.to_day) AS end_day
      FROM bounds b, generate_series(date_trunc(${trunc}, b.from_day), b.to_day, ${step}) AS t(p)`;
}

/**
 * The figures a period is made of, before any rate: what buildKpiRowsSql gives and a refresh
 * stores per month (the kpi_months table). Counts are BIGINT, money DECIMAL(38,2).
 */
export const KPI_ROW_COLUMNS = [
  'members',
  'new_members',
  'churned',
  'newly_churned',
  'returning_members',
  'churn_window_days',
  'gmv',
  'net_gmv',
  'refunded',
  'member_gmv',
  'member_net_gmv',
  'guest_gmv',
  'orders',
  'member_orders',
  'guest_orders',
  'buyers',
  'items',
  'orders_with_items',
] as const;

/**
 * SQL: the select list of the KPIs from a relation of period rows (period, start_day, end_day,
 * partial and KPI_ROW_COLUMNS), the live rows and the stored ones alike, so both give the same
 * figures to the last digit: money as exact decimal strings, counts as integers, the rates.
 */
export const KPI_FIGURES = `period, start_day::VARCHAR AS start_day, end_day::VARCHAR AS end_day, partial,
      members::INTEGER AS members, new_members::INTEGER AS new_members, churned::INTEGER AS churned,
      newly_churned::INTEGER AS newly_churned, returning_members::INTEGER AS returning_members,
      churn_window_days::DOUBLE AS churn_window_days,
      gmv::VARCHAR AS gmv, net_gmv::VARCHAR AS net_gmv, refunded::VARCHAR AS refunded,
      member_gmv::VARCHAR AS member_gmv, member_net_gmv::VARCHAR AS member_net_gmv, guest_gmv::VARCHAR AS guest_gmv,
      orders::INTEGER AS orders, member_orders::INTEGER AS member_orders, guest_orders::INTEGER AS guest_orders,
      buyers::INTEGER AS buyers, items::DOUBLE AS items, orders_with_items::INTEGER AS orders_with_items,
      (member_gmv / nullif(gmv, 0))::DOUBLE AS member_gmv_share,
      (member_net_gmv / nullif(net_gmv, 0))::DOUBLE AS member_net_gmv_share,
      round(gmv / nullif(orders, 0), 2)::DECIMAL(38,2)::VARCHAR AS aov,
      (items / nullif(orders_with_items, 0))::DOUBLE AS items_per_order`;

/** SQL: the store-local DATE of a TIMESTAMPTZ expression. */
const localDate = (timestamp: string, localDays: LocalDays | undefined): string =>
  dateOfDayNumberSql(dayNumberSql(timestamp, localDays ?? ZONE_LOCAL_DAYS));

/**
 * One row per period of the range, in order: every figure of the module header, money as exact
 * decimal strings, counts as integers.
 *
 * How it stays cheap on millions of orders: each order's local day is cut once; the purchase
 * days of every customer (with the previous and next one and the purchases up to each) are one
 * window pass; the orders meet the customers once, for their join time; a period end is an index, and
 * a purchase day is the last one at the ends from its own period's to its next purchase day's;
 * C at each end is a median over a histogram of the gaps (a few hundred distinct values), not
 * over every gap again for every end.
 */
export function buildKpisQuery(options: KpisOptions): Query {
  const params = new ParamList();
  const rows = buildKpiRowsSql(options, params);
  return { sql: `SELECT ${KPI_FIGURES} FROM (${rows}) ORDER BY start_day`, params: params.values };
}

/**
 * SQL: one row per period of the range with the figures a period is made of (KPI_ROW_COLUMNS:
 * counts, sums and the churn window, before any rate is taken), with the period's label,
 * period_start and partial. What a refresh stores for each month (store-kpi-months.ts).
 */
export function buildKpiRowsSql(options: KpisOptions, params: ParamList): string {
  const from = params.add(options.from);
  const to = params.add(options.to);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const { trunc, step } = PERIOD_SQL[options.period];
  const w = {
    fixed: params.add(options.lifecycle.churn_days ?? null),
    min: params.add(options.lifecycle.min_churn_days),
    cycles: params.add(options.lifecycle.churn_cycles),
  };
  const money = (expr: string): string => `coalesce(${expr}, 0)::DECIMAL(38,2)`;
  // The index of the period holding day d (0 before the range: the end of idx 0 is the day before it).
  const periodIndex = (day: string): string =>
    `CASE WHEN ${day} < b.from_day THEN 0 ELSE ${
      options.period === 'month'
        ? `date_diff('month', date_trunc('month', b.from_day)::DATE, date_trunc('month', ${day})::DATE)`
        : `(date_trunc('week', ${day})::DATE - date_trunc('week', b.from_day)::DATE) // 7`
    } + 1 END`;
  const sql = `WITH
    bounds AS (SELECT ${from}::DATE AS from_day, ${to}::DATE AS to_day,
      ${from}::DATE::TIMESTAMPTZ AS from_at, (${to}::DATE + 1)::TIMESTAMPTZ AS to_end_at),
    periods AS (${periodsSql(options.period)}),
    -- Period ends, and idx 0: the day before the range, for the first period's newly churned.
    -- end_at is cut once per end, not once per compared row.
    ends AS (
      SELECT idx, end_day, (end_day + 1)::TIMESTAMPTZ AS end_at FROM periods
      UNION ALL SELECT 0, from_day - 1, from_at FROM bounds
    ),
    -- GMV orders with their local day and their customer's join time: the one join of the
    -- orders with the customers.
    gmv_orders AS (
      SELECT o.customer_id, o.placed_at, o.paid_amount, o.refunded_amount, o.item_count, c.member_since,
        ${localDate('o.placed_at', options.localDays)} AS day
      FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
      WHERE o.status IN (${statuses}) AND o.placed_at < (SELECT to_end_at FROM bounds)
    ),
    period_orders AS (
      SELECT date_trunc(${trunc}, o.day)::DATE AS period_start,
        sum(o.paid_amount) AS gmv,
        sum(o.paid_amount - o.refunded_amount) AS net_gmv,
        sum(o.refunded_amount) AS refunded,
        sum(o.paid_amount) FILTER (WHERE o.member_since <= o.placed_at) AS member_gmv,
        sum(o.paid_amount - o.refunded_amount) FILTER (WHERE o.member_since <= o.placed_at) AS member_net_gmv,
        count(*) FILTER (WHERE o.paid_amount > 0) AS orders,
        count(*) FILTER (WHERE o.paid_amount > 0 AND o.member_since <= o.placed_at) AS member_orders,
        sum(o.item_count) FILTER (WHERE o.paid_amount > 0) AS items,
        count(o.item_count) FILTER (WHERE o.paid_amount > 0) AS orders_with_items,
        sum(o.paid_amount) FILTER (WHERE o.customer_id IS NULL) AS guest_gmv,
        count(*) FILTER (WHERE o.customer_id IS NULL AND o.paid_amount > 0) AS guest_orders
      FROM gmv_orders o
      WHERE o.placed_at >= (SELECT from_at FROM bounds)
      GROUP BY 1
    ),
    members_before AS (
      SELECT count(*) AS n FROM customers WHERE member_since < (SELECT from_at FROM bounds)
    ),
    joins AS (
      SELECT date_trunc(${trunc}, ${localDate('member_since', options.localDays)})::DATE AS period_start,
        count(*) AS new_members
      FROM customers
      WHERE member_since >= (SELECT from_at FROM bounds) AND member_since < (SELECT to_end_at FROM bounds)
      GROUP BY 1
    ),
    member_counts AS (
      SELECT p.idx, p.period_start, coalesce(j.new_members, 0) AS new_members,
        (SELECT n FROM members_before) + sum(coalesce(j.new_members, 0)) OVER (ORDER BY p.idx) AS members
      FROM periods p LEFT JOIN joins j USING (period_start)
    ),
    -- Every identified customer's purchase days: the gap since the previous one, the next one,
    -- and the purchases up to and including the day (the order number of its last purchase).
    purchase_days AS (
      SELECT customer_id, day, member_since, date_diff('day', lag(day) OVER w, day) AS gap,
        lead(day) OVER w AS next_day, sum(n) OVER (w ROWS UNBOUNDED PRECEDING) AS purchases_upto
      FROM (
        SELECT customer_id, day, any_value(member_since) AS member_since, count(*) AS n FROM gmv_orders
        WHERE customer_id IS NOT NULL AND paid_amount > 0 GROUP BY customer_id, day
      )
      WINDOW w AS (PARTITION BY customer_id ORDER BY day)
    ),
    -- With the period indexes of the day and of the next purchase day: the day is the
    -- customer's last purchase at the ends day_idx … next_idx − 1.
    indexed_days AS (
      SELECT p.customer_id, p.day, p.gap, p.purchases_upto, p.member_since,
        ${periodIndex('p.day')} AS day_idx,
        CASE WHEN p.next_day IS NULL THEN 2147483647 ELSE ${periodIndex('p.next_day')} END AS next_idx
      FROM purchase_days p CROSS JOIN bounds b
    ),
    -- Each customer with a purchase in a period of the range; returning when they have two
    -- purchases up to their last one in it.
    period_buyers AS (
      SELECT day_idx AS idx, customer_id, max(purchases_upto) AS purchases_upto, any_value(member_since) AS member_since
      FROM indexed_days WHERE day_idx > 0 GROUP BY ALL
    ),
    buyer_counts AS (
      SELECT b.idx, count(*) AS buyers,
        count(*) FILTER (WHERE b.purchases_upto >= 2 AND b.member_since < e.end_at) AS returning_members
      FROM period_buyers b JOIN ends e USING (idx) GROUP BY b.idx
    ),
    -- C at each end: the median of every gap whose later day is up to the end, from the count of
    -- each gap value, as DuckDB's median (the mean of the values at ranks ⌈n/2⌉ and ⌊n/2⌋ + 1).
    gap_counts AS (
      SELECT day_idx, gap, count(*) AS c FROM indexed_days WHERE gap IS NOT NULL GROUP BY ALL
    ),
    end_gaps AS (
      SELECT e.idx, g.gap, sum(g.c) AS c FROM ends e JOIN gap_counts g ON g.day_idx <= e.idx GROUP BY ALL
    ),
    ranked_gaps AS (
      SELECT idx, gap, sum(c) OVER (PARTITION BY idx ORDER BY gap) AS upto, sum(c) OVER (PARTITION BY idx) AS n
      FROM end_gaps
    ),
    store_cycles AS (
      SELECT idx, ((min(gap) FILTER (WHERE upto >= (n + 1) // 2) + min(gap) FILTER (WHERE upto >= n // 2 + 1)) / 2)::DOUBLE
        AS store_cycle
      FROM ranked_gaps GROUP BY idx
    ),
    windows AS (
      SELECT e.idx, e.end_day, e.end_at,
        coalesce(${w.fixed}::DOUBLE, greatest(${w.min}::DOUBLE, coalesce(${w.cycles}::DOUBLE * s.store_cycle, 0)))
          AS churn_window
      FROM ends e LEFT JOIN store_cycles s USING (idx)
    ),
    churned AS (
      SELECT w.idx, p.customer_id, p.member_since
      FROM indexed_days p JOIN windows w ON w.idx >= p.day_idx AND w.idx < p.next_idx AND p.member_since < w.end_at
      WHERE date_diff('day', p.day, w.end_day) > w.churn_window
    ),
    churn_counts AS (
      SELECT idx, count(*) AS churned FROM churned GROUP BY idx
    ),
    newly_churned AS (
      SELECT cur.idx, count(*) AS newly_churned
      FROM churned cur JOIN ends prev ON prev.idx = cur.idx - 1 AND cur.member_since < prev.end_at
        LEFT JOIN churned was ON was.idx = prev.idx AND was.customer_id = cur.customer_id
      WHERE cur.idx > 0 AND was.customer_id IS NULL
      GROUP BY cur.idx
    )
    SELECT p.period, p.period_start, p.start_day, p.end_day,
      (p.start_day > p.period_start OR p.end_day < (p.period_start + ${step} - INTERVAL 1 DAY)::DATE) AS partial,
      m.members::BIGINT AS members, m.new_members::BIGINT AS new_members,
      coalesce(cc.churned, 0)::BIGINT AS churned, coalesce(nc.newly_churned, 0)::BIGINT AS newly_churned,
      coalesce(bc.returning_members, 0)::BIGINT AS returning_members,
      w.churn_window::DOUBLE AS churn_window_days,
      ${money('o.gmv')} AS gmv, ${money('o.net_gmv')} AS net_gmv, ${money('o.refunded')} AS refunded,
      ${money('o.member_gmv')} AS member_gmv, ${money('o.member_net_gmv')} AS member_net_gmv,
      ${money('o.guest_gmv')} AS guest_gmv,
      coalesce(o.orders, 0)::BIGINT AS orders, coalesce(o.member_orders, 0)::BIGINT AS member_orders,
      coalesce(o.guest_orders, 0)::BIGINT AS guest_orders, coalesce(bc.buyers, 0)::BIGINT AS buyers,
      coalesce(o.items, 0)::BIGINT AS items, coalesce(o.orders_with_items, 0)::BIGINT AS orders_with_items
    FROM periods p
      JOIN member_counts m USING (idx)
      JOIN windows w USING (idx)
      LEFT JOIN period_orders o ON o.period_start = p.period_start
      LEFT JOIN churn_counts cc ON cc.idx = p.idx
      LEFT JOIN newly_churned nc ON nc.idx = p.idx
      LEFT JOIN buyer_counts bc ON bc.idx = p.idx`;
  return sql;
}

/** The lifecycle settings the churn figures depend on, as kept with each stored month. */
export function lifecycleSettingsKey(lifecycle: LifecycleConfig): string {
  return JSON.stringify({
    churn_days: lifecycle.churn_days ?? null,
    min_churn_days: lifecycle.min_churn_days,
    churn_cycles: lifecycle.churn_cycles,
  });
}

/**
 * SQL: CTEs ending in `stored_months`, the kpi_months rows computed under the settings in the
 * parameter `settings`, each with `stale`: an order placed, or a customer who joined, before the
 * end of its period was imported (inserted or changed) after the month was stored, so the
 * stored figures may no longer be what the orders give. Only rows imported after the oldest
 * stored month are looked at (usually none: the scan is pruned by updated_at).
 */
export function storedMonthsCtes(settings: string): string {
  return `stored_rows AS (
      SELECT *, (end_day + 1)::TIMESTAMPTZ AS end_at FROM kpi_months WHERE lifecycle_settings = ${settings}
    ),
    stored_changes AS (
      SELECT placed_at AS at, updated_at FROM orders WHERE updated_at > (SELECT min(stored_at) FROM stored_rows)
      UNION ALL
      SELECT member_since, updated_at FROM customers
      WHERE updated_at > (SELECT min(stored_at) FROM stored_rows) AND member_since IS NOT NULL
    ),
    stored_months AS (
      SELECT k.*, EXISTS (SELECT 1 FROM stored_changes c WHERE c.updated_at > k.stored_at AND c.at < k.end_at) AS stale
      FROM stored_rows k
    )`;
}

/**
 * The monthly KPIs of a range from what refreshes stored (kpi_months): one row per month of the
 * range, in order, with `stored` (a stored month covers exactly the period: the same first and
 * last day, computed under the same churn settings), `stale` (storedMonthsCtes) and the day of
 * the refresh that stored it, and the figures of buildKpisQuery where stored (nulls elsewhere).
 */
export function buildStoredKpisQuery(options: Pick<KpisOptions, 'from' | 'to' | 'lifecycle'>): Query {
  const params = new ParamList();
  const from = params.add(options.from);
  const to = params.add(options.to);
  const settings = params.add(lifecycleSettingsKey(options.lifecycle));
  const sql = `WITH
    bounds AS (SELECT ${from}::DATE AS from_day, ${to}::DATE AS to_day),
    periods AS (${periodsSql('month')}),
    ${storedMonthsCtes(settings)}
    SELECT stored, stale, refreshed_on::VARCHAR AS refreshed_on, ${KPI_FIGURES} FROM (
      SELECT p.idx, p.period, p.start_day, p.end_day,
        (p.start_day > p.period_start OR p.end_day < (p.period_start + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE) AS partial,
        k.refreshed_on IS NOT NULL AS stored, coalesce(k.stale, false) AS stale, k.refreshed_on,
        ${KPI_ROW_COLUMNS.map((column) => `k.${column}`).join(', ')}
      FROM periods p LEFT JOIN stored_months k ON k.start_day = p.start_day AND k.end_day = p.end_day
    )
    ORDER BY idx`;
  return { sql, params: params.values };
}

/**
 * Monthly cohort retention of the members at the end of `to`: one row per (cohort month,
 * months after) from the cohort month to `to`'s month, zeros included.
 */
export function buildCohortRetentionQuery(options: CohortRetentionOptions): Query {
  const params = new ParamList();
  const from = params.add(options.from);
  const to = params.add(options.to);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const sql = `WITH
    bounds AS (SELECT date_trunc('month', ${from}::DATE)::DATE AS first_month,
      date_trunc('month', ${to}::DATE)::DATE AS last_month, (${to}::DATE + 1)::TIMESTAMPTZ AS to_end_at),
    member_months AS (
      SELECT DISTINCT o.customer_id, date_trunc('month', ${localDate('o.placed_at', options.localDays)})::DATE AS month
      FROM orders o JOIN customers c ON c.id = o.customer_id
      WHERE c.member_since < (SELECT to_end_at FROM bounds) AND o.status IN (${statuses})
        AND o.paid_amount > 0 AND o.placed_at < (SELECT to_end_at FROM bounds)
    ),
    cohort_of AS (
      SELECT customer_id, min(month) AS cohort FROM member_months GROUP BY customer_id
    ),
    cohorts AS (
      SELECT cohort, count(*) AS size FROM cohort_of
      WHERE cohort >= (SELECT first_month FROM bounds) AND cohort <= (SELECT last_month FROM bounds)
      GROUP BY cohort
    ),
    grid AS (
      SELECT c.cohort, c.size, k::INTEGER AS months_after
      FROM cohorts c, bounds b, range(0, date_diff('month', c.cohort, b.last_month) + 1) AS t(k)
    ),
    retained AS (
      SELECT f.cohort, date_diff('month', f.cohort, m.month) AS months_after, count(*) AS retained
      FROM cohort_of f JOIN member_months m USING (customer_id)
      GROUP BY ALL
    )
    SELECT strftime(g.cohort, '%Y-%m') AS cohort, g.size::INTEGER AS size, g.months_after,
      coalesce(r.retained, 0)::INTEGER AS retained, coalesce(r.retained, 0) / g.size AS share
    FROM grid g LEFT JOIN retained r USING (cohort, months_after)
    ORDER BY g.cohort, g.months_after`;
  return { sql, params: params.values };
}

/** The first and last day (store timezone) with an order, or nulls for a store without orders. */
export function buildOrderDaysQuery(): Query {
  return {
    sql: 'SELECT min(placed_at)::DATE::VARCHAR AS first_day, max(placed_at)::DATE::VARCHAR AS last_day FROM orders',
    params: [],
  };
}
