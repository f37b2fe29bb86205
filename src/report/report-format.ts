/** How the report writes figures, the same in HTML and in the terminal. */
import type { KpiPeriodFigures } from '../analytics/kpis/kpis.js';

/** A period's name, with its days when the range cuts it: "2026-10 (10-01–10-15)". */
export function describePeriod(period: KpiPeriodFigures): string {
  return period.partial
    ? `${period.period} (${period.start.slice(5)}–${period.end.slice(5)})`
    : period.period;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** An exact decimal string with thousands separators: "7750665.68" → "7,750,665.68"; whole: "7,750,666". */
export function formatMoney(amount: string, whole = false): string {
  const rounded = whole ? Math.round(Number(amount)).toString() : amount;
  const [integer = '0', fraction] = rounded.split('.');
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A share 0–1 as a percentage with one decimal; `empty` when unknown. */
export function formatPercent(share: number | null, empty = '–'): string {
  return share === null ? empty : `${(share * 100).toFixed(1)}%`;
}

/** A ratio to two decimals; `empty` when unknown. */
export function formatRatio(value: number | null, empty = '–'): string {
  return value === null ? empty : value.toFixed(2);
}

/** A percentage 0–100 rounded to one decimal, for chart data. */
export function toPercent(share: number | null): number | null {
  return share === null ? null : Math.round(share * 1000) / 10;
}

/** The UTC offset of a timezone at an instant, e.g. "UTC+8", "UTC−5", "UTC+5:30", "UTC". */
export function formatUtcOffset(at: Date, timezone: string): string {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'shortOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = name.replace('GMT', 'UTC').replace('-', '−');
  return offset === 'UTC+0' ? 'UTC' : offset;
}

/**
 * An instant as the store's clock shows it, with the offset: "2026-12-03 22:52 (UTC+8)".
 * @param iso an ISO 8601 instant, e.g. the report's generated_at "2026-12-03T14:52:38.707Z"
 */
export function formatStoreTime(iso: string, timezone: string): string {
  const at = new Date(iso);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} (${formatUtcOffset(at, timezone)})`;
}
