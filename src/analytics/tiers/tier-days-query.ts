/**
 * The tier figures of many as-of days in one query each, for a back-fill (the monitor's stepped
 * check over a range). They are the figures buildTierCutsQuery and buildTierCountsQuery give for
 * one day (tiers-query.ts has the definitions), computed for every day of a list at once:
 *
 * - Each order is joined to the days whose windows hold it (placed in [the earlier of the tier and
 *   contribution windows' starts, D]), and summed per (day, customer): one row per counted member
 *   with an order in a window, instead of one query per day.
 * - The counted members without such an order all have value 0 and recent 0. They are not listed:
 *   one row per day stands for them, weighing as many members as there are (the counted members of
 *   the day, from a running count over the days they became counted, minus the listed ones). Ranks
 *   become running sums of weights; the cuts and counts are the same as over one row per member.
 *
 * A chunk's weighted members can be computed once into a temporary table that both queries read.
 *
 * Only the net-spend measure: the RFM score measure scores members among each other per day, and
 * callers run it one day at a time.
 */
import type { TiersConfig } from '../../config/tiers-config.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, quoteIdent, type Query } from '../../store/sql.js';
import { specialDayTest } from '../facts/customer-facts.js';
import { dayNumberOfDateSql, dayNumberSql, type LocalDays } from '../facts/local-day.js';
import { addCutParameters } from './tiers-query.js';

export interface TierDaysOptions {
  /** The as-of days, YYYY-MM-DD in the store's timezone, in any order. */
  readonly days: readonly string[];
  /** Measure 'net_spend'; window, contribution window and special days as for one day. */
  readonly config: TiersConfig;
  readonly localDays: LocalDays;
  /** Tier every customer with an order, not only members (a store without members). */
  readonly allCustomers?: boolean;
}

export interface TierDayCutsRow {
  readonly day: string;
  readonly n: number;
  readonly max_value: string | null;
  readonly candidates: (string | null)[];
  readonly [key: string]: string | number | (string | null)[] | null;
}

export interface TierDayCountRow {
  readonly day: string;
  readonly tier: number;
  readonly members: number;
  readonly value: string;
  readonly recent: string;
  readonly [key: string]: string | number;
}

