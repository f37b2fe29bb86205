/**
 * Standard errors of maximum-likelihood estimates: the inverse of the observed information,
 * −∂²LL/∂θ², on the natural parameters. The Hessian is taken by central differences of the
 * analytic gradient (one gradient pair per parameter), then symmetrised.
 */

/** Gradient of the log-likelihood at natural parameters θ. */
export type Gradient = (theta: readonly number[]) => number[];

/** √diag((−H)⁻¹) with H the Hessian of the log-likelihood at its maximum θ̂; NaN where H is not negative definite. */
export function computeStandardErrors(gradient: Gradient, theta: readonly number[]): number[] {
  const n = theta.length;
  const hessian: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    const value = theta[j] ?? 0;
    const h = 1e-5 * Math.max(Math.abs(value), 1e-8);
    const up = gradient(theta.map((t, k) => (k === j ? value + h : t)));
    const down = gradient(theta.map((t, k) => (k === j ? value - h : t)));
    for (let i = 0; i < n; i++) (hessian[i] ?? [])[j] = ((up[i] ?? 0) - (down[i] ?? 0)) / (2 * h);
  }
  const information = hessian.map((row, i) =>
    row.map((_, j) => -((hessian[i]?.[j] ?? 0) + (hessian[j]?.[i] ?? 0)) / 2),
  );
  const covariance = invertMatrix(information);
  return covariance
    ? covariance.map((row, i) => {
        const variance = row[i] ?? Number.NaN;
        return variance > 0 ? Math.sqrt(variance) : Number.NaN;
      })
    : new Array<number>(n).fill(Number.NaN);
}

/** Gauss–Jordan inverse with partial pivoting; null for a singular matrix. */
export function invertMatrix(matrix: readonly (readonly number[])[]): number[][] | null {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++)
      if (Math.abs(a[row]?.[col] ?? 0) > Math.abs(a[pivot]?.[col] ?? 0)) pivot = row;
    const pivotRow = a[pivot];
    if (!pivotRow || !(Math.abs(pivotRow[col] ?? 0) > 0)) return null;
    [a[col], a[pivot]] = [pivotRow, a[col] ?? pivotRow];
    const scale = pivotRow[col] ?? 1;
    for (let k = 0; k < 2 * n; k++) pivotRow[k] = (pivotRow[k] ?? 0) / scale;
    for (let row = 0; row < n; row++) {
      const target = a[row];
      if (row === col || !target) continue;
      const factor = target[col] ?? 0;
      for (let k = 0; k < 2 * n; k++) target[k] = (target[k] ?? 0) - factor * (pivotRow[k] ?? 0);
    }
  }
  return a.map((row) => row.slice(n));
}
