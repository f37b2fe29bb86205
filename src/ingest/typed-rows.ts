/**
 * Turns staged text cells into typed canonical rows, in one set-oriented pass: each cell is
 * parsed, and every problem (a missing value, a bad number, a rule broken) is collected into a
 * `problems` list on its row with the column, the value and the reason. A row with problems is
 * a reject; the others are clean. Built as SQL text from the entity spec, so the rules can be
 * read and tested without a database.
 */
import {
  ENTITIES,
  FEEDBACK_KINDS,
  ORDER_STATUSES,
  type ColumnSpec,
  type EntityKind,
} from '../store/entities.js';
import { quoteIdent, quoteLiteral } from '../store/sql.js';
import type { FormatCheck } from './formats/store-format.js';

const TRUE_WORDS = ['true', 't', 'yes', 'y', '1', '是'];
const FALSE_WORDS = ['false', 'f', 'no', 'n', '0', '否'];
const MALE_WORDS = ['male', 'm', '男'];
const FEMALE_WORDS = ['female', 'f', '女'];
const UNKNOWN_GENDER_WORDS = ['unknown', 'u', 'other', '未知', '保密'];

/**
 * `cell IN (words)` as a list lookup: DuckDB rewrites a long IN list into a join, and the
 * progress of a query with that join is unknown, which would blank the import's progress bar.
 */
const isOneOf = (cell: string, words: readonly string[]): string =>
  `list_contains([${words.map(quoteLiteral).join(', ')}], ${cell})`;

interface Parser {
  /** SQL that parses the trimmed cell `v` (NULL when empty) into the stored type. */
  readonly parse: (v: string) => string;
  /** What the cell should have looked like, for the reject reason. */
  readonly expected: string;
}

// Money must have at most two decimals: rounding a cell silently would change a store's totals.
// (A position test is several times cheaper than a regular expression over millions of cells.)

