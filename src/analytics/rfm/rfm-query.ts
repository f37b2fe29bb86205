/**
 * RFM as of the end of a day, as SQL values the Store runs. Every query starts from the same
 * chain of CTEs (buildRfmRelation) and reads a different end of it: the per-customer rows, the
 * segment summary, or the cut points.
 *
 * Definitions (spec section 7, issue 4 item 1):
 * - As of day D = up to the end of D in the store's timezone: orders with placed_at < D + 1 day
 *   (the store session's TimeZone is the store's, so DATE → TIMESTAMPTZ and TIMESTAMPTZ → DATE
 *   cut days in it).
 * - Counted: members (member_since ≤ end of D); with allCustomers also every customer with an
 *   order placed by then. Guest orders (no customer_id) never.
 * - A purchase is an order in a GMV status with paid_amount > 0; a refund-only order (refunded,
 *   paid 0) is not a purchase, but its refund counts in net monetary.
 * - Recency = D − day of the last purchase, in whole days. Frequency = purchases (or distinct
 *   purchase days). Monetary = Σ paid − Σ refunded over GMV-status orders (or Σ paid); it may be
 *   negative and is scored as it is. Refunds carry no date of their own, so a refund recorded on
 *   an order placed by D counts even if it was granted later.
 * - Customers with no purchase are counted with the segment no_purchase and no scores.
 * - Scores 1–5. A value's bin is 1 + the number of cut points it exceeds, so a value equal to a
 *   cut point goes to the bin below it and equal values always share a bin; F and M scores are
 *   the bin, R is 6 − bin (most recent = 5). Quintile cut points are the nearest-rank quantiles
 *   over the scored customers: the j-th cut (j = 1…4) is the value at rank ceil(j·n/5) in
 *   ascending order (Hyndman & Fan 1996, type 1).
 * - FM = round half up of (F + M) / 2; score = (wR·R + wF·F + wM·M) / (wR + wF + wM), to two
 *   decimals; the segment is the map's cell at R × FM.
 */
import type { RfmConfig } from '../../config/config.js';
import { listGridCells } from '../../domain/rfm-segments.js';
import { raw, type Query, ParamList } from '../../store/sql.js';
import { countedFactsCtes, type FactsSource } from '../facts/customer-facts.js';
import { valuesAtRanksSql } from '../ranked-values.js';

export interface RfmOptions {
  /** The as-of day, YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  /** Also score customers who are not members (as of the day). */
  readonly allCustomers?: boolean;
  readonly config: RfmConfig;
  /** Where the customer facts come from (default: computed inline). */
  readonly facts?: FactsSource;
}

/** `1 + (x > c[1]) + … + (x > c[4])`: the bin of x among four ascending cut points. */
const bin = (value: string, cuts: string): string =>
  `(1 + ${[1, 2, 3, 4].map((i) => `(${value} > ${cuts}[${i}])::INTEGER`).join(' + ')})`;

