/**
 * k-means clustering and the silhouette, pure and deterministic, over a row-major matrix of n
 * points × d features in a Float64Array. No I/O: communities.ts feeds it the standardised
 * behaviour features of the members.
 *
 * - Seeding: k-means++ (Arthur & Vassilvitskii 2007): the first centre uniformly at random, each
 *   next one a point drawn with probability proportional to its squared distance to the nearest
 *   centre so far.
 * - Lloyd iterations until no point changes cluster (or maxIterations). A cluster left empty is
 *   given the point farthest from its centre, so there are always k clusters.
 * - Restarts: the run with the lowest inertia (Σ squared distance to the own centre) wins.
 * - Silhouette (Rousseeuw 1987) on a sample: for each sampled point, a = mean distance to the
 *   other sampled points of its cluster, b = the lowest mean distance to the sampled points of
 *   another cluster, s = (b − a) / max(a, b), and s = 0 for a point alone in its cluster; the
 *   score is the mean s. As scikit-learn's silhouette_score with sample_size.
 */
import { Random } from '../../demo/random.js';

export interface Matrix {
  /** Row-major: point i, feature j at i·d + j. */
  readonly values: Float64Array;
  readonly n: number;
  readonly d: number;
}

export interface KmeansOptions {
  readonly k: number;
  readonly seed: number;
  /** Independent k-means++ starts; the lowest inertia wins. Default 4. */
  readonly restarts?: number;
  /** Default 100. */
  readonly maxIterations?: number;
  /**
   * Stop once at most this share of the points changed cluster in a pass (default 0: until none
   * does). On hundreds of thousands of points the last passes move a handful of border points
   * back and forth and no centre visibly; a small share (e.g. 0.001) saves most of the passes.
   */
  readonly tolerance?: number;
}

export interface KmeansResult {
  readonly k: number;
  /** k × d, row-major. */
  readonly centroids: Float64Array;
  /** Cluster 0 … k−1 of each point. */
  readonly assignment: Int32Array;
  readonly sizes: Int32Array;
  readonly inertia: number;
  readonly iterations: number;
}

function squaredDistance(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let sum = 0;
  const rowA = i * d;
  const rowB = j * d;
  for (let f = 0; f < d; f++) {
    const diff = (a[rowA + f] as number) - (b[rowB + f] as number);
    sum += diff * diff;
  }
  return sum;
}

/** k-means++ seeding: k rows of the data as starting centres. */
function seedCentres(matrix: Matrix, k: number, random: Random): Float64Array {
  const { values, n, d } = matrix;
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let chosen = random.sampleInt(n);
  for (let c = 0; c < k; c++) {
    centres.set(values.subarray(chosen * d, chosen * d + d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const distance = squaredDistance(values, i, centres, c, d);
      if (distance < (nearest[i] ?? 0)) nearest[i] = distance;
      total += nearest[i] ?? 0;
    }
    if (c === k - 1) break;
    // All remaining points sit on a centre: any point will do.
    if (total === 0) {
      chosen = random.sampleInt(n);
      continue;
    }
    let target = random.nextFloat() * total;
    chosen = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i] ?? 0;
      if (target < 0) {
        chosen = i;
        break;
      }
    }
  }
  return centres;
}

