/**
 * The demo store's people: Chinese names by gender, birth years and birthdays, where they live (province and
 * city, weighted by online shoppers), and the phone numbers and email addresses they leave. Every function draws
 * from the caller's seeded generator, so a customer's profile is reproducible with the rest of the store.
 */

import { PROVINCES } from '../domain/regions.js';
import type { Gender } from '../store/entities.js';
import { formatPad2, getDaysInMonth } from './calendar.js';
import { WeightedChoice, type Random } from './random.js';

// prettier-ignore
const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗',
  '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '曾', '肖', '田', '董', '袁', '潘', '于', '蒋', '蔡',
  '余', '杜', '叶', '程', '苏', '魏', '吕', '丁', '任', '沈', '欧阳', '上官',
];
// Frequency falls roughly as 1/rank among the common surnames; the compound ones are rare.
const SURNAME_WEIGHTS = SURNAMES.map((surname, rank) => (surname.length > 1 ? 0.05 : 1 / (rank + 3)));
// prettier-ignore
const FEMALE_GIVEN = [
  '婷', '芳', '娜', '敏', '静', '丽', '艳', '霞', '颖', '雪', '琳', '欣', '怡', '佳', '慧', '雨', '萱', '梦', '晓', '倩',
  '洁', '璐', '思', '悦', '涵', '瑶', '玲', '晶', '月', '彤',
];
// prettier-ignore
const MALE_GIVEN = [
  '伟', '强', '磊', '军', '洋', '勇', '杰', '涛', '明', '超', '鹏', '浩', '宇', '俊', '博', '文', '斌', '辉', '鑫', '凯',
  '晨', '轩', '峰', '刚', '健', '亮', '帅', '志', '阳', '毅',
];
const NEUTRAL_GIVEN = ['子', '一', '安', '然', '嘉', '晨', '宁', '可', '乐', '诺'];
const EMAIL_SYLLABLES = [
  'xiao',
  'li',
  'wang',
  'zhang',
  'mei',
  'yu',
  'chen',
  'lin',
  'hao',
  'jing',
  'yang',
  'xin',
];
const EMAIL_DOMAINS = ['qq.com', '163.com', '126.com', 'sina.com', 'outlook.com', 'gmail.com'];
const EMAIL_DOMAIN_WEIGHTS = [50, 25, 10, 5, 6, 4];
const PHONE_PREFIXES = ['13', '15', '17', '18', '19'];

/** One of the listed provinces, with its literal name and cities. */
export type ListedProvince = (typeof PROVINCES)[number];

const SURNAME_CHOICE = new WeightedChoice(SURNAMES, SURNAME_WEIGHTS);
const EMAIL_DOMAIN_CHOICE = new WeightedChoice(EMAIL_DOMAINS, EMAIL_DOMAIN_WEIGHTS);
const PROVINCE_CHOICE = new WeightedChoice(
  PROVINCES,
  PROVINCES.map((province) => province.shopperWeight),
);
// Capital first and heaviest; the weights fall off for the other main cities.
const CITY_CHOICES = PROVINCES.map(
  (province) =>
    new WeightedChoice(
      province.cities,
      province.cities.map((_, i) => [45, 25, 18, 12][i] ?? 10),
    ),
);

/** A full name, surname first: a common surname by frequency and a one- or two-character given name. */
export function sampleName(random: Random, gender: Gender): string {
  const pool = gender === 'female' ? FEMALE_GIVEN : gender === 'male' ? MALE_GIVEN : NEUTRAL_GIVEN;
  const surname = SURNAME_CHOICE.sample(random);
  // Two-character given names are the norm for people born after 1980; one in four has one character.
  const given = random.sampleBernoulli(0.25)
    ? random.pickOne(pool)
    : random.pickOne(pool) + random.pickOne(pool);
  return surname + given;
}

/** Birth year, 1965–2008, peaking among those born 1985–1995 (85后 and 90后). */
export function sampleBirthYear(random: Random): number {
  for (;;) {
    const year = Math.round(random.sampleNormal(1991, 7));
    if (year >= 1965 && year <= 2008) return year;
  }
}

/** A birthday in the given year, YYYY-MM-DD: a uniform month, then a uniform day of it. */
export function sampleBirthday(random: Random, year: number): string {
  const month = random.sampleIntBetween(1, 12);
  const day = random.sampleIntBetween(1, getDaysInMonth(year, month));
  return `${year}-${formatPad2(month)}-${formatPad2(day)}`;
}

/** A province, by its share of online shoppers. */
export function sampleProvince(random: Random): ListedProvince {
  return PROVINCE_CHOICE.sample(random);
}

/** A city of the province, capital likeliest; the province's own name if it lists no city. */
export function sampleCity(random: Random, province: ListedProvince): string {
  const cityChoice = CITY_CHOICES[PROVINCES.indexOf(province)];
  const city = cityChoice === undefined ? province.cities[0] : cityChoice.sample(random);
  return city ?? province.name;
}

/** An 11-digit mainland mobile number. */
export function samplePhone(random: Random): string {
  return `${random.pickOne(PHONE_PREFIXES)}${String(random.sampleInt(1e9)).padStart(9, '0')}`;
}

/** An email address at a common Chinese or international provider. */
export function sampleEmail(random: Random): string {
  const domain = EMAIL_DOMAIN_CHOICE.sample(random);
  // QQ mail addresses are QQ numbers; elsewhere a pinyin handle with digits.
  const local =
    domain === 'qq.com'
      ? String(random.sampleIntBetween(10_000_000, 3_999_999_999))
      : `${random.pickOne(EMAIL_SYLLABLES)}${random.pickOne(EMAIL_SYLLABLES)}${random.sampleIntBetween(1, 9999)}`;
  return `${local}@${domain}`;
}
