/**
 * Explains one customer as of a day: the raw facts, the R/F/M values and scores with the cut
 * points that decided them, the segment and its grid cell, the tier and the threshold passed,
 * the lifecycle stage and the rule that placed them, the tags, the predictions, and the history
 * of stage and tier changes stored by refresh.
 *
 * When the day has a stored snapshot holding the customer, every figure is read from it (the
 * customer's rows and the cut points, calibration and store cycle stored with the day), so
 * nothing is recomputed over every customer: a point read. Only the customer's own facts are
 * counted from their own orders. Without one, each figure comes from the same query its own
 * command runs (`rfm`, `tiers`, `lifecycle`, `tags`), computed now, and `source` says 'live'.
 * A test compares the two for every member of a demo snapshot.
 */
import type { Config } from '../../config/config.js';
import type { PredictConfig } from '../../config/predict-config.js';
import { RFM_SEGMENT_LABELS } from '../../domain/rfm-segments.js';
import { AppError } from '../../errors.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { LIFECYCLE_STAGE_LABELS } from '../lifecycle/lifecycle-stages.js';
import { getLifecycleCustomers, type LifecycleCustomer } from '../lifecycle/lifecycle.js';
import { getRfmCustomers, getRfmCutPoints, type RfmCustomer, type RfmCutPoints } from '../rfm/rfm.js';
import { type CustomerTags, getCustomerTags } from '../tags/tags.js';
import { type CommunityTag, getCommunityOf } from '../communities/communities.js';
import type { PurchaseModel } from '../predict/purchase-models.js';
import { PREDICTIONS_TABLE, predictCustomers } from '../predict/predict.js';
import { getSnapshotCutPoints, type SnapshotCutPoints } from '../refresh/snapshot-cut-points.js';
import {
  calibrateTiers,
  getLatestTierCalibration,
  getMemberTiers,
  type TierCalibration,
} from '../tiers/tiers.js';
import { buildCustomerFactsSql } from '../facts/customer-facts.js';
import { ZONE_LOCAL_DAYS } from '../facts/local-day.js';
import type { LifecycleStage } from '../lifecycle/lifecycle-stages.js';
import type { RfmSegmentOrNone } from '../../domain/rfm-segments.js';
import { ParamList, type Query } from '../../store/sql.js';
import { attributeTagsSql, GENERATIONS } from '../../domain/attribute-tags.js';

export interface MemberFacts {
  readonly id: string;
  readonly name: string | null;
  readonly gender: string;
  readonly birthday: string | null;
  readonly province: string | null;
  readonly city: string | null;
  readonly member_since: string | null;
  readonly is_member: boolean;
  readonly orders: number;
  readonly purchases: number;
  readonly first_purchase: string | null;
  readonly last_purchase: string | null;
  readonly paid: string;
  readonly refunded: string;
  readonly sessions: number;
  readonly feedback: number;
}

/** Where the figures come from: the day's stored snapshot, or computed now (no snapshot of the day holds the customer). */
export const MEMBER_SOURCES = ['snapshot', 'live'] as const;
export type MemberSource = (typeof MEMBER_SOURCES)[number];

export interface MemberExplanation {
  readonly as_of: string;
  readonly source: MemberSource;
  /**
   * Whom the scores are among: the stored snapshot's population; computed live, 'members', or
   * 'all_customers' when the customer is not a member and is scored among all.
   */
  readonly population: 'members' | 'all_customers';
  /**
   * The trailing windows, in days, of the windowed tags (activity, emotion, purchasing power);
   * the facts are all time up to the day.
   */
  readonly windows: {
    readonly activity_days: number;
    readonly emotion_days: number;
    readonly power_days: number;
  };
  readonly facts: MemberFacts;
  readonly rfm:
    | (RfmCustomer & {
        readonly cut_points: RfmCutPoints;
        readonly segment_name: string;
        readonly segment_zh: string;
      })
    | null;
  readonly tier: {
    readonly tier: string;
    readonly name: string;
    readonly name_zh: string;
    readonly value: string;
    /** The threshold the value passed (null for the entry tier). */
    readonly threshold: string | null;
    readonly next_tier: string | null;
    readonly next_threshold: string | null;
    readonly calibrated_on: string;
    readonly calibration_stored: boolean;
  } | null;
  readonly lifecycle: (LifecycleCustomer & { readonly stage_name: string; readonly stage_zh: string }) | null;
  /** The behaviour tags of the four families (spec section 5). */
  readonly tags: CustomerTags | null;
  /** The member's community (群落) in the latest stored run up to the day, or null. */
  readonly community: CommunityTag | null;
  /**
   * The purchase model's view of the customer as of the day (issue 6): read from the day's
   * stored snapshot, or fitted now when the day has none. Null without a purchase, or when the
   * store has too few repeat buyers to fit.
   */
  readonly prediction: {
    readonly p_alive: number | null;
    readonly churn_probability: number | null;
    readonly expected_purchases: number | null;
    readonly expected_spend: number | null;
    readonly clv: number | null;
    readonly next_order_day: string | null;
    readonly horizon_days: number;
    /** The purchase model that produced the figures. */
    readonly model: PurchaseModel;
    readonly stored: boolean;
  } | null;
  readonly stage_history: readonly {
    changed_on: string;
    from_stage: LifecycleStage | null;
    to_stage: LifecycleStage;
  }[];
  readonly tier_history: readonly { changed_on: string; from_tier: string | null; to_tier: string | null }[];
}