/** The CTE chain ending in `valued` (day, value, recent, weight): the weighted members of every day. */
function buildValuedDaysRelation(options: TierDaysOptions, params: ParamList): string {
  const { config, localDays } = options;
  const dayList = `[${options.days.map((day) => `${params.add(day)}::DATE`).join(', ')}]::DATE[]`;
  const monthsBack = (months: number): string =>
    dayNumberOfDateSql(`((day_date + 1) - to_months(${params.add(months)}::INTEGER))::DATE`);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const notSpecial = `NOT ${specialDayTest(params, config.special_days)}`;
  const memberDays = `SELECT id AS customer_id, ${dayNumberOfDateSql('member_since::DATE')} AS from_day
        FROM customers WHERE member_since IS NOT NULL`;
  // Counted from the day of membership; with allCustomers also from the first order of any status.
  const countedFrom = options.allCustomers
    ? `SELECT customer_id, min(from_day) AS from_day FROM (
          ${memberDays}
          UNION ALL
          SELECT customer_id, ${dayNumberSql('placed_at', localDays)} FROM orders WHERE customer_id IS NOT NULL
        ) GROUP BY customer_id`
    : memberDays;
  return `WITH
    series AS (
      SELECT day_date, ${dayNumberOfDateSql('day_date')} AS day, ${monthsBack(config.window_months)} AS tier_start,
        ${monthsBack(config.contribution_months)} AS recent_start
      FROM (SELECT unnest(${dayList}) AS day_date)
    ),
    span AS (SELECT min(least(tier_start, recent_start)) AS first_day, max(day) AS last_day FROM series),
    counted_from AS (${countedFrom}),
    window_orders AS (
      SELECT o.customer_id, o.d, o.net, k.from_day FROM (
        SELECT customer_id, paid_amount - refunded_amount AS net, ${dayNumberSql('placed_at', localDays)} AS d
        FROM orders WHERE customer_id IS NOT NULL AND list_contains([${statuses}], status)
      ) o JOIN counted_from k USING (customer_id), span
      WHERE o.d BETWEEN span.first_day AND span.last_day AND ${notSpecial}
    ),
    -- The counted customers with an order in a window of the day (counted from the day on).
    counted_listed AS (
      SELECT s.day, o.customer_id,
        coalesce(sum(CASE WHEN o.d >= s.tier_start THEN o.net END), 0)::DECIMAL(38,2) AS value,
        coalesce(sum(CASE WHEN o.d >= s.recent_start THEN o.net END), 0)::DECIMAL(38,2) AS recent
      FROM series s JOIN window_orders o
        ON o.d BETWEEN least(s.tier_start, s.recent_start) AND s.day AND o.from_day <= s.day
      GROUP BY s.day, o.customer_id
    ),
    counted_per_day AS (
      SELECT s.day, coalesce(sum(b.customers), 0)::BIGINT AS n
      FROM series s LEFT JOIN (SELECT from_day, count(*) AS customers FROM counted_from GROUP BY from_day) b
        ON b.from_day <= s.day
      GROUP BY s.day
    ),
    unlisted AS (
      SELECT c.day, c.n - coalesce(l.listed, 0) AS weight
      FROM counted_per_day c LEFT JOIN (SELECT day, count(*) AS listed FROM counted_listed GROUP BY day) l USING (day)
    ),
    valued AS (
      SELECT day, value, recent, 1::BIGINT AS weight FROM counted_listed
      UNION ALL
      SELECT day, 0::DECIMAL(38,2), 0::DECIMAL(38,2), weight FROM unlisted WHERE weight > 0
    )`;
}

/**
 * Fills a temporary table with the weighted members of every day (day, value, recent, weight), so
 * the cuts and the counts of the same days read them once computed (the joins are most of the work).
 */
export function buildTierDaysValuedTableQuery(options: TierDaysOptions, table: string): Query {
  const params = new ParamList();
  return {
    sql: `CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS ${buildValuedDaysRelation(options, params)}
      SELECT day, value, recent, weight FROM valued`,
    params: params.values,
  };
}

/** The relation ending in `valued`: built here, or read from a table buildTierDaysValuedTableQuery filled. */
const selectValued = (options: TierDaysOptions, params: ParamList, table: string | undefined): string =>
  table === undefined
    ? buildValuedDaysRelation(options, params)
    : `WITH valued AS (SELECT * FROM ${quoteIdent(table)})`;

/** SQL: the DATE text of a day number. */
const dayText = (dayNumber: string): string => `strftime(DATE '1970-01-01' + ${dayNumber}, '%Y-%m-%d')`;

/**
 * Per day with counted members: n, max_value and candidates (tier 2 … K's candidate thresholds,
 * null where the data gives none), as buildTierCutsQuery gives them for that one day. A day without
 * counted members has no row.
 */
