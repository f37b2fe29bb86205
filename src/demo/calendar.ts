/**
 * The demo generator's calendar: the period it generates, in the store's local time (Asia/Shanghai, UTC+08:00
 * all year, China has no daylight saving). Times are whole seconds since the period start and dates are day
 * indices from it, so formatting a timestamp is a table lookup and never reads a clock or a time zone database.
 */

import { AppError } from '../errors.js';

export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_WEEK = 604_800;
const STORE_UTC_OFFSET_MS = 8 * 3_600_000;

export interface Calendar {
  startDate: string;
  endDate: string;
  days: number;
  /** Last second of the period (endDate 23:59:59). */
  endSecond: number;
  /** Day index → 'YYYY-MM-DD'. */
  dayLabels: readonly string[];
  /** UTC milliseconds of the period start (startDate 00:00 at +08:00). */
  startUtcMs: number;
}

/** Parses a YYYY-MM-DD date; throws a BAD_ARGUMENT AppError naming `field` when it is malformed or no real date. */
export function parseDate(text: string, field: string): { year: number; month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [year, month, day] =
    match === null ? [Number.NaN, Number.NaN, Number.NaN] : match.slice(1).map(Number);
  if (year === undefined || month === undefined || day === undefined || !isValidDate(year, month, day)) {
    throw new AppError(
      'BAD_ARGUMENT',
      `${field} must be a date written YYYY-MM-DD, got ${JSON.stringify(text)}`,
    );
  }
  return { year, month, day };
}

function isValidDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) && month >= 1 && month <= 12 && day >= 1 && day <= getDaysInMonth(year, month)
  );
}

/** Number of days in a month (1–12) of the proleptic Gregorian calendar. */
export function getDaysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The period of `years` whole years ending on `endDate` (YYYY-MM-DD, store time), with its day labels. */
export function createCalendar(endDate: string, years: number): Calendar {
  const end = parseDate(endDate, 'endDate');
  // The period is the `years` whole years ending on endDate: 2026-10-31 and 2 years start on 2024-11-01.
  const startUtcMs = Date.UTC(end.year - years, end.month - 1, end.day + 1) - STORE_UTC_OFFSET_MS;
  const endUtcMs = Date.UTC(end.year, end.month - 1, end.day) - STORE_UTC_OFFSET_MS;
  const days = Math.round((endUtcMs - startUtcMs) / 86_400_000) + 1;
  const dayLabels: string[] = [];
  for (let day = 0; day < days; day++) {
    dayLabels.push(new Date(startUtcMs + STORE_UTC_OFFSET_MS + day * 86_400_000).toISOString().slice(0, 10));
  }
  return {
    startDate: dayLabels[0] ?? endDate,
    endDate,
    days,
    endSecond: days * SECONDS_PER_DAY - 1,
    dayLabels,
    startUtcMs,
  };
}

/** Day index of a calendar date relative to the period start (may be outside the period). */
export function getDayIndex(calendar: Calendar, year: number, month: number, day: number): number {
  return Math.round(
    (Date.UTC(year, month - 1, day) - STORE_UTC_OFFSET_MS - calendar.startUtcMs) / 86_400_000,
  );
}

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** A number from 0 to 99 as two digits: 7 → '07'. */
export function formatPad2(value: number): string {
  return PAD2[value] ?? String(value);
}

/** 'YYYY-MM-DD' of a day index; throws a RangeError outside the period. */
export function formatDay(calendar: Calendar, day: number): string {
  const label = calendar.dayLabels[day];
  if (label === undefined) throw new RangeError(`day ${day} is outside the generated period`);
  return label;
}

/** 'YYYY-MM-DD HH:MM:SS' in store time of a second since the period start. */
export function formatTimestamp(calendar: Calendar, second: number): string {
  const day = Math.floor(second / SECONDS_PER_DAY);
  const rest = second - day * SECONDS_PER_DAY;
  const hour = Math.floor(rest / 3600);
  const minute = Math.floor((rest - hour * 3600) / 60);
  return `${formatDay(calendar, day)} ${formatPad2(hour)}:${formatPad2(minute)}:${formatPad2(rest % 60)}`;
}