export interface ExplainMemberOptions {
  readonly customerId: string;
  readonly asOf: string;
  readonly config: Pick<Config, 'rfm' | 'tiers' | 'lifecycle' | 'tags' | 'predict'>;
}

const gmvStatuses = GMV_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * The customer explained as of the day: from the day's stored snapshot when it holds them, else
 * computed now (`source: 'live'`).
 * @example const m = await explainMember(store, { customerId: 'C0000042', asOf: '2026-10-31', config });
 */
export async function explainMember(store: Store, options: ExplainMemberOptions): Promise<MemberExplanation> {
  const facts = await getMemberFacts(store, options.customerId, options.asOf);
  const stored = await readSnapshotOf(store, options, facts);
  return stored ?? explainLive(store, options, facts);
}

async function getMemberFacts(store: Store, customerId: string, asOf: string): Promise<MemberFacts> {
  // Each figure filters its table by the customer's id, uncorrelated: a point read of a few rows
  // each (DuckDB skips the row groups the id is not in), where a subquery correlated with the
  // customer row is planned as a join with every customer's aggregate.
  const before = `< ($1::DATE + 1)::TIMESTAMPTZ`;
  const ordersOf = `FROM orders o WHERE o.customer_id = $2 AND o.placed_at ${before}`;
  const purchase = `o.status IN (${gmvStatuses}) AND o.paid_amount > 0`;
  const [facts] = await store.query<MemberFacts & Record<string, string | number | boolean | null>>({
    sql: `WITH own_orders AS (
        SELECT count(*)::INTEGER AS orders,
          count(*) FILTER (WHERE ${purchase})::INTEGER AS purchases,
          min(o.placed_at) FILTER (WHERE ${purchase})::DATE::VARCHAR AS first_purchase,
          max(o.placed_at) FILTER (WHERE ${purchase})::DATE::VARCHAR AS last_purchase,
          coalesce(sum(o.paid_amount) FILTER (WHERE o.status IN (${gmvStatuses})), 0)::VARCHAR AS paid,
          coalesce(sum(o.refunded_amount) FILTER (WHERE o.status IN (${gmvStatuses})), 0)::VARCHAR AS refunded
        ${ordersOf}
      )
      SELECT c.id, c.name, c.gender, c.birthday::VARCHAR AS birthday, c.province, c.city,
        strftime(c.member_since, '%Y-%m-%d %H:%M') AS member_since,
        coalesce(c.member_since ${before}, false) AS is_member,
        own_orders.*,
        (SELECT count(*)::INTEGER FROM sessions s WHERE s.customer_id = $2 AND s.started_at ${before}) AS sessions,
        (SELECT count(*)::INTEGER FROM feedback f WHERE f.customer_id = $2 AND f.created_at ${before}) AS feedback
      FROM customers c, own_orders WHERE c.id = $2`,
    params: [asOf, customerId],
  });
  if (!facts) throw new AppError('BAD_ARGUMENT', `no customer with id '${customerId}' in the store`);
  return facts;
}

const windowsOf = (config: ExplainMemberOptions['config']): MemberExplanation['windows'] => ({
  activity_days: config.tags.activity_window_days,
  emotion_days: config.tags.emotion_window_days,
  power_days: config.tags.power_window_days,
});

