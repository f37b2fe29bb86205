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
