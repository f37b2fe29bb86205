/**
 * Behaviour tags of the store's customers: runs the queries of tags-query.ts and shapes the
 * results (snake_case, money and days as text) for the CLI and later the snapshot and
 * `member ID`. Nothing is stored yet: tags are computed on the fly.
 */
import { BIG_REGIONS, NORTH_SOUTH } from '../../domain/regions.js';
import type { Gender } from '../../store/entities.js';
import type { Store } from '../../store/store.js';
import { withLocalDays } from '../facts/customer-facts.js';
import {
  buildTagsCustomersQuery,
  buildTagsDistributionQuery,
  buildTagsOverviewQuery,
  GENERATIONS,
  type Generation,
  POWER_BANDS,
  type PowerBand,
  TAG_DIMENSIONS,
  type TagDimension,
  type TagsOptions,
} from './tags-query.js';

export type { Generation, PowerBand, TagDimension, TagsOptions } from './tags-query.js';
export { GENERATIONS, POWER_BANDS, TAG_DIMENSIONS } from './tags-query.js';

/** zh-CN labels of the purchasing-power bands. */
export const POWER_BAND_LABELS: Readonly<Record<PowerBand, string>> = {
  low: '低',
  mid: '中',
  high: '高',
  very_high: '很高',
};

export interface CustomerTags {
  readonly customer_id: string;
  // Attributes 属性
  readonly gender: Gender;
  readonly age: number | null;
  /** 60前, 60后 … 00后, 10后. */
  readonly generation: Generation | null;
  readonly birthday_month: number | null;
  readonly province: string | null;
  readonly north_south: string | null;
  readonly big_region: string | null;
  readonly power_band: PowerBand | null;
  /** Net spend in the power window, the measure the band cuts. */
  readonly power_spend: string | null;
  // Activity 活跃度
  readonly page_views: number;
  readonly sessions: number;
  readonly pages_per_visit: number | null;
  readonly avg_dwell_seconds: number | null;
  readonly bounce_rate: number | null;
  // Purchase behaviour 购买行为
  readonly purchases: number;
  readonly aov: string | null;
  readonly items_per_order: number | null;
  readonly largest_order: string | null;
  readonly net_spend: string;
  readonly first_purchase: string | null;
  readonly last_purchase: string | null;
  readonly purchases_per_30_days: number | null;
  readonly purchase_cycle_days: number | null;
  readonly expected_next_purchase: string | null;
  // Emotion 情绪
  readonly refunds: number;
  readonly last_refund: string | null;
  readonly rejections: number;
  readonly last_rejection: string | null;
  readonly complaints: number;
  readonly last_complaint: string | null;
  readonly low_ratings: number;
  readonly last_low_rating: string | null;
  readonly negative_emotion: boolean;
}

export interface TagValueCount {
  /** The tag's value; null = not known (no birthday, no province, no purchase in the power window). */
  readonly value: string | null;
  readonly customers: number;
  /** Share of the counted customers, 0–1. */
  readonly share: number;
}

export interface TagsSummary {
  readonly as_of: string;
  readonly population: 'members' | 'all_customers';
  readonly customers: number;
  readonly attributes: Record<TagDimension, readonly TagValueCount[]>;
  readonly activity: {
    readonly window_days: number;
    /** Customers with a session in the window. */
    readonly active_customers: number;
    readonly mean_page_views: number | null;
    readonly mean_sessions: number | null;
    /** Means over the active customers of their own ratios. */
    readonly mean_pages_per_visit: number | null;
    readonly mean_dwell_seconds: number | null;
    readonly mean_bounce_rate: number | null;
  };
  readonly purchase: {
    readonly buyers: number;
    /** Means over the buyers. */
    readonly mean_purchases: number | null;
    readonly mean_aov: number | null;
    readonly mean_items_per_order: number | null;
    readonly mean_net_spend: number | null;
    readonly median_purchase_cycle_days: number | null;
  };
  readonly emotion: {
    readonly window_days: number;
    readonly negative_customers: number;
    readonly negative_share: number;
    readonly refund_customers: number;
    readonly rejection_customers: number;
    readonly complaint_customers: number;
    readonly low_rating_customers: number;
  };
}

