import { describe, expect, it } from 'vitest';
import { isCalendarDay, isMonthDay } from './calendar-day.js';

describe('calendar days', () => {
  it('accepts days that exist and refuses the rest', () => {
    expect(['2024-02-29', '2026-12-31', '1997-01-01'].map(isCalendarDay)).toEqual([true, true, true]);
    expect(['2023-02-29', '2026-13-01', '2026-04-31', '2026-1-01', ' 2026-01-01'].map(isCalendarDay)).toEqual(
      [false, false, false, false, false],
    );
  });

  it('accepts a day of the year, 02-29 included', () => {
    expect(['02-29', '11-11', '12-31'].map(isMonthDay)).toEqual([true, true, true]);
    expect(['02-30', '13-01', '00-10', '1-11', '2024-11-11'].map(isMonthDay)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
