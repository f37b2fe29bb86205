/**
 * `huiyuan profile SEGMENT [--vs SEGMENT] [--as-of D] [--alpha A] [--top N] [--lang en|zh-CN] [--format table|csv|json]`
 * `huiyuan wanted [SEGMENT...] [--as-of D] [--alpha A] [--top N] [--min-support S] [--lang en|zh-CN] [--format …]`
 *
 * Consumer profiles (消费者轮廓) and the wanted poster (通缉令) from the stored snapshot of a day
 * (default: the latest; `huiyuan refresh` stores one). SEGMENT grammar: docs/profiles.md.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { labelValue, ATTRIBUTE_WORDS } from '../../analytics/profiles/profile-attributes.js';
import type { Profile, WantedPoster } from '../../analytics/profiles/profiles.js';
import type { SegmentSpec } from '../../analytics/profiles/segment-spec.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatPercent, parseDay, parsePositive } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

export const PROFILE_LANGUAGES = ['en', 'zh-CN'] as const;
export type ProfileLanguage = (typeof PROFILE_LANGUAGES)[number];

interface ProfileFlags {
  readonly vs?: string;
  readonly asOf?: string;
  readonly alpha: number;
  readonly top: number;
  /** Default: the config's `lang`. */
  readonly lang?: ProfileLanguage;
  readonly format: OutputFormat;
}

interface WantedFlags extends Omit<ProfileFlags, 'vs'> {
  readonly minSupport: number;
}

/** Commander parser for a share strictly between 0 and 1 (α, support). */
export function parseShare(value: string): number {
  const n = Number(value.trim());
  if (!/^\d*\.?\d+$/.test(value.trim()) || !(n > 0 && n < 1))
    throw new InvalidArgumentError(`expected a number between 0 and 1, e.g. 0.05, found '${value}'`);
  return n;
}

const langOption = (): Option =>
  new Option('--lang <lang>', "language of the plain-language lines (default: the config's lang)").choices(
    PROFILE_LANGUAGES,
  );
const asOfOption = (): Option =>
  new Option('--as-of <day>', 'the snapshot day YYYY-MM-DD (default: the latest stored)').argParser(parseDay);
const alphaOption = (): Option =>
  new Option('--alpha <a>', 'significance level after the Holm correction')
    .argParser(parseShare)
    .default(0.05);

export function registerProfile(program: Command, getContext: () => CommandContext): void {
  program
    .command('profile')
    .description(
      'consumer profile (消费者轮廓) of a segment from the stored snapshot: against everyone, or --vs another segment, with lift, tests and the strongest differences',
    )
    .argument(
      '<segment>',
      'stage:loyal, tier:gold, segment:champions, community:2, province=浙江, age>=30, loyal, … (docs/profiles.md)',
    )
    .option('--vs <segment>', 'the segment to compare with (default: everyone in the snapshot)')
    .addOption(asOfOption())
    .addOption(alphaOption())
    .option('--top <n>', 'how many strongest differences to say in words', parsePositive, 5)
    .addOption(langOption())
    .addOption(formatOption())
    .action(async (segment: string, flags: ProfileFlags) => {
      const context = getContext();
      const profiles = await import('../../analytics/profiles/profiles.js');
      const { parseSegment } = await import('../../analytics/profiles/segment-spec.js');
      const tiers = context.config.tiers.levels;
      const profile = await withStore(context, async (store) => {
        const day = await profiles.getSnapshotDay(store, flags.asOf);
        const vocabulary = await profiles.getSegmentVocabulary(store, day.as_of, tiers);
        const a = parseSegment(segment, vocabulary);
        const b: SegmentSpec | null = flags.vs === undefined ? null : parseSegment(flags.vs, vocabulary);
        return profiles.getProfile(store, {
          asOf: day.as_of,
          population: day.population,
          a,
          b: b?.conditions.length === 0 ? null : b,
          tiers,
          communityTag: vocabulary.communityTag,
          alpha: flags.alpha,
          top: flags.top,
        });
      });
      process.stdout.write(`${renderProfile(profile, flags.format, flags.lang ?? context.config.lang)}\n`);
    });

  program
    .command('wanted')
    .description(
      'the wanted poster (通缉令): the few values that best describe a segment against everyone (default: the top tier and the loyal members)',
    )
    .argument('[segments...]', 'segments to describe (default: tier:top stage:loyal)')
    .addOption(asOfOption())
    .addOption(alphaOption())
    .option('--top <n>', 'how many traits per poster', parsePositive, 5)
    .option('--min-support <s>', 'the least share of the segment a value must describe', parseShare, 0.1)
    .addOption(langOption())
    .addOption(formatOption())
    .action(async (segments: string[], flags: WantedFlags) => {
      const context = getContext();
      const profiles = await import('../../analytics/profiles/profiles.js');
      const { parseSegment } = await import('../../analytics/profiles/segment-spec.js');
      const tiers = context.config.tiers.levels;
      const posters = await withStore(context, async (store) => {
        const day = await profiles.getSnapshotDay(store, flags.asOf);
        const vocabulary = await profiles.getSegmentVocabulary(store, day.as_of, tiers);
        // Every segment is read before any is computed, so a typo in the last one fails at once.
        const specs = (segments.length ? segments : ['tier:top', 'stage:loyal']).map((s) =>
          parseSegment(s, vocabulary),
        );
        const result: WantedPoster[] = [];
        for (const a of specs)
          result.push(
            await profiles.getWantedPoster(store, {
              asOf: day.as_of,
              population: day.population,
              a,
              tiers,
              communityTag: vocabulary.communityTag,
              alpha: flags.alpha,
              top: flags.top,
              minSupport: flags.minSupport,
            }),
          );
        return result;
      });
      process.stdout.write(
        `${renderWantedPosters(posters, flags.format, flags.lang ?? context.config.lang)}\n`,
      );
    });
}

