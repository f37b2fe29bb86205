/**
 * Consumer profiles (消费者轮廓, spec section 8): who a group of members is — gender, generation,
 * region, purchasing power, categories bought, activity, purchase figures, emotion tags — side by
 * side with another group or with everyone, each difference with its lift, a test and an effect
 * size, and the strongest differences said in plain words; and the wanted poster (通缉令): the
 * few values that best describe the top tier and the loyal members against everyone.
 *
 * Profiles read the stored snapshot of a day (`huiyuan refresh`), not the orders: the point of a
 * snapshot is that the groups and tags of a day are fixed once and every report agrees on them.
 *
 * Statistics (profile-stats.ts): a two-proportion z test per value, a Mann–Whitney U test per
 * numeric attribute; against everyone the test compares the group with the rest (the members
 * outside it), since a group is part of everyone. All the tests of a profile form one family
 * corrected by Holm's method: valid whatever the dependence between the tests, it keeps the chance
 * that anything at all is called significant by chance at most α. A profile's findings drive
 * campaigns, so a false lead costs more than a missed small one; with the group sizes of a store
 * the power lost against Benjamini–Hochberg is small. Differences are ranked by an effect on the
 * scale of Cohen's d (Cohen's h for shares, Cliff's delta converted for numbers), among those
 * significant after the correction and at least small (|effect| ≥ 0.2).
 */
import { AppError } from '../../errors.js';
import { ParamList, raw, sql, type Query } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { buildCommunityTagQuery } from '../communities/communities.js';
import {
  ATTRIBUTE_WORDS,
  describeValue,
  EMOTION_VALUES,
  MULTI_ATTRIBUTES,
  NUMERIC_ATTRIBUTES,
  type MultiAttribute,
  type NumericAttribute,
  type ProfileFamily,
  SINGLE_ATTRIBUTES,
  type SingleAttribute,
} from './profile-attributes.js';
import {
  buildGroupSizeQuery,
  buildGroupsTableQuery,
  buildNumericQuery,
  buildOverlapQuery,
  buildValueCountsQuery,
  EMOTION_SOURCES,
  type NumericRow,
  PROFILE_GROUPS_TABLE,
  type ValueCountRow,
} from './profile-query.js';
import {
  adjustHolm,
  convertDeltaToD,
  getCohensH,
  testMannWhitney,
  testTwoProportions,
} from './profile-stats.js';
import {
  buildSegmentCondition,
  nameSegment,
  type SegmentCondition,
  type SegmentSpec,
  type SegmentVocabulary,
  type TierWords,
} from './segment-spec.js';

/** An effect below this (on the d scale) is not worth a plain-language line, however significant. */
export const MIN_EFFECT = 0.2;
export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_TOP = 5;
/** A wanted-poster value must describe at least this share of the group. */
export const DEFAULT_MIN_SUPPORT = 0.1;

export interface ProfileGroup {
  readonly segment: string;
  readonly name_en: string;
  readonly name_zh: string;
  readonly members: number;
}

export interface ValueDifference {
  readonly family: ProfileFamily;
  readonly attribute: SingleAttribute | MultiAttribute;
  /** null = unknown (no value recorded). */
  readonly value: string | null;
  readonly a_count: number;
  readonly a_share: number;
  /** Against everyone: everyone's count and share. */
  readonly b_count: number;
  readonly b_share: number;
  /** a_share / b_share; null when b_share is 0. Against everyone this is the TGI / 100. */
  readonly lift: number | null;
  /** Cohen's h of A against B (against everyone: against the rest). */
  readonly effect: number;
  readonly z: number;
  readonly p: number;
  readonly p_adjusted: number;
  readonly significant: boolean;
}

export interface NumericSummary {
  readonly n: number;
  readonly mean: number | null;
  readonly q1: number | null;
  readonly median: number | null;
  readonly q3: number | null;
}

export interface NumericDifference {
  readonly family: ProfileFamily;
  readonly attribute: NumericAttribute;
  readonly a: NumericSummary;
  /** Against everyone: everyone's figures. */
  readonly b: NumericSummary;
  /** Cliff's delta of A against B (the rest): P(A > B) − P(A < B). */
  readonly delta: number;
  /** delta on the d scale. */
  readonly effect: number;
  readonly z: number;
  readonly p: number;
  readonly p_adjusted: number;
  readonly significant: boolean;
}

