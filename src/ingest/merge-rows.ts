/**
 * Upsert of typed rows into a canonical table, keyed by the entity's key: a new key is
 * inserted, a known key whose values differ is replaced, a known key with equal values is left
 * alone. Only the columns a file provides are compared and written: an order export that knows
 * a buyer's city but not their birthday never erases the birthday a member list gave.
 */
import { ENTITIES, type EntityKind } from '../store/entities.js';
import { quoteIdent } from '../store/sql.js';

export const CHANGE_KINDS = ['inserted', 'updated', 'unchanged'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

function keyJoin(kind: EntityKind, left: string, right: string): string {
  // Key parts may be NULL (a session of an anonymous visitor): NULL matches NULL here.
  return ENTITIES[kind].key
    .map((column) => `${left}.${quoteIdent(column)} IS NOT DISTINCT FROM ${right}.${quoteIdent(column)}`)
    .join(' AND ');
}

/** The key as one expression, for counting distinct keys. */
export function buildKeyExpression(kind: EntityKind): string {
  const key = ENTITIES[kind].key.map(quoteIdent);
  return key.length === 1 ? (key[0] ?? '') : `(${key.join(', ')})`;
}

/** Later rows whose key already appeared on an earlier good row of the same file. */
export function buildDuplicateKeysSql(kind: EntityKind, typedTable: string): string {
  const key = ENTITIES[kind].key.map(quoteIdent).join(', ');
  return `SELECT line, first_line FROM (
      SELECT line, min(line) OVER (PARTITION BY ${key}) AS first_line FROM ${typedTable} WHERE NOT bad
    ) WHERE line <> first_line`;
}

/** How a provided but empty cell meets a stored value. */
export const EMPTY_CELL_RULES = ['replaces', 'keeps-stored'] as const;
export type EmptyCellRule = (typeof EMPTY_CELL_RULES)[number];

/**
 * Classifies each typed row against the stored table: `change` is inserted, updated or
 * unchanged, judged on the provided columns; the row's other columns keep their stored values.
 * With 'keeps-stored', an empty provided cell also keeps the stored value: a store export's
 * empty cell means "not known here" (a POS order without a billing name), not "erase".
 */
export function buildChangesSql(
  kind: EntityKind,
  typedRows: string,
  provided: ReadonlySet<string>,
  emptyCells: EmptyCellRule = 'replaces',
): string {
  const entity = ENTITIES[kind];
  const valueColumns = entity.columns.filter((c) => !entity.key.includes(c.name));
  const merged = (name: string): string => {
    const column = quoteIdent(name);
    if (provided.has(name))
      return emptyCells === 'keeps-stored' ? `coalesce(n.${column}, o.${column})` : `n.${column}`;
    return `CASE WHEN o.first_imported_at IS NULL THEN n.${column} ELSE o.${column} END`;
  };
  const compared = valueColumns.filter((c) => provided.has(c.name));
  const differs = compared.length
    ? `(${compared.map((c) => merged(c.name)).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `o.${quoteIdent(c.name)}`).join(', ')})`
    : 'false';
  const columns = entity.columns.map((c) =>
    entity.key.includes(c.name) ? `n.${quoteIdent(c.name)}` : `${merged(c.name)} AS ${quoteIdent(c.name)}`,
  );
  return `SELECT ${columns.join(', ')}, n.bad,
      CASE WHEN o.first_imported_at IS NULL THEN 'inserted' WHEN ${differs} THEN 'updated' ELSE 'unchanged' END AS change,
      o.first_imported_at AS previous_first_imported_at
    FROM ${typedRows} n LEFT JOIN ${quoteIdent(entity.table)} o ON ${keyJoin(kind, 'n', 'o')}`;
}

export function buildDeleteReplacedSql(kind: EntityKind, changesTable: string): string {
  const table = quoteIdent(ENTITIES[kind].table);
  return `DELETE FROM ${table} WHERE EXISTS (
      SELECT 1 FROM ${changesTable} c WHERE c.change = 'updated' AND NOT c.bad AND ${keyJoin(kind, 'c', table)})`;
}

/**
 * The order an entity's rows are stored in (SQL over the entity's columns), where readers scan a
 * trailing window of them and read one customer's: sessions by month, then by customer. The
 * activity tags' scan of the last N days skips the row groups of earlier months by their
 * started_at min/max, and a member's own sessions lie in about one row group a month, skipped
 * elsewhere by customer_id. (An export lists sessions customer by customer: stored in file
 * order every row group spans the whole history; stored by time alone a member's read is a
 * full scan.)
 */
const STORAGE_ORDER: Partial<Record<EntityKind, string>> = {
  sessions: `date_trunc('month', started_at), customer_id`,
};

/**
 * Inserts typed rows into the canonical table, in the entity's storage order; `$1` is the batch id.
 * - 'flag-bad': every row of `sourceTable`, bad ones with batch id −$1 so they can be removed
 *   (or the whole load undone) before the transaction commits;
 * - 'changed-only': the good inserted and updated rows of a changes table.
 */
export function buildInsertSql(
  kind: EntityKind,
  sourceTable: string,
  mode: 'flag-bad' | 'changed-only',
): string {
  const entity = ENTITIES[kind];
  const columns = entity.columns.map((c) => quoteIdent(c.name));
  const batch = mode === 'flag-bad' ? 'CASE WHEN bad THEN -$1 ELSE $1 END' : '$1';
  const firstImported =
    mode === 'changed-only' ? 'coalesce(previous_first_imported_at, current_timestamp)' : 'current_timestamp';
  const order = STORAGE_ORDER[kind];
  return `INSERT INTO ${quoteIdent(entity.table)} (${columns.join(', ')}, batch_id, first_imported_at, updated_at)
    SELECT ${columns.join(', ')}, ${batch}, ${firstImported}, current_timestamp FROM ${sourceTable}
    ${mode === 'changed-only' ? "WHERE change <> 'unchanged' AND NOT bad" : ''}
    ${order ? `ORDER BY ${order}` : ''}`;
}
