/**
 * The monitor's tables as SQL values: writing a range of evaluated days, deriving the alerts
 * from them, reading alerts, and the snapshot counts the segment swings compare.
 *
 * Alerts are derived, never edited in place: monitor_days says which checks ran on which day and
 * monitor_conditions what they found. An alert is a run of a (check, subject)'s conditions on
 * consecutive evaluated days of its check (a day on which the check did not run — a quiet day, a
 * day without a snapshot — neither extends nor ends it): first_seen and last_seen are the run's
 * ends, severity the worst of the run, message and figures those of its last day, and resolved_on
 * the first day after the run on which the check ran without the condition (null while open). A
 * condition after a resolution starts a new alert. Because the table is a function of the days
 * stored, evaluating the same days again gives the same alerts (the id is check:subject:first_seen).
 */
import { ParamList, sql, type Query } from '../store/sql.js';
import { type Condition, type MonitorCheck, RAISED_CHECKS } from './monitor-checks.js';

/** Removes what was stored for the days from `from` to `to`, before they are written again. */
export function buildClearDaysQueries(from: string, to: string): Query[] {
  // The checks other parts raise (RAISED_CHECKS) are not the daily run's to clear.
  const raised = RAISED_CHECKS.join(',');
  return [
    sql`DELETE FROM monitor_days WHERE day BETWEEN ${from}::DATE AND ${to}::DATE
      AND NOT list_contains(string_split(${raised}, ','), check_name)`,
    sql`DELETE FROM monitor_conditions WHERE day BETWEEN ${from}::DATE AND ${to}::DATE
      AND NOT list_contains(string_split(${raised}, ','), check_name)`,
  ];
}

const CHUNK = 500;

/** INSERTs of the checks run per day, a few hundred rows per statement. */
export function buildInsertDaysQueries(days: readonly { day: string; check: MonitorCheck }[]): Query[] {
  const queries: Query[] = [];
  for (let start = 0; start < days.length; start += CHUNK) {
    const params = new ParamList();
    const rows = days
      .slice(start, start + CHUNK)
      .map((row) => `(${params.add(row.day)}::DATE, ${params.add(row.check)}, current_timestamp)`);
    queries.push({ sql: `INSERT INTO monitor_days VALUES ${rows.join(', ')}`, params: params.values });
  }
  return queries;
}

/** INSERTs of the conditions found, a few hundred rows per statement. */
export function buildInsertConditionsQueries(conditions: readonly Condition[]): Query[] {
  const queries: Query[] = [];
  for (let start = 0; start < conditions.length; start += CHUNK) {
    const params = new ParamList();
    const rows = conditions
      .slice(start, start + CHUNK)
      .map(
        (c) =>
          `(${params.add(c.day)}::DATE, ${params.add(c.check)}, ${params.add(c.subject)}, ${params.add(c.severity)}, ${params.add(
            c.score,
          )}::DOUBLE, ${params.add(c.message)}, ${params.add(JSON.stringify(c.figures))}::JSON)`,
      );
    queries.push({ sql: `INSERT INTO monitor_conditions VALUES ${rows.join(', ')}`, params: params.values });
  }
  return queries;
}

/** Replaces the alerts with the ones derived from every stored day (see the module header). */
export function buildDeriveAlertsQueries(): Query[] {
  return [
    sql`DELETE FROM alerts`,
    sql`INSERT INTO alerts
    WITH
      ranked_days AS (
        SELECT day, check_name, row_number() OVER (PARTITION BY check_name ORDER BY day) AS k FROM monitor_days
      ),
      runs AS (
        SELECT c.*, r.k, r.k - row_number() OVER (PARTITION BY c.check_name, c.subject ORDER BY c.day) AS run
        FROM monitor_conditions c JOIN ranked_days r USING (day, check_name)
      ),
      grouped AS (
        SELECT check_name, subject, run, min(day) AS first_seen, max(day) AS last_seen, count(*)::INTEGER AS days,
          max(CASE severity WHEN 'critical' THEN 2 ELSE 1 END) AS worst,
          arg_max(message, day) AS message, arg_max(figures, day) AS figures, max(k) AS last_k
        FROM runs GROUP BY check_name, subject, run
      )
    SELECT g.check_name || ':' || g.subject || ':' || strftime(g.first_seen, '%Y-%m-%d'), g.check_name, g.subject,
      CASE g.worst WHEN 2 THEN 'critical' ELSE 'warning' END, g.message, g.figures, g.first_seen, g.last_seen,
      next.day, g.days
    FROM grouped g
    LEFT JOIN ranked_days next ON next.check_name = g.check_name AND next.k = g.last_k + 1`,
  ];
}

