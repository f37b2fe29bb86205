import { describe, expect, it } from 'vitest';
import { formatInstant } from './instant.js';

describe('formatInstant', () => {
  it('writes the store time with its offset', () => {
    // 2026-12-04 19:26:08 UTC is 03:26:08 the next day in Shanghai (UTC+8, no daylight saving).
    expect(formatInstant(new Date(Date.UTC(2026, 11, 4, 19, 26, 8, 154)), 'Asia/Shanghai')).toBe(
      '2026-12-05T03:26:08+08:00',
    );
  });

  it('writes +00:00 at offset zero, never a bare GMT', () => {
    expect(formatInstant(new Date(Date.UTC(2011, 0, 18, 10, 1, 0)), 'Europe/London')).toBe(
      '2011-01-18T10:01:00+00:00',
    );
  });

  it('follows daylight saving: London is UTC+1 in summer', () => {
    expect(formatInstant(new Date(Date.UTC(2011, 6, 1, 23, 30, 0)), 'Europe/London')).toBe(
      '2011-07-02T00:30:00+01:00',
    );
  });

  it('keeps a half-hour offset', () => {
    expect(formatInstant(new Date(Date.UTC(2026, 0, 1, 0, 0, 0)), 'Asia/Kolkata')).toBe(
      '2026-01-01T05:30:00+05:30',
    );
  });

  it('writes midnight as 00, not 24', () => {
    expect(formatInstant(new Date(Date.UTC(2026, 0, 1, 16, 0, 0)), 'Asia/Shanghai')).toBe(
      '2026-01-02T00:00:00+08:00',
    );
  });
});