export interface ProfileFinding {
  readonly kind: 'value' | 'numeric';
  readonly attribute: string;
  readonly value: string | null;
  readonly effect: number;
  readonly lift: number | null;
  readonly text_en: string;
  readonly text_zh: string;
}

export interface Profile {
  readonly as_of: string;
  readonly population: 'members' | 'all_customers';
  readonly against: 'everyone' | 'segment';
  readonly a: ProfileGroup;
  readonly b: ProfileGroup;
  /** Members in both groups (a segment against a segment); the tests assume there are none. */
  readonly overlap: number;
  readonly alpha: number;
  readonly correction: 'holm';
  readonly tests: number;
  readonly notes: readonly string[];
  readonly values: readonly ValueDifference[];
  readonly numbers: readonly NumericDifference[];
  /** The strongest significant differences, strongest first. */
  readonly findings: readonly ProfileFinding[];
}

export interface SnapshotDay {
  readonly as_of: string;
  readonly population: 'members' | 'all_customers';
  readonly customers: number;
}

/**
 * The stored snapshot a profile reads: the given day's, or the latest. A missing snapshot is a
 * user error that says to run `huiyuan refresh`.
 */
export async function getSnapshotDay(store: Store, asOf?: string): Promise<SnapshotDay> {
  const rows = await store.query<{ as_of: string; population: string; customers: number }>(
    sql`SELECT as_of::VARCHAR AS as_of, population, customers::INTEGER AS customers FROM snapshots
      WHERE ${asOf ?? null}::DATE IS NULL OR as_of = ${asOf ?? null}::DATE ORDER BY as_of DESC LIMIT 1`,
  );
  const row = rows[0];
  if (row) {
    // Snapshots stored before the tags were (schema v4) hold no tag rows; a profile needs them.
    const [tagged] = await store.query<{ tagged: boolean }>(
      sql`SELECT EXISTS (SELECT 1 FROM customer_day_tags WHERE as_of = ${row.as_of}::DATE) AS tagged`,
    );
    if (row.customers > 0 && !tagged?.tagged)
      throw new AppError(
        'BAD_ARGUMENT',
        `the snapshot of ${row.as_of} has no behaviour tags (it was stored before they were): run \`huiyuan refresh --as-of ${row.as_of}\` again`,
      );
    return { ...row, population: row.population === 'all_customers' ? 'all_customers' : 'members' };
  }
  if (asOf === undefined)
    throw new AppError(
      'BAD_ARGUMENT',
      'no snapshot is stored yet: run `huiyuan refresh` first, then profile',
    );
  const stored = await store.query<{ as_of: string }>(
    sql`SELECT as_of::VARCHAR AS as_of FROM snapshots ORDER BY abs(as_of - ${asOf}::DATE), as_of DESC LIMIT 3`,
  );
  const nearest = stored.length ? `; the nearest stored: ${stored.map((s) => s.as_of).join(', ')}` : '';
  throw new AppError(
    'BAD_ARGUMENT',
    `no snapshot of ${asOf} is stored: run \`huiyuan refresh --as-of ${asOf}\` first${nearest}`,
  );
}

/** What a segment may name in this store: the configured tiers and the stored communities up to the day. */
export async function getSegmentVocabulary(
  store: Store,
  asOf: string,
  tiers: readonly TierWords[],
): Promise<SegmentVocabulary & { communityTag: Query | null }> {
  const tag = buildCommunityTagQuery(asOf);
  const rows = await store.query<{ community: number }>({
    sql: `SELECT DISTINCT community FROM (${tag.sql}) ORDER BY community`,
    params: tag.params,
  });
  return {
    tiers,
    communities: rows.length ? rows.map((r) => r.community) : null,
    communityTag: rows.length ? tag : null,
  };
}

/**
 * What a segment's own definition fixes, so a profile does not report it back as a finding
 * ("来自浙江的比例是全体会员的 12 倍" for province=浙江): the attributes its conditions name (a
 * tier:gold definition fixes the tier, community:2 the community, aov>=100 the AOV), the emotion
 * values read from a named field (refunds>0 fixes "had a refund"), and the attributes the named
 * ones imply. Implication is read from the region table stored with the snapshot, not from a list:
 * a region attribute is implied when the provinces the region conditions allow share one value of
 * it (province=浙江 allows only 浙江, so 华东 and 南方 are implied; big_region=华东 allows 山东 too,
 * so 南方 is not).
 */
