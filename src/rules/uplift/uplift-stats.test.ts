import { describe, expect, it } from 'vitest';
import { Random } from '../../demo/random.js';
import {
  adjustCuped,
  type CovariateMoments,
  getAdjustedRateDifference,
  getMinimumDetectableLift,
  getMinimumDetectableMeanDifference,
  getProportionDifference,
  getStudentTCdf,
  getStudentTQuantile,
  getWelchDifference,
  type Moments,
  regularizedIncompleteBeta,
} from './uplift-stats.js';

const momentsOf = (values: readonly number[]): Moments => ({
  n: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  sumSquares: values.reduce((a, b) => a + b * b, 0),
});

describe('the regularized incomplete beta function', () => {
  it('matches its closed forms: I_x(1,1) = x, I_x(a,1) = x^a, I_x(2,2) = 3x² − 2x³', () => {
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.999]) {
      expect(regularizedIncompleteBeta(x, 1, 1)).toBeCloseTo(x, 13);
      expect(regularizedIncompleteBeta(x, 3.5, 1)).toBeCloseTo(x ** 3.5, 13);
      expect(regularizedIncompleteBeta(x, 2, 2)).toBeCloseTo(3 * x * x - 2 * x ** 3, 13);
    }
  });
});

describe("Student's t distribution", () => {
  it('has the closed-form distribution functions of 1 and 2 degrees of freedom', () => {
    for (const t of [-30, -2.5, -0.3, 0, 0.8, 4, 100]) {
      expect(getStudentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
      expect(getStudentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
    }
  });

  it('has the closed-form quantiles of 1 and 2 degrees of freedom', () => {
    for (const p of [0.001, 0.1, 0.5, 0.9, 0.975, 0.999]) {
      expect(getStudentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
      expect(getStudentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 11);
    }
  });

  it('gives the two-sided 95% critical values of the published t table', () => {
    // NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.2 (upper critical values of
    // Student's t), to the table's three decimals; R's qt(0.975, df) to more.
    const table: [number, number][] = [
      [5, 2.5705818356],
      [10, 2.228138852],
      [30, 2.0422724563],
      [100, 1.9839715185],
    ];
    for (const [df, critical] of table) expect(getStudentTQuantile(0.975, df)).toBeCloseTo(critical, 8);
    expect(getStudentTQuantile(0.95, 10)).toBeCloseTo(1.812461123, 8);
    // Far past the table it is the normal's 1.959964.
    expect(getStudentTQuantile(0.975, 1e9)).toBeCloseTo(1.959963985, 8);
  });
});

describe('the difference of two conversion rates', () => {
  it("gives Newcombe's worked Wald interval for 56/70 against 48/80", () => {
    // Newcombe (1998), Statistics in Medicine 17:873–890, Table II, example (a), method 1.
    const d = getProportionDifference(56, 70, 48, 80);
    expect(d.difference).toBeCloseTo(0.2, 12);
    expect(d.low).toBeCloseTo(0.0575, 4);
    expect(d.high).toBeCloseTo(0.3425, 4);
  });

  it('takes its p-value from the pooled test: the chi-square of the 2×2 table, by hand', () => {
    // χ² = N(ad − bc)² / (r1·r2·c1·c2) = 150·(56·32 − 14·48)² / (70·80·104·46) = 7.0234;
    // P(χ²₁ > 7.0234) = erfc(√(7.0234/2)) = 0.008045.
    const d = getProportionDifference(56, 70, 48, 80);
    expect((150 * (56 * 32 - 14 * 48) ** 2) / (70 * 80 * 104 * 46)).toBeCloseTo(7.0234, 4);
    expect(d.p_value).toBeCloseTo(0.008045, 5);
    expect(d.significant).toBe(true);
  });
});

describe("Welch's interval for a difference of means", () => {
  // Cushny & Peebles' sleep data, R's `sleep` data set: extra hours of sleep under two drugs.
  const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it("reproduces R's t.test(extra ~ group, data = sleep)", () => {
    // R prints: t = -1.8608, df = 17.776, p-value = 0.07939,
    // 95 percent confidence interval: -3.3654832 0.2054832.
    const d = getWelchDifference(momentsOf(drug1), momentsOf(drug2));
    expect(d.difference).toBeCloseTo(0.75 - 2.33, 12);
    expect(d.difference / d.standard_error).toBeCloseTo(-1.8608, 4);
    expect(d.df).toBeCloseTo(17.776, 3);
    expect(d.p_value).toBeCloseTo(0.07939, 5);
    expect(d.low).toBeCloseTo(-3.3654832, 6);
    expect(d.high).toBeCloseTo(0.2054832, 6);
    expect(d.significant).toBe(false);
  });
});

describe('the minimum detectable lift', () => {
  it('is (1.959964 + 0.841621)·√(p(1−p)(1/n_t + 1/n_h)), worked by hand', () => {
    // p = 10%, 9,000 treated and 1,000 held out: √(0.09 · (1/9000 + 1/1000)) = √0.0001 = 0.01.
    expect(getMinimumDetectableLift(0.1, 9000, 1000)).toBeCloseTo(2.8015852 * 0.01, 7);
  });

  it("agrees with Lehr's rule of thumb n ≈ 16·p(1−p)/δ² per arm", () => {
    // van Belle, Statistical Rules of Thumb, §2.3: 16 is 2·(1.96 + 0.84)² rounded up (15.7).
    const p = 0.2;
    const delta = 0.02;
    const n = Math.round((15.7 * p * (1 - p)) / delta ** 2);
    expect(getMinimumDetectableLift(p, n, n)).toBeCloseTo(delta, 4);
  });

  it('is null for an empty arm or a baseline without variance', () => {
    expect(getMinimumDetectableLift(0.1, 100, 0)).toBeNull();
    expect(getMinimumDetectableLift(0, 100, 100)).toBeNull();
  });

  it('for a mean is (z + z)·√(s_t²/n_t + s_h²/n_h)', () => {
    // Variances 1 and 4 over 100 members each: √(0.01 + 0.04) = 0.2236.
    const arm = (variance: number): Moments => ({ n: 100, sum: 0, sumSquares: variance * 99 });
    expect(getMinimumDetectableMeanDifference(arm(1), arm(4))).toBeCloseTo(2.8015852 * Math.sqrt(0.05), 6);
  });
});

describe('CUPED', () => {
  /** A planted pre-period spend X and outcome Y = 0.6·X + noise (+ effect for the treated). */
  function draw(random: Random, n: number, effect: number): { x: number[]; y: number[] } {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const pre = random.sampleGamma(2, 0.02);
      x.push(pre);
      y.push(0.6 * pre + random.sampleNormal(0, 30) + effect);
    }
    return { x, y };
  }
  const sums = (arm: { x: number[]; y: number[] }): CovariateMoments => ({
    n: arm.x.length,
    sumY: arm.y.reduce((a, b) => a + b, 0),
    sumYSquares: arm.y.reduce((a, b) => a + b * b, 0),
    sumX: arm.x.reduce((a, b) => a + b, 0),
    sumXSquares: arm.x.reduce((a, b) => a + b * b, 0),
    sumXY: arm.x.reduce((a, b, i) => a + b * (arm.y[i] ?? 0), 0),
  });
  const random = new Random(7);
  const treatment = draw(random, 2000, 5);
  const holdout = draw(random, 1000, 0);
  const cuped = adjustCuped(sums(treatment), sums(holdout));

  it('equals adjusting every value Y − θ(X − X̄) one by one, with θ from the pooled covariance', () => {
    const allX = [...treatment.x, ...holdout.x];
    const allY = [...treatment.y, ...holdout.y];
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const mx = mean(allX);
    const my = mean(allY);
    let cov = 0;
    let varX = 0;
    allX.forEach((x, i) => {
      cov += (x - mx) * ((allY[i] ?? 0) - my);
      varX += (x - mx) ** 2;
    });
    const theta = cov / varX;
    expect(cuped.theta).toBeCloseTo(theta, 10);
    for (const [arm, adjusted] of [
      [treatment, cuped.treatment],
      [holdout, cuped.holdout],
    ] as const) {
      const values = arm.y.map((y, i) => y - theta * ((arm.x[i] ?? 0) - mx));
      const m = mean(values);
      const variance = values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1);
      expect(adjusted.mean).toBeCloseTo(m, 8);
      expect(adjusted.variance).toBeCloseTo(variance, 6);
    }
  });

  it('removes about the squared correlation of X and Y from the variance, and still covers the planted effect', () => {
    // var(0.6X) = 0.36·2/0.02² = 1800; noise 900: ρ² = 1800/2700 = 2/3.
    expect(cuped.variance_reduction).toBeGreaterThan(0.6);
    expect(cuped.variance_reduction).toBeLessThan(0.73);
    const d = getAdjustedRateDifference(cuped.treatment, cuped.holdout);
    expect(d.low).toBeLessThan(5);
    expect(d.high).toBeGreaterThan(5);
  });
});
