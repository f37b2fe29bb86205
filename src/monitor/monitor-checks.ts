/**
 * The daily checks (spec section 10) and what they find: the closed sets of checks, subjects
 * and severities, the condition a check reports for a day, and their zh-CN labels (one
 * dictionary for the feature).
 */

export const MONITOR_CHECKS = [
  'stepped',
  'activity',
  'purchases',
  'emotion',
  'product_problem',
  'tier_swing',
  'segment_swing',
  'coupon_pool_empty',
] as const;
export type MonitorCheck = (typeof MONITOR_CHECKS)[number];

export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Activity measures and the direction that is bad (−1: a fall, +1: a rise). */
export const ACTIVITY_METRICS = [
  { metric: 'page_views', bad: -1 },
  { metric: 'pages_per_visit', bad: -1 },
  { metric: 'dwell_seconds', bad: -1 },
  { metric: 'bounce_rate', bad: 1 },
] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number]['metric'];

/** Purchase measures and the bad direction (0: either way). */
export const PURCHASE_METRICS = [
  { metric: 'gmv', bad: -1 },
  { metric: 'orders', bad: -1 },
  { metric: 'aov', bad: 0 },
] as const;
export type PurchaseMetric = (typeof PURCHASE_METRICS)[number]['metric'];

export const EMOTION_METRICS = ['refunds', 'rejections', 'complaints', 'low_ratings'] as const;
export type EmotionMetric = (typeof EMOTION_METRICS)[number];

export const PRODUCT_PROBLEM_SUBJECTS = ['activity_up_sales_down', 'activity_down_sales_up'] as const;

export type Figures = Readonly<Record<string, number | string | null>>;

/** One abnormal finding of one check on one day; (check, subject) is the alert's identity. */
export interface Condition {
  readonly day: string;
  readonly check: MonitorCheck;
  readonly subject: string;
  readonly severity: Severity;
  /** The score that raised it (robust or count score), or null for a rule without one. */
  readonly score: number | null;
  readonly message: string;
  readonly figures: Figures;
}

/** What the monitor found on a day: the checks it could run, and their abnormal conditions. */
export interface DayEvaluation {
  readonly day: string;
  readonly checks: readonly MonitorCheck[];
  readonly conditions: readonly Condition[];
}

export const CHECK_LABELS: Readonly<Record<MonitorCheck, { readonly name: string; readonly zh: string }>> = {
  stepped: { name: 'stepped check', zh: '阶梯式检查' },
  activity: { name: 'activity', zh: '活跃度' },
  purchases: { name: 'purchases', zh: '购买行为' },
  emotion: { name: 'emotion', zh: '情绪' },
  product_problem: { name: 'product problem', zh: '商品问题' },
  tier_swing: { name: 'tier size swing', zh: '等级人数波动' },
  segment_swing: { name: 'segment size swing', zh: '分群人数波动' },
  coupon_pool_empty: { name: 'coupon pool empty', zh: '券池已空' },
};

/**
 * Checks raised by other parts of huiyuan as they work, not by the daily run: a monitor run over
 * a range leaves their days and conditions alone. coupon_pool_empty is written when a rule's
 * coupon action finds its pool empty (src/coupons/issue.ts).
 */
export const RAISED_CHECKS: readonly MonitorCheck[] = ['coupon_pool_empty'];

export const METRIC_LABELS: Readonly<Record<string, string>> = {
  page_views: '浏览量 PV',
  pages_per_visit: '平均访问深度',
  dwell_seconds: '平均停留时间',
  bounce_rate: '跳失率',
  gmv: '交易额 GMV',
  orders: '订单数',
  aov: '客单价',
  refunds: '退款',
  rejections: '拒收',
  complaints: '投诉',
  low_ratings: '差评',
  activity_up_sales_down: '活跃上升、交易额下降',
  activity_down_sales_up: '活跃下降、交易额上升',
};

/** The severity of a score: critical from criticalZ on. */
export function getSeverity(score: number, criticalZ: number): Severity {
  return Math.abs(score) >= criticalZ ? 'critical' : 'warning';
}
