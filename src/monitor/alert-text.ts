/**
 * An alert in a reader's words: its subject and its message rendered from the structured fields
 * the monitor stores (check, subject, figures), per language. The stored message is the English
 * rendering the monitor wrote when it found the condition; zh-CN is rendered here from the same
 * figures, so no English string is ever translated and no internal code (page_views,
 * segment:need_attention, a tier id) reaches a zh-CN reader.
 */
import { LIFECYCLE_STAGE_LABELS } from '../analytics/lifecycle/lifecycle-stages.js';
import { RFM_SEGMENT_LABELS } from '../domain/rfm-segments.js';
import { type Figures, METRIC_LABELS, type MonitorCheck } from './monitor-checks.js';

export const ALERT_LANGS = ['zh-CN', 'en'] as const;
export type AlertLang = (typeof ALERT_LANGS)[number];

/** What an alert says: the check, what it is about, and the figures it was found with. */
export interface AlertFields {
  readonly check: MonitorCheck;
  readonly subject: string;
  readonly message: string;
  readonly figures: Figures;
}

/** A tier's name in the reader's language from its id (the config's tiers), when known. */
export type TierNamer = (tier: string) => string | undefined;

const number = (value: number | string | null | undefined, digits = 0): string =>
  typeof value === 'number'
    ? value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits })
    : '–';

const signed = (value: number, digits: number): string =>
  `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;

/** The change from `baseline` to `value` in per cent, e.g. "（−85%）"; empty without a baseline. */
const change = (
  value: number | string | null | undefined,
  baseline: number | string | null | undefined,
): string =>
  typeof value === 'number' && typeof baseline === 'number' && baseline !== 0
    ? `（${signed((100 * (value - baseline)) / Math.abs(baseline), 0)}%）`
    : '';

const score = (value: number | string | null | undefined): string =>
  typeof value === 'number' ? signed(value, 1) : '–';

/** How a measure's figure is written: page views whole, money to the yuan, rates as percentages. */
function formatMeasure(metric: string, value: number | string | null | undefined): string {
  if (typeof value !== 'number') return '–';
  switch (metric) {
    case 'bounce_rate':
      return `${(value * 100).toFixed(1)}%`;
    case 'dwell_seconds':
      return `${number(value, 0)} 秒`;
    case 'pages_per_visit':
      return `${number(value, 2)} 页`;
    case 'gmv':
    case 'aov':
      return `¥${number(value, 0)}`;
    case 'page_views':
      return number(value, 0);
    default:
      return number(value, 1);
  }
}

const zhMetric = (metric: string): string => METRIC_LABELS[metric] ?? metric;

/** A size-swing subject 'segment:need_attention' or 'stage:loyal' in zh-CN. */
function describeGroupZh(subject: string): string {
  const [kind, id = ''] = subject.split(':', 2);
  if (kind === 'segment' && id in RFM_SEGMENT_LABELS)
    return `RFM 分群「${RFM_SEGMENT_LABELS[id as keyof typeof RFM_SEGMENT_LABELS].zh}」`;
  if (kind === 'stage' && id in LIFECYCLE_STAGE_LABELS)
    return `生命周期阶段「${LIFECYCLE_STAGE_LABELS[id as keyof typeof LIFECYCLE_STAGE_LABELS].zh}」`;
  return subject;
}

/** What the alert is about, e.g. 浏览量 PV, 退款, 金卡, RFM 分群「需要关注客户」. */
export function describeAlertSubject(alert: AlertFields, lang: AlertLang, tierName: TierNamer): string {
  if (lang === 'en') return alert.subject;
  switch (alert.check) {
    case 'stepped':
    case 'tier_swing':
      return tierName(alert.subject) ?? alert.subject;
    case 'segment_swing':
      return describeGroupZh(alert.subject);
    case 'coupon_pool_empty':
      return `券池「${alert.subject}」`;
    case 'activity':
    case 'purchases':
    case 'emotion':
    case 'product_problem':
      return zhMetric(alert.subject);
  }
}

/** The alert's message in the language, from its figures (zh-CN) or as the monitor wrote it (en). */
export function describeAlert(alert: AlertFields, lang: AlertLang, tierName: TierNamer): string {
  if (lang === 'en') return alert.message;
  const f = alert.figures;
  const subject = describeAlertSubject(alert, lang, tierName);
  switch (alert.check) {
    case 'stepped': {
      const below = typeof f.below_tier === 'string' ? (tierName(f.below_tier) ?? f.below_tier) : null;
      const rate = `贡献率 ${number(f.contribution_rate, 2)}（人数占比 ${percent(f.member_share)}，价值占比 ${percent(f.value_share)}）`;
      return below
        ? `${subject}的${rate}不高于下一级${below}的 ${number(f.below_contribution_rate, 2)}：等级未逐级上升`
        : `${subject}的${rate}：等级未逐级上升`;
    }
    case 'activity':
    case 'purchases':
      return `${subject} ${formatMeasure(alert.subject, f.value)}，基线 ${formatMeasure(alert.subject, f.baseline)}${change(f.value, f.baseline)}，稳健得分 ${score(f.score)}`;
    case 'emotion':
      return `${subject} ${number(f.value)} 次，按基线比率预期 ${number(f.expected, 1)} 次${change(f.value, f.expected)}，计数得分 ${score(f.score)}`;
    case 'product_problem':
      return `浏览量 PV ${number(f.page_views)}${change(f.page_views, f.page_views_baseline)}，而交易额 ¥${number(f.gmv)}${change(f.gmv, f.gmv_baseline)}、订单数 ${number(f.orders)}${change(f.orders, f.orders_baseline)}：请检查商品`;
    case 'tier_swing':
    case 'segment_swing':
      return `${subject}现有 ${number(f.members)} 人，${typeof f.compared_with === 'string' ? f.compared_with : '此前'} 为 ${number(f.before)} 人${change(f.members, f.before)}`;
    case 'coupon_pool_empty':
      return `${subject}已空：规则 ${typeof f.rule_id === 'string' ? f.rule_id : ''} 有 ${number(f.pool_empty)} 位会员未领到券，请补充券码`;
  }
}

function percent(value: number | string | null | undefined): string {
  return typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '–';
}
