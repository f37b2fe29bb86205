/**
 * Every decision the rule engine takes about an enrollment or one of its actions, as stored in
 * rule_decisions.decision (docs/rules.md explains each in the users' words). One list, so the
 * tick, explain, backtest and the reports name them alike.
 */
export const DECISIONS = [
  'entered',
  'not_in_audience',
  'held_out',
  'deferred_quiet_hours',
  'deferred_cap',
  'skipped_late',
  'no_consent',
  'pool_empty',
  'budget_spent',
  'sent',
  'failed',
] as const;
export type Decision = (typeof DECISIONS)[number];

/** rule_enrollments.state: waiting for its actions to be due, done, or skipped as a whole. */
export const ENROLLMENT_STATES = ['waiting', 'done', 'skipped'] as const;
export type EnrollmentState = (typeof ENROLLMENT_STATES)[number];

/** rule_enrollments.arm: fixed at entry from a hash of the member and the rule. */
export const ARMS = ['treatment', 'holdout'] as const;
export type Arm = (typeof ARMS)[number];

/** rule_deliveries.status: the outbox row's state; nothing is `sent` before the receiver said so. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
