/**
 * CDNOW (Fader & Hardie 2001): one row per purchase of the 23,570 customers who first bought
 * at CDNOW in Q1 1997, followed to mid-1998; the data set behind the BG/NBD, Pareto/NBD and
 * Gamma-Gamma papers. It comes in three copies, one format each, sharing one mapping:
 *
 * - `cdnow`: CDNOW_master.txt, whitespace-separated with leading spaces and a header
 *   ` customer_id  date number_of_cds  dollar_value`.
 * - `cdnow-sample`: CDNOW_sample.txt, the 1/10 sample of the papers (2,357 customers): no
 *   header, whitespace-separated `master_id sample_id date cds dollars`.
 * - `cdnow-elog`: BTYD's cdnowElog.csv, the same sample as comma CSV `masterid,sampleid,date,cds,sales`.
 *
 * Mapping:
 * - Each row is one completed order; its id is `<customer>-<yyyymmdd>-<n>`, n counting the
 *   customer's rows of that day in file order. The master's 255 rows that repeat another row
 *   exactly stay separate purchases (the data's curators read them so), and the sample's rows
 *   get the same ids as in the master, so importing both changes nothing.
 * - The customer is the master id, written with five digits as in the master (BTYD drops the
 *   zeros); the sample's re-numbering is kept as the attribute `cdnow_sample_id`, the ID of the
 *   published summaries. created_at is the first purchase day.
 * - The date is a day, read at 00:00 in the store's timezone; placed and paid then. The 80 rows
 *   of $0.00 are orders too (real rows: free or fully discounted CDs), adding nothing to GMV.
 * - A line whose fields are missing, cut or not numbers becomes a reject with its line number;
 *   blank lines are skipped and counted.
 */
import { column, type EntityMapping, type StoreFormat } from './store-format.js';

/** The staged column names of one copy of the data. */
interface CdnowColumns {
  readonly customer: string;
  readonly sampleId?: string;
  readonly date: string;
  readonly cds: string;
  readonly dollars: string;
}

interface CdnowLayout {
  readonly name: string;
  readonly title: string;
  readonly detect: StoreFormat['detect'];
  /** The file's columns in their order. */
  readonly fileColumns: readonly string[];
  readonly columns: CdnowColumns;
  readonly separator: RegExp;
  readonly headerless: boolean;
}

/**
 * A line as CSV with exactly `width` cells: missing cells are empty and surplus ones are kept
 * together in the last cell, so a cut or garbled line reaches the row checks (and is rejected
 * with its line number) instead of stopping DuckDB's reader.
 */
