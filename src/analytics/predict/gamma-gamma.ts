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
import { sampleRows } from './minimise-bfgs.js';
import { indexValues } from './bgnbd.js';
import { fitByMaximumLikelihood, type ModelFit } from './fit-likelihood.js';
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

/** Rows with their distinct-x slot and the logs that do not depend on the parameters. */
interface Prepared {
  readonly weight: Float64Array;
  readonly x: Float64Array;
  readonly zbar: Float64Array;
  readonly logZ: Float64Array;
  readonly slot: Int32Array;
  readonly xs: Float64Array;
  readonly totalWeight: number;
}

function prepare(data: SpendHistories, rows: Int32Array | null = null): Prepared {
  const n = rows ? rows.length : data.x.length;
  const pick = (values: Float64Array): Float64Array =>
    rows ? Float64Array.from(rows, (i) => values[i] ?? 0) : values;
  const x = pick(data.x);
  const zbar = pick(data.zbar);
  const weight = pick(data.weight);
  const { slot, distinct } = indexValues(x);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += weight[i] ?? 0;
  return { weight, x, zbar, logZ: zbar.map(Math.log), slot, xs: distinct, totalWeight };
}

/** Σ wᵢ log f(z̄ᵢ | xᵢ); when `gradient` is given, ∂/∂(p, q, γ) is written into it. */
export function computeSpendLogLikelihood(
  params: SpendParams,
  data: SpendHistories,
  gradient?: Float64Array,
): number {
  return evaluate(params, prepare(data), gradient);
}

function evaluate(params: SpendParams, prepared: Prepared, gradient?: Float64Array): number {
  const { p, q, gamma } = params;
  const { xs, x: xRow, zbar, logZ, slot, weight } = prepared;
  const lgQ = logGamma(q);
  const psiQ = digamma(q);
  const logGammaScale = Math.log(gamma);
  // Terms in x alone, once per distinct x.
  const value = new Float64Array(xs.length);
  const dp = new Float64Array(xs.length);
  const dq = new Float64Array(xs.length);
  xs.forEach((x, s) => {
    const px = p * x;
    value[s] = logGamma(px + q) - logGamma(px) - lgQ + px * Math.log(x);
    if (gradient) {
      const psiPxQ = digamma(px + q);
      dp[s] = x * (psiPxQ - digamma(px) + Math.log(x));
      dq[s] = psiPxQ - psiQ;
    }
  });
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  for (let i = 0; i < weight.length; i++) {
    const w = weight[i] ?? 0;
    const s = slot[i] ?? 0;
    const x = xRow[i] ?? 0;
    const px = p * x;
    const lz = logZ[i] ?? 0;
    const denominator = gamma + x * (zbar[i] ?? 0);
    const logDen = Math.log(denominator);
    ll += w * ((value[s] ?? 0) + q * logGammaScale + (px - 1) * lz - (px + q) * logDen);
    if (gradient) {
      gp += w * ((dp[s] ?? 0) + x * (lz - logDen));
      gq += w * ((dq[s] ?? 0) + logGammaScale - logDen);
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

/**
 * Maximum-likelihood fit: BFGS on log-parameters with the analytic gradient, several starts (on
 * a systematic sample of the rows when there are more than 20,000, then polished on all).
 */
export function fitSpendModel(data: SpendHistories): ModelFit<SpendParams> {
  const prepared = prepare(data);
  const sample = sampleRows(data.x.length);
  const sampled = sample ? prepare(data, sample) : null;
  let sumZ = 0;
  for (let i = 0; i < data.x.length; i++) sumZ += (data.weight[i] ?? 0) * (data.zbar[i] ?? 0);
  const mean = sumZ / prepared.totalWeight;
  // Starts whose population mean pγ/(q−1) equals the observed mean spend.
  const starts = [
    [1, 2, mean],
    [5, 4, (3 * mean) / 5],
    [10, 10, (9 * mean) / 10],
    [2, 1.5, mean / 4],
  ];
  return fitByMaximumLikelihood({
    evaluate: (theta, rows, gradient) => evaluate(toParams(theta), rows, gradient),
    toParams,
    rows: prepared,
    sampled,
    starts,
    rowCount: data.x.length,
  });
}

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
