/**
 * How query commands print results: `--format table|csv|json`. JSON and CSV go to stdout for
 * scripts; tables are for people. Messages (progress, notes) go to stderr, never mixed in.
 */
import { Option } from 'commander';
import stringWidth from 'string-width';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Cell = string | number | boolean | null;

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Columns to right-align (numbers). */
  readonly numeric?: ReadonlySet<string>;
}

const text = (cell: Cell): string => (cell === null ? '' : String(cell));

/** Display width; printable ASCII (most cells) skips string-width, which is slow on long lists. */
const displayWidth = (value: string): number =>
  /^[\x20-\x7e]*$/.test(value) ? value.length : stringWidth(value);

/** Renders a table with columns aligned by display width (CJK characters are two wide). */
export function renderTable(table: Table): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(text))];
  const widths = table.columns.map((_, index) =>
    Math.max(...cells.map((row) => displayWidth(text(row[index] ?? '')))),
  );
  const pad = (value: string, index: number): string => {
    const gap = ' '.repeat(Math.max(0, (widths[index] ?? 0) - displayWidth(value)));
    return table.numeric?.has(table.columns[index] ?? '') ? gap + value : value + gap;
  };
  const lines = cells.map((row) =>
    row
      .map((cell, index) => pad(text(cell), index))
      .join('  ')
      .trimEnd(),
  );
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [lines[0], rule, ...lines.slice(1)].join('\n');
}

/** RFC 4180 CSV. */
export function renderCsv(table: Table): string {
  const quote = (cell: Cell): string => {
    const value = text(cell);
    return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  };
  return [table.columns, ...table.rows].map((row) => row.map(quote).join(',')).join('\n');
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** The shared `--format` option of query commands. */
export function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table');
}
