/**
 * Tier values, calibration cut points and tier counts as of the end of a day, as SQL values the
 * Store runs (spec section 4; docs/tiers.md).
 *
 * Definitions:
 * - Counted: members (member_since ≤ end of D, store timezone). Tiers are a member programme, so
 *   non-members and guests are never counted, except with allCustomers, which a store without any
 *   member uses (src/analytics/population.ts): then every customer with an order is tiered.
 * - Value = Σ paid − Σ refunded over GMV-status orders placed in the trailing window
 *   [end of D − window_months, end of D), leaving out every order placed on a special day
 *   (store timezone). Refund-only orders count; a member without such orders has value 0; the
 *   value may be negative.
 * - Tier of a value: 1 + the number of thresholds t2 … tK it reaches (value ≥ t), so a value equal
 *   to a threshold belongs to the higher tier and equal values always share a tier.
 * - Shares cut: with n counted members ranked by value ascending (1…n), tier k's candidate
 *   threshold is the value at rank ⌈c·n⌉ + 1, c = the lower tiers' cumulative share: the first
 *   member beyond the lower tiers' quota. None when that rank is past n.
 * - Contribution-ratio cut: t2 as the shares cut with c = entry_share, raised to tier 2's
 *   minimum. The members with value ≥ t2 hold the upper value U; walking them from the highest
 *   value down with a running sum S, tier k's (k ≥ 3) candidate threshold is the value of the first
 *   member at which S ≥ U · (r_k + … + r_K) / (r_2 + … + r_K): the tiers from k up hold (about)
 *   their ratio's part of U.
 * - The stepped check's value ("recent") is the same net spend over the last contribution_months
 *   (default 3): the tier measure itself rises with the tier by construction, so the check
 *   compares what each tier contributes now.
 */
import { DEFAULT_MIN_THRESHOLD, type TiersConfig } from '../../config/tiers-config.js';
import { sql, type Query, ParamList } from '../../store/sql.js';
import type { RfmConfig } from '../../config/config.js';
import { AppError } from '../../errors.js';
import { countedFactsCtes, type FactsSource } from '../facts/customer-facts.js';
import { rfmScoringCtes } from '../rfm/rfm-query.js';

export interface TierValueOptions {
  /** The as-of day, YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  readonly config: TiersConfig;
  /** Where the customer facts come from (default: computed inline). */
  readonly facts?: FactsSource;
  /** The RFM definition, for config.measure 'rfm_score'. */
  readonly rfm?: RfmConfig;
  /** Tier every customer with an order, not only members (for a store without members). */
  readonly allCustomers?: boolean;
}

/**
 * CTEs adding the tier measure to the rows of `input` (counted customers with their facts, as
 * countedFactsCtes gives them), ending in `output`: the input's columns and tier_measure (the
 * value tiers are cut on), tier_recent_measure (the stepped check's value) and, given thresholds
 * t2 … tK, tier_level (1 … K). All three are null for non-members: tiers are a member programme.
 * With the RFM score as the measure, members are scored among members, as a calibration scores
 * them, whoever else the input counts.
 */