/** Every figure computed now from the data up to the day, by the queries the commands run. */
async function explainLive(
  store: Store,
  options: ExplainMemberOptions,
  facts: MemberFacts,
): Promise<MemberExplanation> {
  const { customerId, asOf, config } = options;
  const allCustomers = !facts.is_member;

  const rfmRow = (await getRfmCustomers(store, { asOf, allCustomers, config: config.rfm })).find(
    (row) => row.customer_id === customerId,
  );
  const { cut_points } = await getRfmCutPoints(store, { asOf, allCustomers, config: config.rfm });
  const stageRow = (
    await getLifecycleCustomers(store, {
      asOf,
      allCustomers,
      config: config.lifecycle,
      predict: config.predict,
    })
  ).find((row) => row.customer_id === customerId);

  let tier: MemberExplanation['tier'] = null;
  if (facts.is_member) {
    const stored = await getLatestTierCalibration(store, asOf);
    const calibration =
      stored ?? (await calibrateTiers(store, { asOf, config: config.tiers, rfm: config.rfm }));
    const placed = (
      await getMemberTiers(store, { asOf, config: config.tiers, rfm: config.rfm }, calibration)
    ).find((row) => row.customer_id === customerId);
    tier = placed
      ? placeInCalibration({ tier: placed.tier, value: placed.value }, calibration, config, stored !== null)
      : null;
  }

  const [tags] = await getCustomerTags(store, { asOf, allCustomers, customerId, config: config.tags });

  const prediction = await getMemberPrediction(store, customerId, asOf, config.predict, 'live');
  return {
    as_of: asOf,
    source: 'live',
    population: allCustomers ? 'all_customers' : 'members',
    windows: windowsOf(config),
    facts,
    rfm: rfmRow ? withSegmentLabels({ ...rfmRow, cut_points }) : null,
    tier,
    lifecycle: stageRow ? withStageLabels(stageRow) : null,
    tags: tags ?? null,
    prediction,
    ...(await getStoredHistory(store, customerId, asOf)),
  };
}

const withSegmentLabels = (
  row: RfmCustomer & { readonly cut_points: RfmCutPoints },
): NonNullable<MemberExplanation['rfm']> => ({
  ...row,
  segment_name: RFM_SEGMENT_LABELS[row.segment].name,
  segment_zh: RFM_SEGMENT_LABELS[row.segment].zh,
});

const withStageLabels = (row: LifecycleCustomer): NonNullable<MemberExplanation['lifecycle']> => ({
  ...row,
  stage_name: LIFECYCLE_STAGE_LABELS[row.stage].name,
  stage_zh: LIFECYCLE_STAGE_LABELS[row.stage].zh,
});

/** What refresh and communities stored about the customer up to the day, read as stored either way. */
async function getStoredHistory(
  store: Store,
  customerId: string,
  asOf: string,
): Promise<Pick<MemberExplanation, 'community' | 'stage_history' | 'tier_history'>> {
  const community = await getCommunityOf(store, customerId, asOf);
  const stageHistory = await store.query<{
    changed_on: string;
    from_stage: LifecycleStage | null;
    to_stage: LifecycleStage;
  }>(
    sql`SELECT changed_on::VARCHAR AS changed_on, from_stage, to_stage FROM stage_changes
      WHERE customer_id = ${customerId} AND changed_on <= ${asOf}::DATE ORDER BY changed_on`,
  );
  const tierHistory = await store.query<{
    changed_on: string;
    from_tier: string | null;
    to_tier: string | null;
  }>(
    sql`SELECT changed_on::VARCHAR AS changed_on, from_tier, to_tier FROM tier_changes
      WHERE customer_id = ${customerId} AND changed_on <= ${asOf}::DATE ORDER BY changed_on`,
  );
  return { community, stage_history: stageHistory, tier_history: tierHistory };
}

/** One customer's row of a stored snapshot, with the figures stored beside the day's rows. */
interface SnapshotRow {
  population: 'members' | 'all_customers';
  tier_calibrated_on: string | null;
  recency_days: number | null;
  frequency: number;
  monetary: string;
  r: number | null;
  f: number | null;
  m: number | null;
  fm: number | null;
  score: number | null;
  segment: RfmSegmentOrNone;
  tier: string | null;
  tier_value: string | null;
  stage: LifecycleStage;
  stage_rule: string;
  [key: string]: string | number | null;
}

/**
 * The customer from the day's stored snapshot, or null when no snapshot of the day holds them
 * (or it was stored before its cut points were, schema v13). Point reads only.
 */
