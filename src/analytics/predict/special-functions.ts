/**
 * The special functions the purchase and spend likelihoods need. log Γ, ψ and log B come from
 * stdlib (ports of Boost and Cephes, accurate to a few ulp over the whole real line): the
 * likelihoods are sums of differences of log Γ and log B terms, and the naive log B of a large
 * b (lgamma(b) − lgamma(a + b), both ~1e17) loses every digit, which is how an optimiser drifts
 * b to 1e16 on real data. The Gauss hypergeometric series is ours: stdlib has none, and the
 * expectations only need it for 0 ≤ z < 1.
 */
import betaln from '@stdlib/math-base-special-betaln';
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';

export { betaln as logBeta, digamma, gammaln as logGamma };

/** log(e^u + e^v) without overflow. */
export function logSumExp(u: number, v: number): number {
  const high = Math.max(u, v);
  if (high === -Infinity) return -Infinity;
  return high + Math.log1p(Math.exp(Math.min(u, v) - high));
}

const MAX_TERMS = 1_000_000;

/**
 * The Gauss hypergeometric function ₂F₁(a, b; c; z) by its power series, for 0 ≤ z < 1 and
 * c not a non-positive integer. The terms are summed until they stop changing the sum in the
 * 16th digit; near z = 1 that takes many terms (about 40 / (1 − z)), which is still fast.
 *
 * @example hypergeometric2F1(1, 1, 2, 0.5) // = −ln(1 − 0.5) / 0.5 = 1.3862943611198906
 */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`₂F₁ needs 0 ≤ z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    // Past the peak the terms fall geometrically, so a negligible term means a converged sum.
    if (Math.abs(term) <= 1e-16 * Math.abs(sum) && n > (a + b) * z) return sum;
  }
  return sum;
}
