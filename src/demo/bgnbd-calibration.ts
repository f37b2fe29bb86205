/**
 * Calibration of the demo store's purchase process, the BG/NBD model of Fader, Hardie & Lee (2005), "Counting
 * Your Customers the Easy Way": given the shape of the customer base (r, a, b) and how first purchases spread over
 * the period, solve the scale α so the mean number of GMV orders per ordering customer hits a target. Pure
 * numerics (quadratures and a bisection), no randomness and no I/O.
 */

import { AppError } from '../errors.js';

// 200 × 100 nodes reproduce FHL's E[X(t)] for CDNOW to about 1e-5 (see the test) in under a millisecond per α.
const DROPOUT_NODES = 200;
const HORIZON_NODES = 100;

interface Quadrature {
  nodes: Float64Array;
  weights: Float64Array;
}

/** BG/NBD heterogeneity in FHL 2005 notation: λ ~ Gamma(r, α) per week, p ~ Beta(a, b). */
export interface BgnbdShape {
  r: number;
  a: number;
  b: number;
}

export interface PurchaseModelCalibration {
  /** The solved α, in weeks. */
  alpha: number;
  /** 1 + E[repeat purchases by the period end] under the solved α: the target, as reached. */
  expectedOrders: number;
  /** Share of ordering customers expected to make no repeat purchase. */
  oneTimeBuyerShare: number;
}

/**
 * Solves α for a customer base of the given shape so that ordering customers make `targetOrders` GMV orders on
 * average by the period end, when first purchases fall over `periodWeeks` with density ∝ e^(logGrowth·x) (x the
 * fraction of the period elapsed). Throws a BAD_ARGUMENT AppError when no α reaches the target.
 *
 * @example calibratePurchaseModel({ r: 0.9, a: 0.8, b: 2.6 }, 2.5, 104, Math.log(1.25) * 2).alpha;
 */
export function calibratePurchaseModel(
  shape: BgnbdShape,
  targetOrders: number,
  periodWeeks: number,
  logGrowth: number,
): PurchaseModelCalibration {
  const dropout = buildDropoutQuadrature(shape.a, shape.b, DROPOUT_NODES);
  const horizons = buildHorizonQuadrature(periodWeeks, logGrowth, HORIZON_NODES);
  const alpha = solveAlpha(targetOrders, shape.r, dropout, horizons);
  return {
    alpha,
    expectedOrders: 1 + computeMeanRepeatPurchases(alpha, shape.r, dropout, horizons),
    oneTimeBuyerShare: computeOneTimeBuyerShare(alpha, shape.r, horizons),
  };
}

/**
 * Nodes over p ~ Beta(a, b). Substituting p = u^(1/a) turns p^(a−1) dp into du/a, which removes the
 * singularity at 0 for a < 1; the weights (1 − p)^(b−1) are normalised, which stands in for B(a, b).
 */
function buildDropoutQuadrature(a: number, b: number, size: number): Quadrature {
  const nodes = new Float64Array(size);
  const weights = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    const p = Math.pow((i + 0.5) / size, 1 / a);
    const weight = Math.pow(1 - p, b - 1);
    nodes[i] = p;
    weights[i] = weight;
    total += weight;
  }
  for (let i = 0; i < size; i++) weights[i] = (weights[i] ?? 0) / total;
  return { nodes, weights };
}

/** Equal-weight nodes over the weeks from first purchase to the period end, acquisition density ∝ e^(g·x). */
function buildHorizonQuadrature(periodWeeks: number, logGrowth: number, size: number): Quadrature {
  const nodes = new Float64Array(size);
  const weights = new Float64Array(size).fill(1 / size);
  for (let j = 0; j < size; j++)
    nodes[j] = periodWeeks * (1 - getAcquisitionFraction((j + 0.5) / size, logGrowth));
  return { nodes, weights };
}

