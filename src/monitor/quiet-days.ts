/**
 * Quiet days: days the monitor leaves alone (festivals such as 双11 and the days around them,
 * whose pull empties the days before and whose after-sales wave fills the days after). Calendar
 * arithmetic on YYYY-MM-DD strings, pure.
 */
import type { MonitorConfig } from '../config/monitor-config.js';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD day. */
export function toDayNumber(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

/** The YYYY-MM-DD day of a day number. */
export function fromDayNumber(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** A day plus a whole number of days (negative goes back). */
export function addDays(day: string, days: number): string {
  return fromDayNumber(toDayNumber(day) + days);
}

/**
 * The quiet days from `from` to `to` as a set of YYYY-MM-DD: every listed date and every annual
 * day, each widened by window_days on either side.
 * @example listQuietDays('2025-11-01', '2025-11-30', { dates: [], annual: ['11-11'], window_days: 1 })
 *   // Set { '2025-11-10', '2025-11-11', '2025-11-12' }
 */
export function listQuietDays(from: string, to: string, quiet: MonitorConfig['quiet_days']): Set<string> {
  const first = toDayNumber(from);
  const last = toDayNumber(to);
  const centres: number[] = quiet.dates.map(toDayNumber);
  const firstYear = Number(from.slice(0, 4)) - 1;
  const lastYear = Number(to.slice(0, 4)) + 1;
  for (let year = firstYear; year <= lastYear; year++)
    for (const monthDay of quiet.annual) {
      // 02-29 of a year without it is no day: skip rather than roll over to 03-01.
      const day = `${year}-${monthDay}`;
      if (!Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && fromDayNumber(toDayNumber(day)) === day)
        centres.push(toDayNumber(day));
    }
  const days = new Set<string>();
  for (const centre of centres)
    for (let d = centre - quiet.window_days; d <= centre + quiet.window_days; d++)
      if (d >= first && d <= last) days.add(fromDayNumber(d));
  return days;
}