const fixed = (value: number | null, digits: number): string =>
  value === null ? '–' : value.toFixed(digits);
const formatP = (p: number): string => (p < 0.0001 ? '<0.0001' : p.toFixed(4));
const attributeName = (attribute: keyof typeof ATTRIBUTE_WORDS): string =>
  `${ATTRIBUTE_WORDS[attribute].en} ${ATTRIBUTE_WORDS[attribute].zh}`;
const pickText = (finding: { text_en: string; text_zh: string }, lang: ProfileLanguage): string =>
  lang === 'en' ? finding.text_en : finding.text_zh;

/** CSV: one row per value and per numeric attribute, raw numbers, the columns of both kinds. */
function buildProfileCsvTable(profile: Profile): Table {
  return {
    columns: [
      'kind',
      'family',
      'attribute',
      'value',
      'a_n',
      'a_share',
      'b_n',
      'b_share',
      'lift',
      'a_median',
      'b_median',
      'a_mean',
      'b_mean',
      'effect',
      'z',
      'p',
      'p_adjusted',
      'significant',
    ],
    rows: [
      ...profile.values.map((v) => [
        'value',
        v.family,
        v.attribute,
        v.value,
        v.a_count,
        v.a_share,
        v.b_count,
        v.b_share,
        v.lift,
        null,
        null,
        null,
        null,
        v.effect,
        v.z,
        v.p,
        v.p_adjusted,
        v.significant,
      ]),
      ...profile.numbers.map((n) => [
        'numeric',
        n.family,
        n.attribute,
        null,
        n.a.n,
        null,
        n.b.n,
        null,
        null,
        n.a.median,
        n.b.median,
        n.a.mean,
        n.b.mean,
        n.effect,
        n.z,
        n.p,
        n.p_adjusted,
        n.significant,
      ]),
    ],
  };
}

const significance = (significant: boolean): string => (significant ? '*' : '');