/**
 * Inverse CDF of the acquisition density ∝ e^(g·x) on [0, 1]: the fraction of the period elapsed at a first
 * purchase, for a uniform u. The generator draws acquisition times through it too, so the calibration and the
 * simulation agree on when customers arrive.
 */
export function getAcquisitionFraction(u: number, logGrowth: number): number {
  if (Math.abs(logGrowth) < 1e-9) return u;
  return Math.log1p(u * Math.expm1(logGrowth)) / logGrowth;
}

/**
 * Mean number of repeat purchases by the period end, over acquisition times. Per customer E[X(t) | λ, p] =
 * (1 − e^(−λpt))/p (FHL 2005); the gamma mixing over λ is closed-form, (α/(α + pt))^r, and p is integrated
 * numerically because FHL's closed form for E[X(t)], with its (a + b − 1)/(a − 1) factor and Gauss
 * hypergeometric function, is written for a > 1 and our default a is 0.8.
 */
function computeMeanRepeatPurchases(
  alpha: number,
  r: number,
  dropout: Quadrature,
  horizons: Quadrature,
): number {
  let total = 0;
  for (let i = 0; i < dropout.nodes.length; i++) {
    const p = dropout.nodes[i] ?? 0;
    let inner = 0;
    for (let j = 0; j < horizons.nodes.length; j++) {
      inner += (horizons.weights[j] ?? 0) * (1 - Math.pow(alpha / (alpha + p * (horizons.nodes[j] ?? 0)), r));
    }
    total += ((dropout.weights[i] ?? 0) * inner) / p;
  }
  return total;
}

/**
 * Expected number of repeat purchases of a new customer in (0, t] weeks under BG/NBD with the given parameters:
 * E[X(t)] of FHL 2005, computed by the same quadrature the generator solves α with, so it is valid
 * for a ≤ 1 too. Exposed so the quadrature can be checked against the published CDNOW figures.
 *
 * @example computeExpectedRepeatPurchases({ r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 }, 52); // ≈ 1.444
 */
export function computeExpectedRepeatPurchases(
  params: { r: number; alpha: number; a: number; b: number },
  weeks: number,
): number {
  const dropout = buildDropoutQuadrature(params.a, params.b, DROPOUT_NODES);
  const horizon: Quadrature = { nodes: Float64Array.of(weeks), weights: Float64Array.of(1) };
  return computeMeanRepeatPurchases(params.alpha, params.r, dropout, horizon);
}

/** Share of ordering customers with no repeat purchase: E[(α/(α+T))^r], since BG/NBD never drops out at x = 0. */
function computeOneTimeBuyerShare(alpha: number, r: number, horizons: Quadrature): number {
  let total = 0;
  for (let j = 0; j < horizons.nodes.length; j++) {
    total += (horizons.weights[j] ?? 0) * Math.pow(alpha / (alpha + (horizons.nodes[j] ?? 0)), r);
  }
  return total;
}

/**
 * α (weeks) such that 1 + E[repeat purchases] equals the target; bisection on log α, as E[X] falls with α.
 * A target of 1 (no repeat buyers at all) ends at the upper bracket, where λ is effectively zero.
 */
function solveAlpha(targetOrders: number, r: number, dropout: Quadrature, horizons: Quadrature): number {
  const targetRepeats = targetOrders - 1;
  let low = Math.log(1e-3);
  let high = Math.log(1e12);
  if (computeMeanRepeatPurchases(Math.exp(low), r, dropout, horizons) < targetRepeats) {
    throw new AppError('BAD_ARGUMENT', `ordersPerCustomer ${targetOrders} is more than the period can hold`);
  }
  for (let iteration = 0; iteration < 60; iteration++) {
    const mid = (low + high) / 2;
    if (computeMeanRepeatPurchases(Math.exp(mid), r, dropout, horizons) > targetRepeats) low = mid;
    else high = mid;
  }
  return Math.exp((low + high) / 2);
}
