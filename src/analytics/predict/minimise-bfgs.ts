/**
 * A small BFGS minimiser (Nocedal & Wright 2006, algorithm 6.1) with a backtracking line search,
 * for the handful of log-parameters of the purchase and spend models. Small and dense on
 * purpose: four parameters need no limited-memory variant, and a function that returns NaN or
 * ∞ (a step too far in log-space) is handled by backing off, not by crashing.
 */

/** Value and gradient at a point; the gradient is written into `gradient`. */
export type Objective = (point: Float64Array, gradient: Float64Array) => number;

export interface MinimiseOptions {
  /** Stop when every |∂f/∂xᵢ| is below this; default 1e-8. */
  readonly gradientTolerance?: number;
  /** Default 1000. */
  readonly maxIterations?: number;
  /** Largest step in any coordinate per iteration (log-space: e^5 ≈ 150×); default 5. */
  readonly maxStep?: number;
  /** A starting inverse-Hessian approximation (row-major n × n), e.g. from a fit on a sample. */
  readonly inverseHessian?: Float64Array;
}

export interface Minimum {
  readonly point: Float64Array;
  readonly value: number;
  readonly gradient: Float64Array;
  readonly iterations: number;
  /** The final inverse-Hessian approximation (row-major). */
  readonly inverseHessian: Float64Array;
  /** True when the gradient tolerance was reached (not the iteration cap or a stuck line search). */
  readonly converged: boolean;
}

const ARMIJO = 1e-4;
/** A gradient this small counts as converged when rounding stops further progress. */
const STALLED_TOLERANCE = 1e-6;

/**
 * Minimises `objective` from `start`.
 * @example minimiseBfgs((p, g) => { g[0] = 2 * (p[0]! - 3); return (p[0]! - 3) ** 2; }, [0]).point // ≈ [3]
 */
export function minimiseBfgs(
  objective: Objective,
  start: readonly number[],
  options: MinimiseOptions = {},
): Minimum {
  const n = start.length;
  const tolerance = options.gradientTolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 1000;
  const maxStep = options.maxStep ?? 5;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let f = objective(x, g);
  if (!Number.isFinite(f))
    throw new RangeError(`the objective is not finite at the start [${start.join(', ')}]`);
  // The inverse-Hessian approximation, row-major.
  const h = options.inverseHessian ? Float64Array.from(options.inverseHessian) : identity(n);
  const direction = new Float64Array(n);
  let next = new Float64Array(n);
  let nextG = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const hy = new Float64Array(n);
  let iterations = 0;
  let resetOnce = false;
  let stalls = 0;
  for (; iterations < maxIterations; iterations++) {
    if (maxAbs(g) < tolerance)
      return { point: x, value: f, gradient: g, iterations, inverseHessian: h, converged: true };
    multiply(h, g, direction, n);
    for (let i = 0; i < n; i++) direction[i] = -(direction[i] ?? 0);
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      // Not a descent direction any more (rounding in H): restart from steepest descent.
      resetIdentity(h, n);
      for (let i = 0; i < n; i++) direction[i] = -(g[i] ?? 0);
      slope = dot(direction, g);
    }
    let step = Math.min(1, maxStep / maxAbs(direction));
    let fNext = Number.NaN;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) next[i] = (x[i] ?? 0) + step * (direction[i] ?? 0);
      fNext = objective(next, nextG);
      if (Number.isFinite(fNext) && fNext <= f + ARMIJO * step * slope) break;
      step *= 0.5;
      fNext = Number.NaN;
    }
    if (Number.isNaN(fNext)) {
      // The line search found no decrease: either converged to rounding, or H is poor. One reset, then stop.
      if (resetOnce) break;
      resetOnce = true;
      resetIdentity(h, n);
      continue;
    }
    resetOnce = false;
    // Decreases at the level of rounding: the gradient is as small as the arithmetic allows.
    stalls = f - fNext <= 1e-14 * Math.abs(f) ? stalls + 1 : 0;
    for (let i = 0; i < n; i++) {
      s[i] = (next[i] ?? 0) - (x[i] ?? 0);
      y[i] = (nextG[i] ?? 0) - (g[i] ?? 0);
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (iterations === 0 && !options.inverseHessian) {
        // Scale the first approximation to the curvature seen (N&W eq. 6.20).
        resetIdentity(h, n, sy / dot(y, y));
      }
      updateInverseHessian(h, s, y, sy, hy, n);
    }
    [x, next] = [next, x];
    [g, nextG] = [nextG, g];
    f = fNext;
    if (stalls >= 3) break;
  }
  const converged = maxAbs(g) < tolerance || (stalls >= 3 && maxAbs(g) < STALLED_TOLERANCE);
  return { point: x, value: f, gradient: g, iterations, inverseHessian: h, converged };
}

