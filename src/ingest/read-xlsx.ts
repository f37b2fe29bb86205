/**
 * Reads an Excel workbook (.xlsx) as one CSV table, for the store exports that come as workbooks
 * (千牛's order export: sheets 订单表 and 子订单表). The rows of every sheet go into one table so a
 * store format can map them with plain SQL: `__sheet` names the sheet a row came from, `__row` is
 * the row's number in that sheet (what Excel shows, to name in messages), and the other columns
 * are the union of the sheets' header names (trimmed), empty where a sheet lacks the column.
 *
 * The first non-empty row of a sheet is its header; empty rows are left out. Cells become text:
 * dates as `YYYY-MM-DD HH:MM:SS` (Excel stores naive local times, so the store's timezone
 * applies), numbers to the 15 significant digits Excel shows, formulas as their cached result.
 * A whole number of 16 digits or more is refused: Excel keeps 15 significant digits, so an
 * order number stored as a number has already been rounded and cannot be recovered.
 *
 * The workbook is streamed twice (once to learn the sheets and headers, once to write the CSV):
 * memory holds its shared strings, not its rows. exceljs is loaded only when a workbook is read.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { stream } from 'exceljs';
import { AppError } from '../errors.js';

/** The column naming each row's sheet. */
export const SHEET_COLUMN = '__sheet';
/** The column holding each row's number within its sheet (1 = the sheet's first row). */
export const ROW_COLUMN = '__row';

export interface SheetOutline {
  readonly name: string;
  /** Header names, trimmed, in sheet order; a blank or repeated name becomes column_N. */
  readonly header: readonly string[];
  /** The sheet row number of the header. */
  readonly headerRow: number;
  /** Non-empty data rows. */
  readonly rows: number;
}

export interface WorkbookOutline {
  readonly sheets: readonly SheetOutline[];
  /** The columns of the CSV the workbook is read as: __sheet, __row, then the union of the headers. */
  readonly columns: readonly string[];
}

export interface WorkbookSample {
  readonly outline: WorkbookOutline;
  /** The start of the CSV text (header line and the first rows of each sheet). */
  readonly head: string;
}

const SAMPLE_ROWS_PER_SHEET = 20;
/** Excel's precision: a whole number with more digits than this has been rounded. */
const EXACT_DIGITS = 15;

type WorksheetReader = stream.xlsx.WorksheetReader & { readonly name?: string; readonly id?: number };

interface SheetRow {
  readonly sheet: string;
  readonly number: number;
  readonly cells: readonly string[];
}

/**
 * Reads every sheet's header and row count, and the first rows as CSV text. Throws BAD_FILE for
 * a ZIP that is not a workbook, and for a number Excel has rounded.
 */
export async function sampleWorkbook(path: string): Promise<WorkbookSample> {
  const sheets: { name: string; header: string[]; headerRow: number; rows: number; sample: SheetRow[] }[] =
    [];
  for await (const sheet of readSheets(path)) {
    let current: (typeof sheets)[number] | undefined;
    for await (const row of sheet.rows) {
      if (!current) {
        current = {
          name: sheet.name,
          header: headerNames(row.cells),
          headerRow: row.number,
          rows: 0,
          sample: [],
        };
        continue;
      }
      current.rows++;
      if (current.sample.length < SAMPLE_ROWS_PER_SHEET) current.sample.push(row);
    }
    if (current) sheets.push(current);
  }
  if (sheets.length === 0)
    throw new AppError('BAD_FILE', `${path} is an Excel workbook without any filled sheet`);
  const outline: WorkbookOutline = { sheets, columns: unionColumns(sheets) };
  const lines = [toCsvLine(outline.columns)];
  for (const sheet of sheets) {
    for (const row of sheet.sample) lines.push(toCsvLine(csvCells(outline, sheet, row)));
  }
  return { outline, head: `${lines.join('\n')}\n` };
}

/** Writes the workbook as one UTF-8 CSV file with the outline's columns. */
export async function writeWorkbookCsv(
  path: string,
  outline: WorkbookOutline,
  target: string,
): Promise<void> {
  async function* lines(): AsyncGenerator<string> {
    yield `${toCsvLine(outline.columns)}\n`;
    for await (const sheet of readSheets(path)) {
      const known = outline.sheets.find((s) => s.name === sheet.name);
      for await (const row of sheet.rows) {
        if (!known || row.number <= known.headerRow) continue;
        yield `${toCsvLine(csvCells(outline, known, row))}\n`;
      }
    }
  }
  // pipeline(): a failed write (a full disk) ends the reading too, as one rejected promise.
  await pipeline(Readable.from(lines()), createWriteStream(target));
}

