/**
 * Member-marketing KPIs (spec section 3): runs the queries of kpis-query.ts and shapes the rows
 * (snake_case; money as exact decimal strings; each rate with its numerator and denominator) for
 * the CLI and later the report and monitoring. Definitions: kpis-query.ts and docs/kpis.md.
 */
import { AppError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { getLocalDays } from '../facts/local-day.js';
import {
  buildCohortRetentionQuery,
  buildKpisQuery,
  buildOrderDaysQuery,
  buildStoredKpisQuery,
  type CohortRetentionOptions,
  type KpisOptions,
} from './kpis-query.js';

export { KPI_PERIODS, type KpiPeriod, type CohortRetentionOptions, type KpisOptions } from './kpis-query.js';

/** A rate with what it was computed from; rate is null when the denominator is 0. */
export interface KpiRate<T extends number | string> {
  readonly rate: number | null;
  readonly numerator: T;
  readonly denominator: T;
}

export interface KpiPeriodFigures {
  /** YYYY-MM, or the ISO week YYYY-Www. */
  readonly period: string;
  readonly start: string;
  readonly end: string;
  /** The period is cut by the range: it does not cover its whole month or week. */
  readonly partial: boolean;
  readonly members: number;
  readonly new_members: number;
  /** 激活会员率: new members / members. */
  readonly activation_rate: KpiRate<number>;
  readonly churned: number;
  /** 流失会员率: members churned at the end of the period / members. */
  readonly churn_rate: KpiRate<number>;
  /** Members churned at the end of the period who were members and not churned at the end of the one before. */
  readonly newly_churned: number;
  /** The churn window W (days) at the end of the period. */
  readonly churn_window_days: number;
  /** 会员交易额占有率, gross: member GMV / GMV. */
  readonly member_gmv_share: KpiRate<string>;
  /** The same, net of refunds. */
  readonly member_net_gmv_share: KpiRate<string>;
  /** 会员回头购买率: members who are returning customers in the period / members. */
  readonly member_repurchase_rate: KpiRate<number>;
  readonly gmv: string;
  readonly net_gmv: string;
  readonly refunded: string;
  readonly member_gmv: string;
  readonly member_net_gmv: string;
  readonly orders: number;
  readonly member_orders: number;
  readonly buyers: number;
  /** 客单价: GMV / orders, to the cent; null without orders. */
  readonly aov: string | null;
  /** 客单量: items / the orders that record an item count; null when none does. */
  readonly items_per_order: number | null;
  readonly guest_gmv: string;
  readonly guest_orders: number;
}

export const KPI_SOURCES = ['stored', 'live'] as const;
/** 'stored': every period as a refresh stored it (kpi_months); 'live': computed now from the orders. */
export type KpiSource = (typeof KPI_SOURCES)[number];

export interface KpiReport {
  readonly from: string;
  readonly to: string;
  readonly period: KpisOptions['period'];
  readonly source: KpiSource;
  /** The latest day a refresh stored among the periods read (source 'stored'), else null. */
  readonly refreshed_on: string | null;
  /**
   * Stored periods whose orders or customers were imported after the refresh stored them: shown
   * as stored (the figures of that refresh); the next refresh computes them again.
   */
  readonly stale_periods: readonly string[];
  readonly periods: readonly KpiPeriodFigures[];
}

export interface GetKpisOptions extends KpisOptions {
  /** Compute every period from the orders even where a refresh stored it. */
  readonly live?: boolean;
}

export interface CohortCell {
  readonly months_after: number;
  readonly retained: number;
  readonly share: number;
}

export interface Cohort {
  /** YYYY-MM of the members' first purchase. */
  readonly cohort: string;
  readonly size: number;
  /** Months 0 (the cohort month) … to the last month of the range. */
  readonly months: readonly CohortCell[];
}

export interface CohortRetention {
  readonly from: string;
  readonly to: string;
  readonly cohorts: readonly Cohort[];
}

interface KpiRow {
  period: string;
  start_day: string;
  end_day: string;
  partial: boolean;
  members: number;
  new_members: number;
  churned: number;
  newly_churned: number;
  returning_members: number;
  churn_window_days: number;
  gmv: string;
  net_gmv: string;
  refunded: string;
  member_gmv: string;
  member_net_gmv: string;
  guest_gmv: string;
  orders: number;
  member_orders: number;
  guest_orders: number;
  buyers: number;
  items: number;
  orders_with_items: number;
  member_gmv_share: number | null;
  member_net_gmv_share: number | null;
  aov: string | null;
  items_per_order: number | null;
}

const countRate = (numerator: number, denominator: number): KpiRate<number> => ({
  rate: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});

/** The first and last day with an order, or null for a store without orders. */
export async function getOrderDays(store: Store): Promise<{ first: string; last: string } | null> {
  const [row] = await store.query<{ first_day: string | null; last_day: string | null }>(
    buildOrderDaysQuery(),
  );
  return row?.first_day && row.last_day ? { first: row.first_day, last: row.last_day } : null;
}

function checkRange(from: string, to: string): void {
  if (from > to) throw new AppError('BAD_ARGUMENT', `--from ${from} is after --to ${to}`);
}

type Row = KpiRow & Record<string, string | number | boolean | null>;

/**
 * Every KPI of every period from `from` to `to`, in order. Monthly periods are read from what
 * the refreshes stored (store-kpi-months.ts) when every month of the range is stored as exactly
 * that period under the same churn settings; otherwise, for weeks, or with `live`, every period
 * is computed from the orders (`source` says which).
 */
export async function getKpis(store: Store, options: GetKpisOptions): Promise<KpiReport> {
  checkRange(options.from, options.to);
  if (options.period === 'month' && !options.live) {
    const stored = await store.query<Row & { stored: boolean; stale: boolean; refreshed_on: string | null }>(
      buildStoredKpisQuery(options),
    );
    if (stored.length > 0 && stored.every((row) => row.stored))
      return {
        ...shapeKpis(options, stored),
        source: 'stored',
        refreshed_on: stored.map((row) => row.refreshed_on ?? '').reduce((a, b) => (a > b ? a : b)),
        stale_periods: stored.filter((row) => row.stale).map((row) => row.period),
      };
  }
  const rows = await store.query<Row>(
    buildKpisQuery({ ...options, localDays: options.localDays ?? (await getLocalDays(store, options.to)) }),
  );
  return { ...shapeKpis(options, rows), source: 'live', refreshed_on: null, stale_periods: [] };
}

function shapeKpis(
  options: KpisOptions,
  rows: readonly KpiRow[],
): Pick<KpiReport, 'from' | 'to' | 'period' | 'periods'> {
  return {
    from: options.from,
    to: options.to,
    period: options.period,
    periods: rows.map((row): KpiPeriodFigures => ({
      period: row.period,
      start: row.start_day,
      end: row.end_day,
      partial: row.partial,
      members: row.members,
      new_members: row.new_members,
      activation_rate: countRate(row.new_members, row.members),
      churned: row.churned,
      churn_rate: countRate(row.churned, row.members),
      newly_churned: row.newly_churned,
      churn_window_days: row.churn_window_days,
      member_gmv_share: { rate: row.member_gmv_share, numerator: row.member_gmv, denominator: row.gmv },
      member_net_gmv_share: {
        rate: row.member_net_gmv_share,
        numerator: row.member_net_gmv,
        denominator: row.net_gmv,
      },
      member_repurchase_rate: countRate(row.returning_members, row.members),
      gmv: row.gmv,
      net_gmv: row.net_gmv,
      refunded: row.refunded,
      member_gmv: row.member_gmv,
      member_net_gmv: row.member_net_gmv,
      orders: row.orders,
      member_orders: row.member_orders,
      buyers: row.buyers,
      aov: row.aov,
      items_per_order: row.items_per_order,
      guest_gmv: row.guest_gmv,
      guest_orders: row.guest_orders,
    })),
  };
}

/** Monthly cohort retention of the members at the end of `to`, cohorts from `from`'s month. */
export async function getCohortRetention(
  store: Store,
  options: CohortRetentionOptions,
): Promise<CohortRetention> {
  checkRange(options.from, options.to);
  const rows = await store.query<{
    cohort: string;
    size: number;
    months_after: number;
    retained: number;
    share: number;
  }>(
    buildCohortRetentionQuery({
      ...options,
      localDays: options.localDays ?? (await getLocalDays(store, options.to)),
    }),
  );
  const cohorts = new Map<string, { cohort: string; size: number; months: CohortCell[] }>();
  for (const row of rows) {
    const cohort = cohorts.get(row.cohort) ?? { cohort: row.cohort, size: row.size, months: [] };
    cohort.months.push({ months_after: row.months_after, retained: row.retained, share: row.share });
    cohorts.set(row.cohort, cohort);
  }
  return { from: options.from, to: options.to, cohorts: [...cohorts.values()] };
}
