/**
 * The data of the purchase and spend models, built in DuckDB over the orders table, as SQL
 * values the Store runs.
 *
 * Definitions:
 * - A purchase is what RFM counts (src/analytics/rfm/rfm-query.ts): an order of a customer, in
 *   a GMV status, with paid_amount > 0 (≥ 0 with countFreeOrders, as the published CDNOW
 *   summaries count their $0 rows). Purchases of one local day in the store's timezone merge
 *   into one purchase occasion (BTYD dc.MergeTransactionsOnSameDate), whose value is their Σ paid.
 * - Calibration runs to the end of the calibration day D. Per customer with a purchase by then:
 *   x = purchase days − 1, t_x = last − first purchase day, T = D − first purchase day, in
 *   whole days (the fit divides by the unit), and the Σ value of the repeat days (first excluded,
 *   as in Fader & Hardie 2013), whose mean z̄ the spend model reads.
 * - Holdout: purchase days in (D, holdout end], counted for the same customers.
 *
 * The histories go to a temp table, `predict_histories`, that the later queries read. Identical
 * (x, t_x, T) rows are compressed into one row with a weight, so the fit runs over distinct
 * histories, not customers.
 */
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, quoteIdent, raw, type Query, type SqlValue } from '../../store/sql.js';
import {
  dateOfDayNumberSql,
  dayNumberOfDateSql,
  dayNumberSql,
  type LocalDays,
  ZONE_LOCAL_DAYS,
} from '../facts/local-day.js';

export const HISTORIES_TABLE = 'predict_histories';

export interface PrepareOptions {
  /** The last calibration day, YYYY-MM-DD in the store's timezone. */
  readonly calibrationEnd: string;
  /** Count orders paid 0 (free or fully discounted) as purchases. */
  readonly countFreeOrders: boolean;
  /** How timestamps are cut into local days (facts/local-day.ts); the zone's ICU cast without it. */
  readonly localDays?: LocalDays;
  /**
   * A table of customer facts (facts/customer-facts.ts) as of the calibration end, with
   * first_day_spend and cut into days as `localDays` cuts them: the histories are then read from
   * it rather than from the orders again (a refresh has it). Its purchases are those paid > 0,
   * so not with countFreeOrders.
   */
  readonly factsTable?: string;
}

/**
 * The purchase days of every customer up to the end of `lastDay` (a parameter reference), as
 * local day numbers (days since 1970-01-01): cheap to group, compare and subtract.
 */
function purchaseDays(
  params: ParamList,
  lastDay: string,
  options: Pick<PrepareOptions, 'countFreeOrders' | 'localDays'>,
): string {
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const day = dayNumberSql('placed_at', options.localDays ?? ZONE_LOCAL_DAYS);
  return `SELECT customer_id, ${day} AS day, sum(paid_amount)::DOUBLE AS amount
    FROM orders
    WHERE customer_id IS NOT NULL AND status IN (${statuses}) AND paid_amount ${options.countFreeOrders ? '>=' : '>'} 0
      AND placed_at < (${lastDay}::DATE + 1)::TIMESTAMPTZ
    GROUP BY customer_id, ${day}`;
}

/** SQL: the day number of a DATE parameter reference, in a one-row relation (not once per row). */
const dayOf = (day: string): string => `(SELECT ${dayNumberOfDateSql(`${day}::DATE`)} AS day)`;

/** Creates (or replaces) the temp table of per-customer calibration histories. */
export function buildHistoriesTableQuery(options: PrepareOptions): Query {
  const params = new ParamList();
  const end = params.add(options.calibrationEnd);
  return {
    sql: `CREATE OR REPLACE TEMP TABLE ${HISTORIES_TABLE} AS
      WITH days AS (${purchaseDays(params, end, options)}),
      histories AS (
        SELECT customer_id, min(day) AS first, (count(*) - 1)::INTEGER AS x, (max(day) - min(day))::INTEGER AS tx_days,
          (sum(amount) - arg_min(amount, day))::DOUBLE AS repeat_amount
        FROM days GROUP BY customer_id
      )
      SELECT h.customer_id, ${dateOfDayNumberSql('h.first')} AS first_day, h.x, h.tx_days,
        (e.day - h.first)::INTEGER AS t_days, h.repeat_amount
      FROM histories h, ${dayOf(end)} e`,
    params: params.values,
  };
}

/**
 * The same histories table from a table of customer facts (PrepareOptions.factsTable): the
 * facts hold each customer's sorted purchase days, their Σ paid and the first day's Σ paid.
 */
export function buildHistoriesFromFactsQuery(options: PrepareOptions & { readonly factsTable: string }): Query {
  const params = new ParamList();
  const end = params.add(options.calibrationEnd);
  return {
    sql: `CREATE OR REPLACE TEMP TABLE ${HISTORIES_TABLE} AS
      SELECT f.customer_id, f.first_purchase AS first_day, (f.purchase_days - 1)::INTEGER AS x,
        (f.last_day - f.first_day)::INTEGER AS tx_days, (e.day - f.first_day)::INTEGER AS t_days,
        (f.gross - f.first_day_spend)::DOUBLE AS repeat_amount
      FROM ${quoteIdent(options.factsTable)} f, ${dayOf(end)} e
      WHERE f.purchases > 0`,
    params: params.values,
  };
}

/** Customers and repeat buyers (x ≥ 1) in the histories. */
export function buildHistoryCountsQuery(): Query {
  return raw(`SELECT count(*)::INTEGER AS customers, count(*) FILTER (WHERE x > 0)::INTEGER AS repeat_buyers
    FROM ${HISTORIES_TABLE}`);
}

