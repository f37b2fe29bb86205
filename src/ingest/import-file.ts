/**
 * Imports one file into the store, atomically and idempotently: a canonical file (CSV, JSON
 * Lines or Parquet, see docs/data-model.md) or a store's own export (Taobao, Shopify, …, see
 * formats/). DuckDB reads and parses the file itself, so rows never pass through JavaScript
 * (store exports that need their text cleaned are the exception: they are small). Either the
 * whole file is kept, with its import batch recorded, or nothing of it is.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../errors.js';
import type { EntityKind } from '../store/entities.js';
import { raw, sql } from '../store/sql.js';
import type { QueryProgress, Store } from '../store/store.js';
import {
  checkRows,
  createRejectsTable,
  dropWorkTables,
  type EntityChanges,
  isClean,
  keepGoodRows,
  type LoadedRows,
  loadRows,
  NO_REJECTS,
  type RejectedRow,
  type RejectSummary,
  STAGED_TABLE,
  summariseRejects,
  typedTable,
  undoLoad,
} from './entity-rows.js';
import { findStoreFormat, sampleFile, STORE_FORMAT_NAMES, STORE_FORMATS } from './formats/index.js';
import type { EntityMapping, StoreFormat } from './formats/store-format.js';
import {
  describeNotUtf8,
  inspectFile,
  verifyFile,
  type InspectedFile,
  type VerifiedFile,
} from './inspect-file.js';
import { detectKind, matchHeader } from './match-header.js';
import { prepareText } from './prepare-text.js';
import { fileSourceSql, guardRead, readHeader, stagedCsvSql } from './read-file.js';
import { buildTypedRowsSql } from './typed-rows.js';

export type { RejectedRow } from './entity-rows.js';

/** writing: loading rows; rejects: locating bad rows by line; reading: staging a store export. */
export const IMPORT_STAGES = ['reading', 'writing', 'rejects'] as const;
export type ImportStage = (typeof IMPORT_STAGES)[number];

export interface ImportProgress {
  readonly file: string;
  readonly stage: ImportStage;
  /** 0–100 within the stage, -1 when unknown. */
  readonly percentage: number;
  /** Rows done so far, estimated from the percentage and the file's size. */
  readonly rowsProcessed: number;
}

export const CANONICAL_FORMAT = 'canonical';

export interface ImportOptions {
  /** The canonical entity in the file (implies the canonical format); detected when omitted. */
  readonly kind?: EntityKind | undefined;
  /** A store format name (see STORE_FORMATS) or 'canonical'; detected from the header when omitted. */
  readonly format?: string | undefined;
  /** Rejected rows allowed before the file is aborted (default 0). */
  readonly maxRejects?: number;
  /** Folder for rejects CSVs. */
  readonly rejectsDir: string;
  /** Rejected rows to return for display (all are in the rejects file). */
  readonly shownRejects?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  readonly file: string;
  /** The entity of a canonical file; the first entity of a store export. */
  readonly kind: EntityKind;
  /** e.g. 'canonical csv (gzip)' or 'online-retail'. */
  readonly format: string;
  /** Why the format was chosen. */
  readonly detectedBy: string;
  readonly batchId: number;
  readonly contentHash: string;
  readonly rowsRead: number;
  /** What happened to each entity the file feeds. */
  readonly entities: readonly EntityChanges[];
  /** Totals over the entities. */
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly rejectsByReason: RejectSummary['byReason'];
  readonly firstRejects: readonly RejectedRow[];
  readonly rejectsFile: string | null;
  /** Rows left out on purpose by a store format, by reason. */
  readonly skipped: readonly { reason: string; rows: number }[];
  /** Good orders of the file without a customer, and with a refund. */
  readonly guestOrders: number;
  readonly refundedOrders: number;
  readonly elapsedMs: number;
}