export function tierMeasureCtes(
  input: string,
  output: string,
  options: TierValueOptions,
  params: ParamList,
  thresholds?: readonly string[],
): string {
  const { config } = options;
  const tiered = options.allCustomers ? 'true' : 'i.is_member';
  let value = 'i.tier_value';
  let scoring = '';
  let scores = '';
  if (config.measure === 'rfm_score') {
    if (!options.rfm) throw new AppError('INTERNAL', 'the RFM score measure needs the rfm config');
    scoring = `${output}_members AS (
        SELECT customer_id, last_purchase, purchases, purchase_days, gross, net FROM ${input} i WHERE ${tiered}
      ),
      ${rfmScoringCtes(`${output}_members`, `${output}_rfm`, { asOf: options.asOf, config: options.rfm }, params)},`;
    scores = `LEFT JOIN (SELECT customer_id, score AS tier_score FROM ${output}_rfm) r USING (customer_id)`;
    value = 'r.tier_score';
  }
  // Thresholds from a one-row relation: a parameter cast in the SELECT list is cast per row.
  const list = (thresholds ?? []).map((t) => `${params.add(t)}::DECIMAL(38,2)`).join(', ');
  const reached = (thresholds ?? []).map((_, k) => `(tier_measure >= t.thresholds[${k + 1}])::INTEGER`);
  return `${scoring}
    ${output}_valued AS (
      SELECT i.*, CASE WHEN ${tiered} THEN coalesce(${value}, 0)::DECIMAL(38,2) END AS tier_measure,
        CASE WHEN ${tiered} THEN coalesce(i.tier_recent, 0)::DECIMAL(38,2) END AS tier_recent_measure
      FROM ${input} i ${scores}
    ),
    ${output} AS (
      SELECT v.*, ${thresholds ? `(1 + ${reached.join(' + ') || '0'})::INTEGER` : 'NULL::INTEGER'} AS tier_level
      FROM ${output}_valued v, (SELECT [${list}]::DECIMAL(38,2)[] AS thresholds) t
    )`;
}

/**
 * The CTE chain ending in `valued` (customer_id, value, recent, tier): one row per counted
 * member, with the tier measure, the stepped check's value over the contribution window, and the
 * tier reached given thresholds (null without).
 */
function buildValuedRelation(
  options: TierValueOptions,
  params: ParamList,
  thresholds?: readonly string[],
): string {
  const { config } = options;
  const counted = countedFactsCtes(
    options.facts,
    {
      asOf: options.asOf,
      allCustomers: options.allCustomers ?? false,
      tierWindow: {
        window_months: config.window_months,
        contribution_months: config.contribution_months,
        special_days: config.special_days,
      },
    },
    params,
  );
  return `WITH
    ${counted},
    ${tierMeasureCtes('counted_facts', 'tiered', options, params, thresholds)},
    valued AS (
      SELECT customer_id, tier_measure AS value, tier_recent_measure AS recent, tier_level AS tier FROM tiered
    ),
    ranked AS (
      SELECT value, row_number() OVER (ORDER BY value) AS rank, count(*) OVER () AS n FROM valued
    )`;
}

/** Hundredths of a percentage (55 → 5500), so share arithmetic in SQL stays in whole numbers. */
const toBasisPoints = (percent: number): number => Math.round(percent * 100);

/** `min(value)` over the ranks past the quota c (in basis points of n): the value at rank ⌈c·n⌉ + 1. */
const valueBeyond = (basisPoints: string): string =>
  `min(value) FILTER (WHERE (rank - 1) * 10000 >= ${basisPoints} * n)`;

/**
 * One row: n (counted members), max_value, and candidates, tier 2 … K's candidate thresholds
 * (null where the data gives none), before minimums are applied.
 */
export function buildTierCutsQuery(options: TierValueOptions): Query {
  const params = new ParamList();
  const relation = buildValuedRelation(options, params);
  const { calibration, levels } = options.config;
  const head = `SELECT (SELECT count(*) FROM valued)::INTEGER AS n, (SELECT max(value) FROM valued)::VARCHAR AS max_value`;
  if (calibration.method === 'shares') {
    let cumulative = 0;
    const cuts = calibration.shares.slice(0, -1).map((s) => {
      cumulative += toBasisPoints(s);
      return valueBeyond(`${params.add(cumulative)}::BIGINT`);
    });
    return {
      sql: `${relation}\n${head}, (SELECT [${cuts.join(', ')}]::VARCHAR[] FROM ranked) AS candidates`,
      params: params.values,
    };
  }
  const entry = params.add(toBasisPoints(calibration.entry_share));
  const min2 = params.add(levels[1]?.min_threshold ?? DEFAULT_MIN_THRESHOLD);
  const ratio = calibration.contribution_ratio;
  const total = params.add(ratio.reduce((sum, r) => sum + r, 0));
  // Tiers 3 … K: the ratio parts from tier k up.
  const upperCuts = ratio.slice(1).map((_, index) => {
    const fromHere = params.add(ratio.slice(index + 1).reduce((sum, r) => sum + r, 0));
    return `max(value) FILTER (WHERE running * ${total}::BIGINT >= upper_total * ${fromHere}::BIGINT)`;
  });
  return {
    sql: `${relation},
    entry AS (
      -- Past the last member (an entry share covering everyone) no one reaches tier 2.
      SELECT greatest(coalesce(${valueBeyond(`${entry}::BIGINT`)}, max(value) + 0.01), ${min2}::DECIMAL(38,2)) AS t2
      FROM ranked
    ),
    upper AS (
      SELECT value, sum(value) OVER (ORDER BY value DESC ROWS UNBOUNDED PRECEDING) AS running,
        sum(value) OVER () AS upper_total
      FROM valued WHERE value >= (SELECT t2 FROM entry)
    )
    ${head}, (SELECT [(SELECT t2 FROM entry), ${upperCuts.map((cut) => `(SELECT ${cut} FROM upper)`).join(', ')}]::VARCHAR[]) AS candidates`,
    params: params.values,
  };
}

