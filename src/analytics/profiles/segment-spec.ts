/**
 * The SEGMENT a profile describes: a small grammar, checked where it enters, turned into a SQL
 * condition on the snapshot (customer_snapshots joined with customer_tag_snapshots).
 *
 *   SEGMENT   = "all" | condition ("&" condition)*
 *   condition = kind ":" value          stage:loyal  tier:gold  segment:champions  community:2  tag:vip
 *             | field op value          province=浙江  power_band=high  age>=30  negative_emotion=true
 *             | word                    loyal  champions  gold  忠诚会员  金卡  重要价值客户
 *   op        = "=" | "!=" | "<" | "<=" | ">" | ">="   (text and yes/no fields take only = and !=)
 *
 * Values may be the English id, the English name or the zh-CN label (忠诚会员, 金卡, 重要价值客户, 高).
 * A bare word is looked up among the lifecycle stages, the tiers and the RFM segments; when it
 * names more than one (loyal and new are both a stage and a segment) the stage is taken, since
 * the profile loop of spec section 8 speaks of loyal, churned and new members, and a note says so.
 * A filter is false for a member without the value (no birthday, no purchase), except != which
 * keeps them: `province!=浙江` is everyone not known to live in 浙江.
 *
 * `tag:NAME` is a member tag a rule's tag action added (member_tags), held at the moment the
 * segment is read; p_alive, clv and expected_purchases are the predictions stored with the
 * snapshot (customer_prediction_snapshots), so an audience can say `p_alive<0.3&clv>=500`.
 */
import { BIG_REGIONS, NORTH_SOUTH, PROVINCES } from '../../domain/regions.js';
import {
  RFM_SEGMENT_LABELS,
  RFM_SEGMENTS,
  NO_PURCHASE,
  type RfmSegmentOrNone,
} from '../../domain/rfm-segments.js';
import { AppError } from '../../errors.js';
import { GENDERS } from '../../store/entities.js';
import { type ParamList, quoteIdent, type Query } from '../../store/sql.js';
import {
  LIFECYCLE_STAGE_LABELS,
  LIFECYCLE_STAGES,
  type LifecycleStage,
} from '../lifecycle/lifecycle-stages.js';
import { POWER_BAND_LABELS } from '../tags/tags.js';
import { GENERATIONS, POWER_BANDS } from '../tags/tags-query.js';

