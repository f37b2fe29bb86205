/**
 * Customer facts: everything RFM, tiers, lifecycle and the purchase tags need from the orders,
 * per customer, as of the end of a day, in one pass over the orders. Each analysis reads its
 * figures from here, so they share one definition of "purchase", "day" and "as of"; a refresh
 * computes the facts once into a table and hands it to all four (the per-analysis commands
 * inline the same SELECT, and DuckDB drops the columns they do not read).
 *
 * Definitions:
 * - As of day D = orders placed before the end of D in the store's timezone. Only orders with a
 *   customer id and a GMV status (paid, shipped, completed, refunded); one row per customer with
 *   at least one such order.
 * - A purchase is such an order with paid_amount > 0; a refund-only order (paid 0) is not, but
 *   its refund counts in every net figure.
 * - Days are local days (local-day.ts). Purchase days are the distinct days with a purchase; a
 *   gap is the number of days between two consecutive purchase days.
 *
 * Columns: purchases (orders), purchase_days, gross (Σ paid of purchases), first_day_spend
 * (Σ paid of the first purchase day's purchases, when asked), net (Σ paid −
 * Σ refunded), first_purchase / last_purchase (DATE) and first_day / last_day (day numbers),
 * items_per_order (mean item_count of the purchases that record one), largest_order, gaps (the
 * list, oldest first), own_cycle (median gap, the mean of the two middle ones when even),
 * last_gap (the gap before the last purchase day); and over trailing windows when asked:
 * tier_value / tier_recent (net over the tier window / the contribution window, special days
 * left out), power_purchases / power_spend, loyal_purchases / loyal_days, window_refunds /
 * last_window_refund (orders with a refund placed in the emotion window, and the last one's day).
 */
import type { TiersConfig } from '../../config/tiers-config.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { quoteIdent, type ParamList } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import {
  dateOfDayNumberSql,
  dayNumberOfDateSql,
  dayNumberSql,
  getLocalDays,
  type LocalDays,
  ZONE_LOCAL_DAYS,
} from './local-day.js';

export interface TierWindow {
  readonly window_months: number;
  /** For tier_recent (the stepped check's value); null without it. */
  readonly contribution_months?: number;
  readonly special_days: TiersConfig['special_days'];
}

/**
 * Where an analysis reads the facts: a table a refresh filled (the asOf and windows it was built
 * with must be the analysis's), or inline, cutting days by `localDays` (default: the zone's).
 */
export interface FactsSource {
  readonly table?: string;
  readonly localDays?: LocalDays;
}

export interface CustomerFactsOptions {
  /** YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  readonly localDays: LocalDays;
  /** For tier_value and tier_recent; null columns without it. */
  readonly tierWindow?: TierWindow;
  /** For power_purchases and power_spend: the trailing days D − n + 1 … D. */
  readonly powerWindowDays?: number;
  /** For loyal_purchases and loyal_days: the trailing days D − n + 1 … D. */
  readonly loyalWindowDays?: number;
  /** Also count loyal_days (distinct days, a per-customer list walk); null otherwise. */
  readonly loyalDays?: boolean;
  /**
   * Also sum first_day_spend (Σ paid of the purchases on the first purchase day), what the
   * prediction histories need beside the purchase days; null otherwise. It costs the orders'
   * paid amounts in the per-customer list.
   */
  readonly firstDaySpend?: boolean;
  /** For window_refunds and last_window_refund: the trailing days D − n + 1 … D. */
  readonly emotionWindowDays?: number;
}

/** The columns of the facts relation, for readers that check what they get. */
export const CUSTOMER_FACT_COLUMNS = [
  'customer_id',
  'purchases',
  'purchase_days',
  'gross',
  'first_day_spend',
  'net',
  'first_day',
  'last_day',
  'first_purchase',
  'last_purchase',
  'items_per_order',
  'largest_order',
  'gaps',
  'own_cycle',
  'last_gap',
  'tier_value',
  'tier_recent',
  'power_purchases',
  'power_spend',
  'loyal_purchases',
  'loyal_days',
  'window_refunds',
  'last_window_refund',
] as const;

/** SQL: a typed list of parameters. */
const list = (params: ParamList, values: readonly (string | number)[], type: string): string =>
  `[${values.map((value) => `${params.add(value)}::${type}`).join(', ')}]::${type}[]`;

/** SQL: whether day number `d` is one of the special days (false when there are none). */
export function specialDayTest(params: ParamList, specialDays: TierWindow['special_days']): string {
  const date = dateOfDayNumberSql('d');
  const tests = [
    specialDays.dates.length ? `list_contains(${list(params, specialDays.dates, 'DATE')}, ${date})` : null,
    specialDays.monthly.length
      ? `list_contains(${list(params, specialDays.monthly, 'INTEGER')}, day(${date})::INTEGER)`
      : null,
    specialDays.annual.length
      ? `list_contains(${list(params, specialDays.annual, 'VARCHAR')}, strftime(${date}, '%m-%d'))`
      : null,
  ].filter((test) => test !== null);
  return tests.length ? `(${tests.join(' OR ')})` : 'false';
}

