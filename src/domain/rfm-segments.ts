/**
 * RFM segments: the 11 standard names with their zh-CN labels (the one dictionary), the default
 * map of the 5×5 grid of R × FM onto them, and the check that a map covers every cell once.
 * Pure data and functions, no I/O; the config loader and the RFM query both use them.
 */

/** The 11 standard segments, in the order reports list them (best first). */
export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalist',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose_them',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** Customers counted but with no purchase up to the as-of date: no scores, outside the grid. */
export const NO_PURCHASE = 'no_purchase' as const;
export type RfmSegmentOrNone = RfmSegment | typeof NO_PURCHASE;

/**
 * English names and zh-CN labels. 重要价值客户 and 重要挽留客户 are the names of the high-value
 * cells of the classic Chinese eight-class RFM model (重要价值/重要发展/重要保持/重要挽留…), used
 * for the segments they correspond to (high R, F, M; and high F, M with low R); the others are
 * the plain translations in common use in Chinese e-commerce analytics.
 */
export const RFM_SEGMENT_LABELS: Record<RfmSegmentOrNone, { readonly name: string; readonly zh: string }> = {
  champions: { name: 'Champions', zh: '重要价值客户' },
  loyal: { name: 'Loyal', zh: '忠诚客户' },
  potential_loyalist: { name: 'Potential Loyalist', zh: '潜在忠诚客户' },
  new: { name: 'New', zh: '新客户' },
  promising: { name: 'Promising', zh: '有潜力客户' },
  need_attention: { name: 'Need Attention', zh: '需要关注客户' },
  about_to_sleep: { name: 'About to Sleep', zh: '即将沉睡客户' },
  at_risk: { name: 'At Risk', zh: '流失风险客户' },
  cant_lose_them: { name: "Can't Lose Them", zh: '重要挽留客户' },
  hibernating: { name: 'Hibernating', zh: '沉睡客户' },
  lost: { name: 'Lost', zh: '流失客户' },
  no_purchase: { name: 'No purchase', zh: '未购买' },
};

/** A rectangle of grid cells: a score or an inclusive [low, high] range on each axis. */
export interface RfmCellRange {
  readonly r: number | [number, number];
  readonly fm: number | [number, number];
}

/** Segment → the cells it covers. The store's config may replace the default. */
export type RfmSegmentMap = Partial<Record<RfmSegment, RfmCellRange[]>>;

/**
 * The default map: the R × FM layout of Guillaume Martin's widely copied "RFM segmentation"
 * (2017; R × F there, applied to FM as most later tutorials do), with its bottom-left cell
 * R1×FM1 split off from Hibernating as Lost so that all 11 names are used.
 *
 *   R \ FM |  1               2                    3                    4          5
 *   -------+------------------------------------------------------------------------------------
 *     5    |  New             Potential Loyalist   Potential Loyalist   Champions  Champions
 *     4    |  Promising       Potential Loyalist   Potential Loyalist   Loyal      Loyal
 *     3    |  About to Sleep  About to Sleep       Need Attention       Loyal      Loyal
 *     2    |  Hibernating     Hibernating          At Risk              At Risk    Can't Lose Them
 *     1    |  Lost            Hibernating          At Risk              At Risk    Can't Lose Them
 */
export const DEFAULT_RFM_SEGMENT_MAP: RfmSegmentMap = {
  champions: [{ r: 5, fm: [4, 5] }],
  loyal: [{ r: [3, 4], fm: [4, 5] }],
  potential_loyalist: [{ r: [4, 5], fm: [2, 3] }],
  new: [{ r: 5, fm: 1 }],
  promising: [{ r: 4, fm: 1 }],
  need_attention: [{ r: 3, fm: 3 }],
  about_to_sleep: [{ r: 3, fm: [1, 2] }],
  at_risk: [{ r: [1, 2], fm: [3, 4] }],
  cant_lose_them: [{ r: [1, 2], fm: 5 }],
  hibernating: [
    { r: 2, fm: [1, 2] },
    { r: 1, fm: 2 },
  ],
  lost: [{ r: 1, fm: 1 }],
};

/** One grid cell and its segment. */
export interface RfmGridCell {
  readonly r: number;
  readonly fm: number;
  readonly segment: RfmSegment;
}

const SCORES = [1, 2, 3, 4, 5] as const;
const span = (range: number | readonly [number, number]): number[] =>
  typeof range === 'number' ? [range] : SCORES.filter((s) => s >= range[0] && s <= range[1]);
const cellName = (r: number, fm: number): string => `R${r}×FM${fm}`;

/**
 * The problems of a map, in grid order: every cell in two or more segments, then the cells in
 * none. An empty list means the map covers the 25 cells exactly once.
 * @example findSegmentMapProblems(map) // ['cell R2×FM3 is in both At Risk and Hibernating', 'cell R1×FM1 is in no segment']
 */
export function findSegmentMapProblems(map: RfmSegmentMap): string[] {
  const owners = new Map<string, RfmSegment[]>();
  for (const segment of RFM_SEGMENTS) {
    for (const range of map[segment] ?? []) {
      for (const r of span(range.r)) {
        for (const fm of span(range.fm)) {
          const key = cellName(r, fm);
          const list = owners.get(key) ?? [];
          if (!list.includes(segment)) list.push(segment);
          owners.set(key, list);
        }
      }
    }
  }
  const problems: string[] = [];
  const gaps: string[] = [];
  for (const r of [...SCORES].reverse()) {
    for (const fm of SCORES) {
      const list = owners.get(cellName(r, fm)) ?? [];
      const names = list.map((segment) => RFM_SEGMENT_LABELS[segment].name);
      if (list.length === 0) gaps.push(cellName(r, fm));
      else if (list.length > 1)
        problems.push(
          `cell ${cellName(r, fm)} is in both ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`,
        );
    }
  }
  if (gaps.length === 1) problems.push(`cell ${gaps[0]} is in no segment`);
  if (gaps.length > 1) problems.push(`cells ${gaps.join(', ')} are in no segment`);
  return problems;
}

/** The 25 cells of a map already checked by findSegmentMapProblems, R 5→1, FM 1→5. */
export function listGridCells(map: RfmSegmentMap): RfmGridCell[] {
  const cells: RfmGridCell[] = [];
  for (const segment of RFM_SEGMENTS) {
    for (const range of map[segment] ?? []) {
      for (const r of span(range.r)) for (const fm of span(range.fm)) cells.push({ r, fm, segment });
    }
  }
  return cells.sort((a, b) => b.r - a.r || a.fm - b.fm);
}

/**
 * FM = the mean of the F and M scores rounded half up: (F + M) / 2 = 2.5 → 3. Half up rather
 * than to even so that a higher F or M never lowers FM.
 */
export function getFmScore(f: number, m: number): number {
  return Math.floor((f + m + 1) / 2);
}
