/**
 * Imports one canonical file (CSV, JSON Lines or Parquet, gzip or not) into the store, atomically
 * and idempotently. DuckDB reads and parses the file itself, so rows never pass through
 * JavaScript: the file is staged as text, typed and checked in one pass, and merged by key.
 * Either the whole file is kept, with its import batch recorded, or nothing of it is.
 */
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AppError, firstLine } from '../errors.js';
import { ENTITIES, type EntityKind } from '../store/entities.js';
import { quoteIdent, quoteLiteral, raw, sql } from '../store/sql.js';
import type { QueryProgress, Store } from '../store/store.js';
import { inspectFile, verifyFile, type InspectedFile, type VerifiedFile } from './inspect-file.js';
import {
  buildChangesSql,
  buildDeleteReplacedSql,
  buildDuplicateKeysSql,
  buildInsertSql,
} from './merge-rows.js';
import { detectKind, matchHeader } from './match-header.js';
import { buildTypedRowsSql } from './typed-rows.js';

/** checking: the fast pass over the file; rejects: locating bad rows by line; writing: the merge. */
export const IMPORT_STAGES = ['checking', 'rejects', 'writing'] as const;
export type ImportStage = (typeof IMPORT_STAGES)[number];

export interface ImportProgress {
  readonly file: string;
  readonly stage: ImportStage;
  /** 0–100 within the stage, -1 when unknown. */
  readonly percentage: number;
  /** Rows done so far, estimated from the percentage and the file's size. */
  readonly rowsProcessed: number;
}