/**
 * A SELECT with one row per customer (the columns above). Windowed figures are sums of CASE
 * columns rather than FILTERed aggregates: DuckDB runs a dozen FILTERs over ten million rows
 * about twice as slowly.
 */
export function buildCustomerFactsSql(options: CustomerFactsOptions, params: ParamList): string {
  const asOf = params.add(options.asOf);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const { tierWindow, powerWindowDays, loyalWindowDays, emotionWindowDays } = options;
  // Window starts as day numbers, computed once in a one-row relation: an expression of
  // parameters in a SELECT list is evaluated again for every order.
  const trailing = (days: number | undefined): string =>
    days === undefined
      ? 'NULL::INTEGER'
      : `${dayNumberOfDateSql(`${asOf}::DATE`)} - ${params.add(days)}::INTEGER + 1`;
  const monthsBack = (months: number | undefined): string =>
    months === undefined
      ? 'NULL::INTEGER'
      : dayNumberOfDateSql(`((${asOf}::DATE + 1) - to_months(${params.add(months)}::INTEGER))::DATE`);
  const bounds = `SELECT ${monthsBack(tierWindow?.window_months)} AS tier_start,
      ${monthsBack(tierWindow?.contribution_months)} AS recent_start,
      ${trailing(powerWindowDays)} AS power_start, ${trailing(loyalWindowDays)} AS loyal_start,
      ${trailing(emotionWindowDays)} AS emotion_start`;
  const notSpecial = tierWindow ? `NOT ${specialDayTest(params, tierWindow.special_days)}` : 'true';
  return `WITH
    fact_orders AS (
      SELECT customer_id, paid_amount - refunded_amount AS net, d, refunded_amount > 0 AS refunded,
        CASE WHEN paid_amount > 0 THEN d END AS pd,
        CASE WHEN paid_amount > 0 THEN paid_amount END AS paid,
        CASE WHEN paid_amount > 0 THEN item_count END AS items
      FROM (
        SELECT customer_id, paid_amount, refunded_amount, item_count, ${dayNumberSql('placed_at', options.localDays)} AS d
        FROM orders
        WHERE customer_id IS NOT NULL AND list_contains([${statuses}], status)
          AND placed_at < (${asOf}::DATE + 1)::TIMESTAMPTZ
      )
    ),
    fact_sums AS (
      SELECT customer_id, count(pd)::INTEGER AS purchases, sum(paid) AS gross, sum(net) AS net,
        avg(items)::DOUBLE AS items_per_order, max(paid) AS largest_order,
        sum(tier_net) AS tier_value,
        ${tierWindow?.contribution_months === undefined ? 'NULL::DECIMAL(38,2)' : 'sum(recent_net)'} AS tier_recent,
        count(power_day)::INTEGER AS power_purchases, sum(power_net) AS power_spend,
        count(loyal_day)::INTEGER AS loyal_purchases,
        count(refund_day)::INTEGER AS window_refunds, max(refund_day) AS last_refund_day,
        ${
          options.firstDaySpend
            ? 'list_sort(list({d: pd, paid: paid}) FILTER (WHERE pd IS NOT NULL)) AS paid_days'
            : 'list_sort(list(pd) FILTER (WHERE pd IS NOT NULL)) AS days, NULL::DECIMAL(38,2) AS first_day_spend'
        }
      FROM (
        SELECT o.*,
          CASE WHEN d >= b.tier_start AND ${notSpecial} THEN net END AS tier_net,
          ${tierWindow?.contribution_months === undefined ? '' : `CASE WHEN d >= b.recent_start AND ${notSpecial} THEN net END AS recent_net,`}
          CASE WHEN pd >= b.power_start THEN 1 END AS power_day,
          CASE WHEN d >= b.power_start THEN net END AS power_net,
          CASE WHEN pd >= b.loyal_start THEN 1 END AS loyal_day,
          CASE WHEN refunded AND d >= b.emotion_start THEN d END AS refund_day
        FROM fact_orders o, (${bounds}) b
      )
      GROUP BY customer_id
    ),
    fact_days AS (
      ${
        options.firstDaySpend
          ? `SELECT * EXCLUDE (paid_days), list_transform(paid_days, p -> p.d) AS days,
        list_sum(list_transform(list_filter(paid_days, p -> p.d = paid_days[1].d), p -> p.paid)) AS first_day_spend
      FROM fact_sums`
          : 'SELECT * FROM fact_sums'
      }
    ),
    fact_gaps AS (
      SELECT *, days[1] AS first_day, days[-1] AS last_day,
        -- differences of consecutive sorted purchase days; a 0 is a second purchase on one day
        list_filter(list_transform(days[2:], (day, i) -> day - days[i]), g -> g > 0) AS gaps
      FROM fact_days
    )
  SELECT customer_id, purchases, CASE WHEN purchases > 0 THEN len(gaps) + 1 ELSE 0 END::INTEGER AS purchase_days,
    gross, first_day_spend, net, first_day, last_day, ${dateOfDayNumberSql('first_day')} AS first_purchase,
    ${dateOfDayNumberSql('last_day')} AS last_purchase, items_per_order, largest_order, gaps,
    list_median(gaps)::DOUBLE AS own_cycle, gaps[-1] AS last_gap, tier_value, tier_recent, power_purchases,
    power_spend, loyal_purchases, window_refunds, ${dateOfDayNumberSql('last_refund_day')} AS last_window_refund,
    ${
      options.loyalDays
        ? 'len(list_filter(days, (day, i) -> day >= loyal_start AND (i = 1 OR day > days[i - 1])))::INTEGER'
        : 'NULL::INTEGER'
    } AS loyal_days
  FROM fact_gaps, (${bounds}) b`;
}

