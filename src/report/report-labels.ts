/**
 * The report's words in both languages: one dictionary (spec: zh-CN labels live in one place).
 * Names that belong to other features (KPI rates, RFM segments, lifecycle stages, tiers) come
 * from those features' dictionaries through the report data; this file holds the report's own.
 * `{name}` marks a value filled in by `fill`.
 */
import {
  describeValue,
  MULTI_ATTRIBUTES,
  type MultiAttribute,
  SINGLE_ATTRIBUTES,
  type SingleAttribute,
} from '../analytics/profiles/profile-attributes.js';
import type { TierReport } from '../analytics/tiers/tiers.js';
import { describeAlert, describeAlertSubject } from '../monitor/alert-text.js';
import type { LocalText, ReportAlert, ReportComparisonRow, ReportData } from './report-data.js';
import { formatRatio, formatUtcOffset } from './report-format.js';

export const REPORT_LANGS = ['zh-CN', 'en'] as const;
export type ReportLang = (typeof REPORT_LANGS)[number];

export const REPORT_LABELS = {
  title: { en: 'Member report', zh: '会员运营报告' },
  subtitle: {
    en: 'As of the end of {day} (store timezone {timezone}) · database {database}',
    zh: '截至 {day} 日终（店铺时区 {timezone}）· 数据库 {database}',
  },
  generated: { en: 'Generated {time}', zh: '生成于 {time}' },
  contents: { en: 'Contents', zh: '目录' },

  headline: { en: 'At a glance', zh: '概览' },
  card_members: { en: 'Members', zh: '会员数' },
  card_new_members: { en: 'New members in {period}', zh: '{period} 新入会' },
  card_gmv: { en: 'GMV in {period}', zh: '{period} 交易额' },
  card_member_gmv_share: { en: 'Member GMV share in {period}', zh: '{period} 会员交易额占有率' },
  card_churn: { en: 'Churn rate', zh: '流失会员率' },
  card_repurchase: { en: 'Repurchase rate in {period}', zh: '{period} 会员回头购买率' },
  card_invite: { en: 'Invitation candidates', zh: '邀请入会候选' },
  card_stepped: { en: 'Stepped check', zh: '阶梯式检查' },
  card_alerts: { en: 'Open alerts', zh: '未关闭预警' },
  stepped_ok: { en: '✓ rises tier by tier', zh: '✓ 逐级上升' },
  stepped_broken: { en: '✗ broken', zh: '✗ 未逐级上升' },
  not_available: { en: 'n/a', zh: '暂无' },

  section_kpis: { en: 'Member KPIs by month', zh: '会员关键指标（按月）' },
  kpis_note: {
    en: 'Months from the first order to {day}; {partial} is cut at {day}.',
    zh: '从首笔订单所在月到 {day}；{partial} 截至 {day}。',
  },
  kpis_note_full: {
    en: 'Months from the first order to {day}.',
    zh: '从首笔订单所在月到 {day}。',
  },
  chart_kpi_money: { en: 'GMV, net GMV and members', zh: '交易额、净交易额与会员数' },
  chart_kpi_rates: { en: 'Member rates', zh: '会员指标比率' },
  series_gmv: { en: 'GMV', zh: '交易额' },
  series_net_gmv: { en: 'Net GMV', zh: '净交易额' },
  series_members: { en: 'Members', zh: '会员数' },
  axis_money: { en: 'Amount', zh: '金额' },
  axis_members: { en: 'Members', zh: '会员数' },

  section_tiers: { en: 'Tiers and the stepped check', zh: '等级体系与阶梯式检查' },
  tiers_note: {
    en: 'Thresholds of the calibration of {day}{provisional}; value = net spend over the last {months} months. Contribution rate = value share ÷ member share; it must rise tier by tier (阶梯式).',
    zh: '阈值来自 {day} 的校准{provisional}；价值 = 近 {months} 个月净消费。贡献率 = 价值占比 ÷ 人数占比，须逐级上升（阶梯式）。',
  },
  tiers_provisional: {
    en: ' (computed for this report: no calibration is stored yet)',
    zh: '（为本报告计算：尚未保存校准）',
  },
  chart_tier_pyramid: { en: 'Tier pyramid (members)', zh: '等级金字塔（人数）' },
  chart_tier_steps: { en: 'Contribution rate by tier', zh: '各等级贡献率' },
  col_tier: { en: 'Tier', zh: '等级' },
  col_threshold: { en: 'Threshold', zh: '门槛' },
  col_members: { en: 'Members', zh: '人数' },
  col_member_share: { en: 'Member share', zh: '人数占比' },
  col_value_share: { en: 'Value share', zh: '价值占比' },
  col_contribution: { en: 'Contribution rate', zh: '贡献率' },
  col_stepped: { en: 'Stepped', zh: '阶梯' },
  entry_tier: { en: 'entry tier', zh: '入门等级' },
  tier_not_stepped: {
    en: '✗ {tier}: contribution rate {rate} is not above the {below_rate} of {below}',
    zh: '✗ {tier}的贡献率 {rate} 不高于下一级{below}的 {below_rate}：未逐级上升',
  },
  tier_not_stepped_empty: { en: '✗ {tier} has no members', zh: '✗ {tier}没有会员：未逐级上升' },
  tier_not_stepped_no_value: {
    en: '✗ {tier}: the total value is not positive',
    zh: '✗ {tier}：总价值不为正，无法判断是否逐级上升',
  },

  section_rfm: { en: 'RFM grid (R × FM)', zh: 'RFM 矩阵（R × FM）' },
  rfm_note: {
    en: 'Members with a purchase on the grid of recency score R and the mean of the frequency and monetary scores FM (5 = best); {no_purchase} members without a purchase are outside it. {source}',
    zh: '有购买的会员按最近购买得分 R 与频次、金额得分均值 FM 分布（5 = 最好）；另有 {no_purchase} 名会员未购买，不在矩阵中。{source}',
  },
  rfm_from_snapshot: {
    en: 'Read from the stored snapshot of the day.',
    zh: '读取当日已保存的快照。',
  },
  rfm_computed: {
    en: 'Computed from the orders (no snapshot of the day is stored).',
    zh: '由订单计算（当日无已保存快照）。',
  },
  chart_rfm: { en: 'Members per cell', zh: '各格会员数' },
  axis_fm: { en: 'FM score', zh: 'FM 得分' },
  axis_r: { en: 'R score', zh: 'R 得分' },

  section_lifecycle: { en: 'Lifecycle', zh: '生命周期' },
  lifecycle_note: {
    en: 'Members by stage at the end of {day}; the flows show each member’s stage at the end of {from} against the end of {to}.',
    zh: '{day} 日终各阶段会员数；流转图为每位会员在 {from} 月末与 {to} 月末的阶段对比。',
  },
  lifecycle_no_flows: {
    en: 'No month has ended yet since the first order: no flows to show.',
    zh: '自首笔订单以来尚无完整月份，暂无流转。',
  },
  chart_lifecycle: {
    en: 'Stage at the previous month end → stage at the month end',
    zh: '上月末阶段 → 本月末阶段',
  },
  joined_since: { en: 'Joined during the month', zh: '本月入会' },
  col_stage: { en: 'Stage', zh: '阶段' },
  col_share: { en: 'Share', zh: '占比' },

  section_cohorts: { en: 'Member cohort retention', zh: '会员同期群留存' },
  cohorts_note: {
    en: 'Members grouped by the month of their first purchase; each cell is the share of the cohort that bought in the k-th month after.',
    zh: '会员按首购月分组；每格为该群在首购后第几个月仍有购买的比例。',
  },
  chart_cohorts: { en: 'Retention by months after the first purchase', zh: '首购后各月留存' },
  axis_months_after: { en: 'Months after', zh: '首购后月数' },
  axis_cohort: { en: 'Cohort (size)', zh: '首购月（人数）' },

  section_alerts: { en: 'Open alerts', zh: '未关闭的预警' },
  no_alerts: { en: 'No alert is open at the end of the day.', zh: '当日日终没有未关闭的预警。' },
  col_severity: { en: 'Severity', zh: '级别' },
  col_check: { en: 'Check', zh: '检查项' },
  col_subject: { en: 'Subject', zh: '对象' },
  col_message: { en: 'Message', zh: '说明' },
  col_since: { en: 'Since', zh: '首次出现' },
  col_days: { en: 'Days', zh: '天数' },
  severity_critical: { en: 'critical', zh: '严重' },
  severity_warning: { en: 'warning', zh: '警告' },

  section_profiles: { en: 'Loyal against churned members', zh: '忠诚会员与流失会员对比' },
  profiles_note: {
    en: '{a} ({a_members}) against {b} ({b_members}): lift = share among {a} ÷ share among {b}; solid bars are significant.',
    zh: '{a}（{a_members} 人）对比 {b}（{b_members} 人）：提升度 = {a}中的占比 ÷ {b}中的占比；实心柱为显著差异。',
  },
  chart_profiles: { en: 'Lift of attribute values', zh: '属性值提升度' },
  axis_lift: { en: 'Lift', zh: '提升度' },
  series_significant: { en: 'Significant', zh: '显著' },
  series_not_significant: { en: 'Not significant', zh: '不显著' },
  unknown_value: { en: '(unknown)', zh: '（未知）' },

  section_communities: { en: 'Member communities', zh: '会员群落' },
  communities_note_stored: {
    en: 'The {k} communities stored as of {day}, {members} members with a purchase.',
    zh: '已保存的 {day} 的 {k} 个群落，共 {members} 名有购买的会员。',
  },
  communities_note_computed: {
    en: 'No community run is stored: {k} communities computed for this report as of {day} ({members} members with a purchase), not stored.',
    zh: '尚未保存群落：为本报告计算 {day} 的 {k} 个群落（{members} 名有购买的会员），未保存。',
  },
  community: { en: 'Community {n}', zh: '群落 {n}' },
  community_purchases: { en: 'purchases', zh: '购买次数' },
  community_spend: { en: 'net spend', zh: '净消费' },
  community_aov: { en: 'AOV', zh: '客单价' },
  community_recency: { en: 'days since last purchase', zh: '距上次购买天数' },

  section_invite: { en: 'Invitation candidates', zh: '邀请入会候选' },
  invite_note: {
    en: 'Customers who are not members and have bought two or more times by {day}: invite them to join.',
    zh: '截至 {day} 购买两次及以上的非会员顾客：邀请其入会。',
  },

  footer: {
    en: 'huiyuan (会员) · self-contained report: opens offline, charts by Apache ECharts.',
    zh: '会员营销报告 · 独立报告文件：无需联网即可打开。',
  },
} as const satisfies Record<string, LocalText>;

