/**
 * The statistics of a rule's uplift report (效果评估), pure and without I/O: the difference of two
 * conversion rates with its two-proportion z interval, the difference of two means (revenue per
 * member, zeros included) with Welch's t interval, CUPED's adjustment by a pre-period covariate,
 * and the minimum detectable lift at a rule's volume. The store hands over per-arm sums, sums of
 * squares and cross-products (uplift-report.ts); only these formulas run here.
 */
import {
  getNormalCdf,
  getNormalQuantile,
  getNormalTwoSidedP,
  testTwoProportions,
} from '../../analytics/profiles/profile-stats.js';
import { logBeta } from '../../analytics/predict/special-functions.js';

const EPSILON = 1e-15;
const MAX_ITERATIONS = 10_000;
const TINY = 1e-300;

/**
 * I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 ≤ x ≤ 1: the continued
 * fraction by the modified Lentz method, on the side of x where it converges fast (Press et al.,
 * Numerical Recipes, 3rd ed., §6.4).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedIncompleteBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b)) / a;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    // The even step, then the odd step, of the fraction's coefficients.
    for (const numerator of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      -((a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + numerator * d;
      if (Math.abs(d) < TINY) d = TINY;
      c = 1 + numerator / c;
      if (Math.abs(c) < TINY) c = TINY;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < EPSILON) break;
  }
  return front * h;
}

// Past this many degrees of freedom t and the normal agree to about 1e-8, and the continued
// fraction would need ~√df steps.
const NORMAL_DF = 1e7;

/** P(T ≤ t) for Student's t with `df` > 0 degrees of freedom (df need not be whole: Welch's is not). */
export function getStudentTCdf(t: number, df: number): number {
  if (df > NORMAL_DF) return getNormalCdf(t);
  const tail = regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with `df` > 0 degrees of freedom: Newton's method on
 * getStudentTCdf from the normal quantile, kept inside a bisection bracket so it cannot wander
 * off in the heavy tails of a small df.
 *
 * @example getStudentTQuantile(0.975, 10) // 2.2281388519649…, the two-sided 95% critical value
 */
export function getStudentTQuantile(p: number, df: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  if (p < 0.5) return -getStudentTQuantile(1 - p, df);
  const normal = getNormalQuantile(p);
  if (df > NORMAL_DF) return normal;
  let low = 0;
  let high = Math.max(1, normal);
  while (getStudentTCdf(high, df) < p) high *= 2;
  let t = Math.min(high, normal);
  for (let i = 0; i < 200; i++) {
    const error = getStudentTCdf(t, df) - p;
    if (error < 0) low = t;
    else high = t;
    const density = Math.exp(
      -0.5 * Math.log(df) - logBeta(df / 2, 0.5) - ((df + 1) / 2) * Math.log1p((t * t) / df),
    );
    let next = t - error / density;
    if (!(next > low && next < high)) next = (low + high) / 2;
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}

/** Count, sum and sum of squares of one arm's values: what the store hands over. */
export interface Moments {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
}

/** The sample variance (n − 1 in the denominator) of moments; 0 below two values. */
export function getSampleVariance(m: Moments): number {
  if (m.n < 2) return 0;
  return Math.max(0, (m.sumSquares - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/** A difference (treatment − holdout) with its interval and test. */
export interface DifferenceInterval {
  readonly difference: number;
  readonly standard_error: number;
  readonly low: number;
  readonly high: number;
  /** Two-sided p-value of "no difference". */
  readonly p_value: number;
  /** p_value < 1 − confidence. */
  readonly significant: boolean;
}

const NO_DATA: DifferenceInterval = {
  difference: 0,
  standard_error: 0,
  low: 0,
  high: 0,
  p_value: 1,
  significant: false,
};

/**
 * The difference of two conversion rates x1/n1 − x2/n2 with its two-proportion z interval (the
 * Wald interval: Newcombe 1998, method 1; unpooled standard error) and the pooled two-proportion z
 * test's p-value (its size is right under "no difference", which the interval's is only nearly).
 *
 * @example getProportionDifference(56, 70, 48, 80) // 0.2000, 95% interval 0.0575 to 0.3425 (Newcombe 1998, Table II)
 */
export function getProportionDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  confidence = 0.95,
): DifferenceInterval {
  if (n1 === 0 || n2 === 0) return NO_DATA;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const standardError = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  return withInterval(
    p1 - p2,
    standardError,
    getNormalQuantile(1 - (1 - confidence) / 2),
    testTwoProportions(x1, n1, x2, n2).p,
    confidence,
  );
}

function withInterval(
  difference: number,
  standardError: number,
  critical: number,
  pValue: number,
  confidence: number,
): DifferenceInterval {
  return {
    difference,
    standard_error: standardError,
    low: difference - critical * standardError,
    high: difference + critical * standardError,
    p_value: pValue,
    significant: pValue < 1 - confidence,
  };
}

/** A mean difference's interval by Welch's t, with its degrees of freedom. */
export interface WelchInterval extends DifferenceInterval {
  /** The Welch–Satterthwaite degrees of freedom. */
  readonly df: number;
}

/**
 * The difference of two means with Welch's t interval: standard error √(s1²/n1 + s2²/n2) and the
 * Welch–Satterthwaite degrees of freedom (Welch 1947). Takes variances so that CUPED's adjusted
 * ones can be passed alike; `getWelchDifference` takes raw moments.
 *
 * @example R: t.test(extra ~ group, data = sleep) // t = −1.8608, df = 17.776, 95% CI −3.3654832 to 0.2054832
 */
export function getWelchDifferenceFromVariances(
  a: { readonly n: number; readonly mean: number; readonly variance: number },
  b: { readonly n: number; readonly mean: number; readonly variance: number },
  confidence = 0.95,
): WelchInterval {
  if (a.n < 2 || b.n < 2) return { ...NO_DATA, difference: a.mean - b.mean, df: 0 };
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const standardError = Math.sqrt(va + vb);
  const difference = a.mean - b.mean;
  if (standardError === 0) return { ...NO_DATA, difference, df: 0 };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const t = difference / standardError;
  const pValue = 2 * getStudentTCdf(-Math.abs(t), df);
  const critical = getStudentTQuantile(1 - (1 - confidence) / 2, df);
  return { ...withInterval(difference, standardError, critical, pValue, confidence), df };
}

/** Welch's t interval for the difference of two arms' means, from their moments. */
export function getWelchDifference(a: Moments, b: Moments, confidence = 0.95): WelchInterval {
  const describe = (m: Moments) => ({ n: m.n, mean: m.n ? m.sum / m.n : 0, variance: getSampleVariance(m) });
  return getWelchDifferenceFromVariances(describe(a), describe(b), confidence);
}

/** One arm's sums for CUPED: the metric Y, the pre-period covariate X, and their cross-products. */
export interface CovariateMoments {
  readonly n: number;
  readonly sumY: number;
  readonly sumYSquares: number;
  readonly sumX: number;
  readonly sumXSquares: number;
  readonly sumXY: number;
}

/** A CUPED-adjusted arm: its adjusted mean and the variance of Y − θ(X − mean X). */
export interface AdjustedArm {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

export interface CupedAdjustment {
  /** θ = cov(Y, X) / var(X) over both arms together; 0 when X does not vary. */
  readonly theta: number;
  readonly treatment: AdjustedArm;
  readonly holdout: AdjustedArm;
  /** 1 − (adjusted variance / raw variance) of the difference's estimate: the share of noise removed. */
  readonly variance_reduction: number;
}

/**
 * CUPED (Deng, Xu, Kohavi & Walker 2013, "Improving the sensitivity of online controlled
 * experiments by utilizing pre-experiment data"): each value Y becomes Y − θ(X − X̄), with X the
 * member's spend before the rule acted, θ = cov(Y, X)/var(X) pooled over both arms and X̄ the
 * pooled mean. X is fixed before the arms act, so the difference's expectation is unchanged while
 * its variance shrinks by the squared correlation of X and Y.
 */
export function adjustCuped(treatment: CovariateMoments, holdout: CovariateMoments): CupedAdjustment {
  const n = treatment.n + holdout.n;
  const sumX = treatment.sumX + holdout.sumX;
  const sumY = treatment.sumY + holdout.sumY;
  const varX = n > 1 ? (treatment.sumXSquares + holdout.sumXSquares - (sumX * sumX) / n) / (n - 1) : 0;
  const covXY = n > 1 ? (treatment.sumXY + holdout.sumXY - (sumX * sumY) / n) / (n - 1) : 0;
  const theta = varX > 0 ? covXY / varX : 0;
  const meanX = n ? sumX / n : 0;
  const adjust = (m: CovariateMoments): AdjustedArm => {
    if (m.n === 0) return { n: 0, mean: 0, variance: 0 };
    const varY = getSampleVariance({ n: m.n, sum: m.sumY, sumSquares: m.sumYSquares });
    const varXi = getSampleVariance({ n: m.n, sum: m.sumX, sumSquares: m.sumXSquares });
    const cov = m.n > 1 ? (m.sumXY - (m.sumX * m.sumY) / m.n) / (m.n - 1) : 0;
    return {
      n: m.n,
      mean: m.sumY / m.n - theta * (m.sumX / m.n - meanX),
      variance: Math.max(0, varY + theta * theta * varXi - 2 * theta * cov),
    };
  };
  const t = adjust(treatment);
  const h = adjust(holdout);
  const rawVariance =
    (treatment.n
      ? getSampleVariance({ n: treatment.n, sum: treatment.sumY, sumSquares: treatment.sumYSquares }) /
        treatment.n
      : 0) +
    (holdout.n
      ? getSampleVariance({ n: holdout.n, sum: holdout.sumY, sumSquares: holdout.sumYSquares }) / holdout.n
      : 0);
  const adjustedVariance = (t.n ? t.variance / t.n : 0) + (h.n ? h.variance / h.n : 0);
  return {
    theta,
    treatment: t,
    holdout: h,
    variance_reduction: rawVariance > 0 ? 1 - adjustedVariance / rawVariance : 0,
  };
}

/**
 * The difference of two CUPED-adjusted conversion rates, with the z interval of the adjusted
 * values (normal critical value, as for the unadjusted rates) and its two-sided p-value.
 */
export function getAdjustedRateDifference(
  treatment: AdjustedArm,
  holdout: AdjustedArm,
  confidence = 0.95,
): DifferenceInterval {
  if (treatment.n === 0 || holdout.n === 0) return NO_DATA;
  const difference = treatment.mean - holdout.mean;
  const standardError = Math.sqrt(treatment.variance / treatment.n + holdout.variance / holdout.n);
  if (standardError === 0) return { ...NO_DATA, difference };
  const z = difference / standardError;
  const pValue = getNormalTwoSidedP(z);
  return withInterval(
    difference,
    standardError,
    getNormalQuantile(1 - (1 - confidence) / 2),
    pValue,
    confidence,
  );
}

export interface DetectableLiftOptions {
  /** Two-sided significance level (default 0.05). */
  readonly alpha?: number;
  /** The chance of calling a true lift of that size significant (default 0.8). */
  readonly power?: number;
}

/**
 * The minimum detectable lift of a conversion rate: the smallest true difference that a
 * two-sided test at `alpha` calls significant with probability `power`, at these arm sizes and
 * a baseline rate p: (z₁₋α/₂ + z_power) · √(p(1 − p)(1/n_t + 1/n_h)) (the normal approximation;
 * with equal arms it is Lehr's n ≈ 16·p(1 − p)/δ² per arm, van Belle, Statistical Rules of Thumb,
 * 2nd ed., §2.3). Null when an arm is empty or the baseline has no variance (0% or 100%).
 */
export function getMinimumDetectableLift(
  baselineRate: number,
  treated: number,
  heldOut: number,
  options: DetectableLiftOptions = {},
): number | null {
  const { alpha = 0.05, power = 0.8 } = options;
  const variance = baselineRate * (1 - baselineRate);
  if (treated === 0 || heldOut === 0 || variance <= 0) return null;
  return getDetectableMultiplier(alpha, power) * Math.sqrt(variance * (1 / treated + 1 / heldOut));
}

/**
 * The minimum detectable difference of a mean (revenue per member) at these arms' standard
 * deviations, by the same normal approximation: (z₁₋α/₂ + z_power) · √(s_t²/n_t + s_h²/n_h).
 */
export function getMinimumDetectableMeanDifference(
  treatment: Moments,
  holdout: Moments,
  options: DetectableLiftOptions = {},
): number | null {
  const { alpha = 0.05, power = 0.8 } = options;
  if (treatment.n < 2 || holdout.n < 2) return null;
  const standardError = Math.sqrt(
    getSampleVariance(treatment) / treatment.n + getSampleVariance(holdout) / holdout.n,
  );
  return standardError > 0 ? getDetectableMultiplier(alpha, power) * standardError : null;
}

function getDetectableMultiplier(alpha: number, power: number): number {
  return getNormalQuantile(1 - alpha / 2) + getNormalQuantile(power);
}
