/**
 * Behaviour tags (spec section 5, issue 4 item 4) as of a day, as SQL values the Store runs. One
 * CTE chain (buildTagsRelation) ends in `tags`: one row per counted customer with all four
 * families, computed set-oriented; the per-customer list and the store summary read it.
 *
 * "As of", "counted" and "purchase" are as in RFM: as of day D = up to the end of D in the
 * store's timezone; counted = members (member_since before the end of D), with allCustomers
 * also every customer with an order placed by then; guest orders never; a purchase is an order
 * in a GMV status with paid_amount > 0. A window of N days ending with D is the days
 * D − N + 1 … D (store timezone).
 *
 * Attributes 属性
 * - gender, province as stored; birthday_month 1–12.
 * - age = whole years at D: year(D) − year(birthday), less one if D's month-day is before the
 *   birthday's (a 02-29 birthday comes on 03-01 in other years).
 * - generation by birth year: before 1960 60前; 1960–69 60后, 70后, 80后, 90后, 00后; 2010 and
 *   later 10后.
 * - north_south and big_region from the region table (src/domain/regions.ts with the config's
 *   `regions` changes); null when the province is empty or not in the table.
 * - power_band 购买力: the net spend (Σ paid − Σ refunded over GMV-status orders) placed in the
 *   trailing power_window_days, among the counted customers with a purchase in that window. The
 *   three cut points are nearest-rank percentiles of those customers' spend (the p-th is the
 *   value at rank ceil(p·n/100) ascending); band = 1 + the number of cut points the spend
 *   exceeds (equal spends share a band): low 低, mid 中, high 高, very_high 很高. Null (no band)
 *   without a purchase in the window.
 * Activity 活跃度 — sessions with the customer's id started in the activity window:
 * - page_views = Σ PV; sessions; pages_per_visit = Σ PV / sessions; avg_dwell_seconds = mean
 *   duration; bounce_rate = bounced sessions / sessions (bounced, or PV ≤ 1 when not given).
 *   With no session: 0, 0 and null for the three ratios.
 * Purchase behaviour 购买行为 — GMV-status orders placed up to D:
 * - purchases; aov 客单价 = Σ paid / purchases (gross, like the KPI's AOV); items_per_order =
 *   mean item_count over the purchases that record one; largest_order = the largest paid amount;
 *   net_spend = Σ paid − Σ refunded (refund-only orders included, as in RFM).
 * - first_purchase, last_purchase (days); purchases_per_30_days = purchases × 30 / (D − first
 *   purchase day + 1): purchases per 30 days since (and including) the first purchase day.
 * - purchase_cycle_days = the median of the gaps between consecutive purchase days (as the
 *   lifecycle's own cycle c); null with one purchase day (the store cycle C is not used here).
 * - expected_next_purchase = last purchase day + round(cycle) days; null without a cycle.
 * Emotion 情绪 — events on days in the emotion window (up to D). Feedback without a customer id
 * belongs to the customer of its order.
 * - refunds: refunded orders, counted once each, plus refund feedback not tied to an order. An
 *   order is refunded when a refund feedback names it (event day: that feedback's day) or, with
 *   no such feedback up to D, when its refunded_amount > 0 (event day: the order's day, since
 *   orders carry no refund date). last_refund is the latest event day. The refunded orders come
 *   from the customer facts' one pass over the orders; only a customer with an order that
 *   feedback names has their other refunded orders looked up again.
 * - rejections 拒收, complaints: feedback rows of those kinds; low_ratings: ratings ≤
 *   low_rating_max. Each with its count and last day.
 * - negative_emotion = any of the four counts is above 0.
 */
import type { TagsConfig } from '../../config/tags-config.js';
import { attributeTagsSql, GENERATIONS } from '../../domain/attribute-tags.js';
import { PROVINCES } from '../../domain/regions.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, type Query } from '../../store/sql.js';
import { countedFactsCtes, type FactsSource } from '../facts/customer-facts.js';
import { valuesAtRanksSql } from '../ranked-values.js';

export interface TagsOptions {
  /** The as-of day, YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  /** Also tag customers who are not members (as of the day). */
  readonly allCustomers?: boolean;
  /** Only this customer (still measured against the whole store for the power bands). */
  readonly customerId?: string;
  readonly config: TagsConfig;
  /** Where the customer facts come from (default: computed inline). */
  readonly facts?: FactsSource;
}

export const POWER_BANDS = ['low', 'mid', 'high', 'very_high'] as const;
export type PowerBand = (typeof POWER_BANDS)[number];

export { GENERATIONS, type Generation } from '../../domain/attribute-tags.js';

