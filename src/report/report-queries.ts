/**
 * The few queries the report needs beyond what the analytics functions return: counts over
 * their relations (so a store of a million customers never ships rows to JavaScript just to be
 * counted) and reads of stored results (snapshots, community runs).
 */
import { ParamList, type Query, sql } from '../store/sql.js';

/** Customers per (r, fm) cell of the analytics query `rfmRows` (r null: no purchase). */
export function buildRfmGridQuery(rfmRows: Query): Query {
  const params = new ParamList();
  const rows = params.embed(rfmRows);
  return {
    sql: `SELECT r::INTEGER AS r, fm::INTEGER AS fm, count(*)::INTEGER AS customers FROM (${rows}) GROUP BY ALL`,
    params: params.values,
  };
}

/** Whether a snapshot of the day is stored, and its population. */
export function buildSnapshotOfDayQuery(asOf: string): Query {
  return sql`SELECT population, refreshed_at::VARCHAR AS refreshed_at FROM snapshots WHERE as_of = ${asOf}::DATE`;
}

/** Members per (r, fm) cell of the stored snapshot of the day (r null: no purchase). */
export function buildSnapshotRfmGridQuery(asOf: string): Query {
  return sql`SELECT r::INTEGER AS r, fm::INTEGER AS fm, count(*)::INTEGER AS customers
    FROM customer_snapshots WHERE as_of = ${asOf}::DATE AND is_member GROUP BY ALL`;
}

/** The number of rows of a query (e.g. the invitation candidates). */
export function buildCountQuery(query: Query): Query {
  const params = new ParamList();
  const rows = params.embed(query);
  return { sql: `SELECT count(*)::INTEGER AS n FROM (${rows})`, params: params.values };
}

/** The communities of the latest stored run on or before the day, largest first. */
export function buildStoredCommunitiesQuery(asOf: string): Query {
  return sql`SELECT as_of::VARCHAR AS as_of, community, members::INTEGER AS members, centroid::VARCHAR AS centroid,
      description_en, description_zh
    FROM communities
    WHERE as_of = (SELECT max(as_of) FROM communities WHERE as_of <= ${asOf}::DATE)
    ORDER BY community`;
}

/** Members per lifecycle stage in the stored snapshot of the day (stages with none are absent). */
export function buildStoredStageCountsQuery(asOf: string): Query {
  return sql`SELECT stage, count(*)::INTEGER AS customers FROM customer_snapshots
    WHERE as_of = ${asOf}::DATE AND is_member GROUP BY stage`;
}

/** Every member's stage (customer_id, stage) in the stored snapshot of the day. */
export function buildStoredStagesQuery(asOf: string): Query {
  return sql`SELECT customer_id, stage FROM customer_snapshots WHERE as_of = ${asOf}::DATE AND is_member`;
}

/**
 * Between two days' stage rows (customer_id, stage; `previous` the earlier): rows kind 'stage',
 * the members per stage on the earlier day, and kind 'flow', the members whose stage differs
 * (from_stage not_counted for a member not counted on the earlier day), as the lifecycle's
 * month-by-month flows count them.
 */
export function buildStageFlowsQuery(previous: Query, current: Query): Query {
  const params = new ParamList();
  const before = params.embed(previous);
  const after = params.embed(current);
  return {
    sql: `WITH prev AS (SELECT customer_id, stage FROM (${before})), cur AS (SELECT customer_id, stage FROM (${after}))
      SELECT 'stage' AS kind, NULL AS from_stage, stage AS to_stage, count(*)::INTEGER AS customers FROM prev GROUP BY stage
      UNION ALL
      SELECT 'flow', coalesce(p.stage, 'not_counted'), c.stage, count(*)::INTEGER
      FROM cur c LEFT JOIN prev p USING (customer_id)
      WHERE p.stage IS DISTINCT FROM c.stage GROUP BY ALL
      ORDER BY kind, from_stage, to_stage`,
    params: params.values,
  };
}
