/**
 * The lifecycle section of the config: every default of spec section 6, changeable by the
 * store. C is the store's typical purchase cycle, c a member's own cycle (see
 * src/analytics/lifecycle/lifecycle-query.ts for how both are measured).
 *
 * Unknown fields are refused with the field's name and the known ones (checked here rather
 * than by a strict object, so that the message lists this section's fields).
 */
import { z } from 'zod';

export const LIFECYCLE_PURCHASE_COUNTS = ['orders', 'order_days'] as const;
export const LIFECYCLE_CHURN_RULES = ['window', 'p_alive'] as const;

const days = (what: string) =>
  z
    .number({ message: `expected a whole number of days ≥ 1 (${what})` })
    .int({ message: `expected a whole number of days ≥ 1 (${what})` })
    .min(1, { message: `expected a whole number of days ≥ 1 (${what})` });
const cycles = (what: string) =>
  z
    .number({ message: `expected a number of cycles > 0 (${what})` })
    .positive({ message: `expected a number of cycles > 0 (${what})` });

const lifecycleShape = {
  purchases: z
    .enum(LIFECYCLE_PURCHASE_COUNTS)
    .default('orders')
    .describe('A purchase is an order (default) or a distinct purchase day.'),
  min_churn_days: days('the shortest churn window')
    .default(180)
    .describe('Churn window = max(min_churn_days, churn_cycles × C).'),
  churn_cycles: cycles('churn window in store cycles C').default(3).describe('See min_churn_days.'),
  churn_rule: z
    .enum(LIFECYCLE_CHURN_RULES)
    .default('window')
    .describe(
      'Churned when recency passes the churn window (default), or when P(alive) of the fitted purchase model is below predict.churn_p_alive; with too few repeat buyers to fit, the window rule.',
    ),
  churn_days: days('a fixed churn window')
    .optional()
    .describe('A fixed churn window in days, used instead of max(min_churn_days, churn_cycles × C).'),
  loyal_min_purchases: z
    .number({ message: 'expected a whole number ≥ 1' })
    .int({ message: 'expected a whole number ≥ 1' })
    .min(1, { message: 'expected a whole number ≥ 1' })
    .default(4)
    .describe('Loyal: at least this many purchases in the trailing loyal_window_days …'),
  loyal_window_days: days('the trailing window of the loyal count').default(365),
  loyal_recency_cycles: cycles('loyal recency in own cycles c')
    .default(1.5)
    .describe('… and recency ≤ loyal_recency_cycles × c.'),
  at_risk_cycles: cycles('at-risk recency in own cycles c')
    .default(2)
    .describe('At risk: recency > at_risk_cycles × c, still inside the churn window.'),
};

// Strict: an unknown field is named by the config loader, with the fields it knows.
export const lifecycleConfigSchema = z.strictObject(lifecycleShape, { message: 'expected an object' });

export type LifecycleConfig = z.infer<typeof lifecycleConfigSchema>;