export type ReportLabel = keyof typeof REPORT_LABELS;

/** A LocalText in the language. */
export function pickText(text: LocalText, lang: ReportLang): string {
  return lang === 'en' ? text.en : text.zh;
}

/**
 * The label in the language, with `{name}` filled from values.
 * @example label('card_gmv', 'en', { period: '2026-10' }) // 'GMV in 2026-10'
 */
export function label(
  key: ReportLabel,
  lang: ReportLang,
  values: Readonly<Record<string, string | number>> = {},
): string {
  return pickText(REPORT_LABELS[key], lang).replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

/** The store's timezone as a reader says it: its offset in zh-CN (UTC+8), its name in English. */
export function describeTimezone(data: Pick<ReportData, 'as_of' | 'store'>, lang: ReportLang): string {
  return lang === 'en'
    ? data.store.timezone
    : formatUtcOffset(new Date(`${data.as_of}T12:00:00Z`), data.store.timezone);
}

const tierNamer =
  (tiers: TierReport, lang: ReportLang) =>
  (id: string): string | undefined => {
    const tier = tiers.tiers.find((t) => t.tier === id);
    return tier && (lang === 'en' ? tier.name : tier.name_zh);
  };

/** An open alert's subject and message in the language (zh-CN rendered from its figures). */
export function describeReportAlert(
  alert: ReportAlert,
  tiers: TierReport,
  lang: ReportLang,
): { readonly subject: string; readonly message: string } {
  const name = tierNamer(tiers, lang);
  return { subject: describeAlertSubject(alert, lang, name), message: describeAlert(alert, lang, name) };
}

/** One line per tier that breaks the steps, from the tier figures. */
export function describeBrokenSteps(report: TierReport, lang: ReportLang): string[] {
  const name = tierNamer(report, lang);
  return report.tiers.flatMap((tier, index) => {
    if (index === 0 || tier.stepped !== false) return [];
    const own = name(tier.tier) ?? tier.tier;
    if (tier.contribution_rate === null)
      return [
        label(tier.members === 0 ? 'tier_not_stepped_empty' : 'tier_not_stepped_no_value', lang, {
          tier: own,
        }),
      ];
    const below = report.tiers
      .slice(0, index)
      .reverse()
      .find((t) => t.contribution_rate !== null);
    return [
      label('tier_not_stepped', lang, {
        tier: own,
        rate: formatRatio(tier.contribution_rate),
        below: below ? (name(below.tier) ?? below.tier) : '–',
        below_rate: formatRatio(below?.contribution_rate ?? null),
      }),
    ];
  });
}

const isDescribed = (attribute: string): attribute is SingleAttribute | MultiAttribute =>
  (SINGLE_ATTRIBUTES as readonly string[]).includes(attribute) ||
  (MULTI_ATTRIBUTES as readonly string[]).includes(attribute);

/** An attribute value of the profile comparison as its chart label: 来自广东, 购买力很高; gender: male. */
export function describeComparisonValue(row: ReportComparisonRow, lang: ReportLang): string {
  if (lang === 'zh-CN' && isDescribed(row.attribute)) return describeValue(row.attribute, row.value).zh;
  return `${row.attribute}: ${row.value ?? label('unknown_value', lang)}`;
}
