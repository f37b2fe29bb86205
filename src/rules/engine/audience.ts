/**
 * A rule's audience (人群) as SQL: the profile segment grammar (segment-spec.ts) over the
 * latest stored snapshot on or before a day — customer_snapshots with its behaviour tags, the
 * predictions stored with it and the stored communities — plus the member tags (member_tags)
 * held at an instant. One builder gives the relation used at entry (enroll.ts), again when the
 * action is due (engine-dispatch), in preview, in backtest and in explain, so the audience means
 * the same everywhere.
 *
 * A day with no snapshot on or before it has an empty audience: nothing is known about its
 * members. Only an audience of everyone (`all`) needs no snapshot for a member trigger: the
 * member the trigger names is in it (see needsSnapshot).
 */
import { buildCommunityTagQuery } from '../../analytics/communities/communities.js';
import {
  buildSegmentCondition,
  embedQuery,
  parseSegment,
  PREDICTION_FILTER_FIELDS,
  type SegmentSpec,
  type SegmentVocabulary,
} from '../../analytics/profiles/segment-spec.js';
import { ParamList, type Query, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';

/** A parsed audience and what its SQL needs from the store. */
export interface Audience {
  readonly spec: SegmentSpec;
  /** The stored community tags, when the audience names a community (else null). */
  readonly communityTag: Query | null;
}

/** The snapshot's own columns: a segment testing only these needs no behaviour tags. */
const SNAPSHOT_FIELDS: ReadonlySet<string> = new Set([
  'is_member',
  'recency_days',
  'frequency',
  'monetary',
  'r',
  'f',
  'm',
  'score',
]);

/** Parses an audience text in the store's vocabulary (a stored rule's audience is already canonical). */
export function parseAudience(text: string, vocabulary: SegmentVocabulary, asOf?: string): Audience {
  const spec = parseSegment(text, vocabulary);
  const communityTag = spec.conditions.some((c) => c.kind === 'community')
    ? buildCommunityTagQuery(asOf)
    : null;
  return { spec, communityTag };
}

/**
 * The SQL instant member tags are read at, as a parameter added only when the audience names a
 * tag (a parameter the text never uses is an error).
 */
export function addTagsAt(audience: Audience, params: ParamList, instant: string): string {
  return audience.spec.conditions.some((c) => c.kind === 'tag')
    ? `${params.add(instant)}::TIMESTAMPTZ`
    : 'current_timestamp';
}

/** Whether a member trigger needs a snapshot to test its audience: every audience but `all`. */
export function needsSnapshot(audience: Audience): boolean {
  return audience.spec.conditions.length > 0;
}

function needsTags(spec: SegmentSpec): boolean {
  return spec.conditions.some(
    (c) =>
      c.kind === 'text' ||
      (c.kind === 'boolean' && !SNAPSHOT_FIELDS.has(c.field)) ||
      (c.kind === 'number' &&
        !SNAPSHOT_FIELDS.has(c.field) &&
        !(PREDICTION_FILTER_FIELDS as readonly string[]).includes(c.field)),
  );
}

function needsPredictions(spec: SegmentSpec): boolean {
  return spec.conditions.some(
    (c) => c.kind === 'number' && (PREDICTION_FILTER_FIELDS as readonly string[]).includes(c.field),
  );
}

export interface AudienceRelationOptions {
  /**
   * The snapshot days to read: a list of YYYY-MM-DD (a constant filter, so DuckDB skips the
   * other days' row groups), or SQL of a relation with one DATE column `as_of`.
   */
  readonly days: readonly string[] | { readonly sql: string };
  /** SQL instant member tags are read at (tag:NAME). */
  readonly tagsAt: string;
  /** Also give province, north_south and big_region (a signal's places). */
  readonly withPlaces?: boolean;
  /** Give every field the segment grammar tests (explain), not only the ids. */
  readonly withFields?: boolean;
}

/**
 * SQL text of the audience over the given snapshot days: columns (as_of, customer_id), plus the
 * places or every field when asked, one row per member of the audience per day.
 */
export function buildAudienceRelation(
  audience: Audience,
  params: ParamList,
  options: AudienceRelationOptions,
): string {
  const tags = options.withPlaces === true || options.withFields === true || needsTags(audience.spec);
  const predictions = options.withFields === true || needsPredictions(audience.spec);
  const community = audience.communityTag
    ? `LEFT JOIN (${embedQuery(audience.communityTag, params)}) ct ON ct.customer_id = s.customer_id`
    : '';
  const condition = buildSegmentCondition(audience.spec, params, audience.communityTag, options.tagsAt);
  const wanted = options.withFields
    ? '*'
    : `as_of, customer_id${options.withPlaces ? ', province, north_south, big_region' : ''}`;
  // The condition names the joined columns; DuckDB reads only the ones it and the caller use.
  return `SELECT ${wanted} FROM (
      SELECT s.as_of, s.customer_id, s.is_member, s.recency_days, s.frequency, s.monetary, s.r, s.f, s.m,
        s.score, s.segment, s.tier, s.stage
        ${tags ? ', t.* EXCLUDE (as_of, customer_id)' : ''}
        ${predictions ? ', p.p_alive, p.clv, p.expected_purchases, p.next_order_day' : ''}
        ${audience.communityTag ? ', ct.community' : ''}
      FROM customer_snapshots s
      ${tags ? 'JOIN customer_tag_snapshots t ON t.as_of = s.as_of AND t.customer_id = s.customer_id' : ''}
      ${predictions ? 'LEFT JOIN customer_prediction_snapshots p ON p.as_of = s.as_of AND p.customer_id = s.customer_id' : ''}
      ${community}
      WHERE ${snapshotDayFilter('s.as_of', options.days, params)}
    ) WHERE ${condition}`;
}

/** The SQL test that `column` is one of the days (`FALSE` for none). */
export function snapshotDayFilter(
  column: string,
  days: readonly string[] | { readonly sql: string },
  params: ParamList,
): string {
  if (!Array.isArray(days)) return `${column} IN (SELECT as_of FROM (${(days as { sql: string }).sql}))`;
  const list = days as readonly string[];
  return list.length ? `${column} IN (${list.map((day) => `${params.add(day)}::DATE`).join(', ')})` : 'FALSE';
}

/**
 * The snapshot days an occurrence in [from, to) (instants) can read or compare with: the two
 * latest on or before `from`'s day (a change compares with the one before) and every one up to
 * `to`'s day.
 */
export async function findSnapshotDaysFor(store: Store, from: string, to: string): Promise<string[]> {
  const rows = await store.query<{ as_of: string }>(
    sql`WITH days AS (SELECT DISTINCT as_of FROM snapshots)
      SELECT as_of::VARCHAR AS as_of FROM days
      WHERE as_of > ${from}::TIMESTAMPTZ::DATE AND as_of <= ${to}::TIMESTAMPTZ::DATE
        OR as_of IN (SELECT as_of FROM days WHERE as_of <= ${from}::TIMESTAMPTZ::DATE ORDER BY as_of DESC LIMIT 2)
      ORDER BY 1`,
  );
  return rows.map((row) => row.as_of);
}

/** SQL of the stored snapshot days (one row per day, column as_of). */
export const SNAPSHOT_DAYS_SQL = 'SELECT DISTINCT as_of FROM snapshots';

/**
 * The audience at a day: one column customer_id, the members the segment holds at the latest
 * snapshot on or before `day` (YYYY-MM-DD), with member tags read at `clock` (an instant, ISO
 * text; default the end of `day`). Empty when no snapshot is on or before `day`. Engine-dispatch
 * runs it for the re-check at send time.
 * @example buildAudienceQuery(parseAudience('stage:churned', vocabulary), '2026-10-31')
 */
export function buildAudienceQuery(audience: Audience, day: string, clock?: string): Query {
  const params = new ParamList();
  const at = params.add(day);
  const tagsAt = clock === undefined ? `(${at}::DATE + 1)::TIMESTAMPTZ` : addTagsAt(audience, params, clock);
  const relation = buildAudienceRelation(audience, params, {
    days: { sql: `SELECT max(as_of) AS as_of FROM (${SNAPSHOT_DAYS_SQL}) WHERE as_of <= ${at}::DATE` },
    tagsAt,
  });
  return { sql: `SELECT customer_id FROM (${relation})`, params: params.values };
}

/** The latest snapshot day on or before `day`, or null when there is none. */
export async function findSnapshotDay(store: Store, day: string): Promise<string | null> {
  const [row] = await store.query<{ as_of: string | null }>(
    sql`SELECT max(as_of)::VARCHAR AS as_of FROM snapshots WHERE as_of <= ${day}::DATE`,
  );
  return row?.as_of ?? null;
}
