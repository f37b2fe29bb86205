/**
 * The per-entity steps every import shares, whatever the file's format: check rows with line
 * numbers and collect their problems, report rejects, load rows (optimistically into an empty
 * table, or through a changes table into a filled one), and keep only the good ones.
 * Work tables live in the import's transaction and are dropped at its end.
 */
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ENTITIES, ENTITY_KINDS, type EntityKind } from '../store/entities.js';
import { quoteIdent, quoteLiteral, raw } from '../store/sql.js';
import type { QueryProgress, Store } from '../store/store.js';
import {
  buildChangesSql,
  buildDeleteReplacedSql,
  buildDuplicateKeysSql,
  buildInsertSql,
  buildKeyExpression,
  type EmptyCellRule,
} from './merge-rows.js';
import type { FormatCheck } from './formats/store-format.js';
import { buildTypedRowsSql } from './typed-rows.js';

export const STAGED_TABLE = 'hy_staged';
const REJECTS_TABLE = 'hy_rejects';
const workName = (prefix: string, kind: EntityKind): string => `hy_${prefix}_${kind.replace('-', '_')}`;
export const typedTable = (kind: EntityKind): string => workName('typed', kind);
const changesTable = (kind: EntityKind): string => workName('changes', kind);

export interface RejectedRow {
  readonly line: number;
  readonly entity: EntityKind;
  readonly column: string;
  readonly value: string | null;
  readonly reason: string;
}

export interface RejectSummary {
  /** Rejected (entity, line) pairs. */
  readonly count: number;
  readonly byReason: readonly { column: string; reason: string; rows: number }[];
  readonly first: readonly RejectedRow[];
  /** Path of the CSV listing every rejected row, or null when none was rejected. */
  readonly file: string | null;
}

export const NO_REJECTS: RejectSummary = { count: 0, byReason: [], first: [], file: null };

export async function dropWorkTables(store: Store): Promise<void> {
  const tables = [
    STAGED_TABLE,
    REJECTS_TABLE,
    ...ENTITY_KINDS.flatMap((kind) => [typedTable(kind), changesTable(kind)]),
  ];
  await store.run(raw(tables.map((table) => `DROP TABLE IF EXISTS ${table};`).join('\n')));
}

export async function createRejectsTable(store: Store): Promise<void> {
  await store.run(
    raw(
      `CREATE TEMP TABLE ${REJECTS_TABLE} (entity VARCHAR, line BIGINT, "column" VARCHAR, "value" VARCHAR, reason VARCHAR)`,
    ),
  );
}

/**
 * Types the rows of `source` (canonical VARCHAR columns plus `line`) into the entity's typed
 * table (with the format's own checks, if any), marks later repeats of a key as bad, and records
 * every problem as a reject.
 */
export async function checkRows(
  store: Store,
  kind: EntityKind,
  source: string,
  presentColumns: ReadonlySet<string>,
  extraChecks: readonly FormatCheck[] = [],
): Promise<void> {
  const typed = typedTable(kind);
  await store.run(
    raw(
      `CREATE TEMP TABLE ${typed} AS ${buildTypedRowsSql({ kind, source, presentColumns, detailed: true, extraChecks })}`,
    ),
  );
  const keyNames = ENTITIES[kind].key.join(', ');
  await store.run(
    raw(`UPDATE ${typed} SET bad = true, problems = list_append(problems, {'column': ${quoteLiteral(ENTITIES[kind].key[0] ?? '')},
        'value': NULL::VARCHAR, 'reason': 'duplicate key (' || ${quoteLiteral(keyNames)} || ') of line ' || d.first_line})
      FROM (${buildDuplicateKeysSql(kind, typed)}) d WHERE ${typed}.line = d.line`),
  );
  await store.run(
    raw(`INSERT INTO ${REJECTS_TABLE} SELECT ${quoteLiteral(kind)}, line, p."column", p."value", p.reason
      FROM (SELECT line, unnest(problems) AS p FROM ${typed} WHERE bad)`),
  );
}

