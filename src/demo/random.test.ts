import { describe, it, expect } from 'vitest';
import { Random, WeightedChoice, computeLogGamma } from './random.js';

const DRAWS = 200_000;

/** Sample mean and (unbiased) variance of n draws. */
function summarise(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSquares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: (sumSquares - n * mean * mean) / (n - 1) };
}

/**
 * Asserts a sample mean and variance against closed forms, within 5 standard errors: se(mean) = σ/√n and
 * se(variance) = σ²·√((κ − 1)/n), κ the distribution's kurtosis (3 + excess). At 5 se a correct sampler
 * fails about once in 1.7 million runs; a wrong shape or rate convention misses by hundreds.
 */
function expectMoments(
  observed: { mean: number; variance: number },
  expected: { mean: number; variance: number; excessKurtosis: number },
): void {
  const seMean = Math.sqrt(expected.variance / DRAWS);
  const seVariance = expected.variance * Math.sqrt((expected.excessKurtosis + 2) / DRAWS);
  expect(Math.abs(observed.mean - expected.mean)).toBeLessThan(5 * seMean);
  expect(Math.abs(observed.variance - expected.variance)).toBeLessThan(5 * seVariance);
}

describe('Random', () => {
  it('gives the same sequence for the same seed', () => {
    const first = new Random(20261111);
    const second = new Random(20261111);
    for (let i = 0; i < 1000; i++) expect(first.nextUint32()).toBe(second.nextUint32());
  });

  it('gives unrelated sequences for neighbouring seeds', () => {
    const first = new Random(1);
    const second = new Random(2);
    let equal = 0;
    for (let i = 0; i < 1000; i++) if (first.nextUint32() === second.nextUint32()) equal++;
    expect(equal).toBe(0);
  });

  it('uses the bits of seeds above 2^32', () => {
    expect(new Random(2 ** 40 + 5).nextUint32()).not.toBe(new Random(5).nextUint32());
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => new Random(1.5)).toThrow(RangeError);
  });

  it('draws uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const random = new Random(7);
    const observed = summarise(DRAWS, () => random.nextFloat());
    expectMoments(observed, { mean: 0.5, variance: 1 / 12, excessKurtosis: -1.2 });
  });

  it('draws standard normals', () => {
    const random = new Random(8);
    expectMoments(
      summarise(DRAWS, () => random.sampleNormal()),
      { mean: 0, variance: 1, excessKurtosis: 0 },
    );
  });

  // Gamma(k, rate θ): mean k/θ, variance k/θ², excess kurtosis 6/k. Shapes below 1 take the boost path.
  it.each([
    [0.5, 1],
    [0.9, 10],
    [2.6, 1],
    [6, 0.05],
  ])('draws Gamma(shape %f, rate %f) with mean shape/rate and variance shape/rate²', (shape, rate) => {
    const random = new Random(Math.round(shape * 1000 + rate));
    expectMoments(
      summarise(DRAWS, () => random.sampleGamma(shape, rate)),
      { mean: shape / rate, variance: shape / rate ** 2, excessKurtosis: 6 / shape },
    );
  });

  it('draws Beta(0.8, 2.6) with mean a/(a+b) and variance ab/((a+b)²(a+b+1))', () => {
    const random = new Random(11);
    const [a, b] = [0.8, 2.6];
    const s = a + b;
    const excessKurtosis = (6 * ((a - b) ** 2 * (s + 1) - a * b * (s + 2))) / (a * b * (s + 2) * (s + 3));
    expectMoments(
      summarise(DRAWS, () => random.sampleBeta(a, b)),
      { mean: a / s, variance: (a * b) / (s * s * (s + 1)), excessKurtosis },
    );
  });

  it('draws Beta(2, 5) with mean 2/7', () => {
    const random = new Random(12);
    const observed = summarise(DRAWS, () => random.sampleBeta(2, 5));
    expect(Math.abs(observed.mean - 2 / 7)).toBeLessThan(5 * Math.sqrt(10 / (49 * 8) / DRAWS));
  });

  it('draws exponentials with mean 1/rate and variance 1/rate²', () => {
    const random = new Random(13);
    expectMoments(
      summarise(DRAWS, () => random.sampleExponential(0.25)),
      { mean: 4, variance: 16, excessKurtosis: 6 },
    );
  });

  // Poisson(μ): mean = variance = μ, excess kurtosis 1/μ. 3 uses Knuth's method, 40 and 1000 use PTRS.
  it.each([3, 40, 1000])('draws Poisson(%f) with mean and variance equal to it', (mean) => {
    const random = new Random(mean);
    expectMoments(
      summarise(DRAWS, () => random.samplePoisson(mean)),
      { mean, variance: mean, excessKurtosis: 1 / mean },
    );
  });

  it('draws geometric trial counts with mean 1/p and variance (1−p)/p²', () => {
    const random = new Random(14);
    const p = 1 / 6;
    expectMoments(
      summarise(DRAWS, () => random.sampleGeometric(p)),
      { mean: 1 / p, variance: (1 - p) / p ** 2, excessKurtosis: 6 + (p * p) / (1 - p) },
    );
  });
});

describe('WeightedChoice', () => {
  it('chooses items in proportion to their weights and never a zero weight', () => {
    const random = new Random(15);
    const weights = [5, 0, 1, 3, 1];
    const choice = new WeightedChoice(['a', 'b', 'c', 'd', 'e'], weights);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < DRAWS; i++) {
      const index = choice.sampleIndex(random);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    weights.forEach((weight, i) => {
      const p = weight / 10;
      const tolerance = 5 * Math.sqrt((p * (1 - p)) / DRAWS);
      expect(Math.abs((counts[i] ?? 0) / DRAWS - p)).toBeLessThanOrEqual(tolerance);
    });
    expect(counts[1]).toBe(0);
  });

  it('reports each item probability', () => {
    const choice = new WeightedChoice(['x', 'y'], [3, 1]);
    expect(choice.getProbability(0)).toBeCloseTo(0.75, 12);
    expect(choice.getProbability(1)).toBeCloseTo(0.25, 12);
  });

  it('rejects negative weights', () => {
    expect(() => new WeightedChoice(['x'], [-1])).toThrow(RangeError);
  });
});

describe('computeLogGamma', () => {
  it('matches ln((n−1)!) and ln Γ(1/2) = ln √π', () => {
    expect(computeLogGamma(1)).toBeCloseTo(0, 12);
    expect(computeLogGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(computeLogGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});
