/**
 * The small statistics of the daily checks, pure and over plain arrays: medians, the median
 * absolute deviation, the robust score of a value against a baseline, weekday factors, and the
 * score of a count against its expected value. No I/O; robust-stats.test.ts checks each against
 * hand-worked values.
 */

/** 1 / Φ⁻¹(3/4): the MAD times this estimates the standard deviation of normal data (Rousseeuw & Croux 1993). */
export const MAD_TO_SIGMA = 1.4826;

/** The median of the finite values (NaN when there are none); the mean of the two middle ones when even. */
export function computeMedian(values: ArrayLike<number>): number {
  const sorted = Array.from(values)
    .filter((value) => Number.isFinite(value))
    .sort((x, y) => x - y);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const middle = n >> 1;
  return n % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The median absolute deviation from `median` of the finite values (NaN when there are none). */
export function computeMad(values: ArrayLike<number>, median: number): number {
  return computeMedian(Array.from(values, (value) => Math.abs(value - median)));
}

export interface RobustScore {
  readonly median: number;
  readonly mad: number;
  /** The spread the score divides by: max(1.4826 · MAD, minScale). */
  readonly scale: number;
  /** (value − median) / scale. */
  readonly score: number;
}

/**
 * How far `value` lies from the baseline, in robust standard deviations: (value − median) /
 * max(1.4826 · MAD, minScale). The floor keeps a flat baseline (MAD 0) from turning any change
 * into an infinite score.
 * @example computeRobustScore(14, [10, 11, 9, 10, 12]) // median 10, MAD 1, scale 1.4826, score 2.698
 */
export function computeRobustScore(value: number, baseline: ArrayLike<number>, minScale = 0): RobustScore {
  const median = computeMedian(baseline);
  const mad = computeMad(baseline, median);
  const scale = Math.max(MAD_TO_SIGMA * mad, minScale);
  const score =
    scale > 0 ? (value - median) / scale : value === median ? 0 : Math.sign(value - median) * Infinity;
  return { median, mad, scale, score };
}

/**
 * Weekday factors from a run of days: for each weekday 0–6, the median of its values over the
 * median of all values (1 when either is missing or not positive). A store that sells twice as
 * much on Sundays gets a Sunday factor near 2.
 * @param weekdays the weekday (0–6) of each value, same length as values
 */
export function computeWeekdayFactors(values: ArrayLike<number>, weekdays: ArrayLike<number>): Float64Array {
  const overall = computeMedian(values);
  const factors = new Float64Array(7).fill(1);
  if (!(overall > 0)) return factors;
  for (let weekday = 0; weekday < 7; weekday++) {
    const own: number[] = [];
    for (let i = 0; i < values.length; i++) if (weekdays[i] === weekday) own.push(values[i] ?? Number.NaN);
    const median = computeMedian(own);
    if (median > 0) factors[weekday] = median / overall;
  }
  return factors;
}

/**
 * The score of an observed count against the count expected from the baseline rate, on the
 * Poisson scale: (observed − expected) / √max(expected, 1). Counts of refunds or complaints on
 * one day are small (their median and MAD are often 0), so the robust score does not fit them.
 * @example computeCountScore(9, 4) // (9 − 4) / 2 = 2.5
 */
export function computeCountScore(observed: number, expected: number): number {
  return (observed - expected) / Math.sqrt(Math.max(expected, 1));
}