/** Counts the rejects, lists the first few and writes them all to a CSV beside the database. */
export async function summariseRejects(
  store: Store,
  filePath: string,
  options: { readonly rejectsDir: string; readonly shownRejects?: number | undefined },
): Promise<RejectSummary> {
  const [total] = await store.query<{ count: number }>(
    raw(`SELECT count(DISTINCT (entity, line))::INTEGER AS count FROM ${REJECTS_TABLE}`),
  );
  const count = total?.count ?? 0;
  if (count === 0) return NO_REJECTS;
  const byReason = await store.query<{ column: string; reason: string; rows: number }>(
    raw(`SELECT "column", reason, count(DISTINCT (entity, line))::INTEGER AS rows FROM ${REJECTS_TABLE}
      GROUP BY ALL ORDER BY rows DESC, "column"`),
  );
  const first = await store.query<{
    line: number;
    entity: EntityKind;
    column: string;
    value: string | null;
    reason: string;
  }>({
    sql: `SELECT line::INTEGER AS line, entity, "column", "value", reason FROM ${REJECTS_TABLE} ORDER BY line, entity LIMIT $1`,
    params: [options.shownRejects ?? 5],
  });
  mkdirSync(options.rejectsDir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(/[:.]/g, '-');
  const rejectsFile = join(options.rejectsDir, `${basename(filePath)}.${stamp}.rejects.csv`);
  // COPY takes no parameters: the two paths are quoted literals.
  await store.run(
    raw(
      `COPY (SELECT ${quoteLiteral(resolve(filePath))} AS file, line, entity, "column", "value", reason
        FROM ${REJECTS_TABLE} ORDER BY line, entity) TO ${quoteLiteral(rejectsFile)} (HEADER)`,
    ),
  );
  return { count, byReason, first, file: rejectsFile };
}

/**
 * How a pass loaded its rows: straight into an empty table (bad rows carry the negated batch
 * id until they are removed), or into a changes table compared against the stored rows.
 */
export interface LoadedRows {
  readonly kind: EntityKind;
  readonly into: 'table' | 'changes';
  readonly rows: number;
  readonly bad: number;
  /** Distinct keys among good rows: fewer than the good rows means a key repeats. */
  readonly keys: number;
}

export function isClean(loaded: LoadedRows): boolean {
  return loaded.bad === 0 && loaded.keys === loaded.rows;
}

/**
 * Loads typed rows (with a `bad` column) for the entity in one pass, flagging rather than
 * refusing bad rows, so a clean file is done in one read and a dirty one can be undone.
 */
export async function loadRows(
  store: Store,
  kind: EntityKind,
  typedRows: string,
  provided: ReadonlySet<string>,
  batchId: number,
  options: {
    readonly emptyCells?: EmptyCellRule;
    readonly onProgress?: (progress: QueryProgress) => void;
  } = {},
): Promise<LoadedRows> {
  const { onProgress } = options;
  const table = quoteIdent(ENTITIES[kind].table);
  const key = buildKeyExpression(kind);
  const progress = onProgress ? { onProgress } : undefined;
  const [existing] = await store.query<{ any: boolean }>(
    raw(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`),
  );
  if (!existing?.any) {
    await store.run({ sql: buildInsertSql(kind, typedRows, 'flag-bad'), params: [batchId] }, progress);
    const [stats] = await store.query<{ rows: number; bad: number; keys: number }>({
      sql: `SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE batch_id < 0)::INTEGER AS bad,
          count(DISTINCT ${key}) FILTER (WHERE batch_id > 0)::INTEGER AS keys
        FROM ${table} WHERE batch_id IN ($1, -$1)`,
      params: [batchId],
    });
    return {
      kind,
      into: 'table',
      rows: stats?.rows ?? 0,
      bad: stats?.bad ?? 0,
      keys: (stats?.keys ?? 0) + (stats?.bad ?? 0),
    };
  }
  const changes = changesTable(kind);
  await store.run(
    raw(`CREATE TEMP TABLE ${changes} AS ${buildChangesSql(kind, typedRows, provided, options.emptyCells)}`),
    progress,
  );
  const [stats] = await store.query<{ rows: number; bad: number; keys: number }>(
    raw(`SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE bad)::INTEGER AS bad,
        count(DISTINCT ${key}) FILTER (WHERE NOT bad)::INTEGER AS keys FROM ${changes}`),
  );
  return {
    kind,
    into: 'changes',
    rows: stats?.rows ?? 0,
    bad: stats?.bad ?? 0,
    keys: (stats?.keys ?? 0) + (stats?.bad ?? 0),
  };
}

/** Removes everything a load wrote, so the rows can be loaded again after checking. */
export async function undoLoad(store: Store, loaded: LoadedRows, batchId: number): Promise<void> {
  if (loaded.into === 'table') {
    await store.run({
      sql: `DELETE FROM ${quoteIdent(ENTITIES[loaded.kind].table)} WHERE batch_id IN ($1, -$1)`,
      params: [batchId],
    });
  }
  await store.run(raw(`DROP TABLE IF EXISTS ${changesTable(loaded.kind)}`));
}

export interface EntityChanges {
  readonly kind: EntityKind;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** For orders: the file's good orders without a customer, and with a refund. */
  readonly guestOrders?: number;
  readonly refundedOrders?: number;
}

async function countOrderKinds(
  store: Store,
  rows: { sql: string; params: number[] },
): Promise<Partial<EntityChanges>> {
  const [row] = await store.query<{ guests: number; refunded: number }>({
    sql: `SELECT count(*) FILTER (WHERE customer_id IS NULL)::INTEGER AS guests,
        count(*) FILTER (WHERE refunded_amount > 0)::INTEGER AS refunded FROM ${rows.sql}`,
    params: rows.params,
  });
  return { guestOrders: row?.guests ?? 0, refundedOrders: row?.refunded ?? 0 };
}

/** Removes the flagged bad rows, or applies the good changes, and counts what happened. */
export async function keepGoodRows(
  store: Store,
  loaded: LoadedRows,
  batchId: number,
): Promise<EntityChanges> {
  const { kind } = loaded;
  if (loaded.into === 'table') {
    const table = quoteIdent(ENTITIES[kind].table);
    if (loaded.bad > 0)
      await store.run({ sql: `DELETE FROM ${table} WHERE batch_id = -$1`, params: [batchId] });
    const orders =
      kind === 'orders'
        ? await countOrderKinds(store, { sql: `${table} WHERE batch_id = $1`, params: [batchId] })
        : {};
    return { kind, inserted: loaded.rows - loaded.bad, updated: 0, unchanged: 0, ...orders };
  }
  const changes = changesTable(kind);
  const counts = await store.query<{ change: string; n: number }>(
    raw(`SELECT change, count(*)::INTEGER AS n FROM ${changes} WHERE NOT bad GROUP BY change`),
  );
  const count = (change: string): number => counts.find((row) => row.change === change)?.n ?? 0;
  if (count('updated') > 0) await store.run(raw(buildDeleteReplacedSql(kind, changes)));
  if (count('updated') + count('inserted') > 0) {
    await store.run({ sql: buildInsertSql(kind, changes, 'changed-only'), params: [batchId] });
  }
  const orders =
    kind === 'orders' ? await countOrderKinds(store, { sql: `${changes} WHERE NOT bad`, params: [] }) : {};
  return {
    kind,
    inserted: count('inserted'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    ...orders,
  };
}