function runLloyd(
  matrix: Matrix,
  centres: Float64Array,
  k: number,
  maxIterations: number,
  tolerance: number,
): KmeansResult {
  const { values, n, d } = matrix;
  const allowedChanges = Math.floor(tolerance * n);
  const assignment = new Int32Array(n).fill(-1);
  const sizes = new Int32Array(k);
  const distances = new Float64Array(n);
  let iterations = 0;
  for (let changed = true; changed && iterations < maxIterations; iterations++) {
    let changes = 0;
    // The hot loop: indices stay in bounds by construction, so no per-element checks.
    for (let i = 0; i < n; i++) {
      const row = i * d;
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const centre = c * d;
        let distance = 0;
        for (let f = 0; f < d; f++) {
          const diff = (values[row + f] as number) - (centres[centre + f] as number);
          distance += diff * diff;
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      distances[i] = bestDistance;
      if (assignment[i] !== best) {
        assignment[i] = best;
        changes++;
      }
    }
    changed = changes > allowedChanges;
    sizes.fill(0);
    centres.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i] as number;
      sizes[c] = (sizes[c] as number) + 1;
      for (let f = 0; f < d; f++)
        centres[c * d + f] = (centres[c * d + f] as number) + (values[i * d + f] as number);
    }
    for (let c = 0; c < k; c++) {
      const size = sizes[c] ?? 0;
      if (size > 0) {
        for (let f = 0; f < d; f++) centres[c * d + f] = (centres[c * d + f] ?? 0) / size;
        continue;
      }
      // An empty cluster takes the point farthest from its centre; the next pass reassigns.
      let farthest = 0;
      for (let i = 1; i < n; i++) if ((distances[i] ?? 0) > (distances[farthest] ?? 0)) farthest = i;
      centres.set(values.subarray(farthest * d, farthest * d + d), c * d);
      distances[farthest] = 0;
      changed = true;
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(values, i, centres, assignment[i] ?? 0, d);
  return { k, centroids: centres, assignment, sizes, inertia, iterations };
}

/**
 * Clusters the points into k groups; the same matrix, k and seed give the same result.
 * @example kmeans({ values, n: 1000, d: 4 }, { k: 3, seed: 1 }).assignment
 */
export function kmeans(matrix: Matrix, options: KmeansOptions): KmeansResult {
  const { k, seed } = options;
  if (!Number.isInteger(k) || k < 1 || k > matrix.n)
    throw new RangeError(`k must be a whole number from 1 to the ${matrix.n} points, got ${k}`);
  const random = new Random(seed);
  let best: KmeansResult | undefined;
  for (let start = 0; start < (options.restarts ?? 4); start++) {
    const result = runLloyd(
      matrix,
      seedCentres(matrix, k, random),
      k,
      options.maxIterations ?? 100,
      options.tolerance ?? 0,
    );
    if (best === undefined || result.inertia < best.inertia) best = result;
  }
  if (best === undefined) throw new RangeError('restarts must be at least 1');
  return best;
}

/** `size` distinct indices of 0 … n−1 (all of them when size ≥ n), in ascending order. */
export function sampleIndices(n: number, size: number, seed: number): Int32Array {
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  // Partial Fisher–Yates shuffle: the first `size` slots are a uniform sample.
  const random = new Random(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + random.sampleInt(n - i);
    const swap = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = swap;
  }
  return order.subarray(0, size).sort();
}

/** The mean silhouette of the points `sample` (indices into the matrix) under `assignment`. */
export function silhouette(matrix: Matrix, assignment: Int32Array, k: number, sample: Int32Array): number {
  const { values, d } = matrix;
  const m = sample.length;
  if (m === 0) return 0;
  const sums = new Float64Array(k);
  const counts = new Int32Array(k);
  for (const i of sample) counts[assignment[i] ?? 0] = (counts[assignment[i] ?? 0] ?? 0) + 1;
  let total = 0;
  for (const i of sample) {
    const own = assignment[i] ?? 0;
    if ((counts[own] ?? 0) <= 1) continue;
    sums.fill(0);
    for (const j of sample) {
      if (j === i) continue;
      const c = assignment[j] ?? 0;
      sums[c] = (sums[c] ?? 0) + Math.sqrt(squaredDistance(values, i, values, j, d));
    }
    const a = (sums[own] ?? 0) / ((counts[own] ?? 0) - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++)
      if (c !== own && (counts[c] ?? 0) > 0) b = Math.min(b, (sums[c] ?? 0) / (counts[c] ?? 1));
    if (b === Number.POSITIVE_INFINITY) continue;
    const scale = Math.max(a, b);
    total += scale === 0 ? 0 : (b - a) / scale;
  }
  return total / m;
}

/**
 * Standardises each column to mean 0 and standard deviation 1 (population sd), in a copy. A
 * constant column becomes all zeros, so it weighs nothing in the distances.
 */
export function standardise(matrix: Matrix): { matrix: Matrix; means: Float64Array; sds: Float64Array } {
  const { values, n, d } = matrix;
  const means = new Float64Array(d);
  const sds = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < d; f++) means[f] = (means[f] ?? 0) + (values[i * d + f] ?? 0);
  for (let f = 0; f < d; f++) means[f] = (means[f] ?? 0) / Math.max(n, 1);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < d; f++) sds[f] = (sds[f] ?? 0) + ((values[i * d + f] ?? 0) - (means[f] ?? 0)) ** 2;
  for (let f = 0; f < d; f++) sds[f] = Math.sqrt((sds[f] ?? 0) / Math.max(n, 1));
  const scaled = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < d; f++) {
      const sd = sds[f] ?? 0;
      scaled[i * d + f] = sd > 1e-12 ? ((values[i * d + f] ?? 0) - (means[f] ?? 0)) / sd : 0;
    }
  return { matrix: { values: scaled, n, d }, means, sds };
}

export interface ChooseKOptions {
  readonly seed: number;
  /** Default 2. */
  readonly minK?: number;
  /** Default 8 (never more than the points − 1). */
  readonly maxK?: number;
  /** Points the silhouette is measured on. Default 2,000. */
  readonly sampleSize?: number;
  readonly restarts?: number;
  /** As KmeansOptions.tolerance. */
  readonly tolerance?: number;
}

export interface ChosenK {
  readonly best: KmeansResult;
  /** The silhouette of each k tried, in order. */
  readonly scores: readonly { readonly k: number; readonly silhouette: number }[];
}

/**
 * Runs k-means for every k from minK to maxK and keeps the one with the highest silhouette on a
 * seeded sample (the lowest k on a tie). Needs at least 3 points.
 */
export function chooseK(matrix: Matrix, options: ChooseKOptions): ChosenK {
  const minK = options.minK ?? 2;
  const maxK = Math.min(options.maxK ?? 8, matrix.n - 1);
  if (maxK < minK) throw new RangeError(`too few points (${matrix.n}) to choose k from ${minK}`);
  const sample = sampleIndices(matrix.n, options.sampleSize ?? 2000, options.seed);
  const scores: { k: number; silhouette: number }[] = [];
  let best: { result: KmeansResult; score: number } | undefined;
  for (let k = minK; k <= maxK; k++) {
    const result = kmeans(matrix, {
      k,
      seed: options.seed,
      restarts: options.restarts,
      tolerance: options.tolerance,
    });
    const score = silhouette(matrix, result.assignment, k, sample);
    scores.push({ k, silhouette: score });
    if (best === undefined || score > best.score) best = { result, score };
  }
  if (best === undefined) throw new RangeError('no k was tried');
  return { best: best.result, scores };
}
