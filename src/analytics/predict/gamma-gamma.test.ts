/**
 * Gamma-Gamma: E[M | x, z̄] worked by hand, the analytic gradient against central differences,
 * and the population mean for customers without repeat purchases. The fit on the real CDNOW
 * data is in test/formats/cdnow-predict.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { computeExpectedSpend, computeSpendLogLikelihood, type SpendHistories } from './gamma-gamma.js';

const PUBLISHED = { p: 6.25, q: 3.74, gamma: 15.44 };

describe('Gamma-Gamma', () => {
  it('gives the population mean pγ/(q−1) = 35.22 to a customer without repeat purchases', () => {
    expect(computeExpectedSpend(PUBLISHED, 0, 0)).toBeCloseTo((6.25 * 15.44) / 2.74, 12);
  });

  it('shrinks a customer’s own mean towards the population mean', () => {
    // x = 2, z̄ = 100: p(γ + x z̄)/(px + q − 1) = 6.25 · 215.44 / 15.24 = 88.353…
    expect(computeExpectedSpend(PUBLISHED, 2, 100)).toBeCloseTo((6.25 * 215.44) / 15.24, 10);
  });

  it('has an analytic gradient equal to central differences', () => {
    const data: SpendHistories = {
      x: Float64Array.from([1, 2, 3, 1, 5, 2]),
      zbar: Float64Array.from([20, 35.5, 12, 80, 40.2, 9.99]),
      weight: Float64Array.from([1, 1, 2, 1, 1, 3]),
    };
    const gradient = new Float64Array(3);
    computeSpendLogLikelihood(PUBLISHED, data, gradient);
    (['p', 'q', 'gamma'] as const).forEach((name, i) => {
      const h = 1e-6 * PUBLISHED[name];
      const up = computeSpendLogLikelihood({ ...PUBLISHED, [name]: PUBLISHED[name] + h }, data);
      const down = computeSpendLogLikelihood({ ...PUBLISHED, [name]: PUBLISHED[name] - h }, data);
      expect(gradient[i]).toBeCloseTo((up - down) / (2 * h), 5);
    });
  });
});
