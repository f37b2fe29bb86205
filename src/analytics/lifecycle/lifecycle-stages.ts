/**
 * Lifecycle stages (spec section 6): the closed set, the order in which their rules are tried
 * (the first that holds places the customer), and the one dictionary of their names and zh-CN
 * labels.
 */

/**
 * The stages in precedence order: a customer is in the first stage whose rule holds.
 * prospect (no purchase) is exclusive of the others; then churned > at_risk > loyal >
 * reactivated > repeat > new. Recency decides before counts, so a loyal buyer who has gone
 * quiet is shown as at risk or churned, which is what needs action.
 */
export const LIFECYCLE_STAGES = [
  'prospect',
  'churned',
  'at_risk',
  'loyal',
  'reactivated',
  'repeat',
  'new',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** The "from" of a flow for a customer not yet counted at the previous month end (joined since). */
export const NOT_COUNTED = 'not_counted' as const;
export type LifecycleStageOrNone = LifecycleStage | typeof NOT_COUNTED;

/** Report order: the customer's path, from prospect to churned and back. */
export const LIFECYCLE_REPORT_ORDER: readonly LifecycleStage[] = [
  'prospect',
  'new',
  'repeat',
  'loyal',
  'at_risk',
  'churned',
  'reactivated',
];

/** English names and zh-CN labels, in the words of spec sections 5 and 6. */
export const LIFECYCLE_STAGE_LABELS: Record<
  LifecycleStageOrNone,
  { readonly name: string; readonly zh: string }
> = {
  prospect: { name: 'Prospect', zh: '潜在会员' },
  new: { name: 'New', zh: '新会员' },
  repeat: { name: 'Repeat', zh: '老会员' },
  loyal: { name: 'Loyal', zh: '忠诚会员' },
  at_risk: { name: 'At risk', zh: '沉睡/预流失' },
  churned: { name: 'Churned', zh: '流失会员' },
  reactivated: { name: 'Won back', zh: '回流会员' },
  not_counted: { name: '(not yet counted)', zh: '（未计入）' },
};
