import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RFM_SEGMENT_MAP,
  findSegmentMapProblems,
  getFmScore,
  listGridCells,
  RFM_SEGMENT_LABELS,
  RFM_SEGMENTS,
} from './rfm-segments.js';

describe('the default RFM segment map', () => {
  it('covers each of the 25 cells of R × FM exactly once', () => {
    const cells = listGridCells(DEFAULT_RFM_SEGMENT_MAP).map((c) => `${c.r}${c.fm}`);
    expect(cells).toHaveLength(25);
    expect(new Set(cells).size).toBe(25);
    expect(findSegmentMapProblems(DEFAULT_RFM_SEGMENT_MAP)).toEqual([]);
  });

  it('uses all 11 standard segments, each with a zh-CN label', () => {
    const used = new Set(listGridCells(DEFAULT_RFM_SEGMENT_MAP).map((c) => c.segment));
    expect([...used].sort()).toEqual([...RFM_SEGMENTS].sort());
    for (const segment of RFM_SEGMENTS) expect(RFM_SEGMENT_LABELS[segment].zh).toMatch(/客户$/);
  });

  it('puts the corners where the tutorials do', () => {
    const at = (r: number, fm: number) =>
      listGridCells(DEFAULT_RFM_SEGMENT_MAP).find((c) => c.r === r && c.fm === fm)?.segment;
    expect([at(5, 5), at(5, 1), at(1, 5), at(1, 1), at(3, 3)]).toEqual([
      'champions',
      'new',
      'cant_lose_them',
      'lost',
      'need_attention',
    ]);
  });
});

describe('findSegmentMapProblems', () => {
  it('names a cell in two segments and a cell in none', () => {
    const map = {
      ...DEFAULT_RFM_SEGMENT_MAP,
      hibernating: [
        { r: 2, fm: [1, 3] as [number, number] },
        { r: 1, fm: 2 },
      ],
      lost: [],
    };
    expect(findSegmentMapProblems(map)).toEqual([
      'cell R2×FM3 is in both At Risk and Hibernating',
      'cell R1×FM1 is in no segment',
    ]);
  });
});

describe('getFmScore', () => {
  it('rounds the mean of F and M half up', () => {
    expect([
      getFmScore(1, 2),
      getFmScore(4, 5),
      getFmScore(3, 3),
      getFmScore(1, 1),
      getFmScore(5, 5),
    ]).toEqual([2, 5, 3, 1, 5]);
  });
});
