/** Agreement of two clusterings of the same points, for tests and for comparing community runs. */

/**
 * Adjusted Rand index of two labellings of the same points (Hubert & Arabie 1985): 1 for
 * identical partitions (up to renaming), about 0 for chance agreement.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError('the two labellings must have the same length');
  const n = a.length;
  const pairs = (x: number): number => (x * (x - 1)) / 2;
  const table = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    table.set(`${x}|${y}`, (table.get(`${x}|${y}`) ?? 0) + 1);
    rows.set(x, (rows.get(x) ?? 0) + 1);
    cols.set(y, (cols.get(y) ?? 0) + 1);
  }
  let index = 0;
  for (const count of table.values()) index += pairs(count);
  let rowPairs = 0;
  for (const count of rows.values()) rowPairs += pairs(count);
  let colPairs = 0;
  for (const count of cols.values()) colPairs += pairs(count);
  const expected = (rowPairs * colPairs) / pairs(n);
  const max = (rowPairs + colPairs) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
