/**
 * Validation of a fitted purchase model on a holdout period, as in FHL 2005 and the BTYD
 * walkthrough: mean holdout purchases per calibration-frequency bin (0…6, 7+) against the
 * model's conditional expectation, the mean absolute error per customer, and the weekly
 * cumulative repeat purchases of the calibration cohort against the unconditional E[X(t)]
 * summed over the customers' first-purchase days.
 */
import {
  computeConditionalExpectedPurchases,
  computeExpectedPurchases,
  type PurchaseModel,
  type PurchaseParams,
} from './bgnbd.js';

export const FREQUENCY_BINS = ['0', '1', '2', '3', '4', '5', '6', '7+'] as const;

export interface HoldoutRows {
  readonly x: readonly number[];
  readonly txDays: readonly number[];
  readonly tDays: readonly number[];
  readonly actual: readonly number[];
  readonly n: readonly number[];
}

export interface FrequencyBin {
  readonly bin: (typeof FREQUENCY_BINS)[number];
  readonly customers: number;
  readonly actual_mean: number | null;
  readonly expected_mean: number | null;
}

export interface HoldoutFit {
  readonly bins: readonly FrequencyBin[];
  /** Mean over customers of |actual − expected| holdout purchases. */
  readonly mean_absolute_error: number;
  /** √(mean over customers of (actual − expected)²): the error `predict.model: auto` compares. */
  readonly root_mean_squared_error: number;
  readonly actual_total: number;
  readonly expected_total: number;
}

/** Bins and error of the holdout; `holdoutLength` and the rows' days are turned into units by `unitDays`. */
export function compareHoldout(
  model: PurchaseModel,
  params: PurchaseParams,
  rows: HoldoutRows,
  holdoutLength: number,
  unitDays: number,
): HoldoutFit {
  const customers = new Array<number>(8).fill(0);
  const actual = new Array<number>(8).fill(0);
  const expected = new Array<number>(8).fill(0);
  const cache = new Map<string, number>();
  let error = 0;
  let squared = 0;
  let total = 0;
  for (let i = 0; i < rows.x.length; i++) {
    const x = rows.x[i] ?? 0;
    const txDays = rows.txDays[i] ?? 0;
    const tDays = rows.tDays[i] ?? 0;
    const n = rows.n[i] ?? 0;
    const key = `${x}|${txDays}|${tDays}`;
    let e = cache.get(key);
    if (e === undefined) {
      e = computeConditionalExpectedPurchases(
        model,
        params,
        holdoutLength,
        x,
        txDays / unitDays,
        tDays / unitDays,
      );
      cache.set(key, e);
    }
    const bin = Math.min(x, 7);
    customers[bin] = (customers[bin] ?? 0) + n;
    actual[bin] = (actual[bin] ?? 0) + n * (rows.actual[i] ?? 0);
    expected[bin] = (expected[bin] ?? 0) + n * e;
    error += n * Math.abs((rows.actual[i] ?? 0) - e);
    squared += n * ((rows.actual[i] ?? 0) - e) ** 2;
    total += n;
  }
  return {
    bins: FREQUENCY_BINS.map((bin, k) => {
      const count = customers[k] ?? 0;
      return {
        bin,
        customers: count,
        actual_mean: count ? (actual[k] ?? 0) / count : null,
        expected_mean: count ? (expected[k] ?? 0) / count : null,
      };
    }),
    mean_absolute_error: total ? error / total : 0,
    root_mean_squared_error: total ? Math.sqrt(squared / total) : 0,
    actual_total: actual.reduce((s, v) => s + v, 0),
    expected_total: expected.reduce((s, v) => s + v, 0),
  };
}

export interface TrackingInput {
  /** Days from the origin to each first-purchase day, and the customers on it. */
  readonly births: readonly number[];
  readonly birthCounts: readonly number[];
  /** Repeat purchase days per week since the origin (week 0 = origin … origin + 6). */
  readonly weeks: readonly number[];
  readonly weekCounts: readonly number[];
  /** Weeks to track. */
  readonly totalWeeks: number;
}

export interface TrackingWeek {
  /** Week k ends after day 7k − 1 since the origin. */
  readonly week: number;
  readonly actual: number;
  readonly expected: number;
  readonly actual_cumulative: number;
  readonly expected_cumulative: number;
}

/**
 * Cumulative repeat purchases by week: actual, and Σ over first-purchase days b ≤ 7k of
 * n_b · E[X(7k − b)] (BTYD's bgnbd.ExpectedCumulativeTransactions).
 */
export function trackWeekly(
  model: PurchaseModel,
  params: PurchaseParams,
  input: TrackingInput,
  unitDays: number,
): TrackingWeek[] {
  const actualByWeek = new Map(input.weeks.map((week, i) => [week, input.weekCounts[i] ?? 0]));
  const expectation = new Map<number, number>();
  const expectedAt = (days: number): number => {
    let value = expectation.get(days);
    if (value === undefined) {
      value = days <= 0 ? 0 : computeExpectedPurchases(model, params, days / unitDays);
      expectation.set(days, value);
    }
    return value;
  };
  const result: TrackingWeek[] = [];
  let actualCumulative = 0;
  let previousExpected = 0;
  for (let week = 1; week <= input.totalWeeks; week++) {
    const end = 7 * week;
    let expectedCumulative = 0;
    input.births.forEach((birth, i) => {
      if (birth <= end) expectedCumulative += (input.birthCounts[i] ?? 0) * expectedAt(end - birth);
    });
    const actual = actualByWeek.get(week - 1) ?? 0;
    actualCumulative += actual;
    result.push({
      week,
      actual,
      expected: expectedCumulative - previousExpected,
      actual_cumulative: actualCumulative,
      expected_cumulative: expectedCumulative,
    });
    previousExpected = expectedCumulative;
  }
  return result;
}