export function renderProfile(profile: Profile, format: OutputFormat, lang: ProfileLanguage): string {
  if (format === 'json') return renderJson(profile);
  if (format === 'csv') return renderCsv(buildProfileCsvTable(profile));
  const { a, b } = profile;
  const values: Table = {
    columns: ['attribute', 'value', 'a', 'a_share', 'b', 'b_share', 'lift', 'effect', 'p_adjusted', ''],
    numeric: new Set(['a', 'a_share', 'b', 'b_share', 'lift', 'effect', 'p_adjusted']),
    rows: profile.values.map((v) => [
      attributeName(v.attribute),
      labelValue(v.attribute, v.value),
      formatCount(v.a_count),
      formatPercent(v.a_share),
      formatCount(v.b_count),
      formatPercent(v.b_share),
      fixed(v.lift, 2),
      v.effect.toFixed(2),
      formatP(v.p_adjusted),
      significance(v.significant),
    ]),
  };
  const numbers: Table = {
    columns: [
      'attribute',
      'a_n',
      'a_median',
      'a_mean',
      'b_n',
      'b_median',
      'b_mean',
      'effect',
      'p_adjusted',
      '',
    ],
    numeric: new Set(['a_n', 'a_median', 'a_mean', 'b_n', 'b_median', 'b_mean', 'effect', 'p_adjusted']),
    rows: profile.numbers.map((n) => [
      attributeName(n.attribute),
      formatCount(n.a.n),
      fixed(n.a.median, 2),
      fixed(n.a.mean, 2),
      formatCount(n.b.n),
      fixed(n.b.median, 2),
      fixed(n.b.mean, 2),
      n.effect.toFixed(2),
      formatP(n.p_adjusted),
      significance(n.significant),
    ]),
  };
  const against =
    profile.against === 'everyone'
      ? `b = ${b.name_en} (${formatCount(b.members)}; tests against the other ${formatCount(b.members - a.members)})`
      : `b = ${b.name_en} (${b.segment}, ${formatCount(b.members)})`;
  const findings = profile.findings.length
    ? profile.findings.map((f, i) => `  ${i + 1}. ${pickText(f, lang)}`)
    : [
        lang === 'en'
          ? '  (no significant difference of at least a small effect)'
          : '  （没有达到小效应的显著差异）',
      ];
  return [
    `Profile (消费者轮廓) as of ${profile.as_of}: a = ${a.name_en} (${a.segment}, ${formatCount(a.members)}), ${against}`,
    `${profile.tests} tests, Holm-corrected, significant (*) at α = ${profile.alpha}; effect = Cohen's h for shares, Cliff's delta on the same d scale for numbers`,
    ...profile.notes.map((note) => `note: ${note}`),
    '',
    lang === 'en' ? 'Strongest differences:' : '最显著的差异：',
    ...findings,
    '',
    renderTable(values),
    '',
    renderTable(numbers),
  ].join('\n');
}

export function renderWantedPosters(
  posters: readonly WantedPoster[],
  format: OutputFormat,
  lang: ProfileLanguage,
): string {
  if (format === 'json') return renderJson(posters);
  const table: Table = {
    columns: ['segment', 'rank', 'kind', 'attribute', 'value', 'effect', 'lift', 'text'],
    numeric: new Set(['rank', 'effect', 'lift']),
    rows: posters.flatMap((poster) =>
      poster.traits.map((t, i) => [
        poster.group.segment,
        i + 1,
        t.kind,
        t.attribute,
        t.value,
        t.effect,
        t.lift,
        pickText(t, lang),
      ]),
    ),
  };
  if (format === 'csv') return renderCsv(table);
  return posters
    .map((poster) => {
      const name = lang === 'en' ? poster.group.name_en : poster.group.name_zh;
      const heading =
        lang === 'en'
          ? `Wanted poster (通缉令): ${name} (${poster.group.segment}, ${formatCount(poster.group.members)} of ${formatCount(poster.everyone.members)}) against everyone, snapshot of ${poster.as_of}`
          : `通缉令：${name}（${poster.group.segment}，${formatCount(poster.group.members)} / ${formatCount(poster.everyone.members)}）对比全体，快照 ${poster.as_of}`;
      const traits = poster.traits.length
        ? poster.traits.map((t, i) => `  ${i + 1}. ${pickText(t, lang)}`)
        : [lang === 'en' ? '  (nothing sets this group apart)' : '  （没有显著特征）'];
      return [heading, ...poster.notes.map((note) => `note: ${note}`), ...traits].join('\n');
    })
    .join('\n\n');
}