/**
 * Distinct (x, t_x, T) histories with their counts, columns x, tx_days, t_days, n, read as
 * typed arrays (Store.queryNumbers). Ordered: the fit's starts run on a systematic sample of
 * the rows, which in this order is stratified by x, t_x and T; on the rows in the order the
 * database returns them, the 1M store's MBG/NBD fit needed 14 polishing iterations instead of
 * 4, three times the time the ordering costs.
 */
export function buildCompressedHistoriesQuery(): Query {
  return raw(`SELECT x, tx_days, t_days, count(*)::INTEGER AS n FROM ${HISTORIES_TABLE}
    GROUP BY ALL ORDER BY x, tx_days, t_days`);
}

/** The distinct (x, T) of the histories, columns x, t_days: what the expectations if alive depend on. */
export function buildDistinctXTQuery(): Query {
  return raw(`SELECT DISTINCT x, t_days FROM ${HISTORIES_TABLE}`);
}

/**
 * The first and last purchase days (`first`, `last`, YYYY-MM-DD or null) up to the end of
 * `lastDay`, or of all the data without it. Only the two instants are cut into days.
 */
export function buildPurchaseSpanQuery(options: {
  readonly countFreeOrders: boolean;
  readonly lastDay?: string;
}): Query {
  const params = new ParamList();
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const end = params.add(options.lastDay ?? '9999-12-30');
  return {
    sql: `SELECT min(placed_at)::DATE::VARCHAR AS first, max(placed_at)::DATE::VARCHAR AS last
      FROM orders
      WHERE customer_id IS NOT NULL AND status IN (${statuses}) AND paid_amount ${options.countFreeOrders ? '>=' : '>'} 0
        AND placed_at < (${end}::DATE + 1)::TIMESTAMPTZ`,
    params: params.values,
  };
}

/**
 * Repeat buyers' (x, Σ repeat value) with counts, columns x, repeat_amount, n, ordered (as
 * buildCompressedHistoriesQuery): z̄ = Σ / x. A repeat value of 0 (free orders only) is left
 * out, as the model needs z̄ > 0.
 */
export function buildSpendHistoriesQuery(): Query {
  return raw(`SELECT x, repeat_amount, count(*)::INTEGER AS n FROM ${HISTORIES_TABLE}
    WHERE x > 0 AND repeat_amount > 0 GROUP BY ALL ORDER BY x, repeat_amount`);
}

/**
 * Holdout purchase days per calibration history: (x, t_x, T, holdout purchase days) with the
 * number of customers, as JSON parallel lists {x, tx_days, t_days, actual, n}.
 */
export function buildHoldoutQuery(options: PrepareOptions & { readonly holdoutEnd: string }): Query {
  const params = new ParamList();
  const calibrationEnd = params.add(options.calibrationEnd);
  const holdoutEnd = params.add(options.holdoutEnd);
  return {
    sql: `WITH days AS (${purchaseDays(params, holdoutEnd, options)}),
      holdout AS (
        SELECT h.x, h.tx_days, h.t_days, count(d.day)::INTEGER AS actual
        FROM ${HISTORIES_TABLE} h LEFT JOIN days d ON d.customer_id = h.customer_id
          AND d.day > ${dayOf(calibrationEnd)}
        GROUP BY h.customer_id, h.x, h.tx_days, h.t_days
      ),
      grouped AS (SELECT x, tx_days, t_days, actual, count(*)::INTEGER AS n FROM holdout GROUP BY ALL)
      SELECT to_json({x: coalesce(list(x), []), tx_days: coalesce(list(tx_days), []), t_days: coalesce(list(t_days), []),
        actual: coalesce(list(actual), []), n: coalesce(list(n), [])})::VARCHAR AS json
      FROM grouped`,
    params: params.values,
  };
}

/**
 * For the weekly tracking of repeat purchases: the day of the first first-purchase (the
 * origin), customers per first-purchase day (days since the origin), and the repeat purchase
 * days of these customers up to the holdout end per week since the origin.
 */
export function buildTrackingQuery(options: PrepareOptions & { readonly holdoutEnd: string }): Query {
  const params = new ParamList();
  const holdoutEnd = params.add(options.holdoutEnd);
  return {
    sql: `WITH days AS (${purchaseDays(params, holdoutEnd, options)}),
      origin AS (SELECT min(first_day) AS day, ${dayNumberOfDateSql('min(first_day)')} AS number FROM ${HISTORIES_TABLE}),
      births AS (
        SELECT date_diff('day', (SELECT day FROM origin), first_day)::INTEGER AS birth, count(*)::INTEGER AS n
        FROM ${HISTORIES_TABLE} GROUP BY 1
      ),
      repeats AS (
        SELECT ((d.day - (SELECT number FROM origin)) // 7)::INTEGER AS week, count(*)::INTEGER AS n
        FROM days d JOIN ${HISTORIES_TABLE} h ON h.customer_id = d.customer_id AND d.day > ${dayNumberOfDateSql('h.first_day')}
        GROUP BY 1
      )
      SELECT (SELECT day FROM origin)::VARCHAR AS origin,
        (SELECT coalesce(list(birth ORDER BY birth), []) FROM births) AS births,
        (SELECT coalesce(list(n ORDER BY birth), []) FROM births) AS birth_counts,
        (SELECT coalesce(list(week ORDER BY week), []) FROM repeats) AS weeks,
        (SELECT coalesce(list(n ORDER BY week), []) FROM repeats) AS week_counts`,
    params: params.values,
  };
}

/** Parameters for a list of numbers passed as one JSON text (the Store's parameters are scalars). */
export function toJsonList(values: ArrayLike<number>): SqlValue {
  return JSON.stringify(Array.from(values, (value) => (Number.isFinite(value) ? value : null)));
}