const PARSERS: Record<ColumnSpec['type'], Parser> = {
  text: { parse: (v) => v, expected: 'text' },
  money: {
    parse: (v) =>
      `CASE WHEN strpos(${v}, '.') = 0 OR length(${v}) - strpos(${v}, '.') BETWEEN 1 AND 2 THEN TRY_CAST(${v} AS DECIMAL(18,2)) END`,
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
      `CASE WHEN ${isOneOf(`lower(${v})`, TRUE_WORDS)} THEN true WHEN ${isOneOf(`lower(${v})`, FALSE_WORDS)} THEN false END`,
    expected: 'true or false (also yes/no, 1/0, 是/否)',
  },
  gender: {
    parse: (v) =>
      `CASE WHEN ${isOneOf(`lower(${v})`, MALE_WORDS)} THEN 'male' WHEN ${isOneOf(`lower(${v})`, FEMALE_WORDS)} THEN 'female' WHEN ${isOneOf(`lower(${v})`, UNKNOWN_GENDER_WORDS)} THEN 'unknown' END`,
    expected: 'male, female or unknown (also 男/女)',
  },
  order_status: {
    parse: (v) => `CASE WHEN ${isOneOf(`lower(${v})`, ORDER_STATUSES)} THEN lower(${v}) END`,
    expected: `one of ${ORDER_STATUSES.join(', ')}`,
  },
  feedback_kind: {
    parse: (v) => `CASE WHEN ${isOneOf(`lower(${v})`, FEEDBACK_KINDS)} THEN lower(${v}) END`,
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
  /**
   * A relation with one VARCHAR column per canonical column present in the file, named
   * canonically (and `line` when `detailed`): a staged table or a file reader.
   */
  readonly source: string;
  /** Canonical columns present in the file. */
  readonly presentColumns: ReadonlySet<string>;
  /**
   * false: the fast pass, which only flags each row `bad`. true: also `line` and `problems`,
   * the list of {column, value, reason}, for reporting rejects.
   */
  readonly detailed: boolean;
  /** Rules a store format adds to the entity's rowChecks (FormatCheck). */
  readonly extraChecks?: readonly FormatCheck[];
}

/**
 * A cell without its surrounding spaces. trim() copies every string, which costs more than all
 * the parsing together on a large file; most cells have no spaces, so test before trimming.
 */
export const trimmedCell = (cell: string): string =>
  `CASE WHEN ${cell} LIKE ' %' OR ${cell} LIKE '% ' THEN trim(${cell}) ELSE ${cell} END`;

const problemStruct = (column: string, value: string, reason: string): string =>
  `{'column': ${quoteLiteral(column)}, 'value': ${value}, 'reason': ${reason}}`;

/**
 * SELECT producing every canonical column typed, with defaults applied, and `bad` (the row
 * must be rejected); when detailed, also `line` and `problems`.
 */
export function buildTypedRowsSql(options: TypedRowsOptions): string {
  const entity = ENTITIES[options.kind];
  const present = entity.columns.filter((column) => options.presentColumns.has(column.name));
  const rawName = (name: string): string => quoteIdent(`${name}__raw`);
  const line = options.detailed ? 'line, ' : '';
  const rowChecks = [...entity.rowChecks, ...(options.extraChecks ?? [])];

  // Three levels so each cell is trimmed and parsed once: DuckDB does not share the work of
  // an expression written twice.
  const trimmed = `SELECT ${line}${
    present.map((c) => `NULLIF(${trimmedCell(quoteIdent(c.name))}, '') AS ${rawName(c.name)}`).join(', ') ||
    '1 AS no_columns'
  } FROM ${options.source}`;
  const parsed = `SELECT ${line}${[
    ...present.map((c) => rawName(c.name)),
    ...entity.columns.map((c) => {
      const v = options.presentColumns.has(c.name) ? rawName(c.name) : 'NULL::VARCHAR';
      return `${PARSERS[c.type].parse(v)} AS ${quoteIdent(c.name)}`;
    }),
  ].join(', ')} FROM (${trimmed})`;

  const unparsable = (c: ColumnSpec): string =>
    `(${rawName(c.name)} IS NOT NULL AND ${quoteIdent(c.name)} IS NULL)`;
  const missing = (c: ColumnSpec): string => `${rawName(c.name)} IS NULL`;
  const badConditions = [
    ...present.flatMap((c) => (c.required ? [missing(c), unparsable(c)] : [unparsable(c)])),
    ...rowChecks.map((check) => `coalesce(${check.when}, false)`),
  ];
  const bad = `(${badConditions.join(' OR ') || 'false'}) AS bad`;
  const withDefaults = entity.columns.map((column) => {
    const name = quoteIdent(column.name);
    const fallback = DERIVED_DEFAULTS[`${entity.table}.${column.name}`] ?? column.default;
    return fallback ? `coalesce(${name}, ${fallback}) AS ${name}` : name;
  });
  if (!options.detailed) return `SELECT ${withDefaults.join(', ')}, ${bad} FROM (${parsed})`;

  const columnProblems = present.map((c) => {
    const required = c.required
      ? `WHEN ${missing(c)} THEN ${problemStruct(c.name, 'NULL::VARCHAR', "'is required but empty'")} `
      : '';
    const expected = quoteLiteral(`expected ${PARSERS[c.type].expected}`);
    return `CASE ${required}WHEN ${unparsable(c)} THEN ${problemStruct(c.name, rawName(c.name), expected)} END`;
  });
  const ruleProblems = rowChecks.map(
    (check) =>
      `CASE WHEN ${check.when} THEN ${problemStruct(check.column, `CAST(${quoteIdent(check.column)} AS VARCHAR)`, quoteLiteral(check.reason))} END`,
  );
  const allProblems = [...columnProblems, ...ruleProblems];
  const problemList = allProblems.length
    ? `list_filter([${allProblems.join(', ')}], p -> p IS NOT NULL)`
    : `[]::STRUCT("column" VARCHAR, "value" VARCHAR, reason VARCHAR)[]`;
  return `SELECT line, ${withDefaults.join(', ')}, ${bad}, ${problemList} AS problems FROM (${parsed})`;
}
