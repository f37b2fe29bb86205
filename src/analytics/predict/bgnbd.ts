/**
 * The purchase models: BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
 * Way") and MBG/NBD (Batislam, Denizel & Filiztekin 2007; Hoppe & Wagner 2007), in which a
 * customer may also drop out right after the first purchase, so a one-time buyer is not
 * certainly alive. Pure math over typed arrays: the log-likelihood with its analytic gradient,
 * the maximum-likelihood fit, and the per-customer quantities (P(alive), expectations).
 *
 * Notation (FHL 2005): x repeat purchase occasions, t_x the time of the last one (from the
 * first purchase), T the time from the first purchase to the end of calibration; λ ~ Gamma(r, α)
 * and p ~ Beta(a, b). The log-likelihood is Σ wᵢ log Lᵢ with no constant terms, as in BTYD and
 * lifetimes. With k = 0 (BG/NBD) or 1 (MBG/NBD):
 *
 *   Lᵢ = Γ(r+x)αʳ/Γ(r) · B(a, b+x+k)/B(a, b) · [(α+T)^−(r+x) + δ · a/(b+x−1+k) · (α+t_x)^−(r+x)]
 *
 * with δ = [x > 0] for BG/NBD and δ = 1 for MBG/NBD. The bracket is summed in log-space and
 * log B comes from stdlib's accurate betaln, which keeps the fit stable where the naive form
 * lets b run off to 1e16.
 */
import { fitByMaximumLikelihood, type ModelFit } from './fit-likelihood.js';
import { sampleRows } from './minimise-bfgs.js';
import type { PurchaseModel } from './purchase-models.js';
import { digamma, hypergeometric2F1, logBeta, logGamma } from './special-functions.js';

export type { ModelFit } from './fit-likelihood.js';

export { PURCHASE_MODELS, type PurchaseModel } from './purchase-models.js';

export interface PurchaseParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export const PURCHASE_PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;

/**
 * Calibration histories, one row per customer or per group of identical customers: x repeat
 * occasions (a whole number), t_x and T in the model's time unit, and the row's weight (the
 * number of customers it stands for).
 */
export interface PurchaseHistories {
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  readonly weight: Float64Array;
}

/**
 * Rows indexed by their distinct x, t_x and T: the x-only terms (log Γ, log B, ψ) and the logs
 * of α + t_x and α + T are computed once per distinct value per evaluation, which on a real
 * store (whole days, a few hundred distinct T) leaves one exp and one log1p per row.
 */
interface Prepared {
  readonly weight: Float64Array;
  readonly xSlot: Int32Array;
  readonly txSlot: Int32Array;
  readonly tSlot: Int32Array;
  readonly xs: Float64Array;
  readonly txs: Float64Array;
  readonly ts: Float64Array;
  readonly totalWeight: number;
}

/** The distinct values (sorted) and each row's position among them, by binary search (a Map of floats is slow). */
export function indexValues(
  values: Float64Array,
  rows: Int32Array | null = null,
): { slot: Int32Array; distinct: Float64Array } {
  const picked = rows ? Float64Array.from(rows, (i) => values[i] ?? 0) : values;
  const sorted = Float64Array.from(picked).sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i] ?? 0;
  const distinct = sorted.slice(0, m);
  const slot = new Int32Array(picked.length);
  for (let i = 0; i < picked.length; i++) {
    const value = picked[i] ?? 0;
    let low = 0;
    let high = m - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((distinct[mid] ?? 0) < value) low = mid + 1;
      else high = mid;
    }
    slot[i] = low;
  }
  return { slot, distinct };
}

/** Indexes the rows (or the subset `rows` of them). */
function prepare(data: PurchaseHistories, rows: Int32Array | null = null): Prepared {
  const x = indexValues(data.x, rows);
  const tx = indexValues(data.tx, rows);
  const t = indexValues(data.T, rows);
  const weight = rows ? Float64Array.from(rows, (i) => data.weight[i] ?? 0) : data.weight;
  let totalWeight = 0;
  for (const w of weight) totalWeight += w;
  return {
    weight,
    xSlot: x.slot,
    txSlot: tx.slot,
    tSlot: t.slot,
    xs: x.distinct,
    txs: tx.distinct,
    ts: t.distinct,
    totalWeight,
  };
}

const offsetOf = (model: PurchaseModel): number => (model === 'mbgnbd' ? 1 : 0);

/**
 * Σ wᵢ log Lᵢ at the given parameters; when `gradient` is given, ∂/∂(r, α, a, b) is written
 * into it.
 */
