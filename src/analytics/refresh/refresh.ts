/**
 * Snapshots: every counted customer as of the end of a day — RFM, tier, lifecycle stage and the
 * rule that placed them, the behaviour tags that depend on the day — stored so history (KPIs,
 * flows, alerts, profiles) reads it back instead of recomputing it. Refreshing a day replaces
 * that day's snapshot whole; the stage and tier changes then always equal a derivation from all
 * snapshots. Each analysis adds its columns with the same SQL its own command runs (rfm, tiers,
 * lifecycle, tags). docs/snapshots.md.
 */
import type { Config } from '../../config/config.js';
import type { PredictConfig } from '../../config/predict-config.js';
import type { TiersConfig } from '../../config/tiers-config.js';
import { ATTRIBUTE_TAG_COLUMNS } from '../../domain/attribute-tags.js';
import { AppError } from '../../errors.js';
import { ParamList, quoteIdent, raw, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { buildCountedFactsSql, buildCustomerFactsSql } from '../facts/customer-facts.js';
import { getLocalDays, type LocalDays } from '../facts/local-day.js';
import { storeKpiMonths } from '../kpis/store-kpi-months.js';
import type { PredictCustomersResult } from '../predict/predict.js';
import { lifecycleStageCtes } from '../lifecycle/lifecycle-query.js';
import { rfmScoringCtes } from '../rfm/rfm-query.js';
import { buildTagsRowsQuery, regionsSql } from '../tags/tags-query.js';
import { storeSnapshotCutPoints } from './snapshot-cut-points.js';
import { tierMeasureCtes } from '../tiers/tiers-query.js';
import {
  calibrateTiers,
  getLatestTierCalibration,
  measureAsCalibrated,
  type TierCalibration,
} from '../tiers/tiers.js';

export interface RefreshOptions {
  /** YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  readonly allCustomers: boolean;
  /** Tier every counted customer, not only members (a store without members; getTierPopulation). */
  readonly tiersAllCustomers?: boolean;
  readonly config: Pick<Config, 'rfm' | 'tiers' | 'lifecycle' | 'tags' | 'predict'>;
}

export interface SnapshotSummary {
  readonly as_of: string;
  readonly population: 'members' | 'all_customers';
  readonly customers: number;
  /** The stored tier calibration used, or null when none existed and one was computed for the day. */
  readonly tier_calibrated_on: string | null;
  readonly stage_changes: number;
  readonly tier_changes: number;
  /** Whether predictions were stored: fitted, too few repeat buyers to fit, or not asked for. */
  readonly predictions: 'fitted' | 'too_few_repeat_buyers' | 'off';
}

/** The customer facts of the day, computed once per refresh; every analysis reads them. */
const FACTS_TABLE = 'hy_snap_facts';

/**
 * Computes and stores the snapshot of one day, replacing any earlier snapshot of that day. The
 * customer facts are computed once, in one pass over the orders, and every analysis reads them.
 */
export async function refreshSnapshot(store: Store, options: RefreshOptions): Promise<SnapshotSummary> {
  const { asOf, config } = options;
  const stored = await getLatestTierCalibration(store, asOf);
  const localDays = await getLocalDays(store, asOf);
  // Tiers are measured as the calibration measured them (its window and special days).
  const tiersConfig = stored
    ? measureAsCalibrated({ asOf, config: config.tiers }, stored).config
    : config.tiers;
  // The facts go into a connection-local temp table before the transaction: the analyses then
  // scan committed rows, in parallel, where rows a transaction wrote itself are read slower.
  await store.run(raw(`DROP TABLE IF EXISTS ${FACTS_TABLE}`));
  const factParams = new ParamList();
  const factsSql = buildCustomerFactsSql(
    {
      asOf,
      localDays,
      // The stepped check's contribution window only matters to a calibration.
      tierWindow: stored ? { ...tiersConfig, contribution_months: undefined } : tiersConfig,
      powerWindowDays: config.tags.power_window_days,
      emotionWindowDays: config.tags.emotion_window_days,
      loyalWindowDays: config.lifecycle.loyal_window_days,
      loyalDays: config.lifecycle.purchases === 'order_days',
      firstDaySpend: predictsFromFacts(options),
    },
    factParams,
  );
  await store.run({ sql: `CREATE TEMP TABLE ${FACTS_TABLE} AS ${factsSql}`, params: factParams.values });
  let snapshot: SnapshotSummary;
  try {
    // The predictions too are fitted and written to their temp table before the transaction.
    const predictions = await predictBeforeSnapshot(store, options, localDays);
    snapshot = await storeSnapshot(store, options, stored, tiersConfig, predictions);
  } catch (error) {
    // The refresh's own error is the one to report; the next refresh drops the table anyway.
    await store.run(raw(`DROP TABLE IF EXISTS ${FACTS_TABLE}`)).catch(() => undefined);
    throw error;
  }
  await store.run(raw(`DROP TABLE IF EXISTS ${FACTS_TABLE}`));
  return snapshot;
}

/**
 * The snapshot of the day from the facts table, stored in one transaction, under the stored
 * calibration (or one computed for the day when there is none).
 */
async function storeSnapshot(
  store: Store,
  options: RefreshOptions,
  stored: TierCalibration | null,
  tiersConfig: TiersConfig,
  day: DayPredictions | null,
): Promise<SnapshotSummary> {
  const { asOf, allCustomers, config } = options;
  const tiersAllCustomers = options.tiersAllCustomers ?? false;
  const churnByPAlive = config.lifecycle.churn_rule === 'p_alive';
  const prediction = day?.result ?? null;
  const predictions =
    day && churnByPAlive ? { table: day.table, churnBelow: config.predict.churn_p_alive } : undefined;
  return store.transaction(async () => {
    const calibration: TierCalibration =
      stored ??
      (await calibrateTiers(store, {
        asOf,
        config: tiersConfig,
        facts: { table: FACTS_TABLE },
        rfm: config.rfm,
        allCustomers: tiersAllCustomers,
      }));
    const thresholds = calibration.tiers.slice(1).map((tier) => tier.threshold ?? '0.00');
    const tierIds = calibration.tiers.map((tier) => tier.tier);
    await store.run(sql`DELETE FROM customer_snapshots WHERE as_of = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM customer_day_tags WHERE as_of = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM snapshot_regions WHERE as_of = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM snapshots WHERE as_of = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM prediction_snapshots WHERE as_of = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM customer_prediction_snapshots WHERE as_of = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM snapshot_cut_points WHERE as_of = ${asOf}::DATE`);
    // One statement: RFM, tier and stage are columns the analyses add in turn to the counted
    // customers' facts, so the customers meet their facts once and no analysis joins another.
    // Rows go in by customer id: an ordered append is written once, where a parallel one is
    // rewritten by the next checkpoint.
    const params = new ParamList();
    const facts = quoteIdent(FACTS_TABLE);
    const tierList = tierIds.map((id) => `${params.add(id)}::VARCHAR`).join(', ');
    await store.run({
      sql: `INSERT INTO customer_snapshots
        WITH counted_facts AS (${buildCountedFactsSql(facts, { asOf, allCustomers }, params)}),
          ${rfmScoringCtes('counted_facts', 'snap_rfm', { asOf, config: config.rfm }, params)},
          ${tierMeasureCtes('snap_rfm', 'snap_tiers', { asOf, config: tiersConfig, rfm: config.rfm, allCustomers: tiersAllCustomers }, params, thresholds)},
          ${lifecycleStageCtes('snap_tiers', facts, 'snap_staged', { asOf, config: config.lifecycle, predictions }, params)}
        SELECT k.as_of, s.customer_id, s.is_member, s.recency_days, s.frequency, s.monetary, s.r, s.f, s.m, s.fm,
          s.score, s.segment, k.tiers[s.tier_level], s.tier_measure, s.stage, s.rule
        FROM snap_staged s, (SELECT ${params.add(asOf)}::DATE AS as_of, [${tierList}]::VARCHAR[] AS tiers) k
        ORDER BY s.customer_id`,
      params: params.values,
    });
    await storeSnapshotCutPoints(store, { asOf, rfm: config.rfm, calibration, factsTable: FACTS_TABLE });
    await storeKpiMonths(store, { asOf, lifecycle: config.lifecycle, factsTable: FACTS_TABLE });
    // The day tags; the customer's own attributes are placed by the customer_tag_snapshots view,
    // with the regions of the day's config stored beside them.
    const tagParams = new ParamList();
    const tagDay = tagParams.add(asOf);
    const tags = tagParams.embed(
      buildTagsRowsQuery({ asOf, allCustomers, config: config.tags, facts: { table: FACTS_TABLE } }),
    );
    await store.run({
      sql: `INSERT INTO customer_day_tags BY NAME
        SELECT ${tagDay}::DATE AS as_of, * EXCLUDE (${ATTRIBUTE_TAG_COLUMNS.join(', ')}) FROM (${tags})
        ORDER BY customer_id`,
      params: tagParams.values,
    });
    const regionParams = new ParamList();
    const regionDay = regionParams.add(asOf);
    await store.run({
      sql: `INSERT INTO snapshot_regions SELECT ${regionDay}::DATE, province, north_south, big_region
        FROM ${regionsSql(config.tags, regionParams)}`,
      params: regionParams.values,
    });
    if (day && config.predict.in_snapshot)
      await storePredictions(store, asOf, day.result, config.predict, day.table);
    const [counted] = await store.query<{ n: number }>(
      sql`SELECT count(*)::INTEGER AS n FROM customer_snapshots WHERE as_of = ${asOf}::DATE`,
    );
    await store.run(
      sql`INSERT INTO snapshots VALUES (${asOf}::DATE, ${allCustomers ? 'all_customers' : 'members'}, ${counted?.n ?? 0},
        ${stored?.calibrated_on ?? null}::DATE, current_timestamp)`,
    );
    const changes = await deriveChanges(store, asOf);
    return {
      as_of: asOf,
      population: allCustomers ? 'all_customers' : 'members',
      customers: counted?.n ?? 0,
      tier_calibrated_on: stored?.calibrated_on ?? null,
      ...changes,
      predictions: prediction && config.predict.in_snapshot ? prediction.status : 'off',
    };
  });
}

/** Whether the refresh fits the predictions, and on the histories its customer facts hold (paid > 0 purchases). */
function predictsFromFacts(options: RefreshOptions): boolean {
  const { config } = options;
  const predicts = config.predict.in_snapshot || config.lifecycle.churn_rule === 'p_alive';
  return predicts && !config.predict.count_free_orders;
}

/** The day's predictions and the temp table that holds every customer's. */
interface DayPredictions {
  readonly result: PredictCustomersResult;
  readonly table: string;
}

/**
 * Fits the models once and writes every customer's predictions to a temp table, when the
 * snapshot stores them or the lifecycle judges churn by P(alive); null otherwise. Run before the
 * snapshot's transaction, as the facts are: the fit's queries then scan committed rows.
 */
async function predictBeforeSnapshot(
  store: Store,
  options: RefreshOptions,
  localDays: LocalDays,
): Promise<DayPredictions | null> {
  const { asOf, config } = options;
  if (!config.predict.in_snapshot && config.lifecycle.churn_rule !== 'p_alive') return null;
  // The models load only when asked for (their modules take a moment to load).
  const predict = await import('../predict/predict.js');
  const result = await predict.predictCustomers(store, {
    asOf,
    config: config.predict,
    localDays,
    ...(predictsFromFacts(options) ? { factsTable: FACTS_TABLE } : {}),
  });
  return { result, table: predict.PREDICTIONS_TABLE };
}

/** The fit of the day, and the predictions of every customer in the day's snapshot. */
async function storePredictions(
  store: Store,
  asOf: string,
  prediction: PredictCustomersResult,
  config: PredictConfig,
  /** Where predictCustomers left every customer's predictions. */
  table: string,
): Promise<void> {
  const fitted = prediction.status === 'fitted' ? prediction : null;
  await store.run(
    // The model that produced the figures (under `auto`, the one that won), for member and report to name.
    sql`INSERT INTO prediction_snapshots VALUES (${asOf}::DATE, ${prediction.status}, ${fitted?.model ?? config.model}, ${config.unit},
      ${prediction.customers}, ${prediction.repeat_buyers}, ${fitted ? JSON.stringify(fitted.purchase) : null}::JSON,
      ${fitted ? JSON.stringify(fitted.spend) : null}::JSON, ${config.horizon_days}, ${config.annual_discount_rate})`,
  );
  await store.run({
    sql: `INSERT INTO customer_prediction_snapshots
      SELECT s.as_of, p.customer_id, p.p_alive, p.expected_purchases, p.expected_spend, p.clv, p.next_order_day
      FROM ${quoteIdent(table)} p JOIN customer_snapshots s ON s.as_of = $1::DATE AND s.customer_id = p.customer_id`,
    params: [asOf],
  });
}

/**
 * The stage and tier changes: a change is a customer whose stage (tier) differs from their
 * previous snapshot, dated by the snapshot that shows it; a customer's first snapshot is a
 * change from nothing (for tiers, only when it has a tier).
 *
 * When the refreshed day is the latest snapshot (a daily refresh, or a back-fill in day order)
 * only its own changes can differ, and the previous stage of each customer is the last change
 * before it — the changes are the run-length encoding of each customer's snapshots. Otherwise a
 * later snapshot's changes may now compare with this day, and all are derived again.
 */
async function deriveChanges(
  store: Store,
  asOf: string,
): Promise<{ stage_changes: number; tier_changes: number }> {
  const [latest] = await store.query<{ later: boolean }>(
    sql`SELECT count(*) > 0 AS later FROM snapshots WHERE as_of > ${asOf}::DATE`,
  );
  if (latest?.later) {
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
  } else {
    await store.run(sql`DELETE FROM stage_changes WHERE changed_on = ${asOf}::DATE`);
    await store.run(sql`DELETE FROM tier_changes WHERE changed_on = ${asOf}::DATE`);
    // A customer's earlier snapshot shows in the changes: a first stage is always a change.
    await store.run(sql`INSERT INTO stage_changes
      SELECT s.customer_id, s.as_of, p.to_stage, s.stage
      FROM customer_snapshots s
      LEFT JOIN (SELECT customer_id, arg_max(to_stage, changed_on) AS to_stage, true AS seen FROM stage_changes
        WHERE changed_on < ${asOf}::DATE GROUP BY customer_id) p USING (customer_id)
      WHERE s.as_of = ${asOf}::DATE AND (p.seen IS NULL OR p.to_stage IS DISTINCT FROM s.stage)`);
    await store.run(sql`INSERT INTO tier_changes
      SELECT s.customer_id, s.as_of, p.to_tier, s.tier
      FROM customer_snapshots s
      LEFT JOIN (SELECT customer_id, arg_max(to_tier, changed_on) AS to_tier FROM tier_changes
        WHERE changed_on < ${asOf}::DATE GROUP BY customer_id) p USING (customer_id)
      WHERE s.as_of = ${asOf}::DATE AND p.to_tier IS DISTINCT FROM s.tier`);
  }
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
