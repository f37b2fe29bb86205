/**
 * CLV against the lifetimes documentation's CDNOW example (reference_numbers.md, A4): BG/NBD
 * refit on the 2,357 CDNOW customers (r 0.242593, α 4.413532, a 0.792886, b 2.425752, weeks) and
 * `customer_lifetime_value(time=12, discount_rate=0.01)` with lifetimes' default freq: twelve
 * periods of 30 time units, each discounted by 1.01 per period. Customer ID 1 (x 2, t_x 30.43,
 * T 38.86) has E[M] 24.658619 and a published CLV of 140.096211.
 */
import { describe, expect, it } from 'vitest';
import { buildClvSchedule, computeDiscountedPurchases } from './clv.js';

describe('CLV', () => {
  it('discounts the growth of the expected purchases period by period, as lifetimes does', () => {
    const params = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };
    const schedule = {
      times: Array.from({ length: 12 }, (_, i) => 30 * (i + 1)),
      factors: Array.from({ length: 12 }, (_, i) => 1.01 ** -(i + 1)),
    };
    const clv = computeDiscountedPurchases('bgnbd', params, schedule, 2, 30.43, 38.86) * 24.658619;
    expect(clv).toBeCloseTo(140.096211, 3);
  });

  it('cuts the horizon into months, each discounted at the yearly rate for the time to its end', () => {
    // 365 days = 12 periods of 30.4167 days; in weeks the first ends at 30.4167 / 7 = 4.345;
    // the last at 365 / 7 = 52.143 with factor 1.1^(−365/365.25) = 0.90915.
    const schedule = buildClvSchedule({ horizonDays: 365, annualDiscountRate: 0.1, unitDays: 7 });
    expect(schedule.times).toHaveLength(12);
    expect(schedule.times[0]).toBeCloseTo(365 / 12 / 7, 10);
    expect(schedule.times[11]).toBeCloseTo(365 / 7, 10);
    expect(schedule.factors[11]).toBeCloseTo(1.1 ** -(365 / 365.25), 12);
    expect(schedule.factors[11]).toBeCloseTo(0.90915, 5);
  });
});