export async function importFile(store: Store, path: string, options: ImportOptions): Promise<ImportResult> {
  const file = await inspectFile(path);
  const format = options.kind ? CANONICAL_FORMAT : (options.format ?? detectFormat(file));
  if (format === CANONICAL_FORMAT) return importCanonical(store, file, options);
  const storeFormat = findStoreFormat(format);
  const detectedBy = options.format
    ? `--store-format ${format}`
    : (storeFormat.detect(sampleFile(file)) ?? format);
  return importStoreExport(store, file, storeFormat, detectedBy, options);
}

function detectFormat(file: InspectedFile): string {
  if (file.container !== 'csv') return CANONICAL_FORMAT;
  const sample = sampleFile(file);
  return STORE_FORMATS.find((format) => format.detect(sample) !== null)?.name ?? CANONICAL_FORMAT;
}

export function formatReject(file: string, row: RejectedRow): string {
  const value = row.value === null ? '' : ` '${row.value}'`;
  return `${file}:${row.line} ${row.entity} column ${row.column}${value}: ${row.reason}`;
}

interface Run {
  readonly started: number;
  readonly verification: Promise<VerifiedFile>;
  readonly report: (stage: ImportStage, percentage?: number, rowsProcessed?: number) => void;
  readonly progress: (stage: ImportStage) => (p: QueryProgress) => void;
}

function startRun(file: InspectedFile, options: ImportOptions): Run {
  // The whole-file check (hash, gzip integrity) runs while DuckDB reads the file.
  const verification = verifyFile(file);
  verification.catch(() => undefined);
  const report = (stage: ImportStage, percentage = -1, rowsProcessed = 0): void =>
    options.onProgress?.({ file: file.path, stage, percentage, rowsProcessed });
  return {
    started: Date.now(),
    verification,
    report,
    progress: (stage) => (p) =>
      report(stage, p.percentage, Math.round((Math.max(0, p.percentage) / 100) * file.estimatedRows)),
  };
}

function throwIfTooManyRejects(
  path: string,
  rowsRead: number,
  rejected: RejectSummary,
  options: ImportOptions,
): void {
  if (rejected.count <= (options.maxRejects ?? 0)) return;
  throw new AppError(
    'TOO_MANY_REJECTS',
    `${path}: ${rejected.count} of ${rowsRead} rows rejected (allowed: ${options.maxRejects ?? 0}); nothing of this file was imported. All rejects: ${rejected.file}`,
    { details: rejected.first.map((row) => formatReject(path, row)) },
  );
}

async function nextBatchId(store: Store): Promise<number> {
  const [batch] = await store.query<{ id: number }>(raw(`SELECT nextval('import_batch_ids')::INTEGER AS id`));
  return batch?.id ?? 0;
}

/** A canonical file: one optimistic pass, and the slow path only when a row is bad. */
async function importCanonical(
  store: Store,
  file: InspectedFile,
  options: ImportOptions,
): Promise<ImportResult> {
  if (file.workbook) {
    throw new AppError(
      'BAD_FILE',
      `${file.path} is an Excel workbook, which is read only as a store export (taobao-qianniu); for a canonical import save the sheet as CSV (UTF-8)`,
    );
  }
  if (file.encoding !== 'utf-8') throw describeNotUtf8(file);
  const header = await readHeader(store, file);
  const kind = options.kind ?? detectKind(file.path, header, STORE_FORMAT_NAMES);
  const match = matchHeader(file.path, kind, header);
  const run = startRun(file, options);
  const presentColumns = new Set(match.columns.keys());
  const fileRows = fileSourceSql(file, match.columns);
  const typedFromFile = `(${buildTypedRowsSql({ kind, source: fileRows, presentColumns, detailed: false })})`;

  return store.transaction(async () => {
    await dropWorkTables(store);
    await createRejectsTable(store);
    const batchId = await nextBatchId(store);

    // One optimistic pass: type every row and load it, flagging bad rows rather than stopping.
    // Most files are clean and are then done; a dirty one is undone and takes the slow path.
    run.report('writing', 0);
    let loaded = await guardRead(file, run.verification, () =>
      loadRows(store, kind, typedFromFile, presentColumns, batchId, { onProgress: run.progress('writing') }),
    );
    const verified = await run.verification;
    const rowsRead = loaded.rows;
    let rejected = NO_REJECTS;
    if (!isClean(loaded)) {
      await undoLoad(store, loaded, batchId);
      run.report('rejects');
      await store.run(raw(`CREATE TEMP TABLE ${STAGED_TABLE} AS SELECT * FROM ${fileRows}`));
      await checkRows(store, kind, stagedWithLines(file.container === 'csv' ? 2 : 1), presentColumns);
      rejected = await summariseRejects(store, file.path, options);
      throwIfTooManyRejects(file.path, rowsRead, rejected, options);
      run.report('writing');
      loaded = await loadRows(store, kind, goodTypedRows(kind), presentColumns, batchId, {
        onProgress: run.progress('writing'),
      });
    }
    const changes = await keepGoodRows(store, loaded, batchId);
    const format = `${CANONICAL_FORMAT} ${file.container}${file.gzip ? ' (gzip)' : ''}`;
    return finishImport(store, {
      file,
      format,
      detectedBy: file.detectedBy,
      batchId,
      verified,
      rowsRead,
      entities: [changes],
      rejected,
      skipped: [],
      run,
    });
  });
}