/** The dimensions of the summary's distribution rows. */
export const TAG_DIMENSIONS = [
  'gender',
  'generation',
  'north_south',
  'big_region',
  'power_band',
  'birthday_month',
] as const;
export type TagDimension = (typeof TAG_DIMENSIONS)[number];

/** The region table: every province with the config's changes applied. */
export function listRegions(
  config: TagsConfig,
): { province: string; north_south: string; big_region: string }[] {
  return PROVINCES.map((province) => {
    const change = config.regions[province.name];
    return {
      province: province.name,
      north_south: change?.north_south ?? province.northSouth,
      big_region: change?.big_region ?? province.bigRegion,
    };
  });
}

/** SQL: the region table as a VALUES relation (province, north_south, big_region). */
export function regionsSql(config: TagsConfig, params: ParamList): string {
  const rows = listRegions(config)
    .map((r) => `(${params.add(r.province)}, ${params.add(r.north_south)}, ${params.add(r.big_region)})`)
    .join(', ');
  return `(VALUES ${rows}) AS regions(province, north_south, big_region)`;
}

function buildTagsRelation(options: TagsOptions, params: ParamList): string {
  const { config } = options;
  const asOf = params.add(options.asOf);
  const activityDays = params.add(config.activity_window_days);
  const emotionDays = params.add(config.emotion_window_days);
  const counted = countedFactsCtes(
    options.facts,
    {
      asOf: options.asOf,
      allCustomers: options.allCustomers ?? false,
      powerWindowDays: config.power_window_days,
      emotionWindowDays: config.emotion_window_days,
    },
    params,
  );
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const lowRating = params.add(config.low_rating_max);
  const percentiles = config.power_percentiles.map((p) => params.add(p));
  const bands = POWER_BANDS.map((band) => params.add(band)).join(', ');
  const generations = GENERATIONS.map((generation) => params.add(generation)).join(', ');
  return `WITH
    ${counted},
    cutoff AS (
      SELECT ${asOf}::DATE AS as_of,
        (${asOf}::DATE + 1)::TIMESTAMPTZ AS end_at,
        (${asOf}::DATE - ${activityDays}::INTEGER + 1)::TIMESTAMPTZ AS activity_start,
        ${asOf}::DATE - ${emotionDays}::INTEGER + 1 AS emotion_start,
        (${asOf}::DATE - ${emotionDays}::INTEGER + 1)::TIMESTAMPTZ AS emotion_start_at,
        [${bands}]::VARCHAR[] AS bands, [${generations}]::VARCHAR[] AS generations
    ),
    regions AS (SELECT * FROM ${regionsSql(config, params)}),
    power_cuts AS (
      SELECT "values" AS cuts FROM (${valuesAtRanksSql(
        '(SELECT power_spend FROM counted_facts WHERE power_purchases > 0)',
        'power_spend',
        percentiles.map((p) => `ceil(${p}::DOUBLE * n / 100)`),
      )})
    ),
    activity AS (
      SELECT s.customer_id, sum(s.page_views) AS page_views, count(*) AS sessions,
        avg(s.duration_seconds)::DOUBLE AS avg_dwell_seconds,
        avg(coalesce(s.bounced, s.page_views <= 1)::INTEGER)::DOUBLE AS bounce_rate
      FROM sessions s, cutoff k
      WHERE s.customer_id IS NOT NULL AND s.started_at >= k.activity_start AND s.started_at < k.end_at
      GROUP BY s.customer_id
    ),
    -- The feedback up to the day. Only refund feedback (which may name one of the window's
    -- refunded orders) and feedback without a customer (whose customer is its order's) need
    -- their order looked up; the other rows count only in the emotion window.
    fb AS (
      SELECT coalesce(f.customer_id, o.customer_id) AS customer_id, f.order_id, f.kind, f.rating,
        f.created_at, f.created_at::DATE AS day,
        -- whether the order it names is one of the window's refunded orders the facts count
        o.customer_id AS order_customer_id, o.customer_id IS NOT NULL AND o.refunded_amount > 0
          AND o.status IN (${statuses}) AND o.placed_at >= k.emotion_start_at AND o.placed_at < k.end_at
          AS names_window_refund
      FROM feedback f LEFT JOIN orders o ON o.id = f.order_id, cutoff k
      WHERE f.created_at < k.end_at AND (f.kind = 'refund' OR f.customer_id IS NULL)
      UNION ALL
      SELECT f.customer_id, f.order_id, f.kind, f.rating, f.created_at, f.created_at::DATE, NULL, false
      FROM feedback f, cutoff k
      WHERE f.created_at >= k.emotion_start_at AND f.created_at < k.end_at AND f.kind <> 'refund'
        AND f.customer_id IS NOT NULL
    ),
    -- Per customer, the window's refunded orders that refund feedback names: counted once, as
    -- that feedback, so taken off the facts' count of refunded orders.
    named_refunds AS (
      SELECT order_customer_id AS customer_id, count(DISTINCT order_id) AS named
      FROM fb WHERE kind = 'refund' AND names_window_refund GROUP BY order_customer_id
    ),
    -- Those customers' last refunded order in the window that no feedback names.
    unnamed_refunds AS (
      SELECT o.customer_id, max(o.placed_at::DATE) AS last_refund
      FROM orders o JOIN named_refunds n ON n.customer_id = o.customer_id, cutoff k
      WHERE o.refunded_amount > 0 AND o.status IN (${statuses}) AND o.placed_at >= k.emotion_start_at
        AND o.placed_at < k.end_at
        AND o.id NOT IN (SELECT order_id FROM fb WHERE kind = 'refund' AND order_id IS NOT NULL)
      GROUP BY o.customer_id
    ),
    emotion_events AS (
      SELECT customer_id, 'refund' AS kind, coalesce(order_id, 'feedback ' || created_at::VARCHAR) AS ref, day
      FROM fb WHERE kind = 'refund'
      UNION ALL
      SELECT customer_id, kind, NULL, day FROM fb WHERE kind IN ('rejection', 'complaint')
      UNION ALL
      SELECT customer_id, 'low_rating', NULL, day FROM fb WHERE kind = 'rating' AND rating <= ${lowRating}::INTEGER
    ),
    emotion AS (
      SELECT e.customer_id,
        count(DISTINCT e.ref) FILTER (WHERE e.kind = 'refund') AS refunds,
        max(e.day) FILTER (WHERE e.kind = 'refund') AS last_refund,
        count(*) FILTER (WHERE e.kind = 'rejection') AS rejections,
        max(e.day) FILTER (WHERE e.kind = 'rejection') AS last_rejection,
        count(*) FILTER (WHERE e.kind = 'complaint') AS complaints,
        max(e.day) FILTER (WHERE e.kind = 'complaint') AS last_complaint,
        count(*) FILTER (WHERE e.kind = 'low_rating') AS low_ratings,
        max(e.day) FILTER (WHERE e.kind = 'low_rating') AS last_low_rating
      FROM emotion_events e, cutoff k
      WHERE e.customer_id IS NOT NULL AND e.day >= k.emotion_start
      GROUP BY e.customer_id
    ),
    tags AS (
      SELECT c.customer_id,
        ${attributeTagsSql('k.as_of', 'k.generations')},
        CASE WHEN c.power_purchases > 0 THEN
          k.bands[1 + (c.power_spend > pc.cuts[1])::INTEGER
            + (c.power_spend > pc.cuts[2])::INTEGER + (c.power_spend > pc.cuts[3])::INTEGER]
        END AS power_band,
        CASE WHEN c.power_purchases > 0 THEN c.power_spend END AS power_spend,
        coalesce(a.page_views, 0)::INTEGER AS page_views,
        coalesce(a.sessions, 0)::INTEGER AS sessions,
        a.page_views::DOUBLE / a.sessions AS pages_per_visit,
        a.avg_dwell_seconds, a.bounce_rate,
        coalesce(c.purchases, 0)::INTEGER AS purchases,
        round(c.gross / c.purchases, 2)::DECIMAL(18,2) AS aov,
        c.items_per_order, c.largest_order,
        coalesce(c.net, 0)::DECIMAL(38,2) AS net_spend,
        c.first_purchase, c.last_purchase,
        CASE WHEN c.purchases > 0 THEN c.purchases * 30.0 / (date_diff('day', c.first_purchase, k.as_of) + 1) END
          ::DOUBLE AS purchases_per_30_days,
        c.own_cycle AS purchase_cycle_days,
        c.last_purchase + round(c.own_cycle)::INTEGER AS expected_next_purchase,
        (coalesce(e.refunds, 0) + coalesce(c.window_refunds, 0) - coalesce(nr.named, 0))::INTEGER AS refunds,
        greatest(e.last_refund, CASE WHEN nr.customer_id IS NULL THEN c.last_window_refund ELSE ur.last_refund END)
          AS last_refund,
        coalesce(e.rejections, 0)::INTEGER AS rejections, e.last_rejection,
        coalesce(e.complaints, 0)::INTEGER AS complaints, e.last_complaint,
        coalesce(e.low_ratings, 0)::INTEGER AS low_ratings, e.last_low_rating,
        coalesce(e.refunds, 0) + coalesce(c.window_refunds, 0) - coalesce(nr.named, 0)
          + coalesce(e.rejections + e.complaints + e.low_ratings, 0) > 0 AS negative_emotion
      FROM counted_facts c CROSS JOIN cutoff k CROSS JOIN power_cuts pc
        LEFT JOIN regions r ON r.province = c.province
        LEFT JOIN activity a ON a.customer_id = c.customer_id
        LEFT JOIN emotion e ON e.customer_id = c.customer_id
        LEFT JOIN named_refunds nr ON nr.customer_id = c.customer_id
        LEFT JOIN unnamed_refunds ur ON ur.customer_id = c.customer_id
    )`;
}

