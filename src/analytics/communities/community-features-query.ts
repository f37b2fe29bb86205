/**
 * The behaviour features communities are found on (spec section 4: members grouped by shared
 * consumption attitudes), one row per member with a purchase as of a day, as a SQL value the
 * Store runs; and the features' closed set with their transform and their words.
 *
 * As of day D, members and purchases as in RFM (src/analytics/rfm/rfm-query.ts): members joined
 * before the end of D; GMV-status orders placed by then; a purchase has paid_amount > 0.
 * Members without a purchase have no behaviour to group and are left out.
 * - purchases: number of purchases;
 * - net_spend: Σ paid − Σ refunded over the GMV-status orders (below 0 counts as 0);
 * - aov: Σ paid / purchases;
 * - recency_days: D − the day of the last purchase;
 * - items_per_order: mean item_count over the purchases that record one (null when none does);
 * - discount_share: Σ discount / Σ (paid + discount) over the purchases: how much of the list
 *   price the member gets off, i.e. price sensitivity;
 * - refund_share: Σ refunded / Σ paid over the GMV-status orders (null when nothing was paid);
 * - page_views, avg_dwell_seconds: Σ PV and mean duration of the member's sessions started in the
 *   trailing activity window (the tags config's activity_window_days), 0 without sessions.
 */
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, type Query } from '../../store/sql.js';

export const COMMUNITY_FEATURES = [
  'purchases',
  'net_spend',
  'aov',
  'recency_days',
  'items_per_order',
  'discount_share',
  'refund_share',
  'page_views',
  'avg_dwell_seconds',
] as const;
export type CommunityFeature = (typeof COMMUNITY_FEATURES)[number];

/**
 * How each feature enters the distance: skewed counts and money through log(1 + x), so that a
 * few big spenders do not make every other member look alike; shares as they are.
 */
export const FEATURE_TRANSFORMS: Record<CommunityFeature, 'log1p' | 'identity'> = {
  purchases: 'log1p',
  net_spend: 'log1p',
  aov: 'log1p',
  recency_days: 'log1p',
  items_per_order: 'identity',
  discount_share: 'identity',
  refund_share: 'identity',
  page_views: 'log1p',
  avg_dwell_seconds: 'log1p',
};

/** The words for a community well above (high) or below (low) the members' average on a feature. */
export const FEATURE_WORDS: Record<
  CommunityFeature,
  { readonly high: { en: string; zh: string }; readonly low: { en: string; zh: string } }
> = {
  purchases: { high: { en: 'buys often', zh: '购买频繁' }, low: { en: 'buys rarely', zh: '购买次数少' } },
  net_spend: {
    high: { en: 'spends a lot', zh: '累计消费高' },
    low: { en: 'spends little', zh: '累计消费低' },
  },
  aov: { high: { en: 'large orders', zh: '客单价高' }, low: { en: 'small orders', zh: '客单价低' } },
  recency_days: {
    high: { en: 'has not bought for long', zh: '久未购买' },
    low: { en: 'bought recently', zh: '近期购买' },
  },
  items_per_order: {
    high: { en: 'many items per order', zh: '客单量大' },
    low: { en: 'few items per order', zh: '客单量小' },
  },
  discount_share: {
    high: { en: 'buys on discount', zh: '偏爱优惠' },
    low: { en: 'pays full price', zh: '很少用优惠' },
  },
  refund_share: {
    high: { en: 'refunds often', zh: '退款较多' },
    low: { en: 'rarely refunds', zh: '很少退款' },
  },
  page_views: { high: { en: 'browses a lot', zh: '浏览多' }, low: { en: 'browses little', zh: '浏览少' } },
  avg_dwell_seconds: {
    high: { en: 'long visits', zh: '停留时间长' },
    low: { en: 'short visits', zh: '停留时间短' },
  },
};

export interface CommunityFeaturesOptions {
  /** YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  /** The trailing window of page views and dwell time, in days. */
  readonly activityDays: number;
}