export function computePurchaseLogLikelihood(
  model: PurchaseModel,
  params: PurchaseParams,
  data: PurchaseHistories,
  gradient?: Float64Array,
): number {
  return evaluate(model, params, prepare(data), gradient);
}

/** log(α + v) and 1/(α + v) for each distinct v. */
function logsOf(alpha: number, values: Float64Array): { log: Float64Array; inverse: Float64Array } {
  const log = new Float64Array(values.length);
  const inverse = new Float64Array(values.length);
  values.forEach((value, i) => {
    log[i] = Math.log(alpha + value);
    inverse[i] = 1 / (alpha + value);
  });
  return { log, inverse };
}

function evaluate(
  model: PurchaseModel,
  params: PurchaseParams,
  prepared: Prepared,
  gradient?: Float64Array,
): number {
  const { r, alpha, a, b } = params;
  const k = offsetOf(model);
  const { xs, weight, xSlot, txSlot, tSlot } = prepared;
  const m = xs.length;
  // Per distinct x: the x-only terms and their derivatives.
  const base = new Float64Array(m);
  const dConst = new Float64Array(m);
  const hasD = new Uint8Array(m);
  const dR = new Float64Array(m);
  const dA = new Float64Array(m);
  const dB = new Float64Array(m);
  const dDb = new Float64Array(m);
  const lgR = logGamma(r);
  const lbAB = logBeta(a, b);
  const psiR = digamma(r);
  const psiB = digamma(b);
  const psiAB = digamma(a + b);
  const logA = Math.log(a);
  for (let s = 0; s < m; s++) {
    const x = xs[s] ?? 0;
    base[s] = logGamma(r + x) - lgR + (x + k > 0 ? logBeta(a, b + x + k) - lbAB : 0);
    hasD[s] = x > 0 || k > 0 ? 1 : 0;
    dConst[s] = hasD[s] ? logA - Math.log(b + x - 1 + k) : 0;
    if (gradient) {
      dR[s] = digamma(r + x) - psiR;
      const psiABX = digamma(a + b + x + k);
      dA[s] = x + k > 0 ? psiAB - psiABX : 0;
      dB[s] = x + k > 0 ? digamma(b + x + k) - psiABX - psiB + psiAB : 0;
      dDb[s] = hasD[s] ? -1 / (b + x - 1 + k) : 0;
    }
  }
  const lT = logsOf(alpha, prepared.ts);
  const lt = logsOf(alpha, prepared.txs);
  const logAlpha = Math.log(alpha);
  let ll = 0;
  let gr = 0;
  let galpha = 0;
  let ga = 0;
  let gb = 0;
  const n = weight.length;
  for (let i = 0; i < n; i++) {
    const w = weight[i] ?? 0;
    const s = xSlot[i] ?? 0;
    const ts = tSlot[i] ?? 0;
    const rx = r + (xs[s] ?? 0);
    const logT = lT.log[ts] ?? 0;
    const c = -rx * logT;
    let term = c;
    let pD = 0;
    let logTx = 0;
    if (hasD[s]) {
      logTx = lt.log[txSlot[i] ?? 0] ?? 0;
      const d = (dConst[s] ?? 0) - rx * logTx;
      const delta = d - c;
      if (delta <= 0) {
        const e = Math.exp(delta);
        term = c + Math.log1p(e);
        pD = e / (1 + e);
      } else {
        const e = Math.exp(-delta);
        term = d + Math.log1p(e);
        pD = 1 / (1 + e);
      }
    }
    ll += w * ((base[s] ?? 0) + term);
    if (gradient) {
      const pC = 1 - pD;
      gr += w * ((dR[s] ?? 0) - pC * logT - pD * logTx);
      galpha -= w * rx * (pC * (lT.inverse[ts] ?? 0) + (pD ? pD * (lt.inverse[txSlot[i] ?? 0] ?? 0) : 0));
      ga += w * ((dA[s] ?? 0) + pD / a);
      gb += w * ((dB[s] ?? 0) + pD * (dDb[s] ?? 0));
    }
  }
  const totalWeight = prepared.totalWeight;
  ll += totalWeight * r * logAlpha;
  if (gradient) {
    gradient[0] = gr + totalWeight * logAlpha;
    gradient[1] = galpha + (totalWeight * r) / alpha;
    gradient[2] = ga;
    gradient[3] = gb;
  }
  return ll;
}

/**
 * Maximum-likelihood fit of BG/NBD or MBG/NBD: BFGS on the log-parameters (so every trial
 * point is valid) with the analytic gradient, from several starts scaled to the data; the best
 * start wins. On more than 20,000 distinct rows the starts run on a systematic sample of them
 * and the best is polished on all rows.
 */