export function buildTierDayCutsQuery(options: TierDaysOptions, valuedTable?: string): Query {
  const params = new ParamList();
  const relation = selectValued(options, params, valuedTable);
  const ranked = `ranked AS (
      SELECT day, value, sum(weight) OVER (PARTITION BY day ORDER BY value ROWS UNBOUNDED PRECEDING) AS reach,
        sum(weight) OVER (PARTITION BY day) AS n
      FROM valued
    )`;
  // The value at rank ⌈c·n⌉ + 1: the first row whose ranks reach it.
  const valueBeyond = (basisPoints: string): string =>
    `min(value) FILTER (WHERE (reach - 1) * 10000 >= ${basisPoints} * n)`;
  const head = `SELECT ${dayText('day')} AS day, n::INTEGER AS n, max_value::VARCHAR AS max_value`;
  const cut = addCutParameters(options.config, params);
  if (cut.method === 'shares') {
    return {
      sql: `${relation}, ${ranked}
      ${head}, candidates FROM (
        SELECT day, any_value(n) AS n, max(value) AS max_value, [${cut.quotas.map(valueBeyond).join(', ')}]::VARCHAR[] AS candidates
        FROM ranked GROUP BY day
      ) ORDER BY day`,
      params: params.values,
    };
  }
  const { entry, min2, upperCuts } = cut;
  return {
    sql: `${relation}, ${ranked},
    entry AS (
      SELECT day, any_value(n) AS n, max(value) AS max_value,
        greatest(coalesce(${valueBeyond(entry)}, max(value) + 0.01), ${min2}::DECIMAL(38,2)) AS t2
      FROM ranked GROUP BY day
    ),
    upper AS (
      SELECT v.day, v.value,
        sum(v.value * v.weight) OVER (PARTITION BY v.day ORDER BY v.value DESC ROWS UNBOUNDED PRECEDING) AS running,
        sum(v.value * v.weight) OVER (PARTITION BY v.day) AS upper_total
      FROM valued v JOIN entry e ON e.day = v.day AND v.value >= e.t2
    ),
    upper_cuts AS (
      SELECT day, [${upperCuts.join(', ')}] AS cuts FROM upper GROUP BY day
    )
    ${head}, list_concat([t2::VARCHAR], coalesce(u.cuts::VARCHAR[], [${upperCuts.map(() => 'NULL').join(', ')}]::VARCHAR[])) AS candidates
    FROM entry LEFT JOIN upper_cuts u USING (day) ORDER BY day`,
    params: params.values,
  };
}

/**
 * Per (day, tier reached): members, Σ value and Σ recent, as buildTierCountsQuery gives them for
 * that day, given each day's thresholds t2 … tK (exact decimal strings, non-decreasing; every day
 * of options.days needs an entry). Tiers without members have no row.
 */
export function buildTierDayCountsQuery(
  options: TierDaysOptions,
  thresholdsOf: ReadonlyMap<string, readonly string[]>,
  valuedTable?: string,
): Query {
  const params = new ParamList();
  const relation = selectValued(options, params, valuedTable);
  const levels = options.config.levels.length - 1;
  const rows = options.days.map((day) => {
    const thresholds = thresholdsOf.get(day) ?? [];
    const list = thresholds.map((t) => `${params.add(t)}::DECIMAL(38,2)`).join(', ');
    return `(${dayNumberOfDateSql(`${params.add(day)}::DATE`)}, [${list}]::DECIMAL(38,2)[])`;
  });
  const reached = Array.from({ length: levels }, (_, k) => `(v.value >= t.thresholds[${k + 1}])::INTEGER`);
  return {
    sql: `${relation},
    day_thresholds AS (SELECT * FROM (VALUES ${rows.join(', ')}) t(day, thresholds))
    SELECT ${dayText('day')} AS day, tier, sum(weight)::INTEGER AS members,
      sum(value * weight)::DECIMAL(38,2)::VARCHAR AS value, sum(recent * weight)::DECIMAL(38,2)::VARCHAR AS recent
    FROM (
      SELECT v.*, (1 + ${reached.join(' + ') || '0'})::INTEGER AS tier
      FROM valued v JOIN day_thresholds t USING (day)
    )
    GROUP BY day, tier ORDER BY day, tier`,
    params: params.values,
  };
}

/** One row, customers: at most how many customers a day counts (members or customers with an order). */
export function buildCountedCeilingQuery(): Query {
  return {
    sql: `SELECT greatest((SELECT count(*) FROM customers), (SELECT count(DISTINCT customer_id) FROM orders))::BIGINT AS customers`,
    params: [],
  };
}

export function buildDropValuedTableQuery(table: string): Query {
  return { sql: `DROP TABLE IF EXISTS ${quoteIdent(table)}`, params: [] };
}
