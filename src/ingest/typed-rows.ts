/**
 * Turns staged text cells into typed canonical rows, in one set-oriented pass: each cell is
 * parsed, and every problem (a missing value, a bad number, a rule broken) is collected into a
 * `problems` list on its row with the column, the value and the reason. A row with problems is
 * a reject; the others are clean. Built as SQL text from the entity spec, so the rules can be
 * read and tested without a database.
 */
import { ENTITIES, FEEDBACK_KINDS, ORDER_STATUSES, type ColumnSpec, type EntityKind } from '../store/entities.js';
import { quoteIdent, quoteLiteral } from '../store/sql.js';

const TRUE_WORDS = ['true', 't', 'yes', 'y', '1', '是'];
const FALSE_WORDS = ['false', 'f', 'no', 'n', '0', '否'];
const MALE_WORDS = ['male', 'm', '男'];
const FEMALE_WORDS = ['female', 'f', '女'];
const UNKNOWN_GENDER_WORDS = ['unknown', 'u', 'other', '未知', '保密'];

const list = (words: readonly string[]): string => words.map(quoteLiteral).join(', ');

interface Parser {
  /** SQL that parses the trimmed cell `v` (NULL when empty) into the stored type. */
  readonly parse: (v: string) => string;
  /** What the cell should have looked like, for the reject reason. */
  readonly expected: string;
}

// Money must have at most two decimals: rounding a cell silently would change a store's totals.
const MONEY_PATTERN = quoteLiteral('[+-]?[0-9]+(\\.[0-9]{1,2})?');

const PARSERS: Record<ColumnSpec['type'], Parser> = {
  text: { parse: (v) => v, expected: 'text' },
  money: {
    parse: (v) => `CASE WHEN regexp_full_match(${v}, ${MONEY_PATTERN}) THEN CAST(${v} AS DECIMAL(18,2)) END`,
    expected: 'an amount such as 12.50 (at most 2 decimals)',
  },
  integer: {
    parse: (v) => `TRY_CAST(${v} AS BIGINT)`,
    expected: 'a whole number',
  },
  timestamp: {
    parse: (v) => `TRY_CAST(${v} AS TIMESTAMPTZ)`,
    expected: 'a date-time such as 2024-11-11 20:15:00 (or ISO 8601 with an offset)',
  },
  date: { parse: (v) => `TRY_CAST(${v} AS DATE)`, expected: 'a date such as 1990-05-17' },
  boolean: {
    parse: (v) =>
      `CASE WHEN lower(${v}) IN (${list(TRUE_WORDS)}) THEN true WHEN lower(${v}) IN (${list(FALSE_WORDS)}) THEN false END`,
    expected: 'true or false (also yes/no, 1/0, 是/否)',
  },
  gender: {
    parse: (v) =>
      `CASE WHEN lower(${v}) IN (${list(MALE_WORDS)}) THEN 'male' WHEN lower(${v}) IN (${list(FEMALE_WORDS)}) THEN 'female' WHEN lower(${v}) IN (${list(UNKNOWN_GENDER_WORDS)}) THEN 'unknown' END`,
    expected: 'male, female or unknown (also 男/女)',
  },
  order_status: {
    parse: (v) => `CASE WHEN lower(${v}) IN (${list(ORDER_STATUSES)}) THEN lower(${v}) END`,
    expected: `one of ${ORDER_STATUSES.join(', ')}`,
  },
  feedback_kind: {
    parse: (v) => `CASE WHEN lower(${v}) IN (${list(FEEDBACK_KINDS)}) THEN lower(${v}) END`,
    expected: `one of ${FEEDBACK_KINDS.join(', ')}`,
  },
  rating: {
    parse: (v) => `CASE WHEN TRY_CAST(${v} AS INTEGER) BETWEEN 1 AND 5 THEN CAST(${v} AS TINYINT) END`,
    expected: 'a rating from 1 to 5',
  },
  json: {
    parse: (v) => `CASE WHEN json_valid(${v}) AND json_type(${v}) = 'OBJECT' THEN CAST(${v} AS JSON) END`,
    expected: 'a JSON object such as {"key": "value"}',
  },
};

/** Column-specific defaults that depend on other columns of the same row. */
const DERIVED_DEFAULTS: Partial<Record<string, string>> = {
  'sessions.bounced': 'page_views <= 1',
};

export interface TypedRowsOptions {
  readonly kind: EntityKind;
  /** Staged table: one VARCHAR column per canonical column present in the file, plus `line`. */
  readonly stagedTable: string;
  /** Canonical columns present in the file. */
  readonly presentColumns: ReadonlySet<string>;
}

const problemStruct = (column: string, value: string, reason: string): string =>
  `{'column': ${quoteLiteral(column)}, 'value': ${value}, 'reason': ${reason}}`;

/**
 * SELECT producing `line`, every canonical column typed, and `problems` (a list of
 * {column, value, reason}; empty for a clean row).
 */
export function buildTypedRowsSql(options: TypedRowsOptions): string {
  const entity = ENTITIES[options.kind];
  const cells: string[] = [];
  const problems: string[] = [];
  for (const column of entity.columns) {
    const name = quoteIdent(column.name);
    const present = options.presentColumns.has(column.name);
    const v = present ? `NULLIF(trim(${name}), '')` : 'NULL::VARCHAR';
    const parser = PARSERS[column.type];
    cells.push(`${parser.parse(v)} AS ${name}`);
    if (!present) continue;
    const bad = `${v} IS NOT NULL AND ${parser.parse(v)} IS NULL`;
    const missing = column.required ? `WHEN ${v} IS NULL THEN ${problemStruct(column.name, 'NULL::VARCHAR', "'is required but empty'")}` : '';
    problems.push(
      `CASE ${missing} WHEN ${bad} THEN ${problemStruct(column.name, v, quoteLiteral(`expected ${parser.expected}`))} END AS ${quoteIdent(`${column.name}__problem`)}`,
    );
  }
  const inner = `SELECT line, ${[...cells, ...problems].join(',\n  ')} FROM ${options.stagedTable}`;

  const withDefaults = entity.columns.map((column) => {
    const name = quoteIdent(column.name);
    const fallback = DERIVED_DEFAULTS[`${entity.table}.${column.name}`] ?? column.default;
    return fallback ? `coalesce(${name}, ${fallback}) AS ${name}` : name;
  });
  const columnProblems = entity.columns
    .filter((column) => options.presentColumns.has(column.name))
    .map((column) => quoteIdent(`${column.name}__problem`));
  const ruleProblems = entity.rowChecks.map(
    (check) =>
      `CASE WHEN ${check.when} THEN ${problemStruct(check.column, `CAST(${quoteIdent(check.column)} AS VARCHAR)`, quoteLiteral(check.reason))} END`,
  );
  const allProblems = [...columnProblems, ...ruleProblems];
  const problemList = allProblems.length
    ? `list_filter([${allProblems.join(', ')}], p -> p IS NOT NULL)`
    : `[]::STRUCT("column" VARCHAR, "value" VARCHAR, reason VARCHAR)[]`;
  return `SELECT line, ${withDefaults.join(', ')}, ${problemList} AS problems FROM (${inner})`;
}
