/**
 * The predict section of the config: which purchase model, the time unit it is fitted in, when
 * a store has too few repeat buyers to fit, the CLV horizon and discount rate, and the P(alive)
 * below which a customer counts as churned in the predictions.
 */
import { z } from 'zod';

export const PREDICT_MODELS = ['mbgnbd', 'bgnbd', 'auto'] as const;
export const PREDICT_UNITS = ['days', 'weeks'] as const;

const predictShape = {
  model: z
    .enum(PREDICT_MODELS)
    .default('mbgnbd')
    .describe(
      'MBG/NBD (a one-time buyer may already have dropped out), BG/NBD, or auto: the one with the lower error on the last quarter of the data held out.',
    ),
  unit: z.enum(PREDICT_UNITS).default('weeks').describe('Time unit the models are fitted in.'),
  min_repeat_buyers: z
    .number({ message: 'expected a whole number ≥ 1' })
    .int({ message: 'expected a whole number ≥ 1' })
    .min(1, { message: 'expected a whole number ≥ 1' })
    .default(100)
    .describe('Fit only with at least this many customers with a repeat purchase.'),
  horizon_days: z
    .number({ message: 'expected a whole number of days ≥ 1' })
    .int({ message: 'expected a whole number of days ≥ 1' })
    .min(1, { message: 'expected a whole number of days ≥ 1' })
    .default(365)
    .describe('Horizon of expected purchases and CLV, in days.'),
  annual_discount_rate: z
    .number({ message: 'expected a rate ≥ 0, e.g. 0.1' })
    .min(0, { message: 'expected a rate ≥ 0, e.g. 0.1' })
    .default(0.1)
    .describe('Yearly discount rate of CLV (0.1 = 10%), applied month by month.'),
  churn_p_alive: z
    .number({ message: 'expected a probability between 0 and 1' })
    .min(0, { message: 'expected a probability between 0 and 1' })
    .max(1, { message: 'expected a probability between 0 and 1' })
    .default(0.5)
    .describe('A customer with P(alive) below this counts as churned in the predictions.'),
  in_snapshot: z
    .boolean({ message: 'expected true or false' })
    .default(true)
    .describe(
      "Refresh fits the models and stores every counted customer's predictions with the snapshot of the day.",
    ),
  count_free_orders: z
    .boolean({ message: 'expected true or false' })
    .default(false)
    .describe('Count orders paid 0 as purchases (the published CDNOW summaries do).'),
};

// Strict: an unknown field is named by the config loader, with the fields it knows.
export const predictConfigSchema = z.strictObject(predictShape, { message: 'expected an object' });

export type PredictConfig = z.infer<typeof predictConfigSchema>;
