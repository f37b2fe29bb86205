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
import { AppError } from '../../errors.js';
import { sql, type Query } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import {
  buildCommunityFeaturesQuery,
  COMMUNITY_FEATURES,
  type CommunityFeature,
  FEATURE_TRANSFORMS,
  FEATURE_WORDS,
} from './community-features-query.js';
import { chooseK, kmeans, type KmeansResult, type Matrix, standardise } from './kmeans.js';

export { COMMUNITY_FEATURES, type CommunityFeature } from './community-features-query.js';

export interface CommunitiesOptions {
  /** YYYY-MM-DD in the store's timezone. */
  readonly asOf: string;
  /** A number of communities, or 'auto': the k from 2 to 8 with the best silhouette. */
  readonly k: number | 'auto';
  readonly seed: number;
  /** The trailing window of page views and dwell, in days (the tags config's activity window). */
  readonly activityDays: number;
  /** Members the silhouette is measured on when k is auto. Default 2,000. */
  readonly sampleSize?: number;
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
  readonly as_of: string;
  readonly seed: number;
  readonly k: number;
  readonly chosen_by: 'silhouette' | 'given';
  /** The sampled silhouette of each k tried (auto), or of the given k. */
  readonly silhouettes: readonly { readonly k: number; readonly silhouette: number }[];
  /** Members with a purchase, the ones clustered. */
  readonly members: number;
  readonly communities: readonly Community[];
  /** Every clustered member's community, by customer id. */
  readonly assignments: readonly { readonly customer_id: string; readonly community: number }[];
}

export interface CommunityTag {
  readonly as_of: string;
  readonly community: number;
  readonly members: number;
  readonly description_en: string;
  readonly description_zh: string;
}

type FeatureRow = { customer_id: string } & Record<CommunityFeature, number | null>;

/** A standardised distance of at least this many standard deviations sets a community apart. */
const NOTABLE_Z = 0.5;
/** At most this many features name a community. */
const WORDS_PER_COMMUNITY = 3;

/** The transformed feature matrix; a missing value takes its column's mean (so z = 0 there). */
function buildMatrix(rows: readonly FeatureRow[]): Matrix {
  const n = rows.length;
  const d = COMMUNITY_FEATURES.length;
  const values = new Float64Array(n * d);
  COMMUNITY_FEATURES.forEach((feature, f) => {
    const log = FEATURE_TRANSFORMS[feature] === 'log1p';
    let sum = 0;
    let count = 0;
    rows.forEach((row, i) => {
      const value = row[feature];
      if (value === null) {
        values[i * d + f] = Number.NaN;
        return;
      }
      const x = log ? Math.log1p(Math.max(0, value)) : value;
      values[i * d + f] = x;
      sum += x;
      count++;
    });
    const mean = count ? sum / count : 0;
    for (let i = 0; i < n; i++) if (Number.isNaN(values[i * d + f])) values[i * d + f] = mean;
  });
  return { values, n, d };
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

/** Clusters the members with a purchase as of the day; nothing is stored (see saveCommunities). */
export async function findCommunities(store: Store, options: CommunitiesOptions): Promise<CommunityRun> {
  const rows = await store.query<FeatureRow>(
    buildCommunityFeaturesQuery({ asOf: options.asOf, activityDays: options.activityDays }),
  );
  const n = rows.length;
  const needed = options.k === 'auto' ? 3 : options.k;
  if (n < needed)
    throw new AppError(
      'BAD_ARGUMENT',
      `only ${n} members have a purchase by ${options.asOf}: too few for ${options.k === 'auto' ? 'communities (at least 3)' : `${options.k} communities`}`,
    );
  const { matrix } = standardise(buildMatrix(rows));
  let result: KmeansResult;
  let silhouettes: { k: number; silhouette: number }[];
  if (options.k === 'auto') {
    const chosen = chooseK(matrix, { seed: options.seed, sampleSize: options.sampleSize });
    result = chosen.best;
    silhouettes = [...chosen.scores];
  } else {
    result = kmeans(matrix, { k: options.k, seed: options.seed });
    silhouettes = [];
  }
  // Communities are numbered by size, largest first (ties: the cluster of the earlier member).
  const firstMember = new Int32Array(result.k).fill(n);
  for (let i = n - 1; i >= 0; i--) firstMember[result.assignment[i] ?? 0] = i;
  const order = Array.from({ length: result.k }, (_, c) => c).sort(
    (a, b) =>
      (result.sizes[b] ?? 0) - (result.sizes[a] ?? 0) || (firstMember[a] ?? 0) - (firstMember[b] ?? 0),
  );
  const numberOf = new Int32Array(result.k);
  order.forEach((cluster, index) => (numberOf[cluster] = index + 1));
  const d = COMMUNITY_FEATURES.length;
  const communities = order.map((cluster, index): Community => {
    const members = result.sizes[cluster] ?? 0;
    const z = {} as Record<CommunityFeature, number>;
    const features = {} as Record<CommunityFeature, CommunityFeatureValue>;
    COMMUNITY_FEATURES.forEach((feature, f) => {
      let sum = 0;
      let count = 0;
      rows.forEach((row, i) => {
        const value = row[feature];
        if (result.assignment[i] === cluster && value !== null) {
          sum += value;
          count++;
        }
      });
      z[feature] = result.centroids[cluster * d + f] ?? 0;
      features[feature] = { mean: count ? round(sum / count, 4) : null, z: round(z[feature], 4) };
    });
    const words = describeCommunity(z);
    return {
      community: index + 1,
      members,
      share: members / n,
      features,
      description_en: words.en,
      description_zh: words.zh,
    };
  });
  return {
    as_of: options.asOf,
    seed: options.seed,
    k: result.k,
    chosen_by: options.k === 'auto' ? 'silhouette' : 'given',
    silhouettes,
    members: n,
    communities,
    assignments: rows.map((row, i) => ({
      customer_id: row.customer_id,
      community: numberOf[result.assignment[i] ?? 0] ?? 0,
    })),
  };
}

/** Stores a run as the communities of its as-of day, replacing any earlier run of that day. */
export async function saveCommunities(store: Store, run: CommunityRun): Promise<void> {
  const silhouette = run.silhouettes.find((s) => s.k === run.k)?.silhouette ?? null;
  await store.transaction(async () => {
    await store.run(sql`DELETE FROM communities WHERE as_of = ${run.as_of}::DATE`);
    await store.run(sql`DELETE FROM community_assignments WHERE as_of = ${run.as_of}::DATE`);
    for (const c of run.communities)
      await store.run(
        sql`INSERT INTO communities VALUES (${run.as_of}::DATE, ${c.community}, ${c.members},
          ${JSON.stringify(c.features)}::JSON, ${c.description_en}, ${c.description_zh}, ${run.seed},
          ${silhouette}::DOUBLE, current_timestamp)`,
      );
    // The whole assignment goes in as two JSON arrays, unnested side by side, in one statement.
    const ids = JSON.stringify(run.assignments.map((a) => a.customer_id));
    const numbers = JSON.stringify(run.assignments.map((a) => a.community));
    await store.run(
      sql`INSERT INTO community_assignments
        SELECT ${run.as_of}::DATE, unnest(from_json(${ids}, '["VARCHAR"]')), unnest(from_json(${numbers}, '["INTEGER"]'))`,
    );
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
