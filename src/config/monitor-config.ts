/**
 * The monitor section of the config (spec section 10, the daily checks): how a day is scored
 * against its trailing baseline, when a score is an alert, and which days are left alone.
 * docs/monitor.md explains every field and src/monitor/ how each check is computed.
 *
 * Unknown fields are refused with the field's name and the known ones (the config loader names
 * them for every strict object).
 */
import { z } from 'zod';
import { isCalendarDay, isMonthDay } from '../domain/calendar-day.js';

const days = (what: string) =>
  z
    .number({ message: `expected a whole number of days ≥ 1 (${what})` })
    .int({ message: `expected a whole number of days ≥ 1 (${what})` })
    .min(1, { message: `expected a whole number of days ≥ 1 (${what})` });

const score = (what: string) =>
  z
    .number({ message: `expected a score > 0 (${what})` })
    .positive({ message: `expected a score > 0 (${what})` });

const quietDaysObject = z.strictObject({
  dates: z
    .array(z.string().refine(isCalendarDay, { message: 'expected a day YYYY-MM-DD' }))
    .default([])
    .describe('Single days, e.g. a one-off sale: 2026-03-08.'),
  annual: z
    .array(z.string().refine(isMonthDay, { message: 'expected a day of the year MM-DD' }))
    .default([])
    .describe('Days of every year, MM-DD, e.g. ["11-11", "06-18"] for 双11 and 618.'),
  window_days: z
    .number({ message: 'expected a whole number of days ≥ 0' })
    .int({ message: 'expected a whole number of days ≥ 0' })
    .min(0, { message: 'expected a whole number of days ≥ 0' })
    .max(60, { message: 'expected at most 60 days' })
    .default(0)
    .describe(
      'Days on either side of each quiet day that are quiet too (a festival pulls buying around it).',
    ),
});

const monitorShape = {
  baseline_days: days('the trailing baseline of activity, purchases and emotion')
    .default(28)
    .describe(
      'A day is compared with the days before it: the trailing baseline_days (the day itself left out).',
    ),
  min_baseline_days: days('the fewest baseline days a check needs')
    .default(21)
    .describe('A day whose baseline holds fewer usable (non-quiet, with data) days is not scored.'),
  z_threshold: score('the robust score that raises an alert')
    .default(4)
    .describe(
      'A day is abnormal when its robust score |x − median| / (1.4826 · MAD) reaches this, in the direction that is bad.',
    ),
  critical_z: score('the robust score of a critical alert')
    .default(8)
    .describe('From this score on an alert is critical instead of a warning.'),
  weekday_weeks: days('weeks of the weekday factors')
    .default(8)
    .describe(
      'Purchases are weekday-adjusted: each weekday’s factor is the median of that weekday over the last weekday_weeks weeks over the median of all those days.',
    ),
  divergence_z: score('the score of activity and sales moving apart')
    .default(2.5)
    .describe(
      'Product-problem signal: page views and GMV score at least this far from baseline in opposite directions.',
    ),
  emotion_exposure_days: days('the orders an emotion event may follow')
    .default(14)
    .describe(
      'Refunds, rejections, complaints and low ratings are scored per order placed in the trailing emotion_exposure_days, so a festival’s after-sales wave is not an alert.',
    ),
  emotion_min_excess: z
    .number({ message: 'expected a whole number of events ≥ 1' })
    .int({ message: 'expected a whole number of events ≥ 1' })
    .min(1, { message: 'expected a whole number of events ≥ 1' })
    .default(4)
    .describe('An emotion alert also needs at least this many events above the expected count.'),
  swing_share: z
    .number({ message: 'expected a share between 0 and 1' })
    .gt(0, { message: 'expected a share above 0' })
    .lt(10, { message: 'expected a share below 10' })
    .default(0.2)
    .describe('A tier, RFM segment or lifecycle stage whose size changes by this share or more is a swing.'),
  swing_min_size: z
    .number({ message: 'expected a whole number ≥ 1' })
    .int({ message: 'expected a whole number ≥ 1' })
    .min(1, { message: 'expected a whole number ≥ 1' })
    .default(30)
    .describe('Groups smaller than this (before and after) are not checked for swings.'),
  swing_days: days('how far back a tier size is compared')
    .default(7)
    .describe(
      'Tier sizes are compared with swing_days before; segments and stages with the previous stored snapshot.',
    ),
  quiet_days: quietDaysObject
    .default({ dates: [], annual: [], window_days: 0 })
    .describe('Days neither scored nor used in baselines (festivals and the days their pull empties).'),
};

// Strict: an unknown field is named by the config loader, with the fields it knows.
export const monitorConfigSchema = z.strictObject(monitorShape, { message: 'expected an object' });

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;
