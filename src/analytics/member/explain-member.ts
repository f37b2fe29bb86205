/**
 * Explains one customer as of a day: the raw facts, the R/F/M values and scores with the cut
 * points that decided them, the segment and its grid cell, the tier and the threshold passed,
 * the lifecycle stage and the rule that placed them, and the history of stage and tier changes
 * stored by refresh. Each figure comes from the same query its own command runs, so `member`
 * never disagrees with `rfm`, `tiers` or `lifecycle`.
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
import { calibrateTiers, getLatestTierCalibration, getMemberTiers } from '../tiers/tiers.js';

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

export interface MemberExplanation {
  readonly as_of: string;
  /** 'members', or 'all_customers' when the customer is not a member and is scored among all. */
  readonly population: 'members' | 'all_customers';
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
  readonly stage_history: readonly { changed_on: string; from_stage: string | null; to_stage: string }[];
  readonly tier_history: readonly { changed_on: string; from_tier: string | null; to_tier: string | null }[];
}

export interface ExplainMemberOptions {
  readonly customerId: string;
  readonly asOf: string;
  readonly config: Pick<Config, 'rfm' | 'tiers' | 'lifecycle' | 'tags' | 'predict'>;
}

const gmvStatuses = GMV_STATUSES.map((status) => `'${status}'`).join(', ');

export async function explainMember(store: Store, options: ExplainMemberOptions): Promise<MemberExplanation> {
  const { customerId, asOf, config } = options;
  const before = `< ($1::DATE + 1)::TIMESTAMPTZ`;
  const ordersOf = `FROM orders o WHERE o.customer_id = c.id AND o.placed_at ${before}`;
  const [facts] = await store.query<MemberFacts & Record<string, string | number | boolean | null>>({
    sql: `SELECT c.id, c.name, c.gender, c.birthday::VARCHAR AS birthday, c.province, c.city,
        strftime(c.member_since, '%Y-%m-%d %H:%M') AS member_since,
        coalesce(c.member_since ${before}, false) AS is_member,
        (SELECT count(*)::INTEGER ${ordersOf}) AS orders,
        (SELECT count(*)::INTEGER ${ordersOf} AND o.status IN (${gmvStatuses}) AND o.paid_amount > 0) AS purchases,
        (SELECT min(placed_at)::DATE::VARCHAR ${ordersOf} AND o.status IN (${gmvStatuses}) AND o.paid_amount > 0) AS first_purchase,
        (SELECT max(placed_at)::DATE::VARCHAR ${ordersOf} AND o.status IN (${gmvStatuses}) AND o.paid_amount > 0) AS last_purchase,
        (SELECT coalesce(sum(paid_amount), 0)::VARCHAR ${ordersOf} AND o.status IN (${gmvStatuses})) AS paid,
        (SELECT coalesce(sum(refunded_amount), 0)::VARCHAR ${ordersOf} AND o.status IN (${gmvStatuses})) AS refunded,
        (SELECT count(*)::INTEGER FROM sessions s WHERE s.customer_id = c.id AND s.started_at ${before}) AS sessions,
        (SELECT count(*)::INTEGER FROM feedback f WHERE f.customer_id = c.id AND f.created_at ${before}) AS feedback
      FROM customers c WHERE c.id = $2`,
    params: [asOf, customerId],
  });
  if (!facts) throw new AppError('BAD_ARGUMENT', `no customer with id '${customerId}' in the store`);
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
    const index = calibration.tiers.findIndex((t) => t.tier === placed?.tier);
    const level = config.tiers.levels.find((l) => l.id === placed?.tier);
    if (placed && level) {
      tier = {
        tier: placed.tier,
        name: level.name,
        name_zh: level.name_zh,
        value: placed.value,
        threshold: calibration.tiers[index]?.threshold ?? null,
        next_tier: calibration.tiers[index + 1]?.tier ?? null,
        next_threshold: calibration.tiers[index + 1]?.threshold ?? null,
        calibrated_on: calibration.calibrated_on,
        calibration_stored: stored !== null,
      };
    }
  }

  const [tags] = await getCustomerTags(store, { asOf, allCustomers, customerId, config: config.tags });

  const prediction = await getMemberPrediction(store, customerId, asOf, config.predict);
  const community = await getCommunityOf(store, customerId, asOf);

  const stageHistory = await store.query<{ changed_on: string; from_stage: string | null; to_stage: string }>(
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
  return {
    as_of: asOf,
    population: allCustomers ? 'all_customers' : 'members',
    facts,
    rfm: rfmRow
      ? {
          ...rfmRow,
          cut_points,
          segment_name: RFM_SEGMENT_LABELS[rfmRow.segment].name,
          segment_zh: RFM_SEGMENT_LABELS[rfmRow.segment].zh,
        }
      : null,
    tier,
    lifecycle: stageRow
      ? {
          ...stageRow,
          stage_name: LIFECYCLE_STAGE_LABELS[stageRow.stage].name,
          stage_zh: LIFECYCLE_STAGE_LABELS[stageRow.stage].zh,
        }
      : null,
    tags: tags ?? null,
    community,
    prediction,
    stage_history: stageHistory,
    tier_history: tierHistory,
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

async function getMemberPrediction(
  store: Store,
  customerId: string,
  asOf: string,
  config: PredictConfig,
): Promise<MemberExplanation['prediction']> {
  const [fit] = await store.query<{ horizon_days: number; model: PurchaseModel }>(
    sql`SELECT horizon_days, model FROM prediction_snapshots WHERE as_of = ${asOf}::DATE AND status = 'fitted'`,
  );
  let row: PredictionRow | undefined;
  let horizon = config.horizon_days;
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
