/**
 * Snapshots: every counted customer as of the end of a day — RFM, tier, lifecycle stage and the
 * rule that placed them, behaviour tags — stored so history (KPIs, flows, alerts) reads it back instead of
 * recomputing it. Refreshing a day replaces that day's snapshot whole; the stage and tier
 * changes are then derived again from all snapshots, so they always equal a full recompute.
 * Each piece is the same query its own command runs (rfm, tiers, lifecycle).
 */
import type { Config } from '../../config/config.js';
import { AppError } from '../../errors.js';
import { raw, sql, type Query } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { buildLifecycleCustomersQuery } from '../lifecycle/lifecycle-query.js';
import { buildRfmCustomersQuery } from '../rfm/rfm-query.js';
import { buildTagsCustomersQuery } from '../tags/tags-query.js';
import { buildMemberTiersQuery } from '../tiers/tiers-query.js';
import { calibrateTiers, getLatestTierCalibration, type TierCalibration } from '../tiers/tiers.js';

export interface RefreshOptions {
  /** YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  readonly allCustomers: boolean;
  readonly config: Pick<Config, 'rfm' | 'tiers' | 'lifecycle' | 'tags'>;
}

export interface SnapshotSummary {
  readonly as_of: string;
  readonly population: 'members' | 'all_customers';
  readonly customers: number;
  /** The stored tier calibration used, or null when none existed and one was computed for the day. */
  readonly tier_calibrated_on: string | null;
  readonly stage_changes: number;
  readonly tier_changes: number;
}

const WORK_TABLES = ['hy_snap_rfm', 'hy_snap_stage', 'hy_snap_tier', 'hy_snap_tags'] as const;

async function createWorkTable(store: Store, table: string, query: Query): Promise<void> {
  await store.run({ sql: `CREATE TEMP TABLE ${table} AS ${query.sql}`, params: query.params });
}

