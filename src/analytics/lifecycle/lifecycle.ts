/**
 * Lifecycle stages of the store's customers: runs the queries of lifecycle-query.ts and shapes
 * the results (snake_case, money as exact decimal strings) for the CLI and later the snapshot
 * and `member ID`. Nothing is stored yet: stages and flows are computed on the fly.
 */
import type { Store } from '../../store/store.js';
import { withLocalDays } from '../facts/customer-facts.js';
import { PREDICTIONS_TABLE, predictCustomers } from '../predict/predict.js';
import {
  buildInviteCandidatesQuery,
  buildLifecycleCustomersQuery,
  buildLifecycleFlowsQuery,
  buildLifecycleSummaryQuery,
  type InviteCandidatesOptions,
  type LifecycleFlowOptions,
  type LifecycleOptions,
} from './lifecycle-query.js';
import {
  LIFECYCLE_REPORT_ORDER,
  LIFECYCLE_STAGE_LABELS,
  type LifecycleStage,
  type LifecycleStageOrNone,
} from './lifecycle-stages.js';

export type { InviteCandidatesOptions, LifecycleFlowOptions, LifecycleOptions } from './lifecycle-query.js';

export interface LifecycleCustomer {
  readonly customer_id: string;
  readonly stage: LifecycleStage;
  /** Purchases up to the as-of day (orders, or purchase days per config). */
  readonly purchases: number;
  /** Purchases in the trailing loyal window. */
  readonly recent_purchases: number;
  readonly last_purchase: string | null;
  readonly recency_days: number | null;
  /** The customer's own cycle c (C when they have one purchase day); null when C is unknown. */
  readonly cycle_days: number | null;
  /** Days between the last two purchase days; null with fewer than two. */
  readonly last_gap_days: number | null;
  /** The rule that placed the customer, with its figures. */
  readonly rule: string;
}

export interface LifecycleStageCount {
  readonly stage: LifecycleStage;
  readonly name: string;
  readonly label_zh: string;
  readonly customers: number;
  /** Share of the counted customers, 0–1. */
  readonly share: number;
}

export interface LifecycleSummary {
  readonly as_of: string;
  readonly population: 'members' | 'all_customers';
  /** C: the store's typical purchase cycle in days; null when no customer has bought twice. */
  readonly store_cycle_days: number | null;
  /** W: the churn window in days. */
  readonly churn_window_days: number;
  readonly customers: number;
  /** Every stage in report order, empty ones included. */
  readonly stages: readonly LifecycleStageCount[];
}

export interface LifecycleFlow {
  readonly from_stage: LifecycleStageOrNone;
  readonly to_stage: LifecycleStage;
  readonly customers: number;
}

export interface LifecycleMonth {
  readonly month: string;
  readonly month_end: string;
  readonly store_cycle_days: number | null;
  readonly churn_window_days: number;
  /** Customers per stage at the month end (every stage, zeros included). */
  readonly stages: Record<LifecycleStage, number>;
  /** Stage changes since the previous month end; stays are not listed. */
  readonly flows: readonly LifecycleFlow[];
}

export interface LifecycleFlows {
  readonly from: string;
  readonly to: string;
  readonly population: 'members' | 'all_customers';
  readonly months: readonly LifecycleMonth[];
}

export interface InviteCandidate {
  readonly customer_id: string;
  readonly purchases: number;
  /** Σ paid − Σ refunded over GMV-status orders, exact. */
  readonly net_spend: string;
  readonly last_purchase: string;
}

/**
 * The options with the day's predictions when churn is judged by P(alive) (config churn_rule
 * 'p_alive'): the purchase model is fitted on the data up to the day first.
 */
export async function withPredictions(store: Store, options: LifecycleOptions): Promise<LifecycleOptions> {
  if (options.config.churn_rule !== 'p_alive' || options.predictions || !options.predict) return options;
  await predictCustomers(store, { asOf: options.asOf, config: options.predict });
  return { ...options, predictions: { table: PREDICTIONS_TABLE, churnBelow: options.predict.churn_p_alive } };
}

/** One row per counted customer as of the day, by customer id. */
export async function getLifecycleCustomers(
  store: Store,
  options: LifecycleOptions,
): Promise<LifecycleCustomer[]> {
  return store.query<LifecycleCustomer & Record<string, string | number | null>>(
    buildLifecycleCustomersQuery(await withPredictions(store, await withLocalDays(store, options))),
  );
}

export async function getLifecycleSummary(
  store: Store,
  options: LifecycleOptions,
): Promise<LifecycleSummary> {
  const rows = await store.query<{
    store_cycle: number | null;
    churn_window: number;
    stage: LifecycleStage | null;
    customers: number;
  }>(buildLifecycleSummaryQuery(await withPredictions(store, await withLocalDays(store, options))));
  const counts = new Map(rows.map((row) => [row.stage, row.customers]));
  const total = rows.reduce((sum, row) => sum + row.customers, 0);
  const first = rows[0];
  return {
    as_of: options.asOf,
    population: options.allCustomers ? 'all_customers' : 'members',
    store_cycle_days: first?.store_cycle ?? null,
    churn_window_days: first?.churn_window ?? options.config.churn_days ?? options.config.min_churn_days,
    customers: total,
    stages: LIFECYCLE_REPORT_ORDER.map((stage) => {
      const customers = counts.get(stage) ?? 0;
      return {
        stage,
        name: LIFECYCLE_STAGE_LABELS[stage].name,
        label_zh: LIFECYCLE_STAGE_LABELS[stage].zh,
        customers,
        share: total ? customers / total : 0,
      };
    }),
  };
}

export async function getLifecycleFlows(
  store: Store,
  options: LifecycleFlowOptions,
): Promise<LifecycleFlows> {
  const rows = await store.query<{
    kind: 'window' | 'stage' | 'flow';
    month: string;
    month_end: string;
    from_stage: LifecycleStageOrNone | null;
    to_stage: LifecycleStage | null;
    customers: number;
    store_cycle: number | null;
    churn_window: number | null;
  }>(buildLifecycleFlowsQuery(options));
  const months = new Map<string, LifecycleMonth & { flows: LifecycleFlow[] }>();
  for (const row of rows.filter((r) => r.kind === 'window')) {
    const stages = Object.fromEntries(LIFECYCLE_REPORT_ORDER.map((stage) => [stage, 0])) as Record<
      LifecycleStage,
      number
    >;
    months.set(row.month, {
      month: row.month,
      month_end: row.month_end,
      store_cycle_days: row.store_cycle,
      churn_window_days: row.churn_window ?? options.config.min_churn_days,
      stages,
      flows: [],
    });
  }
  for (const row of rows) {
    const month = months.get(row.month);
    if (!month || row.to_stage === null) continue;
    if (row.kind === 'stage') month.stages[row.to_stage] = row.customers;
    else if (row.kind === 'flow' && row.from_stage !== null)
      month.flows.push({ from_stage: row.from_stage, to_stage: row.to_stage, customers: row.customers });
  }
  return {
    from: options.from,
    to: options.to,
    population: options.allCustomers ? 'all_customers' : 'members',
    months: [...months.values()],
  };
}

/** Non-members with two or more purchases as of the day, best first. */
export function getInviteCandidates(
  store: Store,
  options: InviteCandidatesOptions,
): Promise<InviteCandidate[]> {
  return store.query<InviteCandidate & Record<string, string | number>>(buildInviteCandidatesQuery(options));
}
