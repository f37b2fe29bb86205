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