/** One row per member with a purchase as of the day, by customer id, with every feature. */
export function buildCommunityFeaturesQuery(options: CommunityFeaturesOptions): Query {
  const params = new ParamList();
  const asOf = params.add(options.asOf);
  const activityDays = params.add(options.activityDays);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const sql = `WITH
    cutoff AS (SELECT ${asOf}::DATE AS as_of, (${asOf}::DATE + 1)::TIMESTAMPTZ AS end_at,
      (${asOf}::DATE - ${activityDays}::INTEGER + 1)::TIMESTAMPTZ AS activity_start),
    purchase AS (
      SELECT o.customer_id,
        count(*) FILTER (WHERE o.paid_amount > 0) AS purchases,
        sum(o.paid_amount - o.refunded_amount) AS net_spend,
        sum(o.paid_amount) AS paid,
        sum(o.refunded_amount) AS refunded,
        max(o.placed_at::DATE) FILTER (WHERE o.paid_amount > 0) AS last_purchase,
        avg(o.item_count) FILTER (WHERE o.paid_amount > 0) AS items_per_order,
        sum(o.discount) FILTER (WHERE o.paid_amount > 0) AS discount,
        sum(o.paid_amount + o.discount) FILTER (WHERE o.paid_amount > 0) AS list_price
      FROM orders o JOIN customers c ON c.id = o.customer_id
      WHERE c.member_since < (SELECT end_at FROM cutoff) AND o.placed_at < (SELECT end_at FROM cutoff)
        AND o.status IN (${statuses})
      GROUP BY o.customer_id
    ),
    activity AS (
      SELECT customer_id, sum(page_views) AS page_views, avg(duration_seconds) AS avg_dwell_seconds
      FROM sessions
      WHERE customer_id IS NOT NULL AND started_at >= (SELECT activity_start FROM cutoff)
        AND started_at < (SELECT end_at FROM cutoff)
      GROUP BY customer_id
    )
    SELECT p.customer_id, p.purchases::INTEGER AS purchases,
      greatest(p.net_spend, 0)::DOUBLE AS net_spend,
      (p.paid / p.purchases)::DOUBLE AS aov,
      date_diff('day', p.last_purchase, (SELECT as_of FROM cutoff))::INTEGER AS recency_days,
      p.items_per_order::DOUBLE AS items_per_order,
      coalesce(p.discount / nullif(p.list_price, 0), 0)::DOUBLE AS discount_share,
      (p.refunded / nullif(p.paid, 0))::DOUBLE AS refund_share,
      coalesce(a.page_views, 0)::DOUBLE AS page_views,
      coalesce(a.avg_dwell_seconds, 0)::DOUBLE AS avg_dwell_seconds
    FROM purchase p LEFT JOIN activity a USING (customer_id)
    WHERE p.purchases > 0
    ORDER BY p.customer_id`;
  return { sql, params: params.values };
}

/** The temporary table a run keeps the features of the day in (one computation per run). */
export const FEATURES_TABLE = 'community_features_of_run';

/** A feature on the scale k-means sees: log(1 + x) for the skewed ones, NULL kept as NULL. */
function transformed(feature: CommunityFeature): string {
  return FEATURE_TRANSFORMS[feature] === 'log1p'
    ? `CASE WHEN ${feature} IS NOT NULL THEN ln(1 + greatest(${feature}, 0)) END`
    : feature;
}

/** Rows: n; per feature the mean of the transformed values, their population variance and count. */
export function buildFeatureStatsQuery(): Query {
  const columns = COMMUNITY_FEATURES.map((f) => {
    const x = transformed(f);
    return `avg(${x})::DOUBLE AS mean_${f}, var_pop(${x})::DOUBLE AS var_${f}, count(${x})::INTEGER AS count_${f}`;
  });
  return { sql: `SELECT count(*)::INTEGER AS n, ${columns.join(', ')} FROM ${FEATURES_TABLE}`, params: [] };
}

/** How the features are put on one scale: per feature, the mean and standard deviation of the transformed values. */
export interface FeatureScale {
  readonly means: readonly number[];
  readonly sds: readonly number[];
}

/**
 * The z-score of every feature as columns z_<feature>, from the table of features: a missing
 * value takes its feature's mean (so z = 0 there), and a constant feature is 0 everywhere, so it
 * weighs nothing in the distances.
 */
export function buildZColumns(scale: FeatureScale, params: ParamList): string {
  return COMMUNITY_FEATURES.map((f, i) => {
    const sd = scale.sds[i] ?? 0;
    if (sd <= 1e-12) return `0::DOUBLE AS z_${f}`;
    const mean = params.add(scale.means[i] ?? 0);
    return `((coalesce(${transformed(f)}, ${mean}::DOUBLE) - ${mean}::DOUBLE) / ${params.add(sd)}::DOUBLE) AS z_${f}`;
  }).join(', ');
}

/**
 * Every member of the table of features with its z-scores (z_<feature>) and the number (1 …) of
 * its nearest centre as `centre`: the squared distances to the centres as one list, and the
 * position of its least (the first on a tie, as k-means assigns).
 */
export function buildNearestCentreRelation(
  scale: FeatureScale,
  centres: readonly (readonly number[])[],
  params: ParamList,
): string {
  const distances = centres.map(
    (centre) =>
      `(${COMMUNITY_FEATURES.map((f, i) => `(z_${f} - ${params.add(centre[i] ?? 0)}::DOUBLE) ** 2`).join(' + ')})`,
  );
  return `(SELECT * EXCLUDE (distances), list_position(distances, list_min(distances))::INTEGER AS centre
    FROM (SELECT *, [${distances.join(', ')}] AS distances
      FROM (SELECT *, ${buildZColumns(scale, params)} FROM ${FEATURES_TABLE})))`;
}
