/**
 * Calendar days written as text, checked the one way every entry point (flags, config) does:
 * the day must exist, so 2026-02-30 and 13-01 are refused.
 */

/** `YYYY-MM-DD` naming a day that exists. */
export function isCalendarDay(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  return day !== null && day.toISOString().slice(0, 10) === text;
}

/** `MM-DD` naming a day of some year (02-29 included: it exists in leap years). */
export function isMonthDay(text: string): boolean {
  return /^\d{2}-\d{2}$/.test(text) && isCalendarDay(`2024-${text}`);
}
