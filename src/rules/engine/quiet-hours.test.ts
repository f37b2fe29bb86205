import { describe, expect, it } from 'vitest';
import { findQuietEnd } from './quiet-hours.js';

describe('findQuietEnd', () => {
  const night = { start: '20:00', end: '08:00' };
  it('holds an evening time in an overnight window until tomorrow', () => {
    expect(findQuietEnd(night, '20:00:00')).toBe(1);
    expect(findQuietEnd(night, '23:59:59')).toBe(1);
  });
  it('holds an early-morning time until the window ends today', () => {
    expect(findQuietEnd(night, '00:00:00')).toBe(0);
    expect(findQuietEnd(night, '07:59:59')).toBe(0);
  });
  it('lets the day through, from the end of the window to its start', () => {
    expect(findQuietEnd(night, '08:00:00')).toBeNull();
    expect(findQuietEnd(night, '19:59:59')).toBeNull();
  });
  it('reads a window within one day (a lunch break) as ending today', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(findQuietEnd(lunch, '12:45:00')).toBe(0);
    expect(findQuietEnd(lunch, '13:30:00')).toBeNull();
    expect(findQuietEnd(lunch, '11:59:00')).toBeNull();
  });
});
