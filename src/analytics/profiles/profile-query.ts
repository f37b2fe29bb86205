/**
 * The heavy part of a profile as two set-oriented queries over the stored snapshot of a day:
 *
 * 1. value counts: members per (group, attribute, value) for the single and multi attributes
 *    (profile-attributes.ts), by one UNPIVOT of the snapshot's columns plus the categories bought
 *    and the group totals, all GROUP BY in DuckDB;
 * 2. numeric figures: per (attribute, group) the count, mean, quartiles and the sum of the mean
 *    ranks in the pooled sample of both groups, with Σ(t³ − t) of the ties per attribute — what
 *    the Mann–Whitney test needs (profile-stats.ts), so no member's value leaves the database.
 *
 * Groups: 'a' is the segment; 'b' is the other segment (a member in both counts in both), or,
 * against everyone, every member outside 'a' (the rest), so the two groups are disjoint and the
 * everyone figures are their sum (the numeric everyone row comes from a grouping set).
 *
 * Categories bought: a category is bought by a member with a purchase (GMV-status order with
 * paid_amount > 0, placed before the end of the as-of day in the store's timezone) having an
 * order line in it, as in customer-facts.ts.
 */
import { attributeTagsSql, GENERATIONS } from '../../domain/attribute-tags.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, type Query } from '../../store/sql.js';
import { EMOTION_VALUES, NUMERIC_ATTRIBUTES, type SingleAttribute } from './profile-attributes.js';
import {
  buildSegmentCondition,
  embedQuery,
  PREDICTION_FILTER_FIELDS,
  type SegmentSpec,
} from './segment-spec.js';

/** Whether a segment tests a stored prediction. */
export function namesPrediction(spec: SegmentSpec): boolean {
  return spec.conditions.some(
    (c) => c.kind === 'number' && (PREDICTION_FILTER_FIELDS as readonly string[]).includes(c.field),
  );
}

export interface ProfileQueryOptions {
  /** The snapshot day, YYYY-MM-DD. */
  readonly asOf: string;
  readonly a: SegmentSpec;
  /** The other segment, or null for everyone (then group 'b' is the rest). */
  readonly b: SegmentSpec | null;
  /** The stored community tags (buildCommunityTagQuery), or null when none is stored. */
  readonly communityTag: Query | null;
}

/** Value counts: attribute '' and value '' is a group's total. A value '' is unknown. */
export interface ValueCountRow {
  readonly grp: 'a' | 'b';
  readonly attribute: string;
  readonly value: string;
  readonly n: number;
  [key: string]: string | number;
}

export interface NumericRow {
  /** null: both groups together (the everyone figures against everyone). */
  readonly grp: 'a' | 'b' | null;
  readonly attribute: string;
  readonly n: number;
  readonly mean: number | null;
  readonly q1: number | null;
  readonly median: number | null;
  readonly q3: number | null;
  readonly rank_sum: number | null;
  readonly tie_sum: number | null;
  [key: string]: string | number | null;
}

/** The snapshot column each emotion value is read from, and the condition that gives it. */
export const EMOTION_SOURCES: Readonly<
  Record<(typeof EMOTION_VALUES)[number], { readonly field: string; readonly condition: string }>
> = {
  negative: { field: 'negative_emotion', condition: 'negative_emotion' },
  refund: { field: 'refunds', condition: 'refunds > 0' },
  rejection: { field: 'rejections', condition: 'rejections > 0' },
  complaint: { field: 'complaints', condition: 'complaints > 0' },
  low_rating: { field: 'low_ratings', condition: 'low_ratings > 0' },
};

