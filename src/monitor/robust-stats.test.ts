/**
 * The monitor's statistics against values worked by hand (each test shows the working).
 */
import { describe, expect, it } from 'vitest';
import {
  computeCountScore,
  computeMad,
  computeMedian,
  computeRobustScore,
  computeWeekdayFactors,
} from './robust-stats.js';

describe('computeMedian', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    expect(computeMedian([5, 1, 3])).toBe(3);
    expect(computeMedian([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores values that are not finite, and is NaN without any', () => {
    expect(computeMedian([Number.NaN, 7, 1, Number.POSITIVE_INFINITY])).toBe(4);
    expect(computeMedian([])).toBeNaN();
  });
});

describe('computeMad', () => {
  it('is the median of the absolute deviations', () => {
    // [1, 2, 3, 4, 100], median 3: deviations 2, 1, 0, 1, 97 → sorted 0, 1, 1, 2, 97 → 1.
    expect(computeMad([1, 2, 3, 4, 100], 3)).toBe(1);
  });
});

describe('computeRobustScore', () => {
  it('divides the distance from the median by 1.4826 MAD', () => {
    // Baseline 10, 11, 9, 10, 12: median 10; deviations 0, 1, 1, 0, 2 → MAD 1; scale 1.4826;
    // 14 → (14 − 10) / 1.4826 = 2.6980.
    const result = computeRobustScore(14, [10, 11, 9, 10, 12]);
    expect(result.median).toBe(10);
    expect(result.mad).toBe(1);
    expect(result.scale).toBeCloseTo(1.4826, 10);
    expect(result.score).toBeCloseTo(2.698, 3);
  });

  it('is not moved by one outlier in the baseline', () => {
    // The same baseline with 12 replaced by 500: median still 10, deviations 0, 1, 1, 0, 490 → MAD 1.
    expect(computeRobustScore(14, [10, 11, 9, 10, 500]).score).toBeCloseTo(2.698, 3);
  });

  it('uses the floor when the baseline is flat', () => {
    // Baseline all 20: MAD 0, so the scale is the floor 2; 16 → (16 − 20) / 2 = −2.
    expect(computeRobustScore(16, [20, 20, 20], 2).score).toBe(-2);
  });
});

describe('computeWeekdayFactors', () => {
  it('gives each weekday its median over the median of all days', () => {
    // Two weeks, weekdays 0–6; Saturdays (6) sell 20 and 24, the other days 10 (and 12 once).
    // All 14 values: twelve of 10 or 12 and two of 20/24 → sorted …, the 7th and 8th are 10 and 10 → median 10.
    // Saturday median (20 + 24) / 2 = 22 → factor 2.2; Monday (1) values 12 and 10 → 11 → 1.1; others 1.
    const values = [10, 12, 10, 10, 10, 10, 20, 10, 10, 10, 10, 10, 10, 24];
    const weekdays = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6];
    const factors = computeWeekdayFactors(values, weekdays);
    expect(factors[6]).toBeCloseTo(2.2, 10);
    expect(factors[1]).toBeCloseTo(1.1, 10);
    expect(factors[0]).toBe(1);
  });

  it('is 1 for every weekday when the days sold nothing', () => {
    expect(Array.from(computeWeekdayFactors([0, 0, 0], [0, 1, 2]))).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('computeCountScore', () => {
  it('scores a count on the Poisson scale, with at least one event of spread', () => {
    // 9 observed, 4 expected: (9 − 4) / √4 = 2.5. 5 observed, 0.25 expected: (5 − 0.25) / √1 = 4.75.
    expect(computeCountScore(9, 4)).toBe(2.5);
    expect(computeCountScore(5, 0.25)).toBe(4.75);
  });
});