export interface ImportOptions {
  /** The entity in the file; detected from the header when omitted. */
  readonly kind?: EntityKind | undefined;
  /** Rejected rows allowed before the file is aborted (default 0). */
  readonly maxRejects?: number;
  /** Folder for rejects CSVs. */
  readonly rejectsDir: string;
  /** Rejected rows to return for display (all are in the rejects file). */
  readonly shownRejects?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface RejectedRow {
  readonly line: number;
  readonly column: string;
  readonly value: string | null;
  readonly reason: string;
}

export interface ImportResult {
  readonly file: string;
  readonly kind: EntityKind;
  readonly format: string;
  readonly detectedBy: string;
  readonly batchId: number;
  readonly contentHash: string;
  readonly rowsRead: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly rejectsByReason: readonly { column: string; reason: string; rows: number }[];
  readonly firstRejects: readonly RejectedRow[];
  /** Path of the CSV listing every rejected row, or null when none was rejected. */
  readonly rejectsFile: string | null;
  readonly elapsedMs: number;
}

const STAGED = 'hy_staged';
const TYPED = 'hy_typed';
const CHANGES = 'hy_changes';

export async function importFile(store: Store, path: string, options: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const file = await inspectFile(path);
  const header = await readHeader(store, file);
  const kind = options.kind ?? detectKind(path, header);
  const match = matchHeader(path, kind, header);
  const report = (stage: ImportStage, percentage = -1, rowsProcessed = 0): void =>
    options.onProgress?.({ file: path, stage, percentage, rowsProcessed });

  // The whole-file check (hash, gzip integrity) runs while DuckDB reads the file.
  const verification = verifyFile(file);
  verification.catch(() => undefined);
  const presentColumns = new Set(match.columns.keys());
  const fileRows = fileSourceSql(file, match.columns);
  const typedFromFile = `(${buildTypedRowsSql({ kind, source: fileRows, presentColumns, detailed: false })})`;
  const progress = (stage: ImportStage) => (p: QueryProgress) =>
    report(stage, p.percentage, Math.round((Math.max(0, p.percentage) / 100) * file.estimatedRows));

  return store.transaction(async () => {
    await dropWorkTables(store);
    const [batch] = await store.query<{ id: number }>(raw(`SELECT nextval('import_batch_ids')::INTEGER AS id`));
    const batchId = batch?.id ?? 0;

    // One optimistic pass: type every row and load it, flagging bad rows rather than stopping.
    // Most files are clean and are then done; a dirty one is undone and takes the slow path.
    report('writing', 0);
    let loaded = await readFile(file, verification, () =>
      loadRows(store, kind, typedFromFile, batchId, progress('writing')),
    );
    const verified = await verification;
    const rowsRead = loaded.rows;
    let rejected: RejectSummary = NO_REJECTS;
    if (loaded.bad > 0 || loaded.keys < loaded.rows - loaded.bad) {
      await undoLoad(store, kind, loaded, batchId);
      report('rejects');
      rejected = await locateRejects(store, file, kind, match.columns, options);
      if (rejected.count > (options.maxRejects ?? 0)) {
        throw new AppError(
          'TOO_MANY_REJECTS',
          `${path}: ${rejected.count} of ${rowsRead} rows rejected (allowed: ${options.maxRejects ?? 0}); nothing of this file was imported. All rejects: ${rejected.file}`,
          { details: rejected.first.map((row) => formatReject(path, row)) },
        );
      }
      report('writing');
      loaded = await loadRows(store, kind, `(SELECT * EXCLUDE (line, problems) FROM ${TYPED})`, batchId, progress('writing'));
    }
    const counts = await keepGoodRows(store, kind, loaded, batchId);
    const result: ImportResult = {
      file: path,
      kind,
      format: `canonical ${file.container}${file.gzip ? ' (gzip)' : ''}`,
      detectedBy: file.detectedBy,
      batchId,
      contentHash: verified.contentHash,
      rowsRead,
      ...counts,
      rejected: rejected.count,
      rejectsByReason: rejected.byReason,
      firstRejects: rejected.first,
      rejectsFile: rejected.file,
      elapsedMs: Date.now() - started,
    };
    await store.run(
      sql`INSERT INTO import_batches VALUES (${batchId}, ${resolve(path)}, ${result.format}, ${kind}, ${verified.contentHash},
        ${rowsRead}, ${counts.inserted}, ${counts.updated}, ${counts.unchanged}, ${rejected.count},
        to_timestamp(${started / 1000}), current_timestamp)`,
    );
    await dropWorkTables(store);
    return { ...result, elapsedMs: Date.now() - started };
  });
}

export function formatReject(file: string, row: RejectedRow): string {
  const value = row.value === null ? '' : ` '${row.value}'`;
  return `${file}:${row.line} column ${row.column}${value}: ${row.reason}`;
}

/** The line number of the first data row: after the header for CSV, 1 otherwise. */
function firstDataLine(file: InspectedFile): number {
  return file.container === 'csv' ? 2 : 1;
}

interface CsvDialect {
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
  const split = (delimiter: string): string[] => {
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
  };
  const delimiter = [...DELIMITERS].sort((a, b) => split(b).length - split(a).length)[0] ?? ',';
  return { delimiter, names: split(delimiter) };
}

function sourceSql(file: InspectedFile, columns?: ReadonlyMap<string, string>): string {
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

async function readHeader(store: Store, file: InspectedFile): Promise<string[]> {
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
function fileSourceSql(file: InspectedFile, columns: ReadonlyMap<string, string>): string {
  const select = [...columns].map(
    ([canonical, written]) => `CAST(${quoteIdent(written)} AS VARCHAR) AS ${quoteIdent(canonical)}`,
  );
  return `(SELECT ${select.join(', ')} FROM ${sourceSql(file, columns)})`;
}

/** Runs work that reads the file, turning DuckDB's read errors into the user's words. */
async function readFile<T>(file: InspectedFile, verification: Promise<VerifiedFile>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    // A truncated gzip often surfaces as a parse error at the cut: report the real cause.
    await verification;
    throw describeReadError(file, error);
  }
}

function describeReadError(file: InspectedFile, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const line = /on Line: (\d+)/i.exec(message)?.[1];
  const where = line ? `${file.path}:${line}` : file.path;
  if (/Invalid unicode|not utf-8/i.test(message)) {
    return new AppError('BAD_ENCODING', `${where}: text is not UTF-8; canonical files must be UTF-8: re-save the file as UTF-8`, {
      cause: error,
    });
  }
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (columns) {
    return new AppError('BAD_FILE', `${where}: row has ${columns[2]} fields but the header has ${columns[1]}`, {
      cause: error,
    });
  }
  if (/unterminated quote|quote/i.test(message) && line) {
    return new AppError('BAD_FILE', `${where}: a quoted field is not closed`, { cause: error });
  }
  if (/malformed JSON|JSON/i.test(message) && file.container === 'jsonl') {
    return new AppError('BAD_FILE', `${where}: not valid JSON Lines: ${firstLine(message)}`, { cause: error });
  }
  if (/parquet|magic/i.test(message)) {
    return new AppError('BAD_FILE', `${file.path}: not a readable Parquet file: ${firstLine(message)}`, { cause: error });
  }
  return new AppError('BAD_FILE', `${where}: cannot read as ${file.container}: ${firstLine(message)}`, { cause: error });
}

async function dropWorkTables(store: Store): Promise<void> {
  await store.run(raw([STAGED, TYPED, CHANGES].map((table) => `DROP TABLE IF EXISTS ${table};`).join('\n')));
}

function keyExpression(kind: EntityKind): string {
  const key = ENTITIES[kind].key.map(quoteIdent);
  return key.length === 1 ? (key[0] ?? '') : `(${key.join(', ')})`;
}

interface RejectSummary {
  readonly count: number;
  readonly byReason: readonly { column: string; reason: string; rows: number }[];
  readonly first: readonly RejectedRow[];
  readonly file: string | null;
}

const NO_REJECTS: RejectSummary = { count: 0, byReason: [], first: [], file: null };

/**
 * The slow path, taken only when the fast pass found bad rows or repeated keys: stage the file
 * with line numbers, list every problem per row, and write them all to a rejects CSV.
 */
async function locateRejects(
  store: Store,
  file: InspectedFile,
  kind: EntityKind,
  columns: ReadonlyMap<string, string>,
  options: ImportOptions,
): Promise<RejectSummary> {
  await store.run(raw(`CREATE TEMP TABLE ${STAGED} AS SELECT * FROM ${fileSourceSql(file, columns)}`));
  await store.run(
    raw(
      `CREATE TEMP TABLE ${TYPED} AS ${buildTypedRowsSql({
        kind,
        // Staged rows keep file order; inside a transaction their rowids start at an offset.
        source: `(SELECT rowid - (SELECT min(rowid) FROM ${STAGED}) + ${firstDataLine(file)} AS line, * FROM ${STAGED})`,
        presentColumns: new Set(columns.keys()),
        detailed: true,
      })}`,
    ),
  );
  await store.run(raw(`DROP TABLE ${STAGED}`));
  await markDuplicateKeys(store, kind);

  const [total] = await store.query<{ count: number }>(raw(`SELECT count(*)::INTEGER AS count FROM ${TYPED} WHERE bad`));
  const count = total?.count ?? 0;
  const problems = `(SELECT line, unnest(problems, recursive := true) FROM ${TYPED} WHERE bad)`;
  const byReason = await store.query<{ column: string; reason: string; rows: number }>(
    raw(`SELECT "column", reason, count(DISTINCT line)::INTEGER AS rows FROM ${problems} GROUP BY ALL ORDER BY rows DESC`),
  );
  const first = await store.query<{ line: number; column: string; value: string | null; reason: string }>({
    sql: `SELECT line::INTEGER AS line, "column", "value", reason FROM ${problems} ORDER BY line LIMIT $1`,
    params: [options.shownRejects ?? 5],
  });
  mkdirSync(options.rejectsDir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(/[:.]/g, '-');
  const rejectsFile = join(options.rejectsDir, `${basename(file.path)}.${stamp}.rejects.csv`);
  // COPY takes no parameters: the two paths are quoted literals.
  await store.run(
    raw(
      `COPY (SELECT ${quoteLiteral(resolve(file.path))} AS file, line, "column", "value", reason FROM ${problems} ORDER BY line) TO ${quoteLiteral(rejectsFile)} (HEADER)`,
    ),
  );
  return { count, byReason, first, file: rejectsFile };
}

/** Rows whose key repeats an earlier row of the same file are rejects: which one is meant? */
async function markDuplicateKeys(store: Store, kind: EntityKind): Promise<void> {
  const keyNames = ENTITIES[kind].key.join(', ');
  await store.run(
    raw(`UPDATE ${TYPED} SET bad = true, problems = list_append(problems, {'column': ${quoteLiteral(ENTITIES[kind].key[0] ?? '')},
        'value': NULL::VARCHAR, 'reason': 'duplicate key (' || ${quoteLiteral(keyNames)} || ') of line ' || d.first_line})
      FROM (${buildDuplicateKeysSql(kind, TYPED)}) d WHERE ${TYPED}.line = d.line`),
  );
}

/**
 * How a pass loaded its rows: straight into an empty table (bad rows carry the negated batch
 * id until they are removed), or into a changes table compared against the stored rows.
 */
interface LoadedRows {
  readonly into: 'table' | 'changes';
  readonly rows: number;
  readonly bad: number;
  /** Distinct keys among good rows: fewer than the good rows means a key repeats. */
  readonly keys: number;
}

async function loadRows(
  store: Store,
  kind: EntityKind,
  typedRows: string,
  batchId: number,
  onProgress: (progress: QueryProgress) => void,
): Promise<LoadedRows> {
  const table = quoteIdent(ENTITIES[kind].table);
  const key = keyExpression(kind);
  const [existing] = await store.query<{ any: boolean }>(raw(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`));
  if (!existing?.any) {
    await store.run({ sql: buildInsertSql(kind, typedRows, 'flag-bad'), params: [batchId] }, { onProgress });
    const [stats] = await store.query<{ rows: number; bad: number; keys: number }>({
      sql: `SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE batch_id < 0)::INTEGER AS bad,
          count(DISTINCT ${key}) FILTER (WHERE batch_id > 0)::INTEGER AS keys
        FROM ${table} WHERE batch_id IN ($1, -$1)`,
      params: [batchId],
    });
    return { into: 'table', rows: stats?.rows ?? 0, bad: stats?.bad ?? 0, keys: stats?.keys ?? 0 };
  }
  await store.run(raw(`CREATE TEMP TABLE ${CHANGES} AS ${buildChangesSql(kind, typedRows)}`), { onProgress });
  const [stats] = await store.query<{ rows: number; bad: number; keys: number }>(
    raw(`SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE bad)::INTEGER AS bad,
        count(DISTINCT ${key}) FILTER (WHERE NOT bad)::INTEGER AS keys FROM ${CHANGES}`),
  );
  return { into: 'changes', rows: stats?.rows ?? 0, bad: stats?.bad ?? 0, keys: stats?.keys ?? 0 };
}

async function undoLoad(store: Store, kind: EntityKind, loaded: LoadedRows, batchId: number): Promise<void> {
  if (loaded.into === 'table') {
    await store.run({
      sql: `DELETE FROM ${quoteIdent(ENTITIES[kind].table)} WHERE batch_id IN ($1, -$1)`,
      params: [batchId],
    });
  }
  await store.run(raw(`DROP TABLE IF EXISTS ${CHANGES}`));
}

/** Removes the flagged bad rows, or applies the good changes, and counts what happened. */
async function keepGoodRows(
  store: Store,
  kind: EntityKind,
  loaded: LoadedRows,
  batchId: number,
): Promise<{ inserted: number; updated: number; unchanged: number }> {
  if (loaded.into === 'table') {
    if (loaded.bad > 0) {
      await store.run({ sql: `DELETE FROM ${quoteIdent(ENTITIES[kind].table)} WHERE batch_id = -$1`, params: [batchId] });
    }
    return { inserted: loaded.rows - loaded.bad, updated: 0, unchanged: 0 };
  }
  const counts = await store.query<{ change: string; n: number }>(
    raw(`SELECT change, count(*)::INTEGER AS n FROM ${CHANGES} WHERE NOT bad GROUP BY change`),
  );
  const count = (change: string): number => counts.find((row) => row.change === change)?.n ?? 0;
  if (count('updated') > 0) await store.run(raw(buildDeleteReplacedSql(kind, CHANGES)));
  if (count('updated') + count('inserted') > 0) {
    await store.run({ sql: buildInsertSql(kind, CHANGES, 'changed-only'), params: [batchId] });
  }
  return { inserted: count('inserted'), updated: count('updated'), unchanged: count('unchanged') };
}