export function fitPurchaseModel(model: PurchaseModel, data: PurchaseHistories): ModelFit<PurchaseParams> {
  const prepared = prepare(data);
  const sample = sampleRows(data.x.length);
  const sampled = sample ? prepare(data, sample) : null;
  let sumX = 0;
  let sumT = 0;
  for (let i = 0; i < data.x.length; i++) {
    sumX += (data.weight[i] ?? 0) * (data.x[i] ?? 0);
    sumT += (data.weight[i] ?? 0) * (data.T[i] ?? 0);
  }
  // α scales time: start where r/α matches the observed repeat rate.
  const scale = sumT / Math.max(sumX, 1e-3 * prepared.totalWeight);
  const starts = [
    [1, scale, 1, 1],
    [0.5, 0.5 * scale, 0.5, 3],
    [2, 2 * scale, 2, 0.5],
    [0.25, 0.25 * scale, 1, 5],
  ];
  return fitByMaximumLikelihood({
    evaluate: (theta, rows, gradient) => evaluate(model, toParams(theta), rows, gradient),
    toParams,
    rows: prepared,
    sampled,
    starts,
    rowCount: data.x.length,
  });
}

const toParams = (theta: readonly number[]): PurchaseParams => ({
  r: theta[0] ?? Number.NaN,
  alpha: theta[1] ?? Number.NaN,
  a: theta[2] ?? Number.NaN,
  b: theta[3] ?? Number.NaN,
});

/**
 * P(alive at T | x, t_x, T). BG/NBD: 1 when x = 0 (a customer only drops out right after a
 * repeat purchase), else 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)); MBG/NBD: the same with
 * b+x in place of b+x−1, for every x.
 */
export function computePAlive(
  model: PurchaseModel,
  params: PurchaseParams,
  x: number,
  tx: number,
  T: number,
): number {
  const { r, alpha, a, b } = params;
  const k = offsetOf(model);
  if (x === 0 && k === 0) return 1;
  const logOdds =
    Math.log(a) - Math.log(b + x - 1 + k) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(logOdds));
}

/**
 * E[X(t)]: expected repeat purchases in (0, t] of a customer who just made a first purchase
 * (FHL 2005 eq. 9; MBG/NBD: Batislam et al. 2007).
 */
export function computeExpectedPurchases(model: PurchaseModel, params: PurchaseParams, t: number): number {
  const { r, alpha, a, b } = params;
  const z = t / (alpha + t);
  const shrink = Math.pow(alpha / (alpha + t), r);
  if (model === 'mbgnbd') return (b / (a - 1)) * (1 - shrink * hypergeometric2F1(r, b + 1, a + b, z));
  return ((a + b - 1) / (a - 1)) * (1 - shrink * hypergeometric2F1(r, b, a + b - 1, z));
}

/**
 * E[X(T, T+t] | x, t_x, T]: expected repeat purchases in the next t of a customer with this
 * history (FHL 2005 eq. 10; MBG/NBD: Batislam et al. 2007): P(alive) times the expectation if
 * alive, which depends on x and T only.
 */
export function computeConditionalExpectedPurchases(
  model: PurchaseModel,
  params: PurchaseParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  return computeExpectedPurchasesIfAlive(model, params, t, x, T) * computePAlive(model, params, x, tx, T);
}

/**
 * E[X(T, T+t] | alive at T, x, T]: the conditional expectation without its P(alive) factor. It
 * does not depend on t_x, so a store's customers share a few thousand distinct (x, T) values
 * where they have hundreds of thousands of distinct (x, t_x, T) histories.
 */
export function computeExpectedPurchasesIfAlive(
  model: PurchaseModel,
  params: PurchaseParams,
  t: number,
  x: number,
  T: number,
): number {
  const { r, alpha, a, b } = params;
  const k = offsetOf(model);
  const z = t / (alpha + T + t);
  const hyp = hypergeometric2F1(r + x, b + x + k, a + b + x - 1 + k, z);
  const first = (a + b + x - 1 + k) / (a - 1);
  return first * (1 - hyp * Math.pow((alpha + T) / (alpha + T + t), r + x));
}

/**
 * The median time from T to the next purchase of a customer who is still alive. In both
 * models a customer drops out only at a purchase, so an alive customer's wait is exponential
 * with rate λ, and λ given the history is Gamma(r + x, α + T): the wait is Lomax, with median
 * (α + T)(2^(1/(r+x)) − 1).
 */
export function computeMedianWaitIfAlive(params: PurchaseParams, x: number, T: number): number {
  return (params.alpha + T) * Math.expm1(Math.LN2 / (params.r + x));
}
