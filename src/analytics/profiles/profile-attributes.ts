/**
 * What a consumer profile (消费者轮廓, spec section 8) compares, as closed sets, with the one
 * dictionary of their English and zh-CN words. Three kinds of attribute:
 *
 * - single: each member has one value (or none, shown as unknown); the shares of the values sum
 *   to one. Gender, generation, province, big region, north/south, purchasing power, community.
 * - multi: yes/no facts of which a member may have several. Categories bought (a purchase with a
 *   line in the category up to the as-of day) and the emotion tags (negative emotion, refund,
 *   rejection, complaint, low rating within the tags' emotion window).
 * - numeric: a number per member; members without one (no purchase, no visit…) are left out of
 *   that attribute. Age, the activity figures and the purchase figures.
 */
import { POWER_BAND_LABELS } from '../tags/tags.js';

export const PROFILE_FAMILIES = ['attribute', 'activity', 'purchase', 'emotion'] as const;
export type ProfileFamily = (typeof PROFILE_FAMILIES)[number];

export const SINGLE_ATTRIBUTES = [
  'gender',
  'generation',
  'province',
  'big_region',
  'north_south',
  'power_band',
  'community',
] as const;
export type SingleAttribute = (typeof SINGLE_ATTRIBUTES)[number];

export const MULTI_ATTRIBUTES = ['category', 'emotion'] as const;
export type MultiAttribute = (typeof MULTI_ATTRIBUTES)[number];

/** The emotion tags counted as yes/no values of the `emotion` attribute. */
export const EMOTION_VALUES = ['negative', 'refund', 'rejection', 'complaint', 'low_rating'] as const;
export type EmotionValue = (typeof EMOTION_VALUES)[number];

export const NUMERIC_ATTRIBUTES = [
  'age',
  'purchases',
  'aov',
  'items_per_order',
  'net_spend',
  'purchase_cycle_days',
  'page_views',
  'sessions',
  'pages_per_visit',
  'avg_dwell_seconds',
  'bounce_rate',
] as const;
export type NumericAttribute = (typeof NUMERIC_ATTRIBUTES)[number];

export type ProfileAttribute = SingleAttribute | MultiAttribute | NumericAttribute;

interface AttributeWords {
  readonly family: ProfileFamily;
  readonly en: string;
  readonly zh: string;
  /** The English name takes "are" (page views are higher). */
  readonly plural?: boolean;
}

export const ATTRIBUTE_WORDS: Readonly<Record<ProfileAttribute, AttributeWords>> = {
  gender: { family: 'attribute', en: 'gender', zh: '性别' },
  generation: { family: 'attribute', en: 'generation', zh: '年代' },
  province: { family: 'attribute', en: 'province', zh: '省份' },
  big_region: { family: 'attribute', en: 'big region', zh: '大区' },
  north_south: { family: 'attribute', en: 'north/south', zh: '南北' },
  power_band: { family: 'attribute', en: 'purchasing power', zh: '购买力' },
  community: { family: 'attribute', en: 'community', zh: '群落' },
  age: { family: 'attribute', en: 'age', zh: '年龄' },
  category: { family: 'purchase', en: 'category bought', zh: '购买品类' },
  purchases: { family: 'purchase', en: 'number of purchases', zh: '购买次数' },
  aov: { family: 'purchase', en: 'AOV', zh: '客单价' },
  items_per_order: { family: 'purchase', en: 'items per order', zh: '客单量', plural: true },
  net_spend: { family: 'purchase', en: 'net spend', zh: '累计净消费' },
  purchase_cycle_days: { family: 'purchase', en: 'purchase cycle (days)', zh: '购买周期（天）' },
  page_views: { family: 'activity', en: 'page views', zh: '浏览量', plural: true },
  sessions: { family: 'activity', en: 'visits', zh: '访问次数', plural: true },
  pages_per_visit: { family: 'activity', en: 'pages per visit', zh: '平均访问页数' },
  avg_dwell_seconds: { family: 'activity', en: 'dwell time (s)', zh: '平均停留时长（秒）' },
  bounce_rate: { family: 'activity', en: 'bounce rate', zh: '跳失率' },
  emotion: { family: 'emotion', en: 'emotion', zh: '情绪' },
};

const GENDER_WORDS: Readonly<Record<string, { en: string; zh: string }>> = {
  male: { en: 'male', zh: '男性' },
  female: { en: 'female', zh: '女性' },
  unknown: { en: 'of unknown gender', zh: '性别未知' },
};

const EMOTION_WORDS: Readonly<Record<EmotionValue, { en: string; zh: string; label: string }>> = {
  negative: { en: 'carry negative emotion', zh: '有负面情绪', label: 'negative emotion 负面情绪' },
  refund: { en: 'had a refund', zh: '有退款', label: 'refund 退款' },
  rejection: { en: 'rejected a delivery', zh: '有拒收', label: 'rejection 拒收' },
  complaint: { en: 'complained', zh: '有投诉', label: 'complaint 投诉' },
  low_rating: { en: 'gave a low rating', zh: '有差评', label: 'low rating 差评' },
};

const isEmotion = (value: string): value is EmotionValue =>
  (EMOTION_VALUES as readonly string[]).includes(value);

/** A value as a table shows it: power bands with their zh-CN label, unknown as (unknown). */
export function labelValue(attribute: SingleAttribute | MultiAttribute, value: string | null): string {
  if (value === null) return '(unknown)';
  if (attribute === 'power_band' && value in POWER_BAND_LABELS)
    return `${value} ${POWER_BAND_LABELS[value as keyof typeof POWER_BAND_LABELS]}`;
  if (attribute === 'emotion' && isEmotion(value)) return EMOTION_WORDS[value].label;
  if (attribute === 'gender') return `${value} ${GENDER_WORDS[value]?.zh ?? ''}`.trim();
  return value;
}

/**
 * What having the value says about a member, as a verb phrase in English ("come from 华东") and
 * a noun phrase in zh-CN ("来自华东") for the plain-language lines.
 */
export function describeValue(
  attribute: SingleAttribute | MultiAttribute,
  value: string | null,
): { en: string; zh: string } {
  const words = ATTRIBUTE_WORDS[attribute];
  if (value === null && attribute === 'power_band')
    return { en: 'made no purchase in the purchasing-power window', zh: '购买力窗口内无购买' };
  if (value === null) return { en: `have no known ${words.en}`, zh: `${words.zh}未知` };
  switch (attribute) {
    case 'gender':
      return { en: `are ${GENDER_WORDS[value]?.en ?? value}`, zh: GENDER_WORDS[value]?.zh ?? value };
    case 'generation':
      return { en: `are of the ${value} generation`, zh: `${value}` };
    case 'province':
    case 'big_region':
    case 'north_south':
      return { en: `come from ${value}`, zh: `来自${value}` };
    case 'power_band': {
      const zh = POWER_BAND_LABELS[value as keyof typeof POWER_BAND_LABELS] ?? value;
      return { en: `have ${value.replace('_', ' ')} purchasing power`, zh: `购买力${zh}` };
    }
    case 'community':
      return { en: `are in community ${value}`, zh: `属于群落 ${value}` };
    case 'category':
      return { en: `bought ${value}`, zh: `购买过${value}` };
    case 'emotion':
      return isEmotion(value)
        ? { en: EMOTION_WORDS[value].en, zh: EMOTION_WORDS[value].zh }
        : { en: value, zh: value };
  }
}
