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
import { type FactsSource, selectCustomerFacts } from '../facts/customer-facts.js';

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

/** The four nearest-rank quintile cut points of one measure over the scored customers. */
const quintileCuts = (measure: string, type: string): string =>
  `(SELECT [${[1, 2, 3, 4].map((j) => `max(x) FILTER (WHERE rank = (${j} * n + 4) // 5)`).join(', ')}]::${type}[]
      FROM (SELECT ${measure} AS x, row_number() OVER (ORDER BY ${measure}) AS rank, count(*) OVER () AS n FROM scored))`;

/** The CTE chain ending in `rfm` (one row per counted customer) and `cuts` (one row). */
function buildRfmRelation(options: RfmOptions, params: ParamList): string {
  const { config } = options;
  const asOf = params.add(options.asOf);
  const facts = selectCustomerFacts(options.facts, { asOf: options.asOf }, params);
  const frequency = config.frequency === 'orders' ? 'purchases' : 'purchase_days';
  const monetary = config.monetary === 'net' ? 'net' : 'gross';
  const nonMembers = options.allCustomers
    ? `UNION SELECT customer_id FROM orders WHERE customer_id IS NOT NULL AND placed_at < (SELECT end_at FROM cutoff)`
    : '';
  const breakpoints = config.scoring === 'breakpoints' ? config.breakpoints : undefined;
  const list = (values: readonly number[], type: string): string =>
    `[${values.map((value) => `${params.add(value)}::${type}`).join(', ')}]`;
  const cuts = breakpoints
    ? `SELECT ${list(breakpoints.recency_days, 'DOUBLE')} AS r_cuts, ${list(breakpoints.frequency, 'DOUBLE')} AS f_cuts,
        ${list(breakpoints.monetary, 'DECIMAL(18,2)')} AS m_cuts`
    : `SELECT ${quintileCuts('recency_days', 'DOUBLE')} AS r_cuts, ${quintileCuts('frequency', 'DOUBLE')} AS f_cuts,
        ${quintileCuts('monetary', 'DECIMAL(38,2)')} AS m_cuts`;
  const { r: wr, f: wf, m: wm } = config.weights;
  const [pr, pf, pm] = [wr, wf, wm].map((w) => params.add(w));
  const grid = listGridCells(config.segments)
    .map(
      (cell) =>
        `(${params.add(cell.r)}::INTEGER, ${params.add(cell.fm)}::INTEGER, ${params.add(cell.segment)})`,
    )
    .join(', ');
  return `WITH
    cutoff AS (SELECT ${asOf}::DATE AS as_of, (${asOf}::DATE + 1)::TIMESTAMPTZ AS end_at),
    counted AS (
      SELECT id AS customer_id FROM customers WHERE member_since < (SELECT end_at FROM cutoff)
      ${nonMembers}
    ),
    facts AS (
      SELECT customer_id, last_purchase, ${frequency} AS frequency, ${monetary} AS monetary
      FROM (${facts})
    ),
    measured AS (
      SELECT c.customer_id, date_diff('day', f.last_purchase, (SELECT as_of FROM cutoff))::INTEGER AS recency_days,
        coalesce(f.frequency, 0)::INTEGER AS frequency, coalesce(f.monetary, 0)::DECIMAL(38,2) AS monetary
      FROM counted c LEFT JOIN facts f USING (customer_id)
    ),
    scored AS (SELECT * FROM measured WHERE frequency > 0),
    cuts AS (${cuts}),
    binned AS (
      SELECT customer_id, 6 - ${bin('recency_days', 'r_cuts')} AS r, ${bin('frequency', 'f_cuts')} AS f,
        ${bin('monetary', 'm_cuts')} AS m
      FROM scored, cuts
    ),
    grid(r, fm, segment) AS (VALUES ${grid}),
    rfm AS (
      SELECT m.customer_id, m.recency_days, m.frequency, m.monetary, b.r, b.f, b.m, (b.f + b.m + 1) // 2 AS fm,
        round((${pr} * b.r + ${pf} * b.f + ${pm} * b.m) / (${pr} + ${pf} + ${pm}), 2)::DOUBLE AS score,
        coalesce(g.segment, 'no_purchase') AS segment
      FROM measured m LEFT JOIN binned b USING (customer_id) LEFT JOIN grid g ON g.r = b.r AND g.fm = (b.f + b.m + 1) // 2
    )`;
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
       (SELECT count(*)::INTEGER FROM scored) AS scored_customers FROM cuts`,
  );
}

/** The day (store timezone) of the last order in the store, or null when it has none. */
export function buildLastOrderDayQuery(): Query {
  return raw('SELECT max(placed_at)::DATE::VARCHAR AS day FROM orders');
}
