/**
 * The refresh step that stores the monthly KPIs (kpi_months), so `huiyuan kpis` and the report
 * read what the refresh computed instead of recomputing two years of orders (kpis.ts getKpis).
 *
 * A refresh of day D stores the month of D to D, and every earlier month since the store's
 * first order that holds no fresh whole-month row (none yet, computed under other churn
 * settings, or stale: its orders or customers were imported after it was stored). Each month
 * is the period a default `huiyuan kpis` run shows: the calendar month, the store's first one
 * from its first order day, the last one to D.
 *
 * Cheap on a daily refresh: when every earlier month is fresh, the month of D is computed from
 * the refresh's customer facts (one row per customer as of D: purchases, first and last
 * purchase day, the gaps) and from the orders of that month only, with the churn window at the
 * end of the month before read from its stored row. Otherwise (the first refresh of a store, a
 * late import) the missing months to D are computed by the full KPI query, once.
 */
import type { LifecycleConfig } from '../../config/lifecycle-config.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, quoteIdent, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { dayNumberOfDateSql, getLocalDays, type LocalDays } from '../facts/local-day.js';
import { storeCycleSql } from '../lifecycle/lifecycle-query.js';
import {
  buildKpiRowsSql,
  buildOrderDaysQuery,
  KPI_ROW_COLUMNS,
  lifecycleSettingsKey,
  storedMonthsCtes,
} from './kpis-query.js';

export interface StoreKpiMonthsOptions {
  /** The refreshed day, YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  readonly lifecycle: LifecycleConfig;
  /** The refresh's customer facts as of asOf (buildCustomerFactsSql), a table name. */
  readonly factsTable: string;
}

/** What the step did: the months it stored, and whether it had to compute earlier ones too. */
export interface StoredKpiMonths {
  readonly months: number;
  readonly filled_from: string | null;
}

/** Stores the KPIs of the month of asOf, and of any earlier month not stored fresh (module header). */
export async function storeKpiMonths(store: Store, options: StoreKpiMonthsOptions): Promise<StoredKpiMonths> {
  const { asOf, lifecycle } = options;
  const [days] = await store.query<{ first_day: string | null }>(buildOrderDaysQuery());
  const firstDay = days?.first_day ?? null;
  if (firstDay === null || firstDay > asOf) return { months: 0, filled_from: null };
  const settings = lifecycleSettingsKey(lifecycle);
  const planParams = new ParamList();
  const [plan] = await store.query<{
    month: string;
    start_day: string;
    missing_from: string | null;
    previous_window: number | null;
  }>({
    sql: `WITH
      bounds AS (SELECT ${planParams.add(firstDay)}::DATE AS first_day,
        date_trunc('month', ${planParams.add(asOf)}::DATE)::DATE AS month),
      ${storedMonthsCtes(planParams.add(settings))},
      earlier AS (
        SELECT greatest(m::DATE, b.first_day) AS start_day, (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS end_day
        FROM bounds b,
          generate_series(date_trunc('month', b.first_day), b.month - INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
      ),
      fresh AS (
        SELECT e.start_day, k.churn_window_days FROM earlier e
        JOIN stored_months k ON k.start_day = e.start_day AND k.end_day = e.end_day AND NOT k.stale
      )
    SELECT b.month::VARCHAR AS month, greatest(b.month, b.first_day)::VARCHAR AS start_day,
      (SELECT min(start_day) FROM earlier WHERE start_day NOT IN (SELECT start_day FROM fresh))::VARCHAR AS missing_from,
      (SELECT churn_window_days FROM fresh WHERE start_day = (SELECT max(start_day) FROM earlier)) AS previous_window
    FROM bounds b`,
    params: planParams.values,
  });
  if (!plan) return { months: 0, filled_from: null };
  // A month stored by an earlier refresh of this period, or to an earlier day of it, is replaced.
  const from = plan.missing_from ?? plan.start_day;
  await store.run(
    sql`DELETE FROM kpi_months WHERE period_start >= date_trunc('month', ${from}::DATE)
      AND period_start <= ${plan.month}::DATE AND end_day <= ${asOf}::DATE`,
  );
  const params = new ParamList();
  const stamp = `${params.add(settings)}::VARCHAR AS lifecycle_settings, ${params.add(asOf)}::DATE AS refreshed_on,
    current_timestamp AS stored_at`;
  const rows =
    plan.missing_from === null
      ? monthFromFactsSql(
          {
            ...options,
            month: plan.month,
            startDay: plan.start_day,
            previousWindow: plan.previous_window,
            localDays: await getLocalDays(store, asOf),
          },
          params,
        )
      : buildKpiRowsSql({ from: plan.missing_from, to: asOf, period: 'month', lifecycle }, params);
  await store.run({
    sql: `INSERT INTO kpi_months BY NAME
      SELECT period_start, start_day, end_day, ${stamp}, ${KPI_ROW_COLUMNS.join(', ')} FROM (${rows})`,
    params: params.values,
  });
  const [stored] = await store.query<{ n: number }>(
    sql`SELECT count(*)::INTEGER AS n FROM kpi_months WHERE refreshed_on = ${asOf}::DATE`,
  );
  return { months: stored?.n ?? 0, filled_from: plan.missing_from };
}