/** H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ, ρ = 1/sᵀy, written out without temporaries of n². */
function updateInverseHessian(
  h: Float64Array,
  s: Float64Array,
  y: Float64Array,
  sy: number,
  hy: Float64Array,
  n: number,
): void {
  const rho = 1 / sy;
  multiply(h, y, hy, n);
  const yhy = dot(y, hy);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const si = s[i] ?? 0;
      const sj = s[j] ?? 0;
      h[i * n + j] =
        (h[i * n + j] ?? 0) -
        rho * ((hy[i] ?? 0) * sj + si * (hy[j] ?? 0)) +
        (rho * rho * yhy + rho) * si * sj;
    }
  }
}

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  resetIdentity(m, n);
  return m;
}

function resetIdentity(m: Float64Array, n: number, scale = 1): void {
  m.fill(0);
  for (let i = 0; i < n; i++) m[i * n + i] = scale;
}

function multiply(m: Float64Array, v: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += (m[i * n + j] ?? 0) * (v[j] ?? 0);
    out[i] = sum;
  }
}

function dot(u: Float64Array, v: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += (u[i] ?? 0) * (v[i] ?? 0);
  return sum;
}

function maxAbs(v: Float64Array): number {
  let max = 0;
  for (const value of v) max = Math.max(max, Math.abs(value));
  return max;
}

/** Rows the starts are run on before the best one is polished on all rows. */
export const START_SAMPLE_ROWS = 20_000;

export interface MultiStartMinimum extends Minimum {
  readonly starts: number;
  /** Starts that reached the best value (to 1e-6 relative). */
  readonly startsAgreeing: number;
}

/**
 * Minimises from several starts and keeps the best. With `sampled` (the same objective over a
 * systematic sample of the rows), the starts run on the sample and only the best is polished
 * on all rows: on a large store the starts then cost little, and the polish starts in the
 * basin of the optimum.
 */
export function minimiseFromStarts(
  objective: Objective,
  starts: readonly (readonly number[])[],
  sampled?: Objective,
): MultiStartMinimum {
  const runs = starts.map((start) => minimiseBfgs(sampled ?? objective, start));
  const best = runs.reduce((u, v) => (v.value < u.value ? v : u));
  const agreeing = runs.filter(
    (run) => Math.abs(run.value - best.value) <= 1e-6 * Math.abs(best.value),
  ).length;
  // The sample's curvature is the full data's to sampling error (both are mean LLs per customer).
  const final = sampled
    ? minimiseBfgs(objective, [...best.point], { inverseHessian: best.inverseHessian })
    : best;
  return { ...final, starts: runs.length, startsAgreeing: agreeing };
}

/** Every k-th index so that about `rows` remain, or null when there are no more than that. */
export function sampleRows(count: number, rows = START_SAMPLE_ROWS): Int32Array | null {
  if (count <= rows) return null;
  const step = count / rows;
  return Int32Array.from({ length: rows }, (_, i) => Math.floor(i * step));
}
