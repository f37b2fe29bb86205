/**
 * k-means, the silhouette and k chosen by it, on planted clusters: Gaussian blobs drawn with a
 * seeded generator around centres far apart, whose labels the clustering must recover (adjusted
 * Rand index ≥ 0.9, computed by adjusted-rand-index.ts, itself checked against published values).
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../demo/random.js';
import { adjustedRandIndex } from './adjusted-rand-index.js';
import { chooseK, kmeans, type Matrix, sampleIndices, silhouette, standardise } from './kmeans.js';

/** n points per centre, each coordinate the centre's plus N(0, sd²); labels in drawing order. */
function blobs(
  centres: number[][],
  n: number,
  sd: number,
  seed: number,
): { matrix: Matrix; labels: Int32Array } {
  const random = new Random(seed);
  const d = centres[0]!.length;
  const total = centres.length * n;
  const values = new Float64Array(total * d);
  const labels = new Int32Array(total);
  centres.forEach((centre, c) => {
    for (let i = 0; i < n; i++) {
      const row = c * n + i;
      labels[row] = c;
      for (let f = 0; f < d; f++) values[row * d + f] = centre[f]! + sd * random.sampleNormal();
    }
  });
  return { matrix: { values, n: total, d }, labels };
}

const FOUR_CENTRES = [
  [0, 0, 0, 0, 0],
  [6, 0, 0, 2, 0],
  [0, 6, 0, 0, 2],
  [0, 0, 6, 2, 2],
];

describe('adjustedRandIndex', () => {
  // scikit-learn's documented examples of adjusted_rand_score.
  it('gives the published values', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714285714, 12);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285714, 12);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });
});

describe('kmeans', () => {
  it('recovers four planted clusters (ARI ≥ 0.9)', () => {
    const { matrix, labels } = blobs(FOUR_CENTRES, 250, 1, 7);
    const result = kmeans(matrix, { k: 4, seed: 1 });
    expect(adjustedRandIndex(result.assignment, labels)).toBeGreaterThanOrEqual(0.9);
    // The blobs touch at their edges, so a few points may cross; every cluster stays near 250.
    for (const size of result.sizes) expect(Math.abs(size - 250)).toBeLessThanOrEqual(10);
  });

  it('gives the same clusters for the same seed', () => {
    const { matrix } = blobs(FOUR_CENTRES, 100, 2.5, 3);
    const a = kmeans(matrix, { k: 5, seed: 42 });
    const b = kmeans(matrix, { k: 5, seed: 42 });
    expect([...a.assignment]).toEqual([...b.assignment]);
    expect([...a.centroids]).toEqual([...b.centroids]);
  });

  it('puts each centroid at the mean of its points', () => {
    // Two obvious pairs on a line: {0, 1} and {10, 12}.
    const matrix = { values: Float64Array.from([0, 1, 10, 12]), n: 4, d: 1 };
    const result = kmeans(matrix, { k: 2, seed: 5 });
    expect([...result.centroids].sort((x, y) => x - y)).toEqual([0.5, 11]);
    // Inertia: 0.25 + 0.25 + 1 + 1.
    expect(result.inertia).toBeCloseTo(2.5, 12);
  });

  it('keeps k clusters even when points repeat', () => {
    const matrix = { values: Float64Array.from([1, 1, 1, 1, 1, 2]), n: 6, d: 1 };
    const result = kmeans(matrix, { k: 3, seed: 9 });
    expect(result.sizes.length).toBe(3);
    expect([...result.sizes].reduce((s, x) => s + x, 0)).toBe(6);
  });
});

describe('silhouette', () => {
  it('gives the value worked out by hand', () => {
    // Points 0, 1 (cluster 0) and 4 (cluster 1, alone: s = 0).
    // Point 0: a = 1, b = 4, s = 3/4. Point 1: a = 1, b = 3, s = 2/3. Mean over 3 = (3/4 + 2/3) / 3.
    const matrix = { values: Float64Array.from([0, 1, 4]), n: 3, d: 1 };
    const score = silhouette(matrix, Int32Array.from([0, 0, 1]), 2, Int32Array.from([0, 1, 2]));
    expect(score).toBeCloseTo((3 / 4 + 2 / 3) / 3, 12);
  });
});

describe('chooseK', () => {
  it('chooses the planted number of clusters by the silhouette', () => {
    const { matrix, labels } = blobs(FOUR_CENTRES, 200, 1, 11);
    const chosen = chooseK(matrix, { seed: 3, sampleSize: 400 });
    expect(chosen.best.k).toBe(4);
    expect(chosen.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(adjustedRandIndex(chosen.best.assignment, labels)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('standardise and sampleIndices', () => {
  it('scales columns to mean 0 and sd 1 and zeroes a constant column', () => {
    const { matrix, means, sds } = standardise({ values: Float64Array.from([1, 5, 3, 5]), n: 2, d: 2 });
    expect([...means]).toEqual([2, 5]);
    expect([...sds]).toEqual([1, 0]);
    expect([...matrix.values]).toEqual([-1, 0, 1, 0]);
  });

  it('samples distinct indices, deterministically', () => {
    const a = sampleIndices(100, 10, 1);
    expect(new Set(a).size).toBe(10);
    expect([...a]).toEqual([...sampleIndices(100, 10, 1)]);
    expect(sampleIndices(5, 10, 1).length).toBe(5);
  });
});
