/**
 * The store-wide figures a snapshot was cut with, stored beside it: the RFM cut points, the tier
 * calibration whose thresholds placed the tiers, and C, the store's purchase cycle. Reading one
 * member of a stored day (`huiyuan member`) then explains their scores without recomputing a
 * quintile, a calibration or a median over every customer.
 */
import type { RfmConfig } from '../../config/config.js';
import { ParamList, quoteIdent, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { storeCycleSql } from '../lifecycle/lifecycle-query.js';
import { valuesAtRanksSql } from '../ranked-values.js';
import type { RfmCutPoints } from '../rfm/rfm.js';
import type { TierCalibration } from '../tiers/tiers.js';

export interface SnapshotCutPoints {
  readonly as_of: string;
  readonly cut_points: RfmCutPoints;
  readonly scored_customers: number;
  /** The calibration whose thresholds cut the day's tiers (stored, or computed for the day). */
  readonly tier_calibration: TierCalibration;
  /** C as of the day; null when no customer had bought on two days. */
  readonly store_cycle_days: number | null;
}

/**
 * Stores the day's figures, after its customer_snapshots rows. The quintiles are cut again
 * over the stored scored rows (frequency > 0), which are the rows the refresh cut them over,
 * by the same nearest-rank rule (rfm-query.ts); C is read from the refresh's facts table, as
 * the lifecycle stage read it.
 */
export async function storeSnapshotCutPoints(
  store: Store,
  options: {
    readonly asOf: string;
    readonly rfm: RfmConfig;
    readonly calibration: TierCalibration;
    /** The refresh's customer facts (every customer with an order), for C. */
    readonly factsTable: string;
  },
): Promise<void> {
  const { asOf, rfm } = options;
  const params = new ParamList();
  const day = params.add(asOf);
  const scored = `(SELECT recency_days, frequency, monetary FROM customer_snapshots WHERE as_of = ${day}::DATE AND frequency > 0)`;
  const list = (values: readonly (number | string)[], type: string): string =>
    `[${values.map((value) => `${params.add(value)}::${type}`).join(', ')}]::${type}[]`;
  const quintiles = (measure: string, type: string): string =>
    `(SELECT "values"::${type}[] FROM (${valuesAtRanksSql(
      scored,
      measure,
      [1, 2, 3, 4].map((j) => `(${j} * n + 4) // 5`),
    )}))`;
  const cuts =
    rfm.breakpoints && rfm.scoring === 'breakpoints'
      ? [
          list(rfm.breakpoints.recency_days, 'DOUBLE'),
          list(rfm.breakpoints.frequency, 'DOUBLE'),
          list(rfm.breakpoints.monetary, 'DECIMAL(18,2)'),
        ]
      : [
          quintiles('recency_days', 'DOUBLE'),
          quintiles('frequency', 'DOUBLE'),
          quintiles('monetary', 'DECIMAL(18,2)'),
        ];
  await store.run({
    sql: `INSERT INTO snapshot_cut_points
      SELECT ${day}::DATE, ${cuts.join(', ')}, (SELECT count(*) FROM ${scored}),
        ${params.add(JSON.stringify(options.calibration))}::JSON,
        (SELECT store_cycle FROM (${storeCycleSql(quoteIdent(options.factsTable))}))`,
    params: params.values,
  });
}

/** The stored figures of the day, or null when the day has no snapshot (or one stored before schema v13). */
export async function getSnapshotCutPoints(store: Store, asOf: string): Promise<SnapshotCutPoints | null> {
  const [row] = await store.query<{
    as_of: string;
    recency_days: (number | null)[] | null;
    frequency: (number | null)[] | null;
    monetary: (string | null)[] | null;
    scored_customers: number;
    tier_calibration: string;
    store_cycle_days: number | null;
  }>(
    sql`SELECT as_of::VARCHAR AS as_of, recency_days, frequency, monetary::VARCHAR[] AS monetary,
      scored_customers::INTEGER AS scored_customers, tier_calibration, store_cycle_days
    FROM snapshot_cut_points WHERE as_of = ${asOf}::DATE`,
  );
  if (!row) return null;
  const none = [null, null, null, null];
  return {
    as_of: row.as_of,
    cut_points: {
      recency_days: row.recency_days ?? none,
      frequency: row.frequency ?? none,
      monetary: row.monetary ?? none,
    },
    scored_customers: row.scored_customers,
    tier_calibration: JSON.parse(row.tier_calibration) as TierCalibration,
    store_cycle_days: row.store_cycle_days,
  };
}