/** A store's own export: staged with line numbers, then mapped entity by entity. */
async function importStoreExport(
  store: Store,
  file: InspectedFile,
  format: StoreFormat,
  detectedBy: string,
  options: ImportOptions,
): Promise<ImportResult> {
  const run = startRun(file, options);
  const prepared = await prepareText(file, format);
  try {
    checkRequiredColumns(file, format, detectedBy, prepared.dialect.names);
    return await store.transaction(async () => {
      await dropWorkTables(store);
      await createRejectsTable(store);
      const batchId = await nextBatchId(store);
      run.report('reading', 0);
      await guardRead(file, run.verification, () =>
        store.run(raw(`CREATE TEMP TABLE ${STAGED_TABLE} AS ${stagedCsvSql(prepared, format.stagedColumns)}`), {
          onProgress: run.progress('reading'),
        }),
      );
      const verified = await run.verification;
      const staged = stagedWithLines(prepared.firstDataLine);
      const [count] = await store.query<{ rows: number }>(
        raw(`SELECT count(*)::INTEGER AS rows FROM ${STAGED_TABLE}`),
      );
      const rowsRead = count?.rows ?? 0;
      const skipped = format.skipped
        ? await store.query<{ reason: string; rows: number }>(raw(format.skipped(staged)))
        : [];

      // One optimistic pass, as for canonical files: type every entity's rows and load them,
      // flagging bad rows. A clean file (most are) is then done; a dirty one is undone and
      // checked row by row, with line numbers and reasons.
      run.report('writing');
      // A store export's empty cell means "not known here": it never erases a stored value.
      const load = (entity: EntityMapping, rows: string): Promise<LoadedRows> =>
        loadRows(store, entity.kind, rows, new Set(entity.provides), batchId, { emptyCells: 'keeps-stored' });
      let loads: LoadedRows[] = [];
      for (const entity of format.entities) {
        const typed = buildTypedRowsSql({
          kind: entity.kind,
          source: `(${entity.select(staged)})`,
          presentColumns: new Set(entity.provides),
          detailed: false,
          extraChecks: entity.checks,
        });
        loads.push(await load(entity, `(${typed})`));
      }
      let rejected = NO_REJECTS;
      if (!loads.every(isClean)) {
        for (const loaded of loads) await undoLoad(store, loaded, batchId);
        run.report('rejects');
        for (const entity of format.entities) {
          await checkRows(
            store,
            entity.kind,
            `(${entity.select(staged)})`,
            new Set(entity.provides),
            entity.checks,
          );
        }
        rejected = await summariseRejects(store, file.path, options);
        throwIfTooManyRejects(file.path, rowsRead, rejected, options);
        run.report('writing');
        loads = [];
        for (const entity of format.entities) loads.push(await load(entity, goodTypedRows(entity.kind)));
      }
      const entities: EntityChanges[] = [];
      for (const loaded of loads) entities.push(await keepGoodRows(store, loaded, batchId));
      return finishImport(store, {
        file,
        format: format.name,
        detectedBy,
        batchId,
        verified,
        rowsRead,
        entities,
        rejected,
        skipped,
        run,
      });
    });
  } finally {
    if (prepared.temporary) rmSync(prepared.path, { force: true });
  }
}