export interface DefinedAttributes {
  /** Attributes left out whole (every value). */
  readonly attributes: ReadonlySet<string>;
  /** Values of multi attributes left out, as `attribute:value`. */
  readonly values: ReadonlySet<string>;
}

const REGION_FIELDS = ['province', 'big_region', 'north_south'] as const;

const conditionField = (condition: SegmentCondition): string =>
  condition.kind === 'text' || condition.kind === 'boolean' || condition.kind === 'number'
    ? condition.field
    : condition.kind;

/** The attributes the definitions of the segments fix (see DefinedAttributes). */
export async function getDefinedAttributes(
  store: Store,
  asOf: string,
  specs: readonly SegmentSpec[],
): Promise<DefinedAttributes> {
  const attributes = new Set<string>();
  const values = new Set<string>();
  for (const spec of specs) {
    const named = new Set(spec.conditions.map(conditionField));
    for (const field of named) if (ATTRIBUTE_ORDER.includes(field)) attributes.add(field);
    for (const value of EMOTION_VALUES)
      if (named.has(EMOTION_SOURCES[value].field)) values.add(`emotion:${value}`);
    const regional = spec.conditions.filter(
      (c) => c.kind === 'text' && (REGION_FIELDS as readonly string[]).includes(c.field),
    );
    if (regional.length === 0) continue;
    const params = new ParamList();
    const day = params.add(asOf);
    const allowed = buildSegmentCondition({ ...spec, conditions: regional }, params, null);
    const [counts] = await store.query<Record<(typeof REGION_FIELDS)[number], number>>({
      sql: `SELECT ${REGION_FIELDS.map((f) => `count(DISTINCT ${f})::INTEGER AS ${f}`).join(', ')}
        FROM snapshot_regions WHERE as_of = ${day}::DATE AND ${allowed}`,
      params: params.values,
    });
    for (const field of REGION_FIELDS) if (counts?.[field] === 1) attributes.add(field);
  }
  return { attributes, values };
}

