/**
 * The store's daily series for the monitor (spec sections 5 and 10), as one SQL value over a
 * whole range of days: one row per local day (store timezone), days without data included as
 * zeros, so the checks score every day of a back-fill from one query.
 *
 * Definitions, per local day d:
 * - Activity, over the sessions started on d: sessions; page_views = Σ page views (PV);
 *   pages_per_visit = PV / sessions; dwell_seconds = mean duration; bounce_rate = bounced
 *   sessions / sessions, a session bounced when `bounced` says so or, where it is empty, when it
 *   viewed at most one page. The per-visit figures are null on a day without sessions.
 * - Purchases, over the orders placed on d in a GMV status (paid, shipped, completed, refunded):
 *   gmv = Σ paid_amount; orders = those with paid_amount > 0 (refund-only orders are not
 *   purchases, as in the KPIs); AOV is gmv / orders, computed by the checks; gmv_squares = Σ
 *   paid_amount² of the purchases gives the spread of single orders.
 * - Emotion, over the feedback created on d: refunds, rejections, complaints, and low_ratings
 *   (ratings of at most `lowRatingMax` stars, the tags' definition). Refunds are counted from the
 *   feedback, which carries their day; an order's refunded amount does not.
 */
import { GMV_STATUSES } from '../store/entities.js';
import { ParamList, type Query } from '../store/sql.js';
import { dayNumberOfDateSql, dayNumberSql, type LocalDays } from '../analytics/facts/local-day.js';

export interface DailyMetricsOptions {
  /** First day, YYYY-MM-DD in the store timezone. */
  readonly from: string;
  /** Last day, YYYY-MM-DD, not before `from`. */
  readonly to: string;
  readonly localDays: LocalDays;
  /** A rating of at most this many stars is a low rating. */
  readonly lowRatingMax: number;
}

export interface DailyMetricsRow {
  readonly day: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  readonly sessions: number;
  readonly page_views: number;
  readonly pages_per_visit: number | null;
  readonly dwell_seconds: number | null;
  readonly bounce_rate: number | null;
  /** Σ page_views² and Σ duration² of the day's sessions, for the sampling error of the per-visit means. */
  readonly pv_squares: number;
  readonly dwell_squares: number;
  readonly gmv: number;
  readonly orders: number;
  /** Σ paid_amount² of the day's purchases, for the sampling error of the AOV. */
  readonly gmv_squares: number;
  readonly refunds: number;
  readonly rejections: number;
  readonly complaints: number;
  readonly low_ratings: number;
  readonly [key: string]: string | number | null;
}

/** One row per day from `from` to `to`, in order (the columns of DailyMetricsRow). */
export function buildDailyMetricsQuery(options: DailyMetricsOptions): Query {
  const params = new ParamList();
  const from = params.add(options.from);
  const to = params.add(options.to);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const lowRating = params.add(options.lowRatingMax);
  const day = (column: string): string => dayNumberSql(column, options.localDays);
  // Timestamps are filtered a day wider than the range on each side, then cut by local day: the
  // filter only has to be cheap and wide enough for any offset.
  return {
    sql: `WITH
    bounds AS (SELECT ${dayNumberOfDateSql(`${from}::DATE`)} AS first_d, ${dayNumberOfDateSql(`${to}::DATE`)} AS last_d,
      (${from}::DATE - 1)::TIMESTAMPTZ AS from_at, (${to}::DATE + 2)::TIMESTAMPTZ AS to_at),
    days AS (SELECT d::INTEGER AS d FROM bounds, range(first_d, last_d + 1) AS t(d)),
    activity AS (
      SELECT ${day('started_at')} AS d, count(*) AS sessions, sum(page_views) AS page_views,
        avg(duration_seconds) AS dwell, sum(page_views * page_views) AS pv_squares,
        sum(duration_seconds * duration_seconds) AS dwell_squares, avg(CASE WHEN coalesce(bounced, page_views <= 1) THEN 1 ELSE 0 END) AS bounce
      FROM sessions, bounds WHERE started_at >= from_at AND started_at < to_at GROUP BY 1
    ),
    purchases AS (
      SELECT ${day('placed_at')} AS d, sum(paid_amount) AS gmv, count(*) FILTER (WHERE paid_amount > 0) AS orders,
        sum(paid_amount::DOUBLE * paid_amount::DOUBLE) AS gmv_squares
      FROM orders, bounds
      WHERE placed_at >= from_at AND placed_at < to_at AND status IN (${statuses})
      GROUP BY 1
    ),
    emotion AS (
      SELECT ${day('created_at')} AS d,
        count(*) FILTER (WHERE kind = 'refund') AS refunds,
        count(*) FILTER (WHERE kind = 'rejection') AS rejections,
        count(*) FILTER (WHERE kind = 'complaint') AS complaints,
        count(*) FILTER (WHERE kind = 'rating' AND rating <= ${lowRating}::INTEGER) AS low_ratings
      FROM feedback, bounds WHERE created_at >= from_at AND created_at < to_at GROUP BY 1
    )
    SELECT strftime(DATE '1970-01-01' + days.d, '%Y-%m-%d') AS day,
      dayofweek(DATE '1970-01-01' + days.d)::INTEGER AS weekday,
      coalesce(a.sessions, 0)::INTEGER AS sessions, coalesce(a.page_views, 0)::DOUBLE AS page_views,
      (a.page_views / a.sessions)::DOUBLE AS pages_per_visit, a.dwell::DOUBLE AS dwell_seconds,
      a.bounce::DOUBLE AS bounce_rate, coalesce(a.pv_squares, 0)::DOUBLE AS pv_squares,
      coalesce(a.dwell_squares, 0)::DOUBLE AS dwell_squares,
      coalesce(p.gmv, 0)::DOUBLE AS gmv, coalesce(p.orders, 0)::INTEGER AS orders,
      coalesce(p.gmv_squares, 0)::DOUBLE AS gmv_squares,
      coalesce(e.refunds, 0)::INTEGER AS refunds, coalesce(e.rejections, 0)::INTEGER AS rejections,
      coalesce(e.complaints, 0)::INTEGER AS complaints, coalesce(e.low_ratings, 0)::INTEGER AS low_ratings
    FROM days
    LEFT JOIN activity a USING (d) LEFT JOIN purchases p USING (d) LEFT JOIN emotion e USING (d)
    ORDER BY days.d`,
    params: params.values,
  };
}

/** The first local day with any data (order, session or feedback), or null for an empty store. */
export function buildFirstDataDayQuery(): Query {
  return {
    sql: `SELECT least((SELECT min(placed_at) FROM orders), (SELECT min(started_at) FROM sessions),
        (SELECT min(created_at) FROM feedback))::DATE::VARCHAR AS first_day`,
    params: [],
  };
}