async function readSnapshotOf(
  store: Store,
  options: ExplainMemberOptions,
  facts: MemberFacts,
): Promise<MemberExplanation | null> {
  const { customerId, asOf, config } = options;
  const [row] = await store.query<SnapshotRow>(
    sql`SELECT n.population, n.tier_calibrated_on::VARCHAR AS tier_calibrated_on, s.recency_days, s.frequency,
        s.monetary::VARCHAR AS monetary, s.r, s.f, s.m, s.fm::INTEGER AS fm, s.score, s.segment, s.tier,
        s.tier_value::VARCHAR AS tier_value, s.stage, s.stage_rule
      FROM customer_snapshots s JOIN snapshots n USING (as_of)
      WHERE s.as_of = ${asOf}::DATE AND s.customer_id = ${customerId}`,
  );
  const cuts = row ? await getSnapshotCutPoints(store, asOf) : null;
  if (!row || !cuts) return null;
  const [tags] = await store.query<CustomerTags & Record<string, string | number | boolean | null>>(
    buildStoredTagsQuery(asOf, customerId),
  );
  return {
    as_of: asOf,
    source: 'snapshot',
    population: row.population,
    windows: windowsOf(config),
    facts,
    rfm: withSegmentLabels({
      customer_id: customerId,
      recency_days: row.recency_days,
      frequency: row.frequency,
      monetary: row.monetary,
      r: row.r,
      f: row.f,
      m: row.m,
      fm: row.fm,
      score: row.score,
      segment: row.segment,
      cut_points: cuts.cut_points,
    }),
    tier: facts.is_member
      ? placeInCalibration(
          { tier: row.tier, value: row.tier_value },
          cuts.tier_calibration,
          config,
          row.tier_calibrated_on !== null,
        )
      : null,
    lifecycle: withStageLabels({
      customer_id: customerId,
      stage: row.stage,
      rule: row.stage_rule,
      ...(await getOwnLifecycleFigures(store, options, cuts)),
    }),
    tags: tags ?? null,
    prediction: await getMemberPrediction(store, customerId, asOf, config.predict, 'snapshot'),
    ...(await getStoredHistory(store, customerId, asOf)),
  };
}

/**
 * The customer's stored tags of the day, as the customer_tag_snapshots view places them (the
 * same attribute SQL), with the customer and region rows read by key: the view joins every
 * customer, which costs a point read tens of milliseconds on a million.
 */
function buildStoredTagsQuery(asOf: string, customerId: string): Query {
  const params = new ParamList();
  const day = params.add(asOf);
  const id = params.add(customerId);
  const generations = `[${GENERATIONS.map((g) => `${params.add(g)}::VARCHAR`).join(', ')}]`;
  return {
    sql: `SELECT t.customer_id, ${attributeTagsSql('t.as_of', generations)}, t.power_band,
        t.power_spend::VARCHAR AS power_spend,
        t.page_views, t.sessions, t.pages_per_visit, t.avg_dwell_seconds, t.bounce_rate,
        t.purchases, t.aov::VARCHAR AS aov, t.items_per_order, t.largest_order::VARCHAR AS largest_order,
        t.net_spend::VARCHAR AS net_spend, t.first_purchase::VARCHAR AS first_purchase,
        t.last_purchase::VARCHAR AS last_purchase, t.purchases_per_30_days, t.purchase_cycle_days,
        t.expected_next_purchase::VARCHAR AS expected_next_purchase,
        t.refunds, t.last_refund::VARCHAR AS last_refund, t.rejections, t.last_rejection::VARCHAR AS last_rejection,
        t.complaints, t.last_complaint::VARCHAR AS last_complaint, t.low_ratings,
        t.last_low_rating::VARCHAR AS last_low_rating, t.negative_emotion
      FROM (SELECT * FROM customer_day_tags WHERE as_of = ${day}::DATE AND customer_id = ${id}) t
      LEFT JOIN (SELECT gender, birthday, province FROM customers WHERE id = ${id}) c ON true
      LEFT JOIN (SELECT * FROM snapshot_regions WHERE as_of = ${day}::DATE) r ON r.province = c.province`,
    params: params.values,
  };
}

/** A member's tier and value with the thresholds of the calibration that placed them. */
function placeInCalibration(
  placed: { readonly tier: string | null; readonly value: string | null },
  calibration: TierCalibration,
  config: ExplainMemberOptions['config'],
  stored: boolean,
): MemberExplanation['tier'] {
  const index = calibration.tiers.findIndex((t) => t.tier === placed.tier);
  const level = config.tiers.levels.find((l) => l.id === placed.tier);
  if (!placed.tier || !level || placed.value === null) return null;
  return {
    tier: placed.tier,
    name: level.name,
    name_zh: level.name_zh,
    value: placed.value,
    threshold: calibration.tiers[index]?.threshold ?? null,
    next_tier: calibration.tiers[index + 1]?.tier ?? null,
    next_threshold: calibration.tiers[index + 1]?.threshold ?? null,
    calibrated_on: calibration.calibrated_on,
    calibration_stored: stored,
  };
}

