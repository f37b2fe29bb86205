/**
 * Maximum likelihood the way every model here is fitted: BFGS on the log-parameters (so every
 * trial point is valid) with the analytic gradient, from several starts; on a large data set
 * the starts run on a systematic sample and the best is polished on all rows; standard errors
 * from the inverse observed information on the natural parameters, and 95% intervals on the
 * log scale the fit runs on, transformed back (so the interval of a positive parameter is
 * positive, and skewed as its likelihood is). A model only gives its
 * log-likelihood with gradient, its rows and its starts.
 */
import { minimiseFromStarts } from './minimise-bfgs.js';
import { computeStandardErrors } from './standard-errors.js';

/** The two-sided 95% quantile of the standard normal. */
const Z_95 = 1.959963984540054;

export interface ModelFit<P> {
  readonly params: P;
  /** Standard errors from the inverse observed information on the natural parameters. */
  readonly standardErrors: P;
  /**
   * 95% intervals: θ̂ · exp(∓1.96 · se/θ̂), the Wald interval of log θ (whose standard error
   * is se/θ̂ by the delta method) transformed back. NaN where the standard error is.
   */
  readonly intervals: { readonly low: P; readonly high: P };
  readonly logLikelihood: number;
  /** Customers (Σ weights) and rows the fit ran over. */
  readonly customers: number;
  readonly rows: number;
  /** BFGS iterations of the best start. */
  readonly iterations: number;
  /** Starts tried, and how many reached the best log-likelihood (to 1e-6 relative). */
  readonly starts: number;
  readonly startsAgreeing: number;
  readonly converged: boolean;
}

/** Rows a log-likelihood runs over, weighted by how many customers each stands for. */
export interface WeightedRows {
  readonly totalWeight: number;
}

export interface LikelihoodFitOptions<P, R extends WeightedRows> {
  /** Σ weighted log-likelihood at natural parameters θ; fills ∂LL/∂θ into `gradient` when given. */
  readonly evaluate: (theta: readonly number[], rows: R, gradient?: Float64Array) => number;
  readonly toParams: (theta: readonly number[]) => P;
  readonly rows: R;
  /** The same rows sampled, for the starts, or null to start on all rows. */
  readonly sampled: R | null;
  /** Starting points on the natural scale. */
  readonly starts: readonly (readonly number[])[];
  /** Distinct rows of the data (for the report). */
  readonly rowCount: number;
}

export function fitByMaximumLikelihood<P, R extends WeightedRows>(
  options: LikelihoodFitOptions<P, R>,
): ModelFit<P> {
  const { evaluate, rows, sampled } = options;
  const size = options.starts[0]?.length ?? 0;
  const gradient = new Float64Array(size);
  const theta = new Array<number>(size).fill(0);
  // Mean negative LL per customer, so the tolerance means the same for any store size; the
  // gradient by the chain rule through θ = exp(point).
  const objectiveOf =
    (data: R) =>
    (point: Float64Array, out: Float64Array): number => {
      for (let i = 0; i < size; i++) theta[i] = Math.exp(point[i] ?? 0);
      const ll = evaluate(theta, data, gradient);
      for (let i = 0; i < size; i++) out[i] = (-(gradient[i] ?? 0) * (theta[i] ?? 0)) / data.totalWeight;
      return -ll / data.totalWeight;
    };
  const best = minimiseFromStarts(
    objectiveOf(rows),
    options.starts.map((start) => start.map(Math.log)),
    sampled ? objectiveOf(sampled) : undefined,
  );
  const estimate = [...best.point].map(Math.exp);
  const standardErrors = computeStandardErrors((at) => {
    const g = new Float64Array(size);
    evaluate(at, rows, g);
    return [...g];
  }, estimate);
  const bound = (sign: number): number[] =>
    estimate.map((value, i) => value * Math.exp((sign * Z_95 * (standardErrors[i] ?? Number.NaN)) / value));
  return {
    params: options.toParams(estimate),
    standardErrors: options.toParams(standardErrors),
    intervals: { low: options.toParams(bound(-1)), high: options.toParams(bound(1)) },
    logLikelihood: evaluate(estimate, rows),
    customers: rows.totalWeight,
    rows: options.rowCount,
    iterations: best.iterations,
    starts: best.starts,
    startsAgreeing: best.startsAgreeing,
    converged: best.converged,
  };
}