interface MonthFromFactsOptions extends StoreKpiMonthsOptions {
  /** The first day of asOf's month. */
  readonly month: string;
  /** The period's first day: the month's, or the store's first order day. */
  readonly startDay: string;
  /** The churn window at the end of the month before, from its stored row (null: the store's first month). */
  readonly previousWindow: number | null;
  readonly localDays: LocalDays;
}

/**
 * SQL: the KPI row (KPI_ROW_COLUMNS) of the period startDay … asOf from the facts as of asOf,
 * by the definitions of kpis-query.ts:
 * - members, new members: from the customers' join times;
 * - the order figures: the period's orders only;
 * - buyers: customers whose last purchase (as of asOf) is in the period; returning members:
 *   those with two purchases or more, members by asOf (their purchases up to their last one in
 *   the period are all their purchases);
 * - the churn window W: C is the median of every gap in the facts;
 * - churned: members whose last purchase is more than W days before asOf; newly churned: those
 *   who were members at the end of the day before the period and not churned then, by their
 *   last purchase before the period (their purchase days rebuilt from the first one and the
 *   gaps, when their last purchase is inside the period) and the previous window.
 */
function monthFromFactsSql(options: MonthFromFactsOptions, params: ParamList): string {
  const facts = quoteIdent(options.factsTable);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const start = params.add(options.startDay);
  const end = params.add(options.asOf);
  const { lifecycle } = options;
  const churnWindow = `coalesce(${params.add(lifecycle.churn_days ?? null)}::DOUBLE,
      greatest(${params.add(lifecycle.min_churn_days)}::DOUBLE, coalesce(${params.add(lifecycle.churn_cycles)}::DOUBLE * store_cycle, 0)))`;
  return `WITH
    b AS (
      SELECT ${params.add(options.month)}::DATE AS period_start, ${start}::DATE AS start_day, ${end}::DATE AS end_day,
        ${start}::DATE::TIMESTAMPTZ AS start_at, (${end}::DATE + 1)::TIMESTAMPTZ AS end_at,
        ${dayNumberOfDateSql(`${start}::DATE`)} AS start_num, ${dayNumberOfDateSql(`${end}::DATE`)} AS end_num,
        ${params.add(options.previousWindow)}::DOUBLE AS previous_window
    ),
    w AS (SELECT ${churnWindow} AS churn_window FROM (${storeCycleSql(facts)})),
    period_orders AS (
      SELECT o.customer_id, o.placed_at, o.paid_amount, o.refunded_amount, o.item_count, c.member_since
      -- The bounds as constants, so the scan skips the row groups outside the period before
      -- the join (a bound from the CTE would be applied after it, to every order).
      FROM (
        SELECT * FROM orders WHERE status IN (${statuses})
          AND placed_at >= ${start}::DATE::TIMESTAMPTZ AND placed_at < (${end}::DATE + 1)::TIMESTAMPTZ
      ) o LEFT JOIN customers c ON c.id = o.customer_id
    ),
    order_sums AS (
      SELECT sum(paid_amount) AS gmv, sum(paid_amount - refunded_amount) AS net_gmv, sum(refunded_amount) AS refunded,
        sum(paid_amount) FILTER (WHERE member_since <= placed_at) AS member_gmv,
        sum(paid_amount - refunded_amount) FILTER (WHERE member_since <= placed_at) AS member_net_gmv,
        count(*) FILTER (WHERE paid_amount > 0) AS orders,
        count(*) FILTER (WHERE paid_amount > 0 AND member_since <= placed_at) AS member_orders,
        sum(item_count) FILTER (WHERE paid_amount > 0) AS items,
        count(item_count) FILTER (WHERE paid_amount > 0) AS orders_with_items,
        sum(paid_amount) FILTER (WHERE customer_id IS NULL) AS guest_gmv,
        count(*) FILTER (WHERE customer_id IS NULL AND paid_amount > 0) AS guest_orders
      FROM period_orders
    ),
    member_sums AS (
      SELECT count(*) FILTER (WHERE c.member_since < b.end_at) AS members,
        count(*) FILTER (WHERE c.member_since >= b.start_at AND c.member_since < b.end_at) AS new_members
      FROM customers c, b
    ),
    -- Only the customers who bought in the period or are quiet longer than W meet the customers.
    facts AS (
      SELECT f.customer_id, f.purchases, f.first_day, f.last_day, f.gaps, c.member_since
      FROM (
        SELECT f.* FROM ${facts} f, b, w
        WHERE f.last_day >= b.start_num OR b.end_num - f.last_day > w.churn_window
      ) f LEFT JOIN customers c ON c.id = f.customer_id
    ),
    buyer_sums AS (
      SELECT count(*) AS buyers, count(*) FILTER (WHERE f.purchases >= 2 AND f.member_since < b.end_at) AS returning_members
      FROM facts f, b WHERE f.last_day >= b.start_num
    ),
    churned AS (
      SELECT f.* FROM facts f, b, w
      WHERE f.member_since < b.end_at AND b.end_num - f.last_day > w.churn_window
    ),
    -- The churned who were members the day before the period, with their last purchase day then.
    churned_before AS (
      SELECT CASE WHEN f.last_day < b.start_num THEN f.last_day
        ELSE list_max(list_filter(
          list_transform(range(0, len(f.gaps) + 1), k -> f.first_day + coalesce(list_sum(f.gaps[1:k]), 0)),
          d -> d < b.start_num))
        END AS last_before
      FROM churned f, b WHERE f.member_since < b.start_at
    ),
    churn_sums AS (
      SELECT (SELECT count(*) FROM churned) AS churned,
        count(*) FILTER (WHERE last_before IS NULL OR NOT (b.start_num - 1 - last_before > b.previous_window))
          AS newly_churned
      FROM churned_before, b
    )
  SELECT b.period_start, b.start_day, b.end_day,
    m.members, m.new_members, c.churned, c.newly_churned, s.returning_members, w.churn_window AS churn_window_days,
    coalesce(o.gmv, 0)::DECIMAL(38,2) AS gmv, coalesce(o.net_gmv, 0)::DECIMAL(38,2) AS net_gmv,
    coalesce(o.refunded, 0)::DECIMAL(38,2) AS refunded, coalesce(o.member_gmv, 0)::DECIMAL(38,2) AS member_gmv,
    coalesce(o.member_net_gmv, 0)::DECIMAL(38,2) AS member_net_gmv, coalesce(o.guest_gmv, 0)::DECIMAL(38,2) AS guest_gmv,
    o.orders, o.member_orders, o.guest_orders, s.buyers, coalesce(o.items, 0)::BIGINT AS items, o.orders_with_items
  FROM b, w, order_sums o, member_sums m, buyer_sums s, churn_sums c`;
}