function toCsvLine(line: string, separator: RegExp, width: number): string {
  const trimmed = line.trim();
  const fields = trimmed === '' ? [] : trimmed.split(separator);
  const cells = fields.slice(0, width - 1);
  if (fields.length >= width) cells.push(fields.slice(width - 1).join(' '));
  while (cells.length < width) cells.push('');
  return cells.map((cell) => (/[",]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',');
}

const NUMBER = String.raw`\d+(\.\d+)?`;
const MASTER_HEADER = /^\s*customer_id\s+date\s+number_of_cds\s+dollar_value\s*$/;
const MASTER_ROW = new RegExp(String.raw`^\s*\d+\s+\d{8}\s+\d+\s+${NUMBER}\s*$`);
const SAMPLE_ROW = new RegExp(String.raw`^\s*\d+\s+\d+\s+\d{8}\s+\d+\s+${NUMBER}\s*$`);
const ELOG_HEADER = ['masterid', 'sampleid', 'date', 'cds', 'sales'];

/** True when most sampled lines (a stray bad one allowed) have the shape of a data row. */
function mostlyRows(lines: readonly string[], row: RegExp): boolean {
  const filled = lines.filter((line) => line.trim() !== '');
  const matching = filled.filter((line) => row.test(line)).length;
  return filled.length > 0 && matching >= Math.max(1, Math.ceil(filled.length * 0.8));
}

/** The five-digit master id (BTYD writes 4 for 00004); anything else as written. */
const customerId = (cell: string): string =>
  `CASE WHEN regexp_full_match(${cell}, '[0-9]{1,4}') THEN lpad(${cell}, 5, '0') ELSE ${cell} END`;

/** yyyymmdd as a naive timestamp at 00:00; any other text as written, to be rejected with it. */
const dayStart = (cell: string): string =>
  `CASE WHEN regexp_full_match(${cell}, '[0-9]{8}')
    THEN substr(${cell}, 1, 4) || '-' || substr(${cell}, 5, 2) || '-' || substr(${cell}, 7, 2) || ' 00:00:00'
    ELSE ${cell} END`;

function buildEntities(
  all: readonly string[],
  columns: CdnowColumns,
): { entities: EntityMapping[]; skipped: (staged: string) => string } {
  const blank = all.map((name) => `${column(name)} IS NULL`).join(' AND ');
  const date = column(columns.date);
  const rows = (staged: string): string =>
    `(SELECT line, ${customerId(column(columns.customer))} AS customer, ${date} AS date, ${dayStart(date)} AS day,
        ${column(columns.cds)} AS cds, ${column(columns.dollars)} AS dollars
        ${columns.sampleId ? `, ${column(columns.sampleId)} AS sample_id` : ''}
      FROM ${staged} WHERE NOT (${blank}))`;
  const attributes = columns.sampleId
    ? `, json_object('cdnow_sample_id', min(TRY_CAST(sample_id AS INTEGER)))::VARCHAR AS attributes`
    : '';
  return {
    entities: [
      {
        kind: 'customers',
        provides: ['id', 'created_at', ...(columns.sampleId ? ['attributes'] : [])],
        select: (staged) => `SELECT min(line) AS line, customer AS id,
            strftime(min(TRY_CAST(day AS TIMESTAMP)), '%Y-%m-%d %H:%M:%S') AS created_at${attributes}
          FROM ${rows(staged)} WHERE customer IS NOT NULL GROUP BY customer`,
      },
      {
        kind: 'orders',
        provides: [
          'id',
          'customer_id',
          'placed_at',
          'paid_at',
          'status',
          'paid_amount',
          'item_count',
          'source',
        ],
        select: (staged) => `SELECT line,
            customer || '-' || coalesce(date, '') || '-' || row_number() OVER (PARTITION BY customer, date ORDER BY line) AS id,
            customer AS customer_id, day AS placed_at, day AS paid_at, 'completed' AS status, dollars AS paid_amount,
            cds AS item_count, 'cdnow' AS source
          FROM ${rows(staged)}`,
      },
    ],
    skipped: (staged) =>
      `SELECT 'blank line' AS reason, count(*)::INTEGER AS rows FROM ${staged} WHERE ${blank} HAVING count(*) > 0`,
  };
}

function buildCdnowFormat(layout: CdnowLayout): StoreFormat {
  const names = layout.fileColumns;
  const { entities, skipped } = buildEntities(names, layout.columns);
  return {
    name: layout.name,
    title: layout.title,
    detect: layout.detect,
    requiredColumns: names,
    ...(layout.headerless ? { headerlessColumns: names } : {}),
    cleanLine: (line) => toCsvLine(line, layout.separator, names.length),
    entities,
    skipped,
  };
}

export const cdnow = buildCdnowFormat({
  name: 'cdnow',
  title: 'CDNOW master (CDNOW_master.txt)',
  detect: (sample) =>
    MASTER_HEADER.test(sample.lines[0] ?? '') && mostlyRows(sample.lines.slice(1), MASTER_ROW)
      ? 'header customer_id date number_of_cds dollar_value over whitespace-separated numbers (CDNOW master)'
      : null,
  fileColumns: ['customer_id', 'date', 'number_of_cds', 'dollar_value'],
  columns: { customer: 'customer_id', date: 'date', cds: 'number_of_cds', dollars: 'dollar_value' },
  separator: /\s+/,
  headerless: false,
});

export const cdnowSample = buildCdnowFormat({
  name: 'cdnow-sample',
  title: 'CDNOW 1/10 sample (CDNOW_sample.txt)',
  detect: (sample) =>
    mostlyRows(sample.lines, SAMPLE_ROW)
      ? 'no header; rows of master id, sample id, yyyymmdd date, CDs and dollars separated by spaces (CDNOW sample)'
      : null,
  fileColumns: ['master_id', 'sample_id', 'date', 'cds', 'dollars'],
  columns: { customer: 'master_id', sampleId: 'sample_id', date: 'date', cds: 'cds', dollars: 'dollars' },
  separator: /\s+/,
  headerless: true,
});

export const cdnowElog = buildCdnowFormat({
  name: 'cdnow-elog',
  title: "CDNOW 1/10 sample, BTYD's event log (cdnowElog.csv)",
  detect: (sample) =>
    sample.header.length === ELOG_HEADER.length &&
    ELOG_HEADER.every((name, index) => sample.header[index] === name)
      ? `header ${ELOG_HEADER.join(',')} (BTYD cdnowElog)`
      : null,
  fileColumns: ELOG_HEADER,
  columns: { customer: 'masterid', sampleId: 'sampleid', date: 'date', cds: 'cds', dollars: 'sales' },
  separator: /,/,
  headerless: false,
});