/** The snapshot of the day with its tags (and community), split into the groups, as CTEs ending in `grouped`. */
function buildGroupedCtes(options: ProfileQueryOptions, params: ParamList): string {
  const day = params.add(options.asOf);
  // The predictions are joined only for a segment that names one (p_alive, clv, …).
  const predictions = [options.a, options.b].some((spec) => spec !== null && namesPrediction(spec));
  // Member tags as they stood at the end of the day, like the snapshot.
  const tagsAt = `(${day}::DATE + 1)::TIMESTAMPTZ`;
  const a = buildSegmentCondition(options.a, params, options.communityTag, tagsAt);
  const community = options.communityTag
    ? `LEFT JOIN (${embedQuery(options.communityTag, params)}) ct ON ct.customer_id = s.customer_id`
    : '';
  const b =
    options.b === null ? null : buildSegmentCondition(options.b, params, options.communityTag, tagsAt);
  const generations = `[${GENERATIONS.map((g) => `${params.add(g)}::VARCHAR`).join(', ')}]`;
  // Against another segment only the members of either are read; the filter on the joined
  // relation lets DuckDB apply it before the joins where it reads one side (e.g. the stage).
  const grouped =
    b === null
      ? `SELECT CASE WHEN ${a} THEN 'a' ELSE 'b' END AS grp, * FROM snap`
      : `SELECT 'a' AS grp, * FROM snap WHERE ${a} UNION ALL SELECT 'b' AS grp, * FROM snap WHERE ${b}`;
  return `cutoff AS (SELECT ${day}::DATE AS as_of, (${day}::DATE + 1)::TIMESTAMPTZ AS end_at),
    -- The customer_tag_snapshots view written out (the same attribute SQL), so the snapshot
    -- meets its day tags before the customers: the view joins every customer's record first.
    joined AS (
      SELECT s.customer_id, s.is_member, s.recency_days, s.frequency, s.monetary, s.r, s.f, s.m, s.score,
        s.segment, s.tier, s.stage, ${attributeTagsSql('s.as_of', generations)}, t.* EXCLUDE (as_of, customer_id),
        ${options.communityTag ? 'ct.community' : 'NULL::INTEGER AS community'},
        ${predictions ? 'p.p_alive, p.clv, p.expected_purchases' : 'NULL::DOUBLE AS p_alive, NULL::DOUBLE AS clv, NULL::DOUBLE AS expected_purchases'}
      FROM customer_snapshots s
      JOIN customer_day_tags t ON t.as_of = s.as_of AND t.customer_id = s.customer_id
      LEFT JOIN customers c ON c.id = s.customer_id
      LEFT JOIN snapshot_regions r ON r.as_of = s.as_of AND r.province = c.province
      ${predictions ? 'LEFT JOIN customer_prediction_snapshots p ON p.as_of = s.as_of AND p.customer_id = s.customer_id' : ''}
      ${community}
      WHERE s.as_of = ${day}::DATE AND t.as_of = ${day}::DATE
    ),
    snap AS (SELECT * FROM joined${b === null ? '' : ` WHERE (${a}) OR (${b})`}),
    grouped AS (${grouped})`;
}

const SINGLE_COLUMNS: Readonly<Record<SingleAttribute, string>> = {
  gender: 'gender',
  generation: 'generation',
  province: 'province',
  big_region: 'big_region',
  north_south: 'north_south',
  power_band: 'power_band',
  community: 'community::VARCHAR',
};

/** The temporary table a profile keeps its groups in: the snapshot is joined and split once. */
export const PROFILE_GROUPS_TABLE = 'profile_groups';

/** Creates PROFILE_GROUPS_TABLE: one row per (group, member) with the snapshot's columns. */
export function buildGroupsTableQuery(options: ProfileQueryOptions): Query {
  const params = new ParamList();
  const ctes = buildGroupedCtes(options, params);
  return {
    // Only the columns the three queries read: the segment conditions have been applied.
    sql: `CREATE OR REPLACE TEMP TABLE ${PROFILE_GROUPS_TABLE} AS WITH ${ctes}
      SELECT grp, customer_id, ${[
        ...Object.keys(SINGLE_COLUMNS),
        ...EMOTION_VALUES.map((value) => EMOTION_SOURCES[value].field),
        ...NUMERIC_ATTRIBUTES,
      ].join(', ')} FROM grouped`,
    params: params.values,
  };
}

