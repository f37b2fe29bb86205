/**
 * How DuckDB reads an input file: the CSV dialect (read from the header line ourselves), the
 * reader SQL per container, the header's column names, and DuckDB's read errors turned into
 * the user's words (file, line, what is wrong).
 */
import { AppError, firstLine } from '../errors.js';
import { quoteIdent, quoteLiteral, raw } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { describeNotText, type InspectedFile, type VerifiedFile } from './inspect-file.js';
import { trimmedCell } from './typed-rows.js';

export interface CsvDialect {
  readonly delimiter: string;
  readonly names: readonly string[];
}

const DELIMITERS = [',', '\t', ';', '|'] as const;

/**
 * Reads the CSV header line ourselves: DuckDB's sniffer, given a ragged file, may skip rows or
 * treat the header as data, which would hide the very errors we must report.
 */
export function parseCsvHeader(head: string): CsvDialect {
  const line = (head.split('\n', 1)[0] ?? '').replace(/\r$/, '');
  const delimiter =
    [...DELIMITERS].sort((a, b) => splitCsvLine(line, b).length - splitCsvLine(line, a).length)[0] ?? ',';
  return { delimiter, names: splitCsvLine(line, delimiter) };
}

/** The cells of one CSV line, quotes honoured (`""` inside quotes is one `"`). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (char === '"') {
      if (quoted && line[index + 1] === '"') {
        current += '"';
        index++;
      } else {
        quoted = !quoted;
      }
    } else if (char === delimiter && !quoted) {
      names.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  names.push(current);
  return names;
}

export function sourceSql(file: InspectedFile, columns?: ReadonlyMap<string, string>): string {
  const path = quoteLiteral(file.path);
  switch (file.container) {
    case 'csv': {
      const dialect = parseCsvHeader(file.head);
      const types = dialect.names.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`).join(', ');
      return `read_csv(${path}, auto_detect = false, header = true, skip = 0, delim = ${quoteLiteral(dialect.delimiter)},
        quote = '"', escape = '"', strict_mode = true, null_padding = false,
        compression = '${file.gzip ? 'gzip' : 'none'}', columns = {${types}})`;
    }
    case 'jsonl': {
      const types = columns ? [...columns.values()].map((name) => `${quoteLiteral(name)}: 'VARCHAR'`) : [];
      const columnOption = types.length ? `, columns = {${types.join(', ')}}` : '';
      return `read_json(${path}, format = 'newline_delimited', compression = '${file.gzip ? 'gzip' : 'uncompressed'}'${columnOption})`;
    }
    case 'parquet':
      return `read_parquet(${path})`;
  }
}

export async function readHeader(store: Store, file: InspectedFile): Promise<string[]> {
  if (file.container === 'csv') return [...parseCsvHeader(file.head).names];
  try {
    if (file.container === 'jsonl') {
      const rows = await store.query<{ key: string }>(
        raw(
          `SELECT DISTINCT unnest(json_keys(json)) AS key FROM read_json_objects(${quoteLiteral(file.path)}, format = 'newline_delimited', compression = '${file.gzip ? 'gzip' : 'uncompressed'}')`,
        ),
      );
      return rows.map((row) => row.key);
    }
    const rows = await store.query<{ column_name: string }>(raw(`DESCRIBE SELECT * FROM ${sourceSql(file)}`));
    return rows.map((row) => row.column_name);
  } catch (error) {
    throw describeReadError(file, error);
  }
}

/** The file as a relation of VARCHAR columns named canonically. */
export function fileSourceSql(file: InspectedFile, columns: ReadonlyMap<string, string>): string {
  const select = [...columns].map(
    ([canonical, written]) => `CAST(${quoteIdent(written)} AS VARCHAR) AS ${quoteIdent(canonical)}`,
  );
  return `(SELECT ${select.join(', ')} FROM ${sourceSql(file, columns)})`;
}

/** Runs work that reads the file, turning DuckDB's read errors into the user's words. */
export async function guardRead<T>(
  file: InspectedFile,
  verification: Promise<VerifiedFile>,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    // A truncated gzip often surfaces as a parse error at the cut: report the real cause.
    await verification;
    throw describeReadError(file, error);
  }
}

export function describeReadError(file: InspectedFile, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const line = /on Line: (\d+)/i.exec(message)?.[1];
  const where = line ? `${file.path}:${line}` : file.path;
  // The start of the file was read as UTF-8 (inspect-file.ts), so this is further in.
  if (/Invalid unicode|not utf-8/i.test(message))
    return describeNotText(file.path, 'utf-8', Number(line ?? 1), error);
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (columns) {
    return new AppError(
      'BAD_FILE',
      `${where}: row has ${columns[2]} fields but the header has ${columns[1]}`,
      {
        cause: error,
      },
    );
  }
  if (/unterminated quote|quote/i.test(message) && line) {
    return new AppError('BAD_FILE', `${where}: a quoted field is not closed`, { cause: error });
  }
  if (/malformed JSON|JSON/i.test(message) && file.container === 'jsonl') {
    return new AppError('BAD_FILE', `${where}: not valid JSON Lines: ${firstLine(message)}`, {
      cause: error,
    });
  }
  if (/parquet|magic/i.test(message)) {
    return new AppError('BAD_FILE', `${file.path}: not a readable Parquet file: ${firstLine(message)}`, {
      cause: error,
    });
  }
  return new AppError('BAD_FILE', `${where}: cannot read as ${file.container}: ${firstLine(message)}`, {
    cause: error,
  });
}

/** A text file ready for DuckDB: UTF-8 CSV with a header row (see prepare-text.ts). */
export interface PreparedText {
  readonly path: string;
  /** True when it is a cleaned copy to delete after the import. */
  readonly temporary: boolean;
  readonly gzip: boolean;
  readonly dialect: CsvDialect;
  /** The line of the original file the first data row came from. */
  readonly firstDataLine: number;
}

/**
 * SELECT of every cell as text, named by its header trimmed (Taobao writes `收货地址 `), with
 * empty cells as NULL, and the format's staged columns computed from those cells. Unnamed or
 * repeated header cells become column_N.
 */
export function stagedCsvSql(
  text: PreparedText,
  stagedColumns: Readonly<Record<string, string>> = {},
): string {
  const seen = new Set<string>();
  const names = text.dialect.names.map((written, index) => {
    const trimmed = written.trim();
    const name = trimmed === '' || seen.has(trimmed) ? `column_${index + 1}` : trimmed;
    seen.add(name);
    return name;
  });
  const reader = `read_csv(${quoteLiteral(text.path)}, auto_detect = false, header = true, skip = 0,
    delim = ${quoteLiteral(text.dialect.delimiter)}, quote = '"', escape = '"', strict_mode = true, null_padding = false,
    compression = '${text.gzip ? 'gzip' : 'none'}', columns = {${names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(', ')}})`;
  const cells = `SELECT ${names.map((n) => `NULLIF(${trimmedCell(quoteIdent(n))}, '') AS ${quoteIdent(n)}`).join(', ')} FROM ${reader}`;
  const computed = Object.entries(stagedColumns).map(
    ([name, expression]) => `${expression} AS ${quoteIdent(name)}`,
  );
  return computed.length ? `SELECT *, ${computed.join(', ')} FROM (${cells})` : cells;
}
