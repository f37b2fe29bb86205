/**
 * RFM of the store's customers as of a day: runs the queries of rfm-query.ts and shapes the
 * result (snake_case, money as exact decimal strings) for the CLI and later the snapshot.
 */
import {
  NO_PURCHASE,
  RFM_SEGMENT_LABELS,
  RFM_SEGMENTS,
  type RfmSegmentOrNone,
} from '../../domain/rfm-segments.js';
import type { Store } from '../../store/store.js';
import { withLocalDays } from '../facts/customer-facts.js';
import {
  buildLastOrderDayQuery,
  buildRfmCustomersQuery,
  buildRfmCutPointsQuery,
  buildRfmSummaryQuery,
  type RfmOptions,
} from './rfm-query.js';

export type { RfmOptions } from './rfm-query.js';

export interface RfmCutPoints {
  /** Four ascending cut points per measure; a value equal to one goes to the bin below it. */
  readonly recency_days: readonly (number | null)[];
  readonly frequency: readonly (number | null)[];
  readonly monetary: readonly (string | null)[];
}

export interface RfmCustomer {
  readonly customer_id: string;
  /** Null when the customer has no purchase up to the as-of day. */
  readonly recency_days: number | null;
  readonly frequency: number;
  /** Exact decimal string; negative when refunds exceed payments. */
  readonly monetary: string;
  readonly r: number | null;
  readonly f: number | null;
  readonly m: number | null;
  readonly fm: number | null;
  readonly score: number | null;
  readonly segment: RfmSegmentOrNone;
}

export interface RfmSegmentSummary {
  readonly segment: RfmSegmentOrNone;
  readonly name: string;
  readonly label_zh: string;
  readonly customers: number;
  /** Share of the counted customers, 0–1. */
  readonly share: number;
  readonly mean_recency_days: number | null;
  readonly mean_frequency: number | null;
  readonly mean_monetary: string | null;
  /** Σ monetary of the segment, exact. */
  readonly monetary: string;
  /** Share of the total Σ monetary, 0–1 (null when the total is 0). */
  readonly revenue_share: number | null;
}

export interface RfmSummary {
  readonly as_of: string;
  readonly population: 'members' | 'all_customers';
  readonly scoring: RfmOptions['config']['scoring'];
  readonly frequency_basis: RfmOptions['config']['frequency'];
  readonly monetary_basis: RfmOptions['config']['monetary'];
  readonly weights: RfmOptions['config']['weights'];
  readonly customers: number;
  readonly scored_customers: number;
  readonly cut_points: RfmCutPoints;
  /** The 11 segments in report order, then no_purchase; empty segments included. */
  readonly segments: readonly RfmSegmentSummary[];
}

/** The day of the last order in the store (store timezone), or null for a store without orders. */
export async function getLastOrderDay(store: Store): Promise<string | null> {
  const [row] = await store.query<{ day: string | null }>(buildLastOrderDayQuery());
  return row?.day ?? null;
}

export async function getRfmSummary(store: Store, given: RfmOptions): Promise<RfmSummary> {
  const options = await withLocalDays(store, given);
  const rows = await store.query<{
    segment: RfmSegmentOrNone;
    customers: number;
    share: number;
    mean_recency_days: number | null;
    mean_frequency: number;
    mean_monetary: string;
    monetary: string;
    revenue_share: number | null;
  }>(buildRfmSummaryQuery(options));
  const cuts = await getRfmCutPoints(store, options);
  const bySegment = new Map(rows.map((row) => [row.segment, row]));
  const segments = [...RFM_SEGMENTS, NO_PURCHASE].map((segment): RfmSegmentSummary => {
    const row = bySegment.get(segment);
    const label = RFM_SEGMENT_LABELS[segment];
    return {
      segment,
      name: label.name,
      label_zh: label.zh,
      customers: row?.customers ?? 0,
      share: row?.share ?? 0,
      mean_recency_days: row?.mean_recency_days ?? null,
      mean_frequency: row?.mean_frequency ?? null,
      mean_monetary: row?.mean_monetary ?? null,
      monetary: row?.monetary ?? '0.00',
      revenue_share: row?.revenue_share ?? (row ? null : 0),
    };
  });
  const { config } = options;
  return {
    as_of: options.asOf,
    population: options.allCustomers ? 'all_customers' : 'members',
    scoring: config.scoring,
    frequency_basis: config.frequency,
    monetary_basis: config.monetary,
    weights: config.weights,
    customers: segments.reduce((sum, s) => sum + s.customers, 0),
    scored_customers: cuts.scored_customers,
    cut_points: cuts.cut_points,
    segments,
  };
}

export async function getRfmCutPoints(
  store: Store,
  given: RfmOptions,
): Promise<{ cut_points: RfmCutPoints; scored_customers: number }> {
  const options = await withLocalDays(store, given);
  const [row] = await store.query<{
    recency_days: (number | null)[] | null;
    frequency: (number | null)[] | null;
    monetary: (string | null)[] | null;
    scored_customers: number;
  }>(buildRfmCutPointsQuery(options));
  const none = [null, null, null, null];
  return {
    cut_points: {
      recency_days: row?.recency_days ?? none,
      frequency: row?.frequency ?? none,
      monetary: row?.monetary ?? none,
    },
    scored_customers: row?.scored_customers ?? 0,
  };
}

/** One row per counted customer, best score first. */
export async function getRfmCustomers(store: Store, options: RfmOptions): Promise<RfmCustomer[]> {
  return store.query<RfmCustomer & Record<string, string | number | null>>(
    buildRfmCustomersQuery(await withLocalDays(store, options)),
  );
}
