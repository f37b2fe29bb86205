/** The uplift report's figures in English and zh-CN, one dictionary for the CLI and the report, and how both write them. */
export const UPLIFT_LABELS = {
  treatment: { en: 'treatment', zh: '实验组' },
  holdout: { en: 'holdout', zh: '对照组' },
  difference: { en: 'difference', zh: '差值' },
  interval: { en: '95% interval', zh: '95% 置信区间' },
  members: { en: 'members', zh: '会员数' },
  delivered: { en: 'delivered', zh: '已触达' },
  conversions: { en: 'conversions', zh: '转化人数' },
  conversion_rate: { en: 'conversion rate', zh: '转化率' },
  orders_per_member: { en: 'orders per member', zh: '人均订单' },
  revenue_per_member: { en: 'revenue per member', zh: '人均收入' },
  open_members: { en: 'window still open', zh: '观察期未结束' },
  incremental_orders: { en: 'incremental orders', zh: '增量订单' },
  incremental_revenue: { en: 'incremental revenue', zh: '增量收入' },
  coupons_redeemed: { en: 'coupons redeemed', zh: '核销券数' },
  coupon_cost: { en: 'coupon cost', zh: '券成本' },
  net_incremental_revenue: { en: 'net incremental revenue', zh: '净增量收入' },
  minimum_detectable: { en: 'minimum detectable lift', zh: '最小可检测提升' },
  significant: { en: 'significant', zh: '显著' },
  not_significant: { en: 'not significant', zh: '不显著' },
  cuped: { en: 'CUPED (pre-period spend)', zh: 'CUPED 方差缩减（前期消费）' },
  rule: { en: 'rule', zh: '规则' },
} as const;

export type UpliftLabel = keyof typeof UPLIFT_LABELS;

/** "conversion rate 转化率": the English name with its zh-CN term, as the CLI tables write them. */
export function labelBoth(key: UpliftLabel): string {
  return `${UPLIFT_LABELS[key].en} ${UPLIFT_LABELS[key].zh}`;
}

/** A difference of rates in percentage points: 0.0304 → "3.0 pt". */
export function formatPoints(value: number): string {
  return `${(value * 100).toFixed(1)} pt`;
}

/** An amount of money to the cent with thousands separators, sign kept: -18554.2 → "-18,554.20"; null → "–". */
export function formatAmount(value: number | null): string {
  if (value === null) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
