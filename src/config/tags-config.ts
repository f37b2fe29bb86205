/**
 * The tags section of the config (spec section 5): the activity and emotion windows, what a low
 * rating is, how purchasing power is banded, and the store's changes to the region table
 * (north/south and big region per province; default from src/domain/regions.ts). docs/tags.md
 * explains every field and src/analytics/tags/tags-query.ts how each tag is measured.
 *
 * Unknown fields are refused with the field's name and the known ones (checked here rather
 * than by a strict object, so that the message lists this section's fields).
 */
import { z } from 'zod';
import { BIG_REGIONS, NORTH_SOUTH, PROVINCES } from '../domain/regions.js';

const days = (what: string) =>
  z
    .number({ message: `expected a whole number of days ≥ 1 (${what})` })
    .int({ message: `expected a whole number of days ≥ 1 (${what})` })
    .min(1, { message: `expected a whole number of days ≥ 1 (${what})` });

const PROVINCE_NAMES: readonly string[] = PROVINCES.map((province) => province.name);

const regionOverride = z.strictObject({
  north_south: z
    .enum(NORTH_SOUTH, { message: `expected one of ${NORTH_SOUTH.join(', ')}` })
    .optional()
    .describe('北方 or 南方.'),
  big_region: z
    .enum(BIG_REGIONS, { message: `expected one of ${BIG_REGIONS.join(', ')}` })
    .optional()
    .describe('One of the seven big regions.'),
});

const percentile = z
  .number({ message: 'expected a percentile between 0 and 100' })
  .gt(0, { message: 'expected a percentile above 0' })
  .lt(100, { message: 'expected a percentile below 100' });

const tagsShape = {
  activity_window_days: days('the trailing window of the activity tags')
    .default(30)
    .describe('Activity tags count the sessions started in the trailing window ending with the as-of day.'),
  emotion_window_days: days('the trailing window of the emotion tags')
    .default(90)
    .describe('Emotion tags count refunds, rejections, complaints and low ratings in this trailing window.'),
  low_rating_max: z
    .number({ message: 'expected a whole number of stars 1–4' })
    .int({ message: 'expected a whole number of stars 1–4' })
    .min(1, { message: 'expected a whole number of stars 1–4' })
    .max(4, { message: 'expected a whole number of stars 1–4' })
    .default(2)
    .describe('A rating of at most this many stars is a low rating.'),
  power_window_days: days('the trailing window of the purchasing-power measure')
    .default(365)
    .describe('Purchasing power is measured as net spend over this trailing window.'),
  power_percentiles: z
    .array(percentile)
    .length(3, { message: 'expected 3 ascending percentiles, e.g. [50, 80, 95]' })
    .refine((cuts) => cuts.every((cut, index) => index === 0 || cut > (cuts[index - 1] ?? cut)), {
      message: 'expected 3 strictly ascending percentiles',
    })
    .default([50, 80, 95])
    .describe(
      'Cut points of the power bands 低/中/高/很高, as percentiles of the net spend of the customers who bought in the window.',
    ),
  regions: z
    .record(z.string(), regionOverride)
    .superRefine((regions, context) => {
      for (const province of Object.keys(regions))
        if (!PROVINCE_NAMES.includes(province))
          context.addIssue({
            code: 'custom',
            path: [province],
            message: `expected a province's short name (${PROVINCE_NAMES.slice(0, 4).join(', ')}, …), found '${province}'`,
          });
    })
    .default({})
    .describe('Changes to the region table, e.g. { "福建": { "big_region": "华南" } }.'),
};

// Strict: an unknown field is named by the config loader, with the fields it knows.
export const tagsConfigSchema = z.strictObject(tagsShape, { message: 'expected an object' });

export type TagsConfig = z.infer<typeof tagsConfigSchema>;