/** The four nearest-rank quintile cut points of one measure over the scored rows: ranks ⌈j·n/5⌉. */
const quintileCuts = (measure: string, type: string, scored: string): string =>
  `(SELECT "values"::${type}[] FROM (${valuesAtRanksSql(
    scored,
    measure,
    [1, 2, 3, 4].map((j) => `(${j} * n + 4) // 5`),
  )}))`;

export interface RfmScoringOptions {
  readonly asOf: string;
  readonly config: RfmConfig;
}

/**
 * CTEs that score the rows of `input` (counted customers with their facts, as countedFactsCtes
 * gives them), ending in `output`: the input's columns and recency_days, frequency, monetary,
 * r, f, m, fm, score, segment. Also `<output>_scored` (the rows with a purchase, over which
 * quintiles are cut) and `<output>_cuts` (one row: r_cuts, f_cuts, m_cuts). Every column is an
 * expression of its row and the one-row cuts: no join, so other analyses can add their columns
 * to the same rows.
 */
export function rfmScoringCtes(
  input: string,
  output: string,
  options: RfmScoringOptions,
  params: ParamList,
): string {
  const { config } = options;
  const frequency = config.frequency === 'orders' ? 'purchases' : 'purchase_days';
  const monetary = config.monetary === 'net' ? 'net' : 'gross';
  const breakpoints = config.scoring === 'breakpoints' ? config.breakpoints : undefined;
  const list = (values: readonly (number | string)[], type: string): string =>
    `[${values.map((value) => `${params.add(value)}::${type}`).join(', ')}]::${type}[]`;
  const scored = `${output}_scored`;
  const cuts = breakpoints
    ? `${list(breakpoints.recency_days, 'DOUBLE')} AS r_cuts, ${list(breakpoints.frequency, 'DOUBLE')} AS f_cuts,
        ${list(breakpoints.monetary, 'DECIMAL(18,2)')}::DECIMAL(38,2)[] AS m_cuts`
    : `${quintileCuts('recency_days', 'DOUBLE', scored)} AS r_cuts, ${quintileCuts('frequency', 'DOUBLE', scored)} AS f_cuts,
        ${quintileCuts('monetary', 'DECIMAL(38,2)', scored)} AS m_cuts`;
  // The segment of cell (R, FM) is the grid's element (R − 1) × 5 + FM; the loader checked the
  // map covers every cell once.
  const grid = listGridCells(config.segments).sort((a, b) => a.r - b.r || a.fm - b.fm);
  const { r: wr, f: wf, m: wm } = config.weights;
  const scoredOnly = (expr: string): string => `CASE WHEN s.frequency > 0 THEN ${expr} END`;
  return `${output}_measured AS (
      SELECT *, date_diff('day', last_purchase, ${params.add(options.asOf)}::DATE)::INTEGER AS recency_days,
        coalesce(${frequency}, 0)::INTEGER AS frequency, coalesce(${monetary}, 0)::DECIMAL(38,2) AS monetary
      FROM ${input}
    ),
    ${scored} AS (SELECT recency_days, frequency, monetary FROM ${output}_measured WHERE frequency > 0),
    ${output}_cuts AS (
      SELECT ${cuts}, ${list(
        grid.map((cell) => cell.segment),
        'VARCHAR',
      )} AS grid,
        ${list([wr, wf, wm], 'DOUBLE')} AS weights
    ),
    ${output}_binned AS (
      SELECT s.*, ${scoredOnly(`6 - ${bin('s.recency_days', 'c.r_cuts')}`)} AS r,
        ${scoredOnly(bin('s.frequency', 'c.f_cuts'))} AS f, ${scoredOnly(bin('s.monetary', 'c.m_cuts'))} AS m,
        c.grid AS rfm_grid, c.weights AS rfm_weights
      FROM ${output}_measured s, ${output}_cuts c
    ),
    ${output} AS (
      SELECT * EXCLUDE (rfm_grid, rfm_weights), (f + m + 1) // 2 AS fm,
        round((rfm_weights[1] * r + rfm_weights[2] * f + rfm_weights[3] * m)
          / (rfm_weights[1] + rfm_weights[2] + rfm_weights[3]), 2)::DOUBLE AS score,
        coalesce(rfm_grid[(r - 1) * 5 + (f + m + 1) // 2], 'no_purchase') AS segment
      FROM ${output}_binned
    )`;
}

/** The CTE chain ending in `rfm` (one row per counted customer), `rfm_scored` and `rfm_cuts` (one row). */
function buildRfmRelation(options: RfmOptions, params: ParamList): string {
  const counted = countedFactsCtes(
    options.facts,
    { asOf: options.asOf, allCustomers: options.allCustomers ?? false },
    params,
  );
  return `WITH
    ${counted},
    ${rfmScoringCtes('counted_facts', 'rfm', options, params)}`;
}

function withRelation(options: RfmOptions, select: string): Query {
  const params = new ParamList();
  const relation = buildRfmRelation(options, params);
  return { sql: `${relation}\n${select}`, params: params.values };
}

/** One row per counted customer, best score first; scores are null for no_purchase. */
export function buildRfmCustomersQuery(options: RfmOptions): Query {
  return withRelation(
    options,
    `SELECT customer_id, recency_days, frequency, monetary::VARCHAR AS monetary, r, f, m, fm::INTEGER AS fm,
       score, segment
     FROM rfm ORDER BY score DESC NULLS LAST, rfm.monetary DESC, customer_id`,
  );
}

/** The same rows typed (monetary a DECIMAL) and unordered, for a refresh to store. */
export function buildRfmRowsQuery(options: RfmOptions): Query {
  return withRelation(
    options,
    `SELECT customer_id, recency_days, frequency, monetary, r, f, m, fm::INTEGER AS fm, score, segment FROM rfm`,
  );
}

/**
 * Per segment: customers, share of the counted customers, mean recency / frequency / monetary,
 * Σ monetary and its share of the total Σ monetary (revenue share).
 */
export function buildRfmSummaryQuery(options: RfmOptions): Query {
  return withRelation(
    options,
    `SELECT segment, count(*)::INTEGER AS customers,
       count(*) / sum(count(*)) OVER () AS share,
       avg(recency_days) AS mean_recency_days, avg(frequency) AS mean_frequency,
       round(avg(monetary), 2)::DECIMAL(38,2)::VARCHAR AS mean_monetary,
       sum(monetary)::VARCHAR AS monetary,
       (sum(monetary) / nullif(sum(sum(monetary)) OVER (), 0))::DOUBLE AS revenue_share
     FROM rfm GROUP BY segment`,
  );
}

/** The cut points used (quintiles over the scored customers, or the store's breakpoints). */
export function buildRfmCutPointsQuery(options: RfmOptions): Query {
  return withRelation(
    options,
    `SELECT r_cuts AS recency_days, f_cuts AS frequency, m_cuts::VARCHAR[] AS monetary,
       (SELECT count(*)::INTEGER FROM rfm_scored) AS scored_customers FROM rfm_cuts`,
  );
}

/** The day (store timezone) of the last order in the store, or null when it has none. */
export function buildLastOrderDayQuery(): Query {
  return raw('SELECT max(placed_at)::DATE::VARCHAR AS day FROM orders');
}