function checkRequiredColumns(
  file: InspectedFile,
  format: StoreFormat,
  detectedBy: string,
  header: readonly string[],
): void {
  const present = new Set(header.map((name) => name.trim()));
  const missing = format.requiredColumns.filter((name) => !present.has(name));
  if (missing.length === 0) return;
  const detected = detectFormat(file);
  const looksLike =
    detected !== format.name
      ? `; the file looks like ${detected === CANONICAL_FORMAT ? 'a canonical file' : detected}`
      : '';
  throw new AppError(
    'BAD_HEADER',
    `${file.path}: read as ${format.name} (${detectedBy}), but the header lacks ${missing.map((m) => `'${m}'`).join(', ')}${looksLike} (${format.title} needs: ${format.requiredColumns.join(', ')})`,
  );
}

/** The staged rows with their line numbers: staged rows keep file order, but inside a
 * transaction their rowids start at an offset. */
function stagedWithLines(firstDataLine: number): string {
  return `(SELECT rowid - (SELECT min(rowid) FROM ${STAGED_TABLE}) + ${firstDataLine} AS line, * FROM ${STAGED_TABLE})`;
}

function goodTypedRows(kind: EntityKind): string {
  return `(SELECT * EXCLUDE (line, problems) FROM ${typedTable(kind)})`;
}

interface Finished {
  readonly file: InspectedFile;
  readonly format: string;
  readonly detectedBy: string;
  readonly batchId: number;
  readonly verified: VerifiedFile;
  readonly rowsRead: number;
  readonly entities: readonly EntityChanges[];
  readonly rejected: RejectSummary;
  readonly skipped: readonly { reason: string; rows: number }[];
  readonly run: Run;
}

/** Records one import batch row per entity and assembles the result. */
async function finishImport(store: Store, done: Finished): Promise<ImportResult> {
  const path = done.file.path;
  for (const entity of done.entities) {
    await store.run(
      sql`INSERT INTO import_batches VALUES (${done.batchId}, ${resolve(path)}, ${done.format}, ${entity.kind},
        ${done.verified.contentHash}, ${done.rowsRead}, ${entity.inserted}, ${entity.updated}, ${entity.unchanged},
        ${done.rejected.count}, to_timestamp(${done.run.started / 1000}), current_timestamp)`,
    );
  }
  const orders = done.entities.find((e) => e.kind === 'orders');
  await dropWorkTables(store);
  const sum = (field: 'inserted' | 'updated' | 'unchanged'): number =>
    done.entities.reduce((total, entity) => total + entity[field], 0);
  return {
    file: path,
    kind: done.entities[0]?.kind ?? 'orders',
    format: done.format,
    detectedBy: done.detectedBy,
    batchId: done.batchId,
    contentHash: done.verified.contentHash,
    rowsRead: done.rowsRead,
    entities: done.entities,
    inserted: sum('inserted'),
    updated: sum('updated'),
    unchanged: sum('unchanged'),
    rejected: done.rejected.count,
    rejectsByReason: done.rejected.byReason,
    firstRejects: done.rejected.first,
    rejectsFile: done.rejected.file,
    skipped: done.skipped,
    guestOrders: orders?.guestOrders ?? 0,
    refundedOrders: orders?.refundedOrders ?? 0,
    elapsedMs: Date.now() - done.run.started,
  };
}
