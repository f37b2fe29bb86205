/**
 * The profile statistics against published and hand-worked values.
 *
 * - ln Γ: exact values ln Γ(1/2) = ln √π = 0.5723649429247001 and ln Γ(10) = ln 9! = ln 362880.
 * - Chi-square upper critical values of the NIST/SEMATECH e-Handbook table 1.3.6.7.4 (to the
 *   digits scipy.stats.chi2.isf gives): df 1 at 0.05 → 3.841458820694124, df 5 at 0.05 →
 *   11.070497693516351, df 5 at 0.01 → 15.086272469388987.
 * - Normal: Φ⁻¹(0.975) = 1.959963984540054 and Φ⁻¹(0.999) = 3.090232306167813 (the standard
 *   table's 1.960 and 3.090, full digits as scipy.stats.norm.ppf prints them); Φ(−3) =
 *   0.0013498980316301 and the two-sided p of z = 2, erfc(√2) = 0.0455002638963584 (A&S table
 *   26.1 / 7.1).
 * - Mann–Whitney: the example of the scipy.stats.mannwhitneyu documentation, males
 *   [19, 22, 16, 29, 24] against females [20, 11, 17, 12]: U1 = 17, asymptotic p =
 *   0.11134688653314041. Ranks by hand: 11 12 16 17 19 20 22 24 29 → the males hold ranks
 *   3, 5, 7, 8, 9, rank sum 32, no ties.
 *   With ties, x = [1,2,2,3,3,3,4], y = [2,3,4,4,5,5,6,6]: scipy gives U1 = 8.5,
 *   p = 0.025144761173357368; the mean ranks are worked below in the test.
 * - Two proportions by hand: 80 of 100 against 20 of 100; pooled share 0.5, standard error
 *   √(0.5·0.5·(1/100 + 1/100)) = 0.0707107, z = 0.6 / 0.0707107 = 8.485281.
 * - Holm by hand: p = [0.01, 0.04, 0.03, 0.005]; sorted 0.005·4 = 0.02, 0.01·3 = 0.03,
 *   0.03·2 = 0.06, 0.04·1 = 0.04 → raised to 0.06 by monotonicity.
 * - Cohen's h of 0.8 against 0.2: 2·asin√0.8 − 2·asin√0.2 = 2·(1.1071487 − 0.4636476) = 1.2870022.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../demo/random.js';
import {
  adjustHolm,
  convertDeltaToD,
  getChiSquareTail,
  getCohensH,
  getNormalCdf,
  getNormalQuantile,
  getNormalTwoSidedP,
  logGamma,
  regularizedGammaQ,
  testMannWhitney,
  testTwoProportions,
} from './profile-stats.js';

describe('distribution tails', () => {
  it('ln Γ matches the exact values at 1/2 and 10', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247001, 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
  });

  it('the chi-square tail at the NIST critical values is the table level', () => {
    expect(getChiSquareTail(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(getChiSquareTail(11.070497693516351, 5)).toBeCloseTo(0.05, 12);
    expect(getChiSquareTail(15.086272469388987, 5)).toBeCloseTo(0.01, 12);
  });

  it('the normal tail and quantile match the standard tables', () => {
    expect(getNormalTwoSidedP(1.959963984540054)).toBeCloseTo(0.05, 13);
    expect(getNormalTwoSidedP(2)).toBeCloseTo(0.0455002638963584, 13);
    expect(getNormalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    expect(getNormalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(getNormalQuantile(0.999)).toBeCloseTo(3.090232306167813, 12);
    expect(getNormalQuantile(0.5)).toBeCloseTo(0, 14);
  });

  it('Q(a, 0) is 1 and Q falls towards 0 far in the tail', () => {
    expect(regularizedGammaQ(3, 0)).toBe(1);
    expect(regularizedGammaQ(0.5, 500)).toBeLessThan(1e-200);
  });
});

describe('tests', () => {
  it('two proportions 80/100 against 20/100 give z = 8.485 by hand', () => {
    const result = testTwoProportions(80, 100, 20, 100);
    expect(result.z).toBeCloseTo(8.485281, 5);
    expect(result.p).toBeLessThan(1e-16);
  });

  it('two proportions with no variation are not a finding', () => {
    expect(testTwoProportions(0, 50, 0, 70)).toEqual({ z: 0, p: 1 });
    expect(testTwoProportions(50, 50, 70, 70)).toEqual({ z: 0, p: 1 });
  });

  it("Mann–Whitney reproduces the scipy documentation's example", () => {
    const result = testMannWhitney({ n1: 5, n2: 4, rankSum1: 32, tieSum: 0 });
    expect(result.u1).toBe(17);
    expect(result.p).toBeCloseTo(0.11134688653314041, 12);
    expect(result.delta).toBeCloseTo((2 * 17) / 20 - 1, 12);
  });

  it('Mann–Whitney with ties matches scipy', () => {
    // Pooled sorted: 1 | 2 2 2 | 3 3 3 3 | 4 4 4 | 5 5 | 6 6 → mean ranks 1, 3, 6.5, 10, 12.5, 14.5.
    // x = 1, 2, 2, 3, 3, 3, 4 → 1 + 3 + 3 + 6.5·3 + 10 = 36.5. Ties: 3 (t=3), 4 (t=4), 3, 2, 2.
    const tieSum = [3, 4, 3, 2, 2].reduce((sum, t) => sum + t ** 3 - t, 0);
    const result = testMannWhitney({ n1: 7, n2: 8, rankSum1: 36.5, tieSum });
    expect(result.u1).toBe(8.5);
    expect(result.p).toBeCloseTo(0.025144761173357368, 12);
    expect(result.z).toBeLessThan(0);
  });

  it("Holm's adjusted p-values match the hand-worked example", () => {
    const adjusted = adjustHolm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((expected, i) => expect(adjusted[i]).toBeCloseTo(expected, 14));
  });

  it('under no difference at all, Holm keeps false findings near α across a family of tests', () => {
    // 400 simulated profiles of 20 attributes with the same distribution in both groups
    // (200 and 300 members): at α = 0.05 at most about 5% of the profiles may show any finding.
    const random = new Random(11);
    let withFinding = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const p: number[] = [];
      for (let attribute = 0; attribute < 20; attribute++) {
        const share = 0.1 + 0.04 * attribute;
        let x1 = 0;
        let x2 = 0;
        for (let i = 0; i < 200; i++) if (random.sampleBernoulli(share)) x1++;
        for (let i = 0; i < 300; i++) if (random.sampleBernoulli(share)) x2++;
        p.push(testTwoProportions(x1, 200, x2, 300).p);
      }
      if (adjustHolm(p).some((q) => q <= 0.05)) withFinding++;
    }
    // The binomial(400, 0.05) upper 99.9% point is 34.
    expect(withFinding / runs).toBeLessThanOrEqual(34 / 400);
  });
});

describe('effect sizes', () => {
  it("Cohen's h of 0.8 against 0.2 is 1.287 by hand", () => {
    expect(getCohensH(0.8, 0.2)).toBeCloseTo(1.2870022, 6);
    expect(getCohensH(0.2, 0.8)).toBeCloseTo(-1.2870022, 6);
  });

  it("Cliff's delta of two normal groups half a standard deviation apart maps back to d = 0.5", () => {
    // delta = 2·Φ(0.5/√2) − 1 = 2·Φ(0.3535534) − 1 = 0.2763263901682369 (scipy.stats.norm.cdf).
    expect(convertDeltaToD(0.2763263901682369)).toBeCloseTo(0.5, 10);
    expect(convertDeltaToD(0)).toBeCloseTo(0, 12);
  });
});