/** Members per (group, attribute, value), and each group's total, over PROFILE_GROUPS_TABLE. */
export function buildValueCountsQuery(options: Pick<ProfileQueryOptions, 'asOf' | 'communityTag'>): Query {
  const params = new ParamList();
  const end = params.add(options.asOf);
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const singles = Object.entries(SINGLE_COLUMNS)
    .filter(([attribute]) => attribute !== 'community' || options.communityTag !== null)
    .map(([attribute, column]) => `coalesce(${column}, '') AS ${attribute}`);
  const singleNames = singles.map((column) => column.split(' AS ')[1]).join(', ');
  const emotions = EMOTION_VALUES.map(
    (value) => `CASE WHEN ${EMOTION_SOURCES[value].condition} THEN '${value}' END AS emotion_${value}`,
  );
  return {
    sql: `WITH grouped AS (SELECT * FROM ${PROFILE_GROUPS_TABLE}),
    purchases AS (
      -- The groups' purchases first, each with its group (twice for a member in both): the
      -- order lines then probe a table of only those orders, and need no join back to a group.
      SELECT o.id, g.grp, g.customer_id FROM orders o JOIN grouped g ON g.customer_id = o.customer_id
      WHERE o.status IN (${statuses}) AND o.paid_amount > 0
        AND o.placed_at < (${end}::DATE + 1)::TIMESTAMPTZ
    ),
    bought AS (
      SELECT DISTINCT p.grp, p.customer_id, l.category
      FROM order_lines l JOIN purchases p ON p.id = l.order_id
      WHERE l.category IS NOT NULL AND l.category <> ''
    )
    SELECT grp, attribute, value, count(*)::INTEGER AS n FROM (
      UNPIVOT (SELECT grp, ${singles.join(', ')} FROM grouped)
      ON ${singleNames} INTO NAME attribute VALUE value)
    GROUP BY ALL
    UNION ALL
    SELECT grp, 'emotion', value, count(*)::INTEGER FROM (
      UNPIVOT (SELECT grp, ${emotions.join(', ')} FROM grouped)
      ON ${EMOTION_VALUES.map((value) => `emotion_${value}`).join(', ')} INTO NAME flag VALUE value)
    GROUP BY ALL
    UNION ALL
    SELECT grp, 'category', category, count(*)::INTEGER FROM bought GROUP BY ALL
    UNION ALL
    SELECT grp, '', '', count(*)::INTEGER FROM grouped GROUP BY grp
    ORDER BY attribute, value, grp`,
    params: params.values,
  };
}

/**
 * Per numeric attribute and group: count, mean, quartiles, rank sum in the pooled sample; ties
 * per attribute (over PROFILE_GROUPS_TABLE).
 *
 * Everything comes from one histogram, the members per (attribute, group, value): a few hundred
 * thousand rows where the members' values are millions, and sorted once for the ranks and
 * the quartiles alike. A quartile is quantile_cont's: at 0-based position h = (n − 1)·p of the
 * sorted values, the value at ⌊h⌋ plus (h − ⌊h⌋) times the step to the value at ⌈h⌉; the value at
 * a position is the first whose running count passes it.
 */
