/**
 * The tiers section of the config (spec section 4): the tiers, lowest first; the value measure
 * (trailing net spend) and the special days left out of it; how thresholds are cut at a
 * calibration; how often to recalibrate; and each tier's benefits (kept and printed, not yet
 * applied). docs/tiers.md explains every field.
 */
import { z } from 'zod';
import { isCalendarDay, isMonthDay } from '../domain/calendar-day.js';

export const TIER_CALIBRATION_METHODS = ['shares', 'contribution_ratio'] as const;
/** A member's value for the tiers: net spend over the window, or the weighted RFM score (1–5). */
export const TIER_MEASURES = ['net_spend', 'rfm_score'] as const;
export type TierMeasure = (typeof TIER_MEASURES)[number];
export type TierCalibrationMethod = (typeof TIER_CALIBRATION_METHODS)[number];

/** The threshold a tier above the entry tier has when the config gives no minimum: a positive value. */
export const DEFAULT_MIN_THRESHOLD = 0.01;

const twoDecimals = (value: number): boolean => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;

const benefitsObject = z.strictObject({
  free_shipping: z.boolean().default(false).describe('包邮: the tier ships free.'),
  discount_percent: z
    .number()
    .gt(0, { message: 'expected a discount above 0%' })
    .lt(100, { message: 'expected a discount below 100%' })
    .optional()
    .describe('Percent off every order, e.g. 5 (九五折).'),
});
const benefitsSchema = benefitsObject.default({ free_shipping: false });

const tierSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, { message: 'expected an id of lowercase letters, digits and _' }),
  name: z.string().min(1, { message: 'expected a name' }),
  name_zh: z.string().min(1, { message: 'expected a zh-CN name' }),
  min_threshold: z
    .number()
    .nonnegative({ message: 'expected a minimum threshold ≥ 0' })
    .refine(twoDecimals, { message: 'expected an amount with at most two decimals' })
    .optional()
    .describe(
      `The lowest threshold this tier may have (a young store's floor); default ${DEFAULT_MIN_THRESHOLD}. Not for the entry tier.`,
    ),
  benefits: benefitsSchema.describe('Benefits promised to the tier (stored and printed, not applied yet).'),
});

export type TierConfig = z.infer<typeof tierSchema>;

export const DEFAULT_TIERS: readonly z.input<typeof tierSchema>[] = [
  { id: 'member', name: 'Member', name_zh: '普通会员' },
  { id: 'silver', name: 'Silver', name_zh: '银卡', benefits: { free_shipping: true } },
  { id: 'gold', name: 'Gold', name_zh: '金卡', benefits: { free_shipping: true, discount_percent: 5 } },
  {
    id: 'diamond',
    name: 'Diamond',
    name_zh: '钻石',
    benefits: { free_shipping: true, discount_percent: 10 },
  },
];

const share = z
  .number()
  .gt(0, { message: 'expected a share above 0' })
  .lt(100, { message: 'expected a share below 100' })
  .refine(twoDecimals, { message: 'expected a percentage with at most two decimals' });

const calibrationSchema = z
  .strictObject({
    method: z
      .enum(TIER_CALIBRATION_METHODS)
      .default('shares')
      .describe('Cut by member shares, or by the entry tier share and a value ratio of the tiers above it.'),
    shares: z
      .array(share)
      .default([55, 25, 15, 5])
      .describe('Percent of members per tier, lowest first; one per tier, summing to 100.'),
    entry_share: share.default(65).describe('contribution_ratio: percent of members in the entry tier.'),
    contribution_ratio: z
      .array(
        z
          .number()
          .int({ message: 'expected whole numbers' })
          .positive({ message: 'expected numbers above 0' }),
      )
      .default([2, 3, 4])
      .describe(
        'contribution_ratio: how the value of the members above the entry tier is split among those tiers, lowest first (2:3:4 = the top tier holds 4/9 of it).',
      ),
  })
  .superRefine((calibration, context) => {
    const total = calibration.shares.reduce((sum, s) => sum + Math.round(s * 100), 0);
    if (total !== 10_000)
      context.addIssue({
        code: 'custom',
        path: ['shares'],
        message: `expected shares summing to 100, found a sum of ${total / 100}`,
      });
  });

