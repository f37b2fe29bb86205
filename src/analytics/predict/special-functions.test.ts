/** ₂F₁ against closed forms (Abramowitz & Stegun 15.1.3–15.1.5) and the log-sum-exp guard. */
import { describe, expect, it } from 'vitest';
import { hypergeometric2F1, logBeta, logSumExp } from './special-functions.js';

describe('hypergeometric2F1', () => {
  it('equals −ln(1 − z)/z for (1, 1; 2; z)', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99])
      expect(hypergeometric2F1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 12);
  });

  it('equals (1 − z)^−a for (a, b; b; z)', () => {
    for (const z of [0.2, 0.7, 0.95])
      expect(hypergeometric2F1(0.3, 2.5, 2.5, z)).toBeCloseTo((1 - z) ** -0.3, 12);
  });

  it('equals arcsin(√z)/√z for (½, ½; 3/2; z)', () => {
    const z = 0.64;
    expect(hypergeometric2F1(0.5, 0.5, 1.5, z)).toBeCloseTo(Math.asin(0.8) / 0.8, 12);
  });

  it('refuses z outside [0, 1)', () => {
    expect(() => hypergeometric2F1(1, 1, 2, 1)).toThrow(RangeError);
  });
});

describe('logBeta and logSumExp', () => {
  it('keeps log B(a, b) accurate for a huge b, where lgamma(b) − lgamma(a + b) loses every digit', () => {
    // log B(a, b) → log Γ(a) − a log b as b → ∞; with a = 1 it is exactly −log b.
    expect(logBeta(1, 1e16)).toBeCloseTo(-Math.log(1e16), 10);
  });

  it('sums exponentials of −1000 and 800 without underflow or overflow', () => {
    expect(logSumExp(-1000, -1000)).toBeCloseTo(-1000 + Math.LN2, 12);
    expect(logSumExp(800, 0)).toBe(800);
    expect(logSumExp(-Infinity, -Infinity)).toBe(-Infinity);
  });
});