export function buildNumericQuery(): Query {
  const columns = NUMERIC_ATTRIBUTES.map((attribute) => `${attribute}::DOUBLE AS ${attribute}`).join(', ');
  const quartiles = [
    ['q1', 0.25],
    ['median', 0.5],
    ['q3', 0.75],
  ] as const;
  const h = (p: number): string => `((total - 1) * ${p})`;
  // The values at the positions around each quartile, in the one pass over the histogram.
  const around = quartiles
    .map(
      ([name, p]) => `min(x) FILTER (WHERE upto >= floor(${h(p)}) + 1) AS ${name}_lo,
        min(x) FILTER (WHERE upto >= ceil(${h(p)}) + 1) AS ${name}_hi`,
    )
    .join(',\n        ');
  const interpolated = quartiles
    .map(([name, p]) => `${name}_lo + (${h(p)} - floor(${h(p)})) * (${name}_hi - ${name}_lo) AS ${name}`)
    .join(', ');
  return {
    sql: `WITH grouped AS (SELECT * FROM ${PROFILE_GROUPS_TABLE}),
    long AS (
      SELECT grp, attribute, x FROM (UNPIVOT (SELECT grp, ${columns} FROM grouped)
        ON ${NUMERIC_ATTRIBUTES.join(', ')} INTO NAME attribute VALUE x)
      WHERE NOT isnan(x)
    ),
    counted AS (SELECT attribute, x, grp, count(*)::DOUBLE AS n FROM long GROUP BY ALL),
    -- Each group's histogram, and both groups' (grp null) for the everyone row and the ranks.
    histograms AS (
      SELECT attribute, grp, x, n FROM counted
      UNION ALL SELECT attribute, NULL, x, sum(n) FROM counted GROUP BY attribute, x
    ),
    totals AS (SELECT attribute, grp, sum(n) AS total FROM histograms GROUP BY ALL),
    running AS (
      SELECT h.attribute, h.grp, h.x, h.n, t.total,
        sum(h.n) OVER (PARTITION BY h.attribute, h.grp ORDER BY h.x ROWS UNBOUNDED PRECEDING) AS upto
      FROM histograms h JOIN totals t ON t.attribute = h.attribute AND t.grp IS NOT DISTINCT FROM h.grp
    ),
    summaries AS (
      SELECT grp, attribute, total::INTEGER AS n, mean, ${interpolated} FROM (
        SELECT grp, attribute, any_value(total) AS total, sum(n * x) / any_value(total) AS mean,
        ${around}
        FROM running GROUP BY grp, attribute
      )
    ),
    -- The tied values share the mean of the ranks they span, in the pooled sample.
    ranked AS (SELECT attribute, x, n AS t, upto - n + (n + 1) / 2 AS mean_rank FROM running WHERE grp IS NULL),
    rank_sums AS (
      SELECT c.attribute, c.grp, sum(c.n * r.mean_rank) AS rank_sum
      FROM counted c JOIN ranked r USING (attribute, x) GROUP BY ALL
    ),
    ties AS (SELECT attribute, sum(t * t * t - t) AS tie_sum FROM ranked GROUP BY ALL)
    SELECT s.grp, s.attribute, s.n, s.mean, s.q1, s.median, s.q3, r.rank_sum, t.tie_sum
    FROM summaries s
    LEFT JOIN rank_sums r ON r.attribute = s.attribute AND r.grp = s.grp
    LEFT JOIN ties t ON t.attribute = s.attribute
    ORDER BY s.attribute, s.grp NULLS LAST`,
    params: [],
  };
}

/** Members in both groups of a segment-against-segment profile (over PROFILE_GROUPS_TABLE). */
export function buildOverlapQuery(): Query {
  return {
    sql: `SELECT count(*)::INTEGER AS n FROM (
      SELECT customer_id FROM ${PROFILE_GROUPS_TABLE} GROUP BY customer_id HAVING count(*) > 1)`,
    params: [],
  };
}

/** The members of group 'a' and of everyone in the snapshot. */
export function buildGroupSizeQuery(options: ProfileQueryOptions): Query {
  const params = new ParamList();
  const ctes = buildGroupedCtes({ ...options, b: null }, params);
  return {
    sql: `WITH ${ctes}
    SELECT count(*) FILTER (WHERE grp = 'a')::INTEGER AS members, count(*)::INTEGER AS everyone FROM grouped`,
    params: params.values,
  };
}
