/** BFGS on functions whose minimum is known by hand, and the standard-error helpers. */
import { describe, expect, it } from 'vitest';
import { minimiseBfgs } from './minimise-bfgs.js';
import { computeStandardErrors, invertMatrix } from './standard-errors.js';

describe('minimiseBfgs', () => {
  it('finds the minimum (1, 1) of the Rosenbrock function from (−1.2, 1)', () => {
    const result = minimiseBfgs(
      (p, g) => {
        const [x = 0, y = 0] = p;
        g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
        g[1] = 200 * (y - x * x);
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
      },
      [-1.2, 1],
    );
    expect(result.converged).toBe(true);
    expect(result.point[0]).toBeCloseTo(1, 6);
    expect(result.point[1]).toBeCloseTo(1, 6);
  });

  it('backs off a step that makes the function infinite', () => {
    // f = e^x − 2x has its minimum at ln 2; steps past x ≈ 710 overflow to ∞.
    const result = minimiseBfgs(
      (p, g) => {
        const x = p[0] ?? 0;
        g[0] = Math.exp(x) - 2;
        return Math.exp(x) - 2 * x;
      },
      [-30],
      { maxStep: 1000 },
    );
    expect(result.point[0]).toBeCloseTo(Math.LN2, 8);
  });
});

describe('standard errors', () => {
  it('inverts a 3 × 3 matrix', () => {
    const m = [
      [4, 1, 2],
      [1, 3, 0],
      [2, 0, 5],
    ];
    const inverse = invertMatrix(m)!;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const product = [0, 1, 2].reduce((sum, k) => sum + (m[i]![k] ?? 0) * (inverse[k]![j] ?? 0), 0);
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    expect(
      invertMatrix([
        [1, 2],
        [2, 4],
      ]),
    ).toBeNull();
  });

  it('gives σ/√n for the mean of a normal sample', () => {
    // LL(μ) = −Σ(yᵢ − μ)²/(2σ²): information n/σ², so se(μ̂) = σ/√n.
    const ys = [1.2, 0.7, 2.1, 1.5, 0.9, 1.1, 1.8, 1.4];
    const sigma = 0.5;
    const gradient = (theta: readonly number[]): number[] => [
      ys.reduce((sum, y) => sum + (y - (theta[0] ?? 0)) / sigma ** 2, 0),
    ];
    const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
    expect(computeStandardErrors(gradient, [mean])[0]).toBeCloseTo(sigma / Math.sqrt(ys.length), 8);
  });
});