export interface AlertRow {
  readonly id: string;
  readonly check: MonitorCheck;
  readonly subject: string;
  readonly severity: 'warning' | 'critical';
  readonly message: string;
  /** JSON text. */
  readonly figures: string;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly resolved_on: string | null;
  readonly days: number;
  readonly [key: string]: string | number | null;
}

const ALERT_COLUMNS = `id, check_name AS "check", subject, severity, message, figures::VARCHAR AS figures,
  first_seen::VARCHAR AS first_seen, last_seen::VARCHAR AS last_seen, resolved_on::VARCHAR AS resolved_on, days`;

/**
 * The alerts that touch a day: open at its end (first seen on or before it, not resolved by
 * it) or resolved on it; critical first, then by check and subject.
 */
export function buildAlertsOnDayQuery(day: string): Query {
  return {
    sql: `SELECT ${ALERT_COLUMNS} FROM alerts
      WHERE first_seen <= $1::DATE AND (resolved_on IS NULL OR resolved_on >= $1::DATE)
      ORDER BY severity = 'critical' DESC, check_name, subject, first_seen`,
    params: [day],
  };
}

/** Every alert, oldest first (for back-fill summaries and tests). */
export function buildAllAlertsQuery(): Query {
  return { sql: `SELECT ${ALERT_COLUMNS} FROM alerts ORDER BY first_seen, check_name, subject`, params: [] };
}

export interface SnapshotCountRow {
  readonly day: string;
  readonly previous: string;
  readonly subject: string;
  readonly now: number;
  readonly before: number;
  readonly [key: string]: string | number;
}

/**
 * For every stored snapshot from `from` to `to` that has an earlier snapshot of the same
 * population: per RFM segment ('segment:champions') and lifecycle stage ('stage:churned') the
 * count in it and in the previous snapshot.
 */
export function buildSnapshotSwingQuery(from: string, to: string): Query {
  return sql`WITH
    s AS (
      SELECT as_of, population, lag(as_of) OVER (ORDER BY as_of) AS prev,
        lag(population) OVER (ORDER BY as_of) AS prev_population
      FROM snapshots
    ),
    pairs AS (
      SELECT as_of, prev FROM s
      WHERE as_of BETWEEN ${from}::DATE AND ${to}::DATE AND prev IS NOT NULL AND prev_population = population
    ),
    counts AS (
      SELECT as_of, 'segment:' || segment AS subject, count(*) AS n FROM customer_snapshots
      WHERE as_of IN (SELECT as_of FROM pairs UNION SELECT prev FROM pairs) GROUP BY ALL
      UNION ALL
      SELECT as_of, 'stage:' || stage AS subject, count(*) AS n FROM customer_snapshots
      WHERE as_of IN (SELECT as_of FROM pairs UNION SELECT prev FROM pairs) GROUP BY ALL
    ),
    subjects AS (
      SELECT DISTINCT p.as_of, p.prev, c.subject FROM pairs p JOIN counts c ON c.as_of = p.as_of OR c.as_of = p.prev
    )
    SELECT s.as_of::VARCHAR AS day, s.prev::VARCHAR AS previous, s.subject,
      coalesce(now.n, 0)::INTEGER AS now, coalesce(before.n, 0)::INTEGER AS before
    FROM subjects s
    LEFT JOIN counts now ON now.as_of = s.as_of AND now.subject = s.subject
    LEFT JOIN counts before ON before.as_of = s.prev AND before.subject = s.subject
    ORDER BY s.as_of, s.subject`;
}

/** The number of stored snapshots from `from` to `to`. */
export function buildSnapshotCountQuery(from: string, to: string): Query {
  return sql`SELECT count(*)::INTEGER AS n FROM snapshots WHERE as_of BETWEEN ${from}::DATE AND ${to}::DATE`;
}