export interface ProfileOptions {
  readonly asOf: string;
  readonly population: 'members' | 'all_customers';
  readonly a: SegmentSpec;
  /** null: against everyone. */
  readonly b: SegmentSpec | null;
  readonly tiers: readonly TierWords[];
  readonly communityTag: Query | null;
  readonly alpha?: number;
  readonly top?: number;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** Computes a profile from the stored snapshot: two queries, then the tests here. */
export async function getProfile(store: Store, options: ProfileOptions): Promise<Profile> {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const queryOptions = { asOf: options.asOf, a: options.a, b: options.b, communityTag: options.communityTag };
  // The snapshot is joined and split into the groups once; the three queries read that table.
  await store.run(buildGroupsTableQuery(queryOptions));
  try {
    return await computeProfile(store, options, alpha);
  } finally {
    await store.run(raw(`DROP TABLE IF EXISTS ${PROFILE_GROUPS_TABLE}`));
  }
}

async function computeProfile(store: Store, options: ProfileOptions, alpha: number): Promise<Profile> {
  const counts = await store.query<ValueCountRow>(buildValueCountsQuery(options));
  const totals = { a: 0, b: 0 };
  for (const row of counts) if (row.attribute === '') totals[row.grp] = row.n;
  const everyone = options.b === null;
  const nameA = nameSegment(options.a, options.tiers, options.population);
  const nameB = nameSegment(
    options.b ?? { text: 'all', conditions: [], notes: [] },
    options.tiers,
    options.population,
  );
  if (totals.a === 0)
    throw new AppError(
      'BAD_ARGUMENT',
      `segment '${options.a.text}' has no ${options.population === 'members' ? 'members' : 'customers'} in the snapshot of ${options.asOf}`,
    );
  if (totals.b === 0)
    throw new AppError(
      'BAD_ARGUMENT',
      everyone
        ? `segment '${options.a.text}' is everyone in the snapshot of ${options.asOf}: there is no one to compare it with`
        : `segment '${options.b?.text ?? ''}' (--vs) has no members in the snapshot of ${options.asOf}`,
    );
  const overlap = everyone ? 0 : ((await store.query<{ n: number }>(buildOverlapQuery()))[0]?.n ?? 0);
  const bTotal = everyone ? totals.a + totals.b : totals.b;

  const defined = await getDefinedAttributes(
    store,
    options.asOf,
    options.b === null ? [options.a] : [options.a, options.b],
  );
  const isDefined = (attribute: string, value: string): boolean =>
    defined.attributes.has(attribute) || defined.values.has(`${attribute}:${value}`);

  // Value rows: one per (attribute, value) seen in either group, but what the definitions fix.
  const byKey = new Map<string, { attribute: string; value: string; a: number; b: number }>();
  for (const row of counts) {
    if (row.attribute === '' || isDefined(row.attribute, row.value)) continue;
    const key = `${row.attribute}\u0000${row.value}`;
    const entry = byKey.get(key) ?? { attribute: row.attribute, value: row.value, a: 0, b: 0 };
    entry[row.grp] = row.n;
    byKey.set(key, entry);
  }
  const rawValues = [...byKey.values()].map((entry) => {
    const attribute = entry.attribute as SingleAttribute | MultiAttribute;
    const test = testTwoProportions(entry.a, totals.a, entry.b, totals.b);
    const bCount = everyone ? entry.a + entry.b : entry.b;
    const aShare = entry.a / totals.a;
    const bShare = bCount / bTotal;
    return {
      family: ATTRIBUTE_WORDS[attribute].family,
      attribute,
      value:
        entry.value === '' && (SINGLE_ATTRIBUTES as readonly string[]).includes(attribute)
          ? null
          : entry.value,
      a_count: entry.a,
      a_share: aShare,
      b_count: bCount,
      b_share: bShare,
      lift: bShare > 0 ? aShare / bShare : null,
      effect: getCohensH(aShare, entry.b / totals.b),
      z: test.z,
      p: test.p,
    };
  });

  const numericRows = await store.query<NumericRow>(buildNumericQuery());
  const summary = (row: NumericRow | undefined): NumericSummary => ({
    n: row?.n ?? 0,
    mean: row?.mean ?? null,
    q1: row?.q1 ?? null,
    median: row?.median ?? null,
    q3: row?.q3 ?? null,
  });
  const rawNumbers = NUMERIC_ATTRIBUTES.filter((attribute) => !defined.attributes.has(attribute)).map(
    (attribute) => {
      const find = (grp: 'a' | 'b' | null): NumericRow | undefined =>
        numericRows.find((row) => row.attribute === attribute && row.grp === grp);
      const a = find('a');
      const b = find('b');
      const test = testMannWhitney({
        n1: a?.n ?? 0,
        n2: b?.n ?? 0,
        rankSum1: a?.rank_sum ?? 0,
        tieSum: a?.tie_sum ?? b?.tie_sum ?? 0,
      });
      return {
        family: ATTRIBUTE_WORDS[attribute].family,
        attribute,
        a: summary(a),
        b: summary(everyone ? find(null) : b),
        delta: test.delta,
        effect: convertDeltaToD(test.delta),
        z: test.z,
        p: test.p,
      };
    },
  );

  const adjusted = adjustHolm([...rawValues.map((v) => v.p), ...rawNumbers.map((n) => n.p)]);
  const values: ValueDifference[] = rawValues.map((v, i) => {
    const pAdjusted = adjusted[i] ?? 1;
    return { ...v, p_adjusted: pAdjusted, significant: pAdjusted <= alpha };
  });
  const numbers: NumericDifference[] = rawNumbers.map((n, i) => {
    const pAdjusted = adjusted[rawValues.length + i] ?? 1;
    return { ...n, p_adjusted: pAdjusted, significant: pAdjusted <= alpha };
  });
  values.sort(
    (x, y) =>
      attributeOrder(x.attribute) - attributeOrder(y.attribute) ||
      (x.value === null ? 1 : 0) - (y.value === null ? 1 : 0) ||
      y.a_count + y.b_count - (x.a_count + x.b_count) ||
      String(x.value).localeCompare(String(y.value)),
  );

  const groupA = { segment: options.a.text, name_en: nameA.en, name_zh: nameA.zh, members: totals.a };
  const groupB = {
    segment: options.b?.text ?? 'all',
    name_en: nameB.en,
    name_zh: nameB.zh,
    members: bTotal,
  };
  const notes = [...options.a.notes, ...(options.b?.notes ?? [])];
  const leftOut = [
    ...ATTRIBUTE_ORDER.filter((attribute) => defined.attributes.has(attribute)),
    ...[...defined.values].map((value) => value.replace(':', ' = ')),
  ];
  if (leftOut.length > 0)
    notes.push(`left out as the segment's definition fixes them: ${leftOut.join(', ')}`);
  if (overlap > 0)
    notes.push(
      `${overlap} members are in both groups; the tests assume two separate groups, so read them with care`,
    );
  return {
    as_of: options.asOf,
    population: options.population,
    against: everyone ? 'everyone' : 'segment',
    a: groupA,
    b: groupB,
    overlap,
    alpha,
    correction: 'holm',
    tests: adjusted.length,
    notes,
    values,
    numbers,
    findings: rankFindings(values, numbers, groupA, groupB).slice(0, options.top ?? DEFAULT_TOP),
  };
}

const ATTRIBUTE_ORDER: readonly string[] = [...SINGLE_ATTRIBUTES, ...MULTI_ATTRIBUTES, ...NUMERIC_ATTRIBUTES];
const attributeOrder = (attribute: string): number => ATTRIBUTE_ORDER.indexOf(attribute);

const formatRatio = (value: number): string => (value >= 10 ? value.toFixed(0) : value.toFixed(1));
const formatShare = (share: number): string => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
const formatNumber = (value: number | null): string =>
  value === null ? '–' : Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(value % 1 === 0 ? 0 : 2);

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The plain-language line of a value difference, in both languages. */
export function describeValueDifference(
  v: ValueDifference,
  a: Pick<ProfileGroup, 'name_en' | 'name_zh'>,
  b: Pick<ProfileGroup, 'name_en' | 'name_zh'>,
): { en: string; zh: string } {
  const words = describeValue(v.attribute, v.value);
  const shares = `${formatShare(v.a_share)} vs ${formatShare(v.b_share)}`;
  const sharesZh = `${formatShare(v.a_share)} 对 ${formatShare(v.b_share)}`;
  if (v.lift === null)
    return {
      en: `${capitalise(a.name_en)} ${words.en}; none of ${b.name_en} do (${shares})`,
      zh: `${a.name_zh}中${words.zh}的占 ${formatShare(v.a_share)}，${b.name_zh}中没有`,
    };
  if (v.lift < 1)
    return {
      en: `${capitalise(a.name_en)} ${words.en} less often than ${b.name_en} (${shares}, ${formatRatio(v.lift)}×)`,
      zh: `${a.name_zh}中${words.zh}的比例低于${b.name_zh}（${sharesZh}，${formatRatio(v.lift)} 倍）`,
    };
  return {
    en: `${capitalise(a.name_en)} ${words.en} ${formatRatio(v.lift)}× as often as ${b.name_en} (${shares})`,
    zh: `${a.name_zh}中${words.zh}的比例是${b.name_zh}的 ${formatRatio(v.lift)} 倍（${sharesZh}）`,
  };
}

/** The plain-language line of a numeric difference, in both languages. */
export function describeNumericDifference(
  n: NumericDifference,
  a: Pick<ProfileGroup, 'name_en' | 'name_zh'>,
  b: Pick<ProfileGroup, 'name_en' | 'name_zh'>,
): { en: string; zh: string } {
  const words = ATTRIBUTE_WORDS[n.attribute];
  const higher = n.delta > 0;
  const figures = `median ${formatNumber(n.a.median)} vs ${formatNumber(n.b.median)}, mean ${formatNumber(n.a.mean)} vs ${formatNumber(n.b.mean)}`;
  const figuresZh = `中位数 ${formatNumber(n.a.median)} 对 ${formatNumber(n.b.median)}，均值 ${formatNumber(n.a.mean)} 对 ${formatNumber(n.b.mean)}`;
  return {
    en: `${capitalise(words.en)} ${words.plural ? 'are' : 'is'} ${higher ? 'higher' : 'lower'} among ${a.name_en} than among ${b.name_en} (${figures})`,
    zh: `${a.name_zh}的${words.zh}${higher ? '高于' : '低于'}${b.name_zh}（${figuresZh}）`,
  };
}

function rankFindings(
  values: readonly ValueDifference[],
  numbers: readonly NumericDifference[],
  a: ProfileGroup,
  b: ProfileGroup,
): ProfileFinding[] {
  const found: (ProfileFinding & { p: number })[] = [
    ...values
      .filter((v) => v.significant && Math.abs(v.effect) >= MIN_EFFECT)
      .map((v) => {
        const text = describeValueDifference(v, a, b);
        return {
          kind: 'value' as const,
          attribute: v.attribute,
          value: v.value,
          effect: round(v.effect, 4),
          lift: v.lift === null ? null : round(v.lift, 4),
          text_en: text.en,
          text_zh: text.zh,
          p: v.p,
        };
      }),
    ...numbers
      .filter((n) => n.significant && Math.abs(n.effect) >= MIN_EFFECT)
      .map((n) => {
        const text = describeNumericDifference(n, a, b);
        return {
          kind: 'numeric' as const,
          attribute: n.attribute,
          value: null,
          effect: round(n.effect, 4),
          lift: null,
          text_en: text.en,
          text_zh: text.zh,
          p: n.p,
        };
      }),
  ];
  return found
    .sort((x, y) => Math.abs(y.effect) - Math.abs(x.effect) || x.p - y.p)
    .map(({ p: _p, ...finding }) => finding);
}

export interface WantedPoster {
  readonly as_of: string;
  readonly group: ProfileGroup;
  readonly everyone: ProfileGroup;
  readonly alpha: number;
  readonly min_support: number;
  /** The values that best describe the group against everyone, strongest first. */
  readonly traits: readonly ProfileFinding[];
  readonly notes: readonly string[];
}

/**
 * The wanted poster (通缉令) of a group: against everyone, the attribute values over-represented
 * in it (significant after the correction, effect ≥ 0.2, held by at least `minSupport` of the
 * group), strongest first. Values only: a poster is for recognising such people among those who
 * are not yet in the group, and a value with its lift and support says whom to look for (numeric
 * differences, often what defines the group, are in the profile).
 */
export async function getWantedPoster(
  store: Store,
  options: Omit<ProfileOptions, 'b'> & { readonly minSupport?: number },
): Promise<WantedPoster> {
  const minSupport = options.minSupport ?? DEFAULT_MIN_SUPPORT;
  const [size] = await store.query<{ members: number; everyone: number }>(
    buildGroupSizeQuery({ asOf: options.asOf, a: options.a, b: null, communityTag: options.communityTag }),
  );
  if (!size?.members || size.members === size.everyone) {
    // An empty top tier (no calibration yet) is a poster with nothing on it, not a failure.
    const name = nameSegment(options.a, options.tiers, options.population);
    const everyone = nameSegment(
      { text: 'all', conditions: [], notes: [] },
      options.tiers,
      options.population,
    );
    const members = size?.members ?? 0;
    return {
      as_of: options.asOf,
      group: { segment: options.a.text, name_en: name.en, name_zh: name.zh, members },
      everyone: { segment: 'all', name_en: everyone.en, name_zh: everyone.zh, members: size?.everyone ?? 0 },
      alpha: options.alpha ?? DEFAULT_ALPHA,
      min_support: minSupport,
      traits: [],
      notes: [
        ...options.a.notes,
        members === 0
          ? `segment '${options.a.text}' has no members in the snapshot of ${options.asOf}`
          : `segment '${options.a.text}' is everyone in the snapshot of ${options.asOf}`,
      ],
    };
  }
  const profile = await getProfile(store, { ...options, b: null, top: Number.MAX_SAFE_INTEGER });
  const traits = profile.findings
    .filter((finding) => {
      if (finding.kind === 'numeric') return false;
      const row = profile.values.find((v) => v.attribute === finding.attribute && v.value === finding.value);
      return finding.effect > 0 && (row?.a_share ?? 0) >= minSupport;
    })
    .slice(0, options.top ?? DEFAULT_TOP);
  return {
    as_of: profile.as_of,
    group: profile.a,
    everyone: profile.b,
    alpha: profile.alpha,
    min_support: minSupport,
    traits,
    notes: profile.notes,
  };
}