/** Every counted customer's tags as of the day (or only `customerId`), by customer id. */
export async function getCustomerTags(store: Store, options: TagsOptions): Promise<CustomerTags[]> {
  return store.query<CustomerTags & Record<string, string | number | boolean | null>>(
    buildTagsCustomersQuery(await withLocalDays(store, options)),
  );
}

interface OverviewRow {
  customers: number;
  active_customers: number;
  mean_page_views: number | null;
  mean_sessions: number | null;
  mean_pages_per_visit: number | null;
  mean_dwell_seconds: number | null;
  mean_bounce_rate: number | null;
  buyers: number;
  mean_purchases: number | null;
  mean_aov: number | null;
  mean_items_per_order: number | null;
  mean_net_spend: number | null;
  median_purchase_cycle_days: number | null;
  negative_customers: number;
  refund_customers: number;
  rejection_customers: number;
  complaint_customers: number;
  low_rating_customers: number;
  [key: string]: number | null;
}

/** Each family's distribution over the counted customers as of the day. */
export async function getTagsSummary(store: Store, given: TagsOptions): Promise<TagsSummary> {
  const options = await withLocalDays(store, given);
  const [distribution, overviews] = await Promise.all([
    store.query<{ dimension: TagDimension; value: string | null; customers: number }>(
      buildTagsDistributionQuery(options),
    ),
    store.query<OverviewRow>(buildTagsOverviewQuery(options)),
  ]);
  const o = overviews[0];
  const total = o?.customers ?? 0;
  const share = (n: number): number => (total ? n / total : 0);
  const attributes = Object.fromEntries(
    TAG_DIMENSIONS.map((dimension) => {
      let rows = distribution.filter((row) => row.dimension === dimension);
      const order = VALUE_ORDER[dimension];
      if (order) rows = [...rows].sort((a, b) => orderIn(order, a.value) - orderIn(order, b.value));
      if (dimension === 'birthday_month')
        rows = [...rows].sort((a, b) => Number(a.value ?? 99) - Number(b.value ?? 99));
      return [
        dimension,
        rows.map((row) => ({ value: row.value, customers: row.customers, share: share(row.customers) })),
      ];
    }),
  ) as Record<TagDimension, TagValueCount[]>;
  return {
    as_of: options.asOf,
    population: options.allCustomers ? 'all_customers' : 'members',
    customers: total,
    attributes,
    activity: {
      window_days: options.config.activity_window_days,
      active_customers: o?.active_customers ?? 0,
      mean_page_views: o?.mean_page_views ?? null,
      mean_sessions: o?.mean_sessions ?? null,
      mean_pages_per_visit: o?.mean_pages_per_visit ?? null,
      mean_dwell_seconds: o?.mean_dwell_seconds ?? null,
      mean_bounce_rate: o?.mean_bounce_rate ?? null,
    },
    purchase: {
      buyers: o?.buyers ?? 0,
      mean_purchases: o?.mean_purchases ?? null,
      mean_aov: o?.mean_aov ?? null,
      mean_items_per_order: o?.mean_items_per_order ?? null,
      mean_net_spend: o?.mean_net_spend ?? null,
      median_purchase_cycle_days: o?.median_purchase_cycle_days ?? null,
    },
    emotion: {
      window_days: options.config.emotion_window_days,
      negative_customers: o?.negative_customers ?? 0,
      negative_share: share(o?.negative_customers ?? 0),
      refund_customers: o?.refund_customers ?? 0,
      rejection_customers: o?.rejection_customers ?? 0,
      complaint_customers: o?.complaint_customers ?? 0,
      low_rating_customers: o?.low_rating_customers ?? 0,
    },
  };
}

/** Closed sets are listed in their own order (oldest generation first, lowest band first). */
const VALUE_ORDER: Partial<Record<TagDimension, readonly string[]>> = {
  generation: GENERATIONS,
  north_south: NORTH_SOUTH,
  big_region: BIG_REGIONS,
  power_band: POWER_BANDS,
};

/** The position of a value in a closed set; unknown values (null) last. */
function orderIn(values: readonly string[], value: string | null): number {
  const index = value === null ? -1 : values.indexOf(value);
  return index < 0 ? values.length : index;
}
