/**
 * Member communities (群落, spec section 4): a store with a single product line groups its
 * members by shared consumption attitudes instead of tiers, so that each promotion appeals to one
 * community. The features come from the store (community-features-query.ts); the clustering is
 * k-means++ on their z-scores (kmeans.ts), with k chosen by the silhouette on a seeded sample
 * when asked; each community is described in plain words (zh-CN and English) by the features on
 * which its members stand out. A run is stored per as-of day (communities and
 * community_assignments, migration 4), so the community is a tag other features can read
 * (getCommunityOf, buildCommunityTagQuery).
 */
import { ParamList, raw, sql, type Query } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import {
  buildCommunityFeaturesQuery,
  buildFeatureStatsQuery,
  buildNearestCentreRelation,
  buildZColumns,
  COMMUNITY_FEATURES,
  type CommunityFeature,
  FEATURE_WORDS,
  FEATURES_TABLE,
  type FeatureScale,
} from './community-features-query.js';
import { chooseK, kmeans, type KmeansResult, type Matrix } from './kmeans.js';

export { COMMUNITY_FEATURES, type CommunityFeature } from './community-features-query.js';

export interface CommunitiesOptions {
  /** YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  /** A number of communities, or 'auto': the k from 2 to 8 with the best silhouette. */
  readonly k: number | 'auto';
  readonly seed: number;
  /** The trailing window of page views and dwell, in days (the tags config's activity window). */
  readonly activityDays: number;
  /** Members the silhouette is measured on when k is auto (of the fitted ones). Default 2,000. */
  readonly sampleSize?: number;
  /** Members k-means is fitted on, a seeded sample when there are more. Default 20,000. */
  readonly fitSampleSize?: number;
}

export interface CommunityFeatureValue {
  /** The community's mean of the feature, as measured (before log and z-score). */
  readonly mean: number | null;
  /** The community's centre on the standardised scale: how many standard deviations from the members' mean. */
  readonly z: number;
}

export interface Community {
  /** 1 … k, largest first. */
  readonly community: number;
  readonly members: number;
  readonly share: number;
  readonly features: Record<CommunityFeature, CommunityFeatureValue>;
  readonly description_en: string;
  readonly description_zh: string;
}

export interface CommunityRun {
  readonly status: 'found';
  readonly as_of: string;
  readonly seed: number;
  readonly activity_days: number;
  readonly k: number;
  readonly chosen_by: 'silhouette' | 'given';
  /** The sampled silhouette of each k tried (auto), or of the given k. */
  readonly silhouettes: readonly { readonly k: number; readonly silhouette: number }[];
  /** Members with a purchase, the ones clustered. */
  readonly members: number;
  /** Members k-means was fitted on (all of them, or a seeded sample); every member is then assigned. */
  readonly fitted_on: number;
  readonly communities: readonly Community[];
  /** The scale the features are measured on, and each community's centre on it (index = community − 1). */
  readonly scale: FeatureScale;
  readonly centres: readonly (readonly number[])[];
}

export interface CommunityTag {
  readonly as_of: string;
  readonly community: number;
  readonly members: number;
  readonly description_en: string;
  readonly description_zh: string;
}

/** A standardised distance of at least this many standard deviations sets a community apart. */
const NOTABLE_Z = 0.5;
/** At most this many features name a community. */
const WORDS_PER_COMMUNITY = 3;
/** Members k-means is fitted on (a seeded sample when there are more): enough to place up to 8 centres. */
export const DEFAULT_FIT_SAMPLE = 20_000;
/** Lloyd passes stop once at most 0.1% of the fitted members change community (kmeans.ts tolerance). */
const LLOYD_TOLERANCE = 0.001;

/** The words of this module's own messages, in both languages (`{name}` is filled in). */
export const COMMUNITY_MESSAGES = {
  too_few_members: {
    en: 'not enough members to form communities: {members} members have a purchase by {day}, at least {needed} are needed',
    zh: '会员人数不足，无法分群：截至 {day} 有购买的会员 {members} 位，至少需要 {needed} 位',
  },
} as const;

/** Too few members with a purchase to group: a state of the store that callers show, not a failure. */
export interface TooFewMembers {
  readonly status: 'too_few_members';
  readonly as_of: string;
  readonly members: number;
  readonly needed: number;
}

export type CommunitiesResult = CommunityRun | TooFewMembers;

/** The too-few-members result in words, both languages. */
export function describeTooFewMembers(result: TooFewMembers): { en: string; zh: string } {
  const fill = (text: string): string =>
    text
      .replace('{members}', String(result.members))
      .replace('{day}', result.as_of)
      .replace('{needed}', String(result.needed));
  return { en: fill(COMMUNITY_MESSAGES.too_few_members.en), zh: fill(COMMUNITY_MESSAGES.too_few_members.zh) };
}

