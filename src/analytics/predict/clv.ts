/**
 * Customer lifetime value over a horizon: the expected purchases of each period of the horizon
 * (the growth of the conditional expectation E[X(T, T+t] | x, t_x, T] over the period), times
 * the expected value of a purchase (Gamma-Gamma E[M | x, z̄]), discounted to the as-of day
 * (Fader, Hardie & Lee 2005, "RFM and CLV", in the discrete form lifetimes uses).
 */
import {
  computeExpectedPurchasesIfAlive,
  computePAlive,
  type PurchaseModel,
  type PurchaseParams,
} from './bgnbd.js';

/** Ends of the periods (in the model's time unit) and their discount factors. */
export interface ClvSchedule {
  readonly times: readonly number[];
  readonly factors: readonly number[];
}

const DAYS_PER_YEAR = 365.25;
const DAYS_PER_MONTH = DAYS_PER_YEAR / 12;

/**
 * Monthly periods over `horizonDays` (the last one shorter when the horizon is not whole
 * months), each discounted at the annual rate for the time to its end.
 * @example buildClvSchedule({ horizonDays: 365, annualDiscountRate: 0.1, unitDays: 7 }).times.length // 12
 */
export function buildClvSchedule(options: {
  readonly horizonDays: number;
  readonly annualDiscountRate: number;
  readonly unitDays: number;
}): ClvSchedule {
  const periods = Math.max(1, Math.round(options.horizonDays / DAYS_PER_MONTH));
  const times: number[] = [];
  const factors: number[] = [];
  for (let k = 1; k <= periods; k++) {
    const days = (options.horizonDays * k) / periods;
    times.push(days / options.unitDays);
    factors.push((1 + options.annualDiscountRate) ** -(days / DAYS_PER_YEAR));
  }
  return { times, factors };
}

/**
 * Σₖ (E[X(tₖ)|·] − E[X(tₖ₋₁)|·]) · factorₖ: the discounted expected purchases of a customer
 * over the schedule. CLV = this × E[M | x, z̄].
 */
export function computeDiscountedPurchases(
  model: PurchaseModel,
  params: PurchaseParams,
  schedule: ClvSchedule,
  x: number,
  tx: number,
  T: number,
): number {
  return (
    computeDiscountedPurchasesIfAlive(model, params, schedule, x, T) * computePAlive(model, params, x, tx, T)
  );
}

/**
 * The discounted expected purchases of a customer alive at T: every period's expectation
 * carries the same P(alive) factor, so the sum does too, and the rest depends on x and T only.
 */
export function computeDiscountedPurchasesIfAlive(
  model: PurchaseModel,
  params: PurchaseParams,
  schedule: ClvSchedule,
  x: number,
  T: number,
): number {
  let previous = 0;
  let sum = 0;
  schedule.times.forEach((t, k) => {
    const expected = computeExpectedPurchasesIfAlive(model, params, t, x, T);
    sum += (expected - previous) * (schedule.factors[k] ?? 1);
    previous = expected;
  });
  return sum;
}