/**
 * The figures the lifecycle rules read, from the customer's own orders (the customer facts of
 * customer-facts.ts, for this customer only) and the store cycle C stored with the day, as
 * lifecycle-query.ts measures them: purchases and recent purchases (orders or purchase days per
 * config), the last purchase and recency, the own cycle c (C with one purchase day), the last gap.
 */
async function getOwnLifecycleFigures(
  store: Store,
  options: ExplainMemberOptions,
  cuts: SnapshotCutPoints,
): Promise<Omit<LifecycleCustomer, 'customer_id' | 'stage' | 'rule'>> {
  const config = options.config.lifecycle;
  const params = new ParamList();
  const factsSql = buildCustomerFactsSql(
    {
      asOf: options.asOf,
      // One customer's few orders: the always-correct cut costs nothing here.
      localDays: ZONE_LOCAL_DAYS,
      loyalWindowDays: config.loyal_window_days,
      loyalDays: config.purchases === 'order_days',
    },
    params,
  );
  const byOrders = config.purchases === 'orders';
  const [row] = await store.query<{
    purchases: number;
    recent_purchases: number;
    last_purchase: string | null;
    recency_days: number | null;
    own_cycle: number | null;
    last_gap_days: number | null;
  }>({
    sql: `SELECT ${byOrders ? 'purchases' : 'purchase_days'} AS purchases,
        ${byOrders ? 'loyal_purchases' : 'loyal_days'} AS recent_purchases,
        last_purchase::VARCHAR AS last_purchase,
        date_diff('day', last_purchase, ${params.add(options.asOf)}::DATE)::INTEGER AS recency_days,
        own_cycle, last_gap::INTEGER AS last_gap_days
      FROM (${factsSql}) WHERE customer_id = ${params.add(options.customerId)}`,
    params: params.values,
  });
  const purchases = row?.purchases ?? 0;
  return {
    purchases,
    recent_purchases: row?.recent_purchases ?? 0,
    last_purchase: row?.last_purchase ?? null,
    recency_days: row?.recency_days ?? null,
    cycle_days: purchases > 0 ? (row?.own_cycle ?? cuts.store_cycle_days) : null,
    last_gap_days: row?.last_gap_days ?? null,
  };
}

interface PredictionRow {
  p_alive: number | null;
  expected_purchases: number | null;
  expected_spend: number | null;
  clv: number | null;
  next_order_day: string | null;
  [key: string]: string | number | null;
}

const predictionColumns = `p_alive, expected_purchases, expected_spend, clv, next_order_day::VARCHAR AS next_order_day`;

/**
 * The stored predictions of the day; without a stored fit, fitted now on the live path and none
 * on the snapshot path (the day was refreshed without predictions, or too few repeat buyers).
 */
async function getMemberPrediction(
  store: Store,
  customerId: string,
  asOf: string,
  config: PredictConfig,
  source: MemberSource,
): Promise<MemberExplanation['prediction']> {
  const [fit] = await store.query<{ horizon_days: number; model: PurchaseModel }>(
    sql`SELECT horizon_days, model FROM prediction_snapshots WHERE as_of = ${asOf}::DATE AND status = 'fitted'`,
  );
  let row: PredictionRow | undefined;
  let horizon = config.horizon_days;
  if (!fit && source === 'snapshot') return null;
  let model: PurchaseModel | undefined = fit?.model;
  if (fit) {
    horizon = fit.horizon_days;
    [row] = await store.query<PredictionRow>({
      sql: `SELECT ${predictionColumns} FROM customer_prediction_snapshots WHERE as_of = $1::DATE AND customer_id = $2`,
      params: [asOf, customerId],
    });
  } else {
    const result = await predictCustomers(store, { asOf, config });
    if (result.status !== 'fitted') return null;
    model = result.model;
    [row] = await store.query<PredictionRow>({
      sql: `SELECT ${predictionColumns} FROM ${PREDICTIONS_TABLE} WHERE customer_id = $1`,
      params: [customerId],
    });
  }
  if (!row || !model) return null;
  return {
    ...row,
    churn_probability: row.p_alive === null ? null : 1 - row.p_alive,
    horizon_days: horizon,
    model,
    stored: fit !== undefined,
  };
}