/** Words for what sets a community apart: its features furthest from the average, strongest first. */
export function describeCommunity(z: Readonly<Record<CommunityFeature, number>>): { en: string; zh: string } {
  const notable = COMMUNITY_FEATURES.filter((f) => Math.abs(z[f]) >= NOTABLE_Z)
    .sort((a, b) => Math.abs(z[b]) - Math.abs(z[a]))
    .slice(0, WORDS_PER_COMMUNITY);
  if (notable.length === 0) return { en: 'close to the average member', zh: '接近会员平均水平' };
  const words = notable.map((f) => FEATURE_WORDS[f][z[f] > 0 ? 'high' : 'low']);
  const en = words.map((w) => w.en).join(', ');
  return { en: en.charAt(0).toUpperCase() + en.slice(1), zh: words.map((w) => w.zh).join('、') };
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** Runs `work` with the day's features in a temporary table (computed once), dropped after. */
async function withFeatureTable<T>(
  store: Store,
  options: Pick<CommunitiesOptions, 'asOf' | 'activityDays'>,
  work: () => Promise<T>,
): Promise<T> {
  const features = buildCommunityFeaturesQuery({ asOf: options.asOf, activityDays: options.activityDays });
  await store.run({
    sql: `CREATE OR REPLACE TEMP TABLE ${FEATURES_TABLE} AS ${features.sql}`,
    params: features.params,
  });
  try {
    return await work();
  } finally {
    await store.run(raw(`DROP TABLE IF EXISTS ${FEATURES_TABLE}`));
  }
}

type StatsRow = { n: number } & Record<string, number | null>;
type SummaryRow = { centre: number; members: number; first_member: string } & Record<string, number | null>;

/** Fits and describes the communities over the features table (see findCommunities). */
async function fitCommunities(store: Store, options: CommunitiesOptions): Promise<CommunitiesResult> {
  const [stats] = await store.query<StatsRow>(buildFeatureStatsQuery());
  const n = stats?.n ?? 0;
  const needed = options.k === 'auto' ? 3 : options.k;
  if (n < needed) return { status: 'too_few_members', as_of: options.asOf, members: n, needed };
  // The scale of everyone (population sd of the values with the missing ones at the mean).
  const scale: FeatureScale = {
    means: COMMUNITY_FEATURES.map((f) => stats?.[`mean_${f}`] ?? 0),
    sds: COMMUNITY_FEATURES.map((f) =>
      Math.sqrt(((stats?.[`var_${f}`] ?? 0) * (stats?.[`count_${f}`] ?? 0)) / n),
    ),
  };
  // A seeded sample of the members, in id order, on the common scale.
  const params = new ParamList();
  const zColumns = buildZColumns(scale, params);
  const fitSize = Math.min(n, options.fitSampleSize ?? DEFAULT_FIT_SAMPLE);
  const sample = await store.query<Record<string, number>>({
    sql: `SELECT ${COMMUNITY_FEATURES.map((f) => `z_${f}`).join(', ')} FROM (
        SELECT customer_id, ${zColumns} FROM ${FEATURES_TABLE}
        ORDER BY hash(customer_id, ${params.add(options.seed)}::BIGINT), customer_id LIMIT ${params.add(fitSize)})
      ORDER BY customer_id`,
    params: params.values,
  });
  const d = COMMUNITY_FEATURES.length;
  const values = new Float64Array(sample.length * d);
  sample.forEach((row, i) => COMMUNITY_FEATURES.forEach((f, j) => (values[i * d + j] = row[`z_${f}`] ?? 0)));
  const matrix: Matrix = { values, n: sample.length, d };
  let fitted: KmeansResult;
  let silhouettes: { k: number; silhouette: number }[];
  if (options.k === 'auto') {
    const chosen = chooseK(matrix, {
      seed: options.seed,
      sampleSize: options.sampleSize,
      tolerance: LLOYD_TOLERANCE,
    });
    fitted = chosen.best;
    silhouettes = [...chosen.scores];
  } else {
    fitted = kmeans(matrix, { k: options.k, seed: options.seed, tolerance: LLOYD_TOLERANCE });
    silhouettes = [];
  }
  const fittedCentres = Array.from({ length: fitted.k }, (_, c) =>
    Array.from(fitted.centroids.subarray(c * d, c * d + d)),
  );
  // Every member to its nearest centre, in the database; per centre the size and the means.
  const summaryParams = new ParamList();
  const assigned = buildNearestCentreRelation(scale, fittedCentres, summaryParams);
  const summary = await store.query<SummaryRow>({
    sql: `SELECT centre, count(*)::INTEGER AS members, min(customer_id) AS first_member,
        ${COMMUNITY_FEATURES.map((f) => `avg(${f})::DOUBLE AS mean_${f}, avg(z_${f})::DOUBLE AS z_${f}`).join(', ')}
      FROM ${assigned} GROUP BY centre`,
    params: summaryParams.values,
  });
  // Communities are numbered by size, largest first (ties: the one of the earlier member).
  summary.sort((a, b) => b.members - a.members || (a.first_member < b.first_member ? -1 : 1));
  const communities = summary.map((row, index): Community => {
    const z = {} as Record<CommunityFeature, number>;
    const features = {} as Record<CommunityFeature, CommunityFeatureValue>;
    for (const feature of COMMUNITY_FEATURES) {
      const mean = row[`mean_${feature}`] ?? null;
      z[feature] = row[`z_${feature}`] ?? 0;
      features[feature] = { mean: mean === null ? null : round(mean, 4), z: round(z[feature], 4) };
    }
    const words = describeCommunity(z);
    return {
      community: index + 1,
      members: row.members,
      share: row.members / n,
      features,
      description_en: words.en,
      description_zh: words.zh,
    };
  });
  return {
    status: 'found',
    as_of: options.asOf,
    seed: options.seed,
    activity_days: options.activityDays,
    k: communities.length,
    chosen_by: options.k === 'auto' ? 'silhouette' : 'given',
    silhouettes,
    members: n,
    fitted_on: sample.length,
    communities,
    scale,
    centres: summary.map((row) => fittedCentres[row.centre - 1] ?? []),
  };
}

/**
 * Clusters the members with a purchase as of the day; nothing is stored (see saveCommunities,
 * or runCommunities to find and store with one pass over the data). Too few members is a
 * result, not an error.
 */
export async function findCommunities(store: Store, options: CommunitiesOptions): Promise<CommunitiesResult> {
  return withFeatureTable(store, options, () => fitCommunities(store, options));
}

/** A stored run as the history lists it. */
export interface StoredCommunityRun {
  readonly run: number;
  readonly as_of: string;
  readonly k: number;
  readonly members: number;
  readonly seed: number;
  readonly chosen_by: 'silhouette' | 'given' | null;
  readonly silhouette: number | null;
  /** ISO 8601 with the offset. */
  readonly created_at: string;
  /** The run of the same day that replaced it, or null while it is its day's run. */
  readonly replaced_by: number | null;
}

export interface SavedCommunities {
  readonly run: number;
  /**
   * The run profiles, member and the report used before this one and no longer use: the earlier
   * run of the same day (now in the history) or the run of an earlier day; null when none.
   */
  readonly replaces: StoredCommunityRun | null;
}

const STORED_RUN_COLUMNS = `run, as_of::VARCHAR AS as_of, k, members::INTEGER AS members, seed::INTEGER AS seed,
  chosen_by, silhouette, strftime(created_at, '%Y-%m-%dT%H:%M:%S') || (
    -- ISO 8601's offset is ±HH:MM; DuckDB's %z writes ±HH or ±HHMM.
    SELECT CASE WHEN length(z) = 3 THEN z || ':00' ELSE substr(z, 1, 3) || ':' || substr(z, 4) END
    FROM (SELECT strftime(created_at, '%z') AS z)) AS created_at, replaced_by`;

/** Every stored run, newest first: the ones in use and the ones kept in the history. */
export async function getCommunityRuns(store: Store): Promise<StoredCommunityRun[]> {
  return store.query<StoredCommunityRun & Record<string, string | number | null>>(
    raw(`SELECT ${STORED_RUN_COLUMNS} FROM community_runs ORDER BY run DESC`),
  );
}

/** Writes a run from the features table, in one transaction (see saveCommunities). */
async function storeRun(store: Store, run: CommunityRun): Promise<SavedCommunities> {
  const silhouette = run.silhouettes.find((s) => s.k === run.k)?.silhouette ?? null;
  return store.transaction(async () => {
    const [inUse] = await store.query<StoredCommunityRun & Record<string, string | number | null>>(
      raw(
        `SELECT ${STORED_RUN_COLUMNS} FROM community_runs WHERE replaced_by IS NULL ORDER BY as_of DESC, run DESC LIMIT 1`,
      ),
    );
    const [next] = await store.query<{ run: number }>(
      raw('SELECT (coalesce(max(run), 0) + 1)::INTEGER AS run FROM community_runs'),
    );
    const id = next?.run ?? 1;
    // The day's earlier run moves to the history, whole.
    const [sameDay] = await store.query<{ run: number }>(
      sql`SELECT run FROM community_runs WHERE as_of = ${run.as_of}::DATE AND replaced_by IS NULL`,
    );
    if (sameDay) {
      await store.run(
        sql`INSERT INTO community_history SELECT ${sameDay.run}::INTEGER, community, members, centroid,
          description_en, description_zh FROM communities WHERE as_of = ${run.as_of}::DATE`,
      );
      await store.run(
        sql`INSERT INTO community_assignment_history SELECT ${sameDay.run}::INTEGER, customer_id, community
          FROM community_assignments WHERE as_of = ${run.as_of}::DATE`,
      );
      await store.run(
        sql`UPDATE community_runs SET replaced_by = ${id}::INTEGER WHERE run = ${sameDay.run}::INTEGER`,
      );
    }
    await store.run(sql`DELETE FROM communities WHERE as_of = ${run.as_of}::DATE`);
    await store.run(sql`DELETE FROM community_assignments WHERE as_of = ${run.as_of}::DATE`);
    for (const c of run.communities)
      await store.run(
        sql`INSERT INTO communities VALUES (${run.as_of}::DATE, ${c.community}, ${c.members},
          ${JSON.stringify(c.features)}::JSON, ${c.description_en}, ${c.description_zh}, ${run.seed},
          ${silhouette}::DOUBLE, current_timestamp)`,
      );
    const params = new ParamList();
    const day = params.add(run.as_of);
    const assigned = buildNearestCentreRelation(run.scale, run.centres, params);
    await store.run({
      sql: `INSERT INTO community_assignments SELECT ${day}::DATE, customer_id, centre FROM ${assigned}`,
      params: params.values,
    });
    await store.run(
      sql`INSERT INTO community_runs VALUES (${id}::INTEGER, ${run.as_of}::DATE, ${run.k}::INTEGER,
        ${run.members}::BIGINT, ${run.seed}::BIGINT, ${run.chosen_by}, ${silhouette}::DOUBLE,
        ${run.fitted_on}::BIGINT, current_timestamp, NULL)`,
    );
    const replaces =
      inUse && inUse.as_of <= run.as_of ? { ...inUse, replaced_by: sameDay ? id : null } : null;
    return { run: id, replaces };
  });
}

/**
 * Stores a run as the communities of its as-of day; an earlier run of that day is kept in the
 * history (getCommunityRuns), and the result names the run it replaces in use. Every member's
 * community is computed in the database from the run's centres (the features of its day again).
 * A too-few-members result stores nothing (null).
 */
export async function saveCommunities(
  store: Store,
  result: CommunitiesResult,
): Promise<SavedCommunities | null> {
  if (result.status === 'too_few_members') return null;
  return withFeatureTable(store, { asOf: result.as_of, activityDays: result.activity_days }, () =>
    storeRun(store, result),
  );
}

/** Finds and stores the communities of the day with one computation of the features (the CLI's path). */
export async function runCommunities(
  store: Store,
  options: CommunitiesOptions,
): Promise<{ readonly result: CommunitiesResult; readonly saved: SavedCommunities | null }> {
  return withFeatureTable(store, options, async () => {
    const result = await fitCommunities(store, options);
    return { result, saved: result.status === 'found' ? await storeRun(store, result) : null };
  });
}

/**
 * A relation of the community tag of every member in the latest stored run up to a day (or the
 * latest run): columns customer_id, as_of, community, description_en, description_zh. For
 * profiles and preset conditions to join on.
 */
export function buildCommunityTagQuery(asOf?: string): Query {
  return sql`SELECT a.customer_id, a.as_of::VARCHAR AS as_of, a.community, c.members::INTEGER AS members,
      c.description_en, c.description_zh
    FROM community_assignments a JOIN communities c USING (as_of, community)
    WHERE a.as_of = (SELECT max(as_of) FROM communities WHERE ${asOf ?? null}::DATE IS NULL OR as_of <= ${asOf ?? null}::DATE)`;
}

/**
 * The community of one member in the latest stored run (up to `asOf` when given), or null when
 * the member is in none (no run yet, or no purchase by that run's day).
 * @example const tag = await getCommunityOf(store, 'C0000042'); // { community: 2, description_zh: '偏爱优惠、…', … }
 */
export async function getCommunityOf(
  store: Store,
  customerId: string,
  asOf?: string,
): Promise<CommunityTag | null> {
  const tag = buildCommunityTagQuery(asOf);
  const rows = await store.query<CommunityTag & { customer_id: string } & Record<string, string | number>>({
    sql: `SELECT * FROM (${tag.sql}) WHERE customer_id = $${tag.params.length + 1}`,
    params: [...tag.params, customerId],
  });
  const row = rows[0];
  return row
    ? {
        as_of: row.as_of,
        community: row.community,
        members: row.members,
        description_en: row.description_en,
        description_zh: row.description_zh,
      }
    : null;
}