/** Who is counted as of a day: members by default, with allCustomers also customers with an order by then. */
export interface CountedOptions {
  readonly asOf: string;
  readonly allCustomers?: boolean;
}

/** The customer's own attributes the counted rows carry (for the tags). */
const ATTRIBUTES = 'c.gender, c.birthday, c.province';

/**
 * SQL: one row per counted customer as of the end of the day: customer_id, is_member, gender,
 * birthday, province, and every column of `facts` (a relation name; null columns for a customer without a GMV-status order).
 * Counted = members (member_since before the end of the day), with allCustomers also every
 * customer with an order of any status placed by then. The analyses add their columns to these
 * rows, so a snapshot joins the customers with their facts once, not once per analysis.
 */
export function buildCountedFactsSql(facts: string, options: CountedOptions, params: ParamList): string {
  // The end of the day from a one-row relation: a parameter cast in a condition is cast per row.
  const end = `(SELECT (${params.add(options.asOf)}::DATE + 1)::TIMESTAMPTZ AS end_at)`;
  if (!options.allCustomers)
    return `SELECT c.id AS customer_id, true AS is_member, ${ATTRIBUTES}, f.* EXCLUDE (customer_id)
      FROM customers c JOIN ${end} e ON c.member_since < e.end_at
      LEFT JOIN ${facts} f ON f.customer_id = c.id`;
  return `SELECT k.customer_id, coalesce(c.member_since < e.end_at, false) AS is_member, ${ATTRIBUTES},
        f.* EXCLUDE (customer_id)
      FROM (
        SELECT c.id AS customer_id FROM customers c JOIN ${end} e ON c.member_since < e.end_at
        UNION
        SELECT o.customer_id FROM orders o JOIN ${end} e ON o.placed_at < e.end_at WHERE o.customer_id IS NOT NULL
      ) k
      CROSS JOIN ${end} e
      LEFT JOIN customers c ON c.id = k.customer_id
      LEFT JOIN ${facts} f ON f.customer_id = k.customer_id`;
}

/**
 * SQL: the CTEs `customer_facts` (the facts of every customer with an order, from the source's
 * table or inline) and `counted_facts` (buildCountedFactsSql over them), for an analysis to start
 * from.
 */
export function countedFactsCtes(
  source: FactsSource | undefined,
  options: Omit<CustomerFactsOptions, 'localDays'> & CountedOptions,
  params: ParamList,
): string {
  const { allCustomers, ...factsOptions } = options;
  return `customer_facts AS (${selectCustomerFacts(source, factsOptions, params)}),
    counted_facts AS (${buildCountedFactsSql('customer_facts', { asOf: options.asOf, allCustomers }, params)})`;
}

/** SQL: the facts relation for a CTE body, read from the source's table or built inline. */
export function selectCustomerFacts(
  source: FactsSource | undefined,
  options: Omit<CustomerFactsOptions, 'localDays'>,
  params: ParamList,
): string {
  if (source?.table !== undefined) return `SELECT * FROM ${quoteIdent(source.table)}`;
  return buildCustomerFactsSql({ ...options, localDays: source?.localDays ?? ZONE_LOCAL_DAYS }, params);
}

/**
 * The options with the fastest correct local-day rule for the store's data filled in, unless
 * the facts come from a table or the rule was given.
 */
export async function withLocalDays<T extends { readonly asOf: string; readonly facts?: FactsSource }>(
  store: Store,
  options: T,
): Promise<T> {
  if (options.facts?.table !== undefined || options.facts?.localDays !== undefined) return options;
  return { ...options, facts: { ...options.facts, localDays: await getLocalDays(store, options.asOf) } };
}
