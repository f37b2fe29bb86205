/**
 * The statistics of consumer profiles, pure and without I/O: the tail of the chi-square and
 * normal distributions through the regularized incomplete gamma function, the two-proportion z
 * test, the Mann–Whitney U test from rank sums, Holm's correction for testing many attributes at
 * once, and the effect sizes differences are ranked by (Cohen's h for shares, Cliff's delta
 * turned into the same d scale for numbers). The counts and rank sums come from the store
 * (profile-query.ts); only these few formulas run here.
 */

// Lanczos approximation of ln Γ(x), g = 7, n = 9 (the coefficients of Godfrey's widely used
// table; relative error below 1e-15 for x > 0).
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPSILON = 1e-15;
const MAX_ITERATIONS = 10_000;
const TINY = 1e-300;

/**
 * Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function, for a > 0, x ≥ 0:
 * the series for P when x < a + 1, else the continued fraction for Q by the modified Lentz
 * method (Press et al., Numerical Recipes, 3rd ed., §6.2).
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(logPrefix) * h;
}

/** P(X > x) for X chi-square with `df` degrees of freedom. */
export function getChiSquareTail(x: number, df: number): number {
  return regularizedGammaQ(df / 2, x / 2);
}

/** P(|Z| ≥ |z|) for a standard normal Z: erfc(|z|/√2) = Q(1/2, z²/2). */
export function getNormalTwoSidedP(z: number): number {
  return Math.min(1, regularizedGammaQ(0.5, (z * z) / 2));
}

/** Φ(z), the standard normal distribution function. */
export function getNormalCdf(z: number): number {
  const tail = regularizedGammaQ(0.5, (z * z) / 2) / 2;
  return z >= 0 ? 1 - tail : tail;
}

// Acklam's rational approximation of the normal quantile (relative error 1.15e-9), refined by
// one step of Halley's method against getNormalCdf to full double precision.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
] as const;
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
] as const;
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
] as const;
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;

/** Φ⁻¹(p) for 0 < p < 1. */
export function getNormalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const low = 0.02425;
  let x: number;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const value =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    x = p < low ? value : -value;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  const e = getNormalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

export interface TestResult {
  /** The standardised statistic: positive when group A is higher. */
  readonly z: number;
  /** Two-sided p-value. */
  readonly p: number;
}

/**
 * The pooled two-proportion z test of x1 of n1 against x2 of n2 (equal to the chi-square test
 * of the 2×2 table without continuity correction). With no variation (both shares 0 or both 1)
 * there is nothing to test: z = 0, p = 1.
 */
export function testTwoProportions(x1: number, n1: number, x2: number, n2: number): TestResult {
  if (n1 === 0 || n2 === 0) return { z: 0, p: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance <= 0) return { z: 0, p: 1 };
  const z = (x1 / n1 - x2 / n2) / Math.sqrt(variance);
  return { z, p: getNormalTwoSidedP(z) };
}

export interface RankSums {
  readonly n1: number;
  readonly n2: number;
  /** Sum of group A's ranks in the pooled sample, ties given their mean rank. */
  readonly rankSum1: number;
  /** Σ (t³ − t) over the groups of tied values of the pooled sample. */
  readonly tieSum: number;
}

export interface MannWhitneyResult extends TestResult {
  /** U of group A: the number of (a, b) pairs with a > b, ties counting one half. */
  readonly u1: number;
  /** Cliff's delta = P(A > B) − P(A < B) = 2·U1/(n1·n2) − 1, from −1 to 1. */
  readonly delta: number;
}

/**
 * The Mann–Whitney U test, two-sided, by the normal approximation with the tie correction and a
 * continuity correction of 1/2 — scipy.stats.mannwhitneyu(method='asymptotic'), which is right
 * for the group sizes of a store (the exact test is for a handful of values).
 */
export function testMannWhitney(sums: RankSums): MannWhitneyResult {
  const { n1, n2, rankSum1, tieSum } = sums;
  if (n1 === 0 || n2 === 0) return { z: 0, p: 1, u1: 0, delta: 0 };
  const n = n1 + n2;
  const u1 = rankSum1 - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1)));
  const delta = (2 * u1) / (n1 * n2) - 1;
  if (variance <= 0) return { z: 0, p: 1, u1, delta };
  const distance = Math.max(0, Math.abs(u1 - mean) - 0.5);
  const z = (Math.sign(u1 - mean) * distance) / Math.sqrt(variance);
  return { z, p: getNormalTwoSidedP(z), u1, delta };
}

/**
 * Holm's step-down adjusted p-values (Holm 1979), in the input order: the i-th smallest p is
 * multiplied by (m − i + 1), made non-decreasing, capped at 1. Rejecting where the adjusted p ≤ α
 * keeps the chance of any false finding among all the tests at most α, whatever the dependence
 * between them (the values of one attribute are dependent: their shares sum to one).
 */
export function adjustHolm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] ?? 1) - (pValues[b] ?? 1));
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] ?? 1)));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Cohen's h = 2·asin√p1 − 2·asin√p2, the effect size of a difference of two shares on the scale
 * of Cohen's d (0.2 small, 0.5 medium, 0.8 large; Cohen 1988, ch. 6). Unlike the lift it weighs a
 * rare value's ratio against how many members it concerns.
 */
export function getCohensH(p1: number, p2: number): number {
  return 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2));
}

/**
 * Cliff's delta on the scale of Cohen's d: two normal groups d apart have
 * delta = 2·Φ(d/√2) − 1, so d = √2·Φ⁻¹((delta + 1)/2). This puts numeric differences and shares
 * (Cohen's h) on one scale, so they can be ranked together.
 */
export function convertDeltaToD(delta: number): number {
  const clamped = Math.min(1 - 1e-12, Math.max(-1 + 1e-12, delta));
  return Math.SQRT2 * getNormalQuantile((clamped + 1) / 2);
}