/**
 * Per tier reached (tier = 1 … K): members, Σ value (the tier measure) and Σ recent (the
 * contribution window's value), given thresholds t2 … tK (exact decimal strings,
 * non-decreasing). Tiers without members have no row.
 */
export function buildTierCountsQuery(options: TierValueOptions, thresholds: readonly string[]): Query {
  const params = new ParamList();
  const relation = buildValuedRelation(options, params, thresholds);
  return {
    sql: `${relation}
    SELECT tier, count(*)::INTEGER AS members, sum(value)::VARCHAR AS value, sum(recent)::VARCHAR AS recent
    FROM valued GROUP BY tier ORDER BY tier`,
    params: params.values,
  };
}

/** Every counted member's value and tier, highest value first. */
export function buildMemberTiersQuery(options: TierValueOptions, thresholds: readonly string[]): Query {
  const params = new ParamList();
  const relation = buildValuedRelation(options, params, thresholds);
  return {
    sql: `${relation}
    SELECT customer_id, value::VARCHAR AS value, recent::VARCHAR AS recent, tier
    FROM valued ORDER BY valued.value DESC, customer_id`,
    params: params.values,
  };
}

/** The latest stored calibration on or before a day, or no row. */
export function buildLatestCalibrationQuery(asOf: string): Query {
  return sql`SELECT calibrated_on::VARCHAR AS calibrated_on, method, window_months, special_days::VARCHAR AS special_days,
      members::INTEGER AS members, tiers::VARCHAR AS tiers
    FROM tier_calibrations WHERE calibrated_on <= ${asOf}::DATE ORDER BY calibrated_on DESC LIMIT 1`;
}

/** Every stored calibration, oldest first. */
export function buildCalibrationHistoryQuery(): Query {
  return sql`SELECT calibrated_on::VARCHAR AS calibrated_on, method, measure, window_months, special_days::VARCHAR AS special_days,
      members::INTEGER AS members, tiers::VARCHAR AS tiers
    FROM tier_calibrations ORDER BY calibrated_on`;
}

/** Removes the calibration of a day (a day is calibrated at most once; re-calibrating replaces it). */
export function buildDeleteCalibrationQuery(calibratedOn: string): Query {
  return sql`DELETE FROM tier_calibrations WHERE calibrated_on = ${calibratedOn}::DATE`;
}

export interface CalibrationRow {
  readonly calibratedOn: string;
  readonly method: string;
  readonly measure: string;
  readonly windowMonths: number;
  /** JSON text. */
  readonly specialDays: string;
  readonly members: number;
  /** JSON text. */
  readonly tiers: string;
}

export function buildInsertCalibrationQuery(row: CalibrationRow): Query {
  return sql`INSERT INTO tier_calibrations (calibrated_on, method, window_months, special_days, members, tiers,
      created_at, measure)
    VALUES (${row.calibratedOn}::DATE, ${row.method}, ${row.windowMonths}::INTEGER, ${row.specialDays}::JSON,
      ${row.members}::BIGINT, ${row.tiers}::JSON, current_timestamp, ${row.measure})`;
}
