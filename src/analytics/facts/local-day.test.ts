import { describe, expect, it } from 'vitest';
import { describeLocalDays, getOffsetSeconds } from './local-day.js';

const at = (iso: string): number => Date.parse(iso);

describe('local days', () => {
  it('reads the offset of a zone at an instant', () => {
    expect(getOffsetSeconds('Asia/Shanghai', at('2026-11-01T00:00:00Z'))).toBe(8 * 3600);
    expect(getOffsetSeconds('UTC', at('2026-11-01T00:00:00Z'))).toBe(0);
    // New York: EST (−5 h) in January, EDT (−4 h) in July.
    expect(getOffsetSeconds('America/New_York', at('2026-01-15T12:00:00Z'))).toBe(-5 * 3600);
    expect(getOffsetSeconds('America/New_York', at('2026-07-15T12:00:00Z'))).toBe(-4 * 3600);
    expect(getOffsetSeconds('Asia/Kolkata', at('2026-07-15T12:00:00Z'))).toBe(5.5 * 3600);
  });

  it('adds a fixed offset only where the zone kept one over the whole span', () => {
    expect(
      describeLocalDays('Asia/Shanghai', at('2000-01-01T00:00:00Z'), at('2026-12-31T00:00:00Z')),
    ).toEqual({
      kind: 'fixed',
      offsetSeconds: 28800,
    });
    // China kept summer time from 1986 to 1991.
    expect(
      describeLocalDays('Asia/Shanghai', at('1990-01-01T00:00:00Z'), at('2026-12-31T00:00:00Z')),
    ).toEqual({
      kind: 'zone',
    });
    expect(
      describeLocalDays('America/New_York', at('2026-01-01T00:00:00Z'), at('2026-12-31T00:00:00Z')),
    ).toEqual({
      kind: 'zone',
    });
    expect(
      describeLocalDays('America/New_York', at('2026-01-01T00:00:00Z'), at('2026-02-20T00:00:00Z')),
    ).toEqual({
      kind: 'fixed',
      offsetSeconds: -18000,
    });
  });
});
