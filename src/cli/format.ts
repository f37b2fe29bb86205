/** Small formatting and flag-parsing helpers shared by the commands. */
import { InvalidArgumentError } from 'commander';
import { isCalendarDay } from '../domain/calendar-day.js';
import { AppError } from '../errors.js';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 row", "2 rows". */
export function formatRows(n: number, noun = 'row'): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Thousands separators for an exact decimal string: "7750665.68" → "7,750,665.68". */
export function formatMoney(amount: string): string {
  const [whole = '0', fraction] = amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Commander parser for a non-negative whole number flag. */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new InvalidArgumentError(`expected a whole number ≥ 0, found '${value}'`);
  return Number(value);
}

/** Commander parser for a positive whole number flag. */
export function parsePositive(value: string): number {
  const n = parseCount(value);
  if (n === 0) throw new InvalidArgumentError(`expected a whole number ≥ 1, found '${value}'`);
  return n;
}

/** Commander parser for a calendar day YYYY-MM-DD that exists. */
export function parseDay(value: string): string {
  if (!isCalendarDay(value.trim()))
    throw new InvalidArgumentError(`expected a day YYYY-MM-DD, found '${value}'`);
  return value.trim();
}

/** A share 0–1 as a percentage with one decimal; `empty` for an unknown share. */
export function formatPercent(share: number | null, empty = ''): string {
  return share === null ? empty : `${(share * 100).toFixed(1)}%`;
}

/**
 * The day flags of a command that runs one day (--as-of) or a range (--from with --to): both
 * ends or neither, not both ways at once, and a range in order.
 */
export function checkDayRange(flags: {
  readonly asOf?: string;
  readonly from?: string;
  readonly to?: string;
}): void {
  if ((flags.from === undefined) !== (flags.to === undefined))
    throw new AppError('BAD_ARGUMENT', '--from and --to go together');
  if (flags.from !== undefined && flags.asOf !== undefined)
    throw new AppError('BAD_ARGUMENT', 'give either --as-of or --from/--to, not both');
  if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to)
    throw new AppError('BAD_ARGUMENT', `--from ${flags.from} is after --to ${flags.to}`);
}