/** One row per counted customer (or the one asked for) with every tag; dates and money as text. */
export function buildTagsCustomersQuery(options: TagsOptions): Query {
  const params = new ParamList();
  const relation = buildTagsRelation(options, params);
  const only =
    options.customerId === undefined ? '' : `WHERE customer_id = ${params.add(options.customerId)}`;
  return {
    sql: `${relation}
      SELECT customer_id, gender, age, generation, birthday_month, province, north_south, big_region, power_band,
        power_spend::VARCHAR AS power_spend,
        page_views, sessions, pages_per_visit, avg_dwell_seconds, bounce_rate,
        purchases, aov::VARCHAR AS aov, items_per_order, largest_order::VARCHAR AS largest_order,
        net_spend::VARCHAR AS net_spend, first_purchase::VARCHAR AS first_purchase,
        last_purchase::VARCHAR AS last_purchase, purchases_per_30_days, purchase_cycle_days,
        expected_next_purchase::VARCHAR AS expected_next_purchase,
        refunds, last_refund::VARCHAR AS last_refund, rejections, last_rejection::VARCHAR AS last_rejection,
        complaints, last_complaint::VARCHAR AS last_complaint, low_ratings,
        last_low_rating::VARCHAR AS last_low_rating, negative_emotion
      FROM tags ${only} ORDER BY customer_id`,
    params: params.values,
  };
}