async function* readSheets(path: string): AsyncGenerator<{ name: string; rows: AsyncGenerator<SheetRow> }> {
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    styles: 'cache', // dates are numbers with a date style: the styles turn them into Dates
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let count = 0;
  try {
    for await (const worksheet of reader) {
      const sheet = worksheet as WorksheetReader;
      count++;
      const name = sheet.name ?? `Sheet${sheet.id ?? count}`;
      yield { name, rows: readRows(path, name, sheet) };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError(
      'BAD_FILE',
      `${path} is a ZIP archive but not a readable Excel workbook (.xlsx) (${message}); give a CSV, JSON Lines or Parquet file, or a store's .xlsx export`,
      { cause: error },
    );
  }
  if (count === 0) {
    throw new AppError(
      'BAD_FILE',
      `${path} is a ZIP archive but not an Excel workbook (.xlsx): it has no worksheets; give a CSV, JSON Lines or Parquet file, or a store's .xlsx export`,
    );
  }
}

async function* readRows(path: string, sheet: string, reader: WorksheetReader): AsyncGenerator<SheetRow> {
  try {
    yield* readCells(path, sheet, reader);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('BAD_FILE', `${path}: sheet ${sheet} cannot be read (${message})`, { cause: error });
  }
}

async function* readCells(path: string, sheet: string, reader: WorksheetReader): AsyncGenerator<SheetRow> {
  let header: readonly string[] | undefined;
  for await (const row of reader) {
    const values: readonly unknown[] = Array.isArray(row.values) ? row.values : [];
    const cells: string[] = [];
    // exceljs rows are 1-based sparse arrays: index 0 is always empty.
    for (let index = 1; index < values.length; index++) {
      cells.push(
        cellText(
          values[index],
          () => `${path}: sheet ${sheet} row ${row.number} column ${header?.[index - 1] ?? index}`,
        ),
      );
    }
    if (cells.every((cell) => cell.trim() === '')) continue;
    header ??= headerNames(cells);
    yield { sheet, number: row.number, cells };
  }
}

function headerNames(cells: readonly string[]): string[] {
  const seen = new Set<string>();
  return cells.map((cell, index) => {
    const trimmed = cell.trim();
    const name = trimmed === '' || seen.has(trimmed) ? `column_${index + 1}` : trimmed;
    seen.add(name);
    return name;
  });
}

function unionColumns(sheets: readonly { header: readonly string[] }[]): string[] {
  const columns = [SHEET_COLUMN, ROW_COLUMN];
  for (const sheet of sheets) {
    for (const name of sheet.header) if (!columns.includes(name)) columns.push(name);
  }
  return columns;
}

function csvCells(outline: WorkbookOutline, sheet: SheetOutline, row: SheetRow): string[] {
  const byName = new Map<string, string>([
    [SHEET_COLUMN, sheet.name],
    [ROW_COLUMN, String(row.number)],
  ]);
  sheet.header.forEach((name, index) => byName.set(name, row.cells[index] ?? ''));
  return outline.columns.map((name) => byName.get(name) ?? '');
}

function toCsvLine(cells: readonly string[]): string {
  return cells.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',');
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** A cell as text; `where` names the cell for an error. */
function cellText(value: unknown, where: () => string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) >= 10 ** EXACT_DIGITS) {
      throw new AppError(
        'BAD_FILE',
        `${where()} holds the number ${value}, longer than the ${EXACT_DIGITS} digits Excel keeps exactly (an order number saved as a number has been rounded); export the workbook again without re-saving it in Excel, or format that column as text`,
      );
    }
    // Excel shows 15 significant digits: that drops binary noise such as 0.30000000000000004.
    return String(Number(value.toPrecision(EXACT_DIGITS)));
  }
  if (value instanceof Date) {
    // Excel stores a naive local date-time; exceljs reads it as if it were UTC.
    return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`;
  }
  if (typeof value === 'object') {
    const cell = value as {
      richText?: { text: string }[];
      text?: unknown;
      result?: unknown;
      error?: unknown;
    };
    if (Array.isArray(cell.richText)) return cell.richText.map((part) => part.text).join('');
    if ('result' in cell) return cellText(cell.result, where);
    if ('error' in cell) return '';
    if (cell.text !== undefined) return cellText(cell.text, where);
  }
  return '';
}