export const SEGMENT_KINDS = ['stage', 'tier', 'segment', 'community', 'tag'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export const FILTER_OPERATORS = ['>=', '<=', '!=', '=', '>', '<'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Fields a filter may test: text with a closed set of values, yes/no, or numbers. */
export const TEXT_FILTER_FIELDS = [
  'gender',
  'generation',
  'province',
  'north_south',
  'big_region',
  'power_band',
] as const;
export const BOOLEAN_FILTER_FIELDS = ['negative_emotion', 'is_member'] as const;
export const NUMERIC_FILTER_FIELDS = [
  'age',
  'birthday_month',
  'recency_days',
  'frequency',
  'monetary',
  'r',
  'f',
  'm',
  'score',
  'purchases',
  'aov',
  'items_per_order',
  'largest_order',
  'net_spend',
  'purchase_cycle_days',
  'page_views',
  'sessions',
  'pages_per_visit',
  'avg_dwell_seconds',
  'bounce_rate',
  'refunds',
  'rejections',
  'complaints',
  'low_ratings',
  'p_alive',
  'clv',
  'expected_purchases',
] as const;
/** The numeric fields read from the stored predictions rather than the snapshot's tags. */
export const PREDICTION_FILTER_FIELDS = ['p_alive', 'clv', 'expected_purchases'] as const;
type TextField = (typeof TEXT_FILTER_FIELDS)[number];
type BooleanField = (typeof BOOLEAN_FILTER_FIELDS)[number];
type NumericField = (typeof NUMERIC_FILTER_FIELDS)[number];
const FILTER_FIELDS: readonly string[] = [
  ...TEXT_FILTER_FIELDS,
  ...BOOLEAN_FILTER_FIELDS,
  ...NUMERIC_FILTER_FIELDS,
];

export type SegmentCondition =
  | { readonly kind: 'stage'; readonly value: LifecycleStage }
  | { readonly kind: 'tier'; readonly value: string }
  | { readonly kind: 'segment'; readonly value: RfmSegmentOrNone }
  | { readonly kind: 'community'; readonly value: number }
  | { readonly kind: 'tag'; readonly value: string }
  | { readonly kind: 'text'; readonly field: TextField; readonly op: '=' | '!='; readonly value: string }
  | {
      readonly kind: 'boolean';
      readonly field: BooleanField;
      readonly op: '=' | '!=';
      readonly value: boolean;
    }
  | {
      readonly kind: 'number';
      readonly field: NumericField;
      readonly op: FilterOperator;
      readonly value: number;
    };

export interface SegmentSpec {
  /** The canonical text, e.g. `stage:loyal&province=浙江`; `all` for everyone. */
  readonly text: string;
  /** Empty for everyone. */
  readonly conditions: readonly SegmentCondition[];
  /** How bare words were read, e.g. "loyal = stage:loyal (the RFM segment is segment:loyal)". */
  readonly notes: readonly string[];
}

export interface TierWords {
  readonly id: string;
  readonly name: string;
  readonly name_zh: string;
}

/** The store's own values a segment may name: its tiers (lowest first) and stored communities. */
export interface SegmentVocabulary {
  readonly tiers: readonly TierWords[];
  /** The community numbers of the stored run used, or null when none is stored. */
  readonly communities: readonly number[] | null;
}

export const EVERYONE: SegmentSpec = { text: 'all', conditions: [], notes: [] };
const EVERYONE_WORDS = ['all', 'everyone', '全体', '全部'];

const normalise = (word: string): string =>
  word
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

interface Choice<T> {
  readonly value: T;
  readonly words: readonly string[];
}

const STAGE_CHOICES: readonly Choice<LifecycleStage>[] = LIFECYCLE_STAGES.map((stage) => ({
  value: stage,
  words: [
    stage,
    LIFECYCLE_STAGE_LABELS[stage].name,
    LIFECYCLE_STAGE_LABELS[stage].zh,
    ...(stage === 'reactivated' ? ['won_back'] : []),
  ],
}));
const SEGMENT_CHOICES: readonly Choice<RfmSegmentOrNone>[] = [...RFM_SEGMENTS, NO_PURCHASE].map(
  (segment) => ({
    value: segment,
    words: [segment, RFM_SEGMENT_LABELS[segment].name, RFM_SEGMENT_LABELS[segment].zh],
  }),
);
const tierChoices = (tiers: readonly TierWords[]): Choice<string>[] =>
  tiers.map((tier) => ({ value: tier.id, words: [tier.id, tier.name, tier.name_zh] }));

function pick<T>(choices: readonly Choice<T>[], word: string): T | undefined {
  const key = normalise(word);
  return choices.find((choice) => choice.words.some((w) => normalise(w) === key))?.value;
}

const bad = (text: string, problem: string): AppError =>
  new AppError('BAD_ARGUMENT', `segment '${text}': ${problem}`);

const listChoices = <T>(choices: readonly Choice<T>[]): string =>
  choices.map((c) => `${String(c.value)} (${c.words[2] ?? c.words[1] ?? ''})`).join(', ');

/** The values a text field takes, each with the words that name it. */
function getTextChoices(field: TextField): Choice<string>[] {
  switch (field) {
    case 'gender':
      return GENDERS.map((g) => ({
        value: g,
        words: [g, { male: '男', female: '女', unknown: '未知' }[g]],
      }));
    case 'generation':
      return GENERATIONS.map((g) => ({ value: g, words: [g] }));
    case 'province':
      return PROVINCES.map((p) => ({ value: p.name, words: [p.name, p.fullName, p.english] }));
    case 'north_south':
      return NORTH_SOUTH.map((v) => ({ value: v, words: [v, v === '北方' ? 'north' : 'south'] }));
    case 'big_region':
      return BIG_REGIONS.map((v) => ({ value: v, words: [v] }));
    case 'power_band':
      return POWER_BANDS.map((band) => ({ value: band, words: [band, POWER_BAND_LABELS[band]] }));
  }
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  '1': true,
  是: true,
  false: false,
  no: false,
  '0': false,
  否: false,
};

function parseCondition(
  term: string,
  whole: string,
  vocabulary: SegmentVocabulary,
  notes: string[],
): SegmentCondition {
  const kindMatch = /^([a-z_]+)\s*:\s*(.+)$/i.exec(term);
  if (kindMatch) {
    const kind = normalise(kindMatch[1] ?? '');
    const word = (kindMatch[2] ?? '').trim();
    switch (kind) {
      case 'stage': {
        const value = pick(STAGE_CHOICES, word);
        if (value === undefined)
          throw bad(whole, `no lifecycle stage '${word}'; stages: ${listChoices(STAGE_CHOICES)}`);
        return { kind: 'stage', value };
      }
      case 'tier': {
        const choices = tierChoices(vocabulary.tiers);
        const value = word.toLowerCase() === 'top' ? vocabulary.tiers.at(-1)?.id : pick(choices, word);
        if (value === undefined)
          throw bad(whole, `no tier '${word}'; tiers: ${listChoices(choices)}, or top`);
        return { kind: 'tier', value };
      }
      case 'segment': {
        const value = pick(SEGMENT_CHOICES, word);
        if (value === undefined)
          throw bad(whole, `no RFM segment '${word}'; segments: ${listChoices(SEGMENT_CHOICES)}`);
        return { kind: 'segment', value };
      }
      case 'community': {
        if (vocabulary.communities === null)
          throw bad(
            whole,
            'no communities are stored for this day or before: run `huiyuan communities` first',
          );
        const value = Number(word);
        if (!/^\d+$/.test(word) || !vocabulary.communities.includes(value))
          throw bad(
            whole,
            `no community '${word}'; the stored communities are ${vocabulary.communities.join(', ')}`,
          );
        return { kind: 'community', value };
      }
      case 'tag': {
        // Member tags are names a rule's tag action writes (docs/rules.md): any name it could write.
        if (!/^[\p{L}\p{N}_-]{1,64}$/u.test(word))
          throw bad(whole, `a tag name is letters, digits, - and _ (at most 64), found '${word}'`);
        return { kind: 'tag', value: word };
      }
      default:
        throw bad(whole, `unknown kind '${kindMatch[1]}' in '${term}'; kinds: ${SEGMENT_KINDS.join(', ')}`);
    }
  }
  const filterMatch = /^([a-z_]+)\s*(>=|<=|!=|=|>|<)\s*(.+)$/i.exec(term);
  if (filterMatch) {
    const field = normalise(filterMatch[1] ?? '');
    const op = filterMatch[2] as FilterOperator;
    const word = (filterMatch[3] ?? '').trim();
    if (!FILTER_FIELDS.includes(field))
      throw bad(whole, `unknown field '${filterMatch[1]}'; fields: ${FILTER_FIELDS.join(', ')}`);
    if ((TEXT_FILTER_FIELDS as readonly string[]).includes(field)) {
      const textField = field as TextField;
      if (op !== '=' && op !== '!=') throw bad(whole, `${field} takes = or !=, not ${op}`);
      const choices = getTextChoices(textField);
      const value = pick(choices, word);
      if (value === undefined)
        throw bad(whole, `no ${field} '${word}'; values: ${choices.map((c) => c.value).join(', ')}`);
      return { kind: 'text', field: textField, op, value };
    }
    if ((BOOLEAN_FILTER_FIELDS as readonly string[]).includes(field)) {
      if (op !== '=' && op !== '!=') throw bad(whole, `${field} takes = or !=, not ${op}`);
      const value = BOOLEAN_WORDS[word.toLowerCase()];
      if (value === undefined) throw bad(whole, `${field} is true or false, found '${word}'`);
      return { kind: 'boolean', field: field as BooleanField, op, value };
    }
    const value = Number(word);
    if (word === '' || !Number.isFinite(value))
      throw bad(whole, `${field} compares with a number, found '${word}'`);
    return { kind: 'number', field: field as NumericField, op, value };
  }
  const stage = pick(STAGE_CHOICES, term);
  const tier = pick(tierChoices(vocabulary.tiers), term);
  const segment = pick(SEGMENT_CHOICES, term);
  const found = [
    stage === undefined ? null : `stage:${stage}`,
    tier === undefined ? null : `tier:${tier}`,
    segment === undefined ? null : `segment:${segment}`,
  ].filter((x): x is string => x !== null);
  if (found.length > 1)
    notes.push(`'${term}' read as ${found[0]} (also ${found.slice(1).join(', ')}: write that to mean it)`);
  if (stage !== undefined) return { kind: 'stage', value: stage };
  if (tier !== undefined) return { kind: 'tier', value: tier };
  if (segment !== undefined) return { kind: 'segment', value: segment };
  throw bad(
    whole,
    `'${term}' is no lifecycle stage, tier or RFM segment; write KIND:VALUE (${SEGMENT_KINDS.join(', ')}) or FIELD=VALUE (e.g. province=浙江, age>=30), or all`,
  );
}

/** The canonical text of one condition. */
export function formatCondition(condition: SegmentCondition): string {
  switch (condition.kind) {
    case 'stage':
    case 'tier':
    case 'segment':
    case 'community':
    case 'tag':
      return `${condition.kind}:${condition.value}`;
    case 'text':
    case 'boolean':
    case 'number':
      return `${condition.field}${condition.op}${String(condition.value)}`;
  }
}

/**
 * Reads a SEGMENT; a mistake is one AppError naming what was wrong and the valid values.
 * @example parseSegment('loyal&province=Zhejiang', vocabulary).text // 'stage:loyal&province=浙江'
 */
export function parseSegment(text: string, vocabulary: SegmentVocabulary): SegmentSpec {
  const whole = text.trim();
  if (whole === '')
    throw bad(text, 'empty; give e.g. stage:loyal, tier:gold, segment:champions, province=浙江 or all');
  if (EVERYONE_WORDS.includes(normalise(whole))) return EVERYONE;
  const notes: string[] = [];
  const conditions = whole.split('&').map((term) => {
    if (term.trim() === '') throw bad(whole, "an empty condition around '&'");
    return parseCondition(term.trim(), whole, vocabulary, notes);
  });
  return { text: conditions.map(formatCondition).join('&'), conditions, notes };
}

/**
 * The SQL condition of a segment over a relation with the snapshot's columns (`TRUE` for
 * everyone). `communityTag` is the relation of the stored community tags (buildCommunityTagQuery),
 * needed only when the segment names a community. `tagsAt` is the SQL instant member tags are
 * read at (default the current time): a tag counts when added before it and not removed by it.
 */
export function buildSegmentCondition(
  spec: SegmentSpec,
  params: ParamList,
  communityTag: Query | null,
  tagsAt = 'current_timestamp',
): string {
  if (spec.conditions.length === 0) return 'TRUE';
  return spec.conditions
    .map((condition): string => {
      switch (condition.kind) {
        case 'stage':
        case 'tier':
        case 'segment':
          return `${quoteIdent(condition.kind)} = ${params.add(condition.value)}`;
        case 'community': {
          if (communityTag === null)
            throw new AppError('INTERNAL', 'a community segment needs the community tags');
          return `customer_id IN (SELECT customer_id FROM (${embedQuery(communityTag, params)}) WHERE community = ${params.add(condition.value)}::INTEGER)`;
        }
        case 'tag':
          return `customer_id IN (SELECT customer_id FROM member_tags WHERE tag = ${params.add(condition.value)}
            AND added_at <= ${tagsAt} AND (removed_at IS NULL OR removed_at > ${tagsAt}))`;
        case 'text':
          return condition.op === '='
            ? `${quoteIdent(condition.field)} = ${params.add(condition.value)}`
            : `${quoteIdent(condition.field)} IS DISTINCT FROM ${params.add(condition.value)}`;
        case 'boolean':
          return condition.op === '='
            ? `${quoteIdent(condition.field)} = ${params.add(condition.value)}::BOOLEAN`
            : `${quoteIdent(condition.field)} IS DISTINCT FROM ${params.add(condition.value)}::BOOLEAN`;
        case 'number':
          return condition.op === '!='
            ? `${quoteIdent(condition.field)} IS DISTINCT FROM ${params.add(condition.value)}::DOUBLE`
            : `${quoteIdent(condition.field)} ${condition.op} ${params.add(condition.value)}::DOUBLE`;
      }
    })
    .map((condition) => `(${condition})`)
    .join(' AND ');
}

/** A query written with its own $1… placeholders, renumbered into a longer query's parameters. */
export function embedQuery(query: Query, params: ParamList): string {
  const positions = query.params.map((value) => params.add(value));
  return query.sql.replace(/\$(\d+)/g, (_, n: string) => positions[Number(n) - 1] ?? `$${n}`);
}

/** How the lines and headings name a segment's members, in English and zh-CN. */
export function nameSegment(
  spec: SegmentSpec,
  tiers: readonly TierWords[],
  population: 'members' | 'all_customers',
): { en: string; zh: string } {
  const people = population === 'members' ? { en: 'members', zh: '会员' } : { en: 'customers', zh: '客户' };
  const withPeople = (zh: string): string =>
    zh.endsWith('会员') || zh.endsWith('客户') ? zh : `${zh}${people.zh}`;
  const [only] = spec.conditions;
  if (only === undefined) return { en: `all ${people.en}`, zh: `全体${people.zh}` };
  if (spec.conditions.length === 1) {
    switch (only.kind) {
      case 'stage': {
        const label = LIFECYCLE_STAGE_LABELS[only.value];
        return {
          en: `${label.name.toLowerCase()} ${people.en}`,
          zh: withPeople(label.zh.split('/')[0] ?? label.zh),
        };
      }
      case 'tier': {
        const tier = tiers.find((t) => t.id === only.value);
        return {
          en: `${tier?.name ?? only.value} ${people.en}`,
          zh: withPeople(tier?.name_zh ?? only.value),
        };
      }
      case 'segment':
        return {
          en: `${RFM_SEGMENT_LABELS[only.value].name} ${people.en}`,
          zh: RFM_SEGMENT_LABELS[only.value].zh,
        };
      case 'community':
        return { en: `${people.en} of community ${only.value}`, zh: `群落 ${only.value} 的${people.zh}` };
      case 'tag':
        return { en: `${people.en} tagged ${only.value}`, zh: `带标签 ${only.value} 的${people.zh}` };
      case 'text':
      case 'boolean':
      case 'number':
        break;
    }
  }
  return { en: `${people.en} with ${spec.text}`, zh: `${spec.text} 的${people.zh}` };
}