/** Every counted customer's tags as typed columns; a refresh stores the day tags of them. */
export function buildTagsRowsQuery(options: TagsOptions): Query {
  const params = new ParamList();
  const relation = buildTagsRelation(options, params);
  return { sql: `${relation}\nSELECT * FROM tags`, params: params.values };
}

/** Customers per value of each attribute dimension (null values as null). */
export function buildTagsDistributionQuery(options: TagsOptions): Query {
  const params = new ParamList();
  const relation = buildTagsRelation(options, params);
  const parts = TAG_DIMENSIONS.map(
    (dimension) =>
      `SELECT '${dimension}' AS dimension, ${dimension}::VARCHAR AS value, count(*)::INTEGER AS customers FROM tags GROUP BY ALL`,
  );
  return {
    sql: `${relation}\n${parts.join('\nUNION ALL\n')}\nORDER BY dimension, value NULLS LAST`,
    params: params.values,
  };
}

/** One row of store-wide figures: activity means, purchase means, emotion counts. */
export function buildTagsOverviewQuery(options: TagsOptions): Query {
  const params = new ParamList();
  const relation = buildTagsRelation(options, params);
  return {
    sql: `${relation}
      SELECT count(*)::INTEGER AS customers,
        count(*) FILTER (WHERE sessions > 0)::INTEGER AS active_customers,
        avg(page_views)::DOUBLE AS mean_page_views, avg(sessions)::DOUBLE AS mean_sessions,
        avg(pages_per_visit)::DOUBLE AS mean_pages_per_visit, avg(avg_dwell_seconds)::DOUBLE AS mean_dwell_seconds,
        avg(bounce_rate)::DOUBLE AS mean_bounce_rate,
        count(*) FILTER (WHERE purchases > 0)::INTEGER AS buyers,
        avg(purchases) FILTER (WHERE purchases > 0)::DOUBLE AS mean_purchases,
        avg(aov)::DOUBLE AS mean_aov, avg(items_per_order)::DOUBLE AS mean_items_per_order,
        avg(net_spend) FILTER (WHERE purchases > 0)::DOUBLE AS mean_net_spend,
        median(purchase_cycle_days)::DOUBLE AS median_purchase_cycle_days,
        count(*) FILTER (WHERE negative_emotion)::INTEGER AS negative_customers,
        count(*) FILTER (WHERE refunds > 0)::INTEGER AS refund_customers,
        count(*) FILTER (WHERE rejections > 0)::INTEGER AS rejection_customers,
        count(*) FILTER (WHERE complaints > 0)::INTEGER AS complaint_customers,
        count(*) FILTER (WHERE low_ratings > 0)::INTEGER AS low_rating_customers
      FROM tags`,
    params: params.values,
  };
}