/** Computes and stores the snapshot of one day, replacing any earlier snapshot of that day. */
export async function refreshSnapshot(store: Store, options: RefreshOptions): Promise<SnapshotSummary> {
  const { asOf, allCustomers, config } = options;
  const stored = await getLatestTierCalibration(store, asOf);
  const calibration: TierCalibration =
    stored ?? (await calibrateTiers(store, { asOf, config: config.tiers }));
  const thresholds = calibration.tiers.slice(1).map((tier) => tier.threshold ?? '0.00');
  const tierIds = calibration.tiers.map((tier) => tier.tier);
  return store.transaction(async () => {
    await store.run(raw(WORK_TABLES.map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n')));
    await createWorkTable(
      store,
      'hy_snap_rfm',
      buildRfmCustomersQuery({ asOf, allCustomers, config: config.rfm }),
    );
    await createWorkTable(
      store,
      'hy_snap_stage',
      buildLifecycleCustomersQuery({ asOf, allCustomers, config: config.lifecycle }),
    );
    // Tiers are measured as the calibration measured them (its window and special days).
    await createWorkTable(
      store,
      'hy_snap_tier',
      buildMemberTiersQuery(
        {
          asOf,
          config: {
            ...config.tiers,
            window_months: calibration.window_months,
            special_days: calibration.special_days,
          },
        },
        thresholds,
      ),
    );
    await createWorkTable(
      store,
      'hy_snap_tags',
      buildTagsCustomersQuery({ asOf, allCustomers, config: config.tags }),
    );
    await store.run(sql`DELETE FROM customer_snapshots WHERE as_of = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM snapshots WHERE as_of = ${asOf}::DATE`);
    await store.run({
      sql: `INSERT INTO customer_snapshots
        SELECT $1::DATE, s.customer_id, c.member_since IS NOT NULL AND c.member_since < ($1::DATE + 1)::TIMESTAMPTZ,
          r.recency_days, coalesce(r.frequency, 0), coalesce(r.monetary::DECIMAL(38,2), 0), r.r, r.f, r.m, r.fm, r.score,
          coalesce(r.segment, 'no_purchase'), list_extract($2::VARCHAR[], t.tier), t.value::DECIMAL(38,2), s.stage, s.rule,
          to_json(g)::JSON
        FROM hy_snap_stage s
        LEFT JOIN hy_snap_rfm r USING (customer_id)
        LEFT JOIN hy_snap_tier t USING (customer_id)
        LEFT JOIN hy_snap_tags g ON g.customer_id = s.customer_id
        LEFT JOIN customers c ON c.id = s.customer_id`,
      params: [asOf, `[${tierIds.map((id) => JSON.stringify(id)).join(',')}]`],
    });
    const [counted] = await store.query<{ n: number }>(
      sql`SELECT count(*)::INTEGER AS n FROM customer_snapshots WHERE as_of = ${asOf}::DATE`,
    );
    await store.run(
      sql`INSERT INTO snapshots VALUES (${asOf}::DATE, ${allCustomers ? 'all_customers' : 'members'}, ${counted?.n ?? 0},
        ${stored?.calibrated_on ?? null}::DATE, current_timestamp)`,
    );
    const changes = await deriveChanges(store);
    await store.run(raw(WORK_TABLES.map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n')));
    return {
      as_of: asOf,
      population: allCustomers ? 'all_customers' : 'members',
      customers: counted?.n ?? 0,
      tier_calibrated_on: stored?.calibrated_on ?? null,
      ...changes,
    };
  });
}

/**
 * Rebuilds the stage and tier changes from every stored snapshot: a change is a customer whose
 * stage (tier) differs from their previous snapshot, dated by the snapshot that shows it.
 */
async function deriveChanges(store: Store): Promise<{ stage_changes: number; tier_changes: number }> {
  await store.run(
    raw(`DELETE FROM stage_changes;
      INSERT INTO stage_changes SELECT customer_id, as_of, previous, stage FROM (
        SELECT customer_id, as_of, stage, lag(stage) OVER (PARTITION BY customer_id ORDER BY as_of) AS previous,
          row_number() OVER (PARTITION BY customer_id ORDER BY as_of) AS nth
        FROM customer_snapshots) WHERE nth = 1 OR previous IS DISTINCT FROM stage;
      DELETE FROM tier_changes;
      INSERT INTO tier_changes SELECT customer_id, as_of, previous, tier FROM (
        SELECT customer_id, as_of, tier, lag(tier) OVER (PARTITION BY customer_id ORDER BY as_of) AS previous,
          row_number() OVER (PARTITION BY customer_id ORDER BY as_of) AS nth
        FROM customer_snapshots) WHERE (nth = 1 AND tier IS NOT NULL) OR (nth > 1 AND previous IS DISTINCT FROM tier);`),
  );
  const [row] = await store.query<{ stages: number; tiers: number }>(
    raw(
      `SELECT (SELECT count(*) FROM stage_changes)::INTEGER AS stages, (SELECT count(*) FROM tier_changes)::INTEGER AS tiers`,
    ),
  );
  return { stage_changes: row?.stages ?? 0, tier_changes: row?.tiers ?? 0 };
}

export const REFRESH_INTERVALS = ['day', 'week', 'month'] as const;
export type RefreshInterval = (typeof REFRESH_INTERVALS)[number];

/**
 * The days to refresh from `from` to `to`: every day, every 7 days, or every month end (from
 * the end of from's month; `to` itself is always included).
 */
export function listRefreshDays(from: string, to: string, every: RefreshInterval): string[] {
  if (from > to) throw new AppError('BAD_ARGUMENT', `--from ${from} is after --to ${to}`);
  const days: string[] = [];
  const toTime = Date.parse(`${to}T00:00:00Z`);
  const day = new Date(`${from}T00:00:00Z`);
  if (every === 'month') day.setUTCDate(1);
  for (;;) {
    let current: Date;
    if (every === 'month') {
      current = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0));
      day.setUTCMonth(day.getUTCMonth() + 1);
    } else {
      current = new Date(day);
      day.setUTCDate(day.getUTCDate() + (every === 'week' ? 7 : 1));
    }
    if (current.getTime() > toTime) break;
    if (current.getTime() >= Date.parse(`${from}T00:00:00Z`)) days.push(current.toISOString().slice(0, 10));
  }
  if (days.at(-1) !== to) days.push(to);
  return days;
}
