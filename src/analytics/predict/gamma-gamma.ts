/**
 * The Gamma-Gamma model of spend per purchase (Fader & Hardie 2013, "The Gamma-Gamma Model of
 * Monetary Value"; first used in Fader, Hardie & Lee 2005, "RFM and CLV"): each purchase of a
 * customer is Gamma(p, ν), ν ~ Gamma(q, γ) over customers. Fitted on the customers with x ≥ 1
 * repeat purchases from (x, z̄), z̄ the mean value of the repeat purchases:
 *
 *   log f(z̄ | x) = log Γ(px+q) − log Γ(px) − log Γ(q) + q log γ + (px−1) log z̄ + px log x − (px+q) log(γ + x z̄)
 *
 * (the LL of FH 2013 and CLVTools, with no constants dropped).
 */
import { minimiseBfgs } from './minimise-bfgs.js';
import type { ModelFit } from './bgnbd.js';
import { computeStandardErrors } from './standard-errors.js';
import { digamma, logGamma } from './special-functions.js';

export interface SpendParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export const SPEND_PARAM_NAMES = ['p', 'q', 'gamma'] as const;

/** Repeat buyers: x ≥ 1 repeat purchases with mean value zbar > 0, and the row's weight. */
export interface SpendHistories {
  readonly x: Float64Array;
  readonly zbar: Float64Array;
  readonly weight: Float64Array;
}

/** Σ wᵢ log f(z̄ᵢ | xᵢ); when `gradient` is given, ∂/∂(p, q, γ) is written into it. */
export function computeSpendLogLikelihood(
  params: SpendParams,
  data: SpendHistories,
  gradient?: Float64Array,
): number {
  const { p, q, gamma } = params;
  const lgQ = logGamma(q);
  const psiQ = digamma(q);
  const logGammaScale = Math.log(gamma);
  // Terms in x alone, cached per distinct x (most repeat buyers share a handful of x values).
  const cache = new Map<number, { value: number; dp: number; dq: number }>();
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  for (let i = 0; i < data.x.length; i++) {
    const w = data.weight[i] ?? 0;
    const x = data.x[i] ?? 0;
    const z = data.zbar[i] ?? 0;
    const px = p * x;
    let terms = cache.get(x);
    if (!terms) {
      const psiPxQ = digamma(px + q);
      terms = {
        value: logGamma(px + q) - logGamma(px) - lgQ + px * Math.log(x),
        dp: x * (psiPxQ - digamma(px) + Math.log(x)),
        dq: psiPxQ - psiQ,
      };
      cache.set(x, terms);
    }
    const logZ = Math.log(z);
    const denominator = gamma + x * z;
    const logDen = Math.log(denominator);
    ll += w * (terms.value + q * logGammaScale + (px - 1) * logZ - (px + q) * logDen);
    if (gradient) {
      gp += w * (terms.dp + x * (logZ - logDen));
      gq += w * (terms.dq + logGammaScale - logDen);
      gg += w * (q / gamma - (px + q) / denominator);
    }
  }
  if (gradient) {
    gradient[0] = gp;
    gradient[1] = gq;
    gradient[2] = gg;
  }
  return ll;
}

/** Maximum-likelihood fit: BFGS on log-parameters with the analytic gradient, several starts. */
export function fitSpendModel(data: SpendHistories): ModelFit<SpendParams> {
  let weight = 0;
  let sumZ = 0;
  for (let i = 0; i < data.x.length; i++) {
    weight += data.weight[i] ?? 0;
    sumZ += (data.weight[i] ?? 0) * (data.zbar[i] ?? 0);
  }
  const mean = sumZ / weight;
  // Starts whose population mean pγ/(q−1) equals the observed mean spend.
  const starts = [
    [1, 2, mean],
    [5, 4, (3 * mean) / 5],
    [10, 10, (9 * mean) / 10],
    [2, 1.5, mean / 4],
  ];
  const gradient = new Float64Array(3);
  const objective = (point: Float64Array, out: Float64Array): number => {
    const params = fromLog(point);
    const ll = computeSpendLogLikelihood(params, data, gradient);
    out[0] = (-(gradient[0] ?? 0) * params.p) / weight;
    out[1] = (-(gradient[1] ?? 0) * params.q) / weight;
    out[2] = (-(gradient[2] ?? 0) * params.gamma) / weight;
    return -ll / weight;
  };
  const runs = starts.map((start) => minimiseBfgs(objective, start.map(Math.log)));
  const best = runs.reduce((u, v) => (v.value < u.value ? v : u));
  const params = fromLog(best.point);
  const standardErrors = computeStandardErrors(
    (theta) => {
      const g = new Float64Array(3);
      computeSpendLogLikelihood(toParams(theta), data, g);
      return [...g];
    },
    [params.p, params.q, params.gamma],
  );
  return {
    params,
    standardErrors: toParams(standardErrors),
    logLikelihood: computeSpendLogLikelihood(params, data),
    customers: weight,
    rows: data.x.length,
    iterations: best.iterations,
    starts: runs.length,
    startsAgreeing: runs.filter((run) => Math.abs(run.value - best.value) <= 1e-6 * Math.abs(best.value))
      .length,
    converged: best.converged,
  };
}

const fromLog = (point: Float64Array): SpendParams => ({
  p: Math.exp(point[0] ?? 0),
  q: Math.exp(point[1] ?? 0),
  gamma: Math.exp(point[2] ?? 0),
});
const toParams = (theta: readonly number[]): SpendParams => ({
  p: theta[0] ?? Number.NaN,
  q: theta[1] ?? Number.NaN,
  gamma: theta[2] ?? Number.NaN,
});

/**
 * E[M | x, z̄]: the expected value of a customer's next purchase (FH 2013 eq. 5), a weighted
 * mean of the population mean pγ/(q−1) and the customer's own z̄; the population mean when x = 0.
 */
export function computeExpectedSpend(params: SpendParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  if (x === 0) return (p * gamma) / (q - 1);
  return (p * (gamma + x * zbar)) / (p * x + q - 1);
}