const specialDaysObject = z.strictObject({
  dates: z
    .array(z.string().refine(isCalendarDay, { message: 'expected a day YYYY-MM-DD' }))
    .default([])
    .describe('Days such as a member week: 2024-03-08, 2024-03-09, …'),
  monthly: z
    .array(
      z
        .number()
        .int({ message: 'expected a day of the month 1–31' })
        .min(1, { message: 'expected a day of the month 1–31' })
        .max(31, { message: 'expected a day of the month 1–31' }),
    )
    .default([])
    .describe('Days of every month, e.g. [8] for a member day on the 8th.'),
  annual: z
    .array(z.string().refine(isMonthDay, { message: 'expected a day of the year MM-DD' }))
    .default([])
    .describe('Days of every year, MM-DD, e.g. ["11-11", "06-18"] for 双11 and 618.'),
});
const specialDaysSchema = specialDaysObject.default({ dates: [], monthly: [], annual: [] });

export const tiersConfigSchema = z
  .strictObject({
    levels: z
      .array(tierSchema)
      .min(2, { message: 'expected at least 2 tiers' })
      .default(() => DEFAULT_TIERS.map((tier) => tierSchema.parse(tier)))
      .describe('The tiers, lowest (entry) first.'),
    measure: z
      .enum(TIER_MEASURES)
      .default('net_spend')
      .describe(
        "A member's value: net spend over window_months (special days left out), or the weighted RFM score of the rfm section (1–5, 0 without a purchase).",
      ),
    window_months: z
      .number()
      .int({ message: 'expected a whole number of months' })
      .min(1, { message: 'expected at least 1 month' })
      .max(120, { message: 'expected at most 120 months' })
      .default(12)
      .describe("The value measure is net spend over this many months up to the as-of day's end."),
    contribution_months: z
      .number()
      .int({ message: 'expected a whole number of months' })
      .min(1, { message: 'expected at least 1 month' })
      .max(120, { message: 'expected at most 120 months' })
      .default(3)
      .describe(
        "The stepped check's value: net spend over this many months up to the day (special days left out), so a tier that stopped buying shows at once.",
      ),
    special_days: specialDaysSchema.describe(
      'Orders placed on these days (store timezone) are left out of the value measure.',
    ),
    calibration: calibrationSchema
      .default(() => calibrationSchema.parse({}))
      .describe('How thresholds are cut at a calibration.'),
    recalibrate_every_months: z
      .number()
      .int({ message: 'expected a whole number of months' })
      .min(1, { message: 'expected at least 1 month' })
      .default(6)
      .describe(
        'Thresholds stay fixed between calibrations; the next is due this many months after the last.',
      ),
  })
  .superRefine((tiers, context) => {
    const { levels, calibration } = tiers;
    const ids = levels.map((tier) => tier.id);
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index)
        context.addIssue({
          code: 'custom',
          path: ['levels', index, 'id'],
          message: `expected unique ids, '${id}' repeats`,
        });
    });
    if (levels[0]?.min_threshold !== undefined)
      context.addIssue({
        code: 'custom',
        path: ['levels', 0, 'min_threshold'],
        message: 'the entry tier holds every counted member and has no threshold',
      });
    let floor = 0;
    levels.forEach((tier, index) => {
      const min = tier.min_threshold;
      if (index === 0 || min === undefined) return;
      if (min < floor)
        context.addIssue({
          code: 'custom',
          path: ['levels', index, 'min_threshold'],
          message: `expected minimum thresholds rising tier by tier, found ${min} below ${floor}`,
        });
      floor = Math.max(floor, min);
    });
    // Only the method in use must fit the tiers, so a store with three tiers need not restate both.
    if (calibration.method === 'shares' && calibration.shares.length !== levels.length)
      context.addIssue({
        code: 'custom',
        path: ['calibration', 'shares'],
        message: `expected one share per tier (${levels.length}), found ${calibration.shares.length}`,
      });
    if (
      calibration.method === 'contribution_ratio' &&
      calibration.contribution_ratio.length !== levels.length - 1
    )
      context.addIssue({
        code: 'custom',
        path: ['calibration', 'contribution_ratio'],
        message: `expected one number per tier above the entry tier (${levels.length - 1}), found ${calibration.contribution_ratio.length}`,
      });
  });

export type TiersConfig = z.infer<typeof tiersConfigSchema>;
