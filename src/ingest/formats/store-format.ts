/**
 * A store format: the file a shop's back office exports (Taobao 订单报表, Shopify orders, …) and
 * how it maps onto the canonical entities. Each format lives in its own file and only says
 * what is particular to it: how to recognise it, how to clean its text, and one SQL SELECT per
 * canonical entity over the staged rows. Reading, validation, rejects, atomicity and merging
 * are the same for every format (import-file.ts, entity-rows.ts).
 */
import type { EntityKind } from '../../store/entities.js';

/** The start of a file, decoded, for recognising its format. */
export interface FileSample {
  /** Header names as written, trimmed (for a headerless file: the first row's cells). */
  readonly header: readonly string[];
  /** The first lines of text (the header line included). */
  readonly lines: readonly string[];
  /** The file name without its folder. */
  readonly fileName: string;
}

/**
 * A rule a format adds to the canonical checks of one entity: a row for which `when` (SQL over
 * the entity's typed columns) is true is rejected with `reason`, like a canonical rule broken.
 */
export interface FormatCheck {
  readonly column: string;
  readonly when: string;
  readonly reason: string;
}

export interface EntityMapping {
  readonly kind: EntityKind;
  /** The canonical columns the SELECT provides; the others keep their stored values. */
  readonly provides: readonly string[];
  /**
   * SELECT over `staged` (one VARCHAR column per header name, trimmed, empty cells NULL, plus
   * `line`, the line number in the file) giving `line` and the provided columns as text.
   */
  readonly select: (staged: string) => string;
  /** Rejects particular to the format (see FormatCheck), checked with the canonical ones. */
  readonly checks?: readonly FormatCheck[];
}

export interface StoreFormat {
  /** The --store-format name, e.g. 'online-retail'. */
  readonly name: string;
  /** What people call the file, e.g. 'UCI Online Retail'. */
  readonly title: string;
  /** Why the sample is of this format, or null when it is not. */
  readonly detect: (sample: FileSample) => string | null;
  /** Header names the format cannot do without (checked after detection, or with --format). */
  readonly requiredColumns: readonly string[];
  /** For files without a header row: the names of their columns. */
  readonly headerlessColumns?: readonly string[];
  /**
   * Rewrites each line before DuckDB reads it (e.g. Taobao's ="…" order numbers). A format
   * without it, in UTF-8, is read by DuckDB straight from the file.
   */
  readonly cleanLine?: (line: string) => string;
  /**
   * Columns computed once while the file is staged (name -> SQL over the staged cells), for
   * expressions that several entity SELECTs and `skipped` share, such as a cast: DuckDB does
   * not share an expression written in two statements, and on a large file repeating the casts
   * costs more than the mapping itself. `staged` then has these columns too; name them
   * `hy_…` so they cannot meet a header name.
   */
  readonly stagedColumns?: Readonly<Record<string, string>>;
  /** The entities the file feeds, in the order they are merged. */
  readonly entities: readonly EntityMapping[];
  /** SELECT reason, rows over `staged`: rows left out on purpose (they are not rejects). */
  readonly skipped?: (staged: string) => string;
}

/** A header cell as a SQL identifier of the staged table. */
export function column(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `staged` with the named columns added as empty where the file lacks them, so one SELECT
 * serves every layout of a format (stores leave columns out of their exports).
 */
export function withOptionalColumns(staged: string, names: readonly string[]): string {
  const empty = names.map((name) => `NULL::VARCHAR AS ${column(name)}`).join(', ');
  return `(FROM ${staged} UNION ALL BY NAME (SELECT ${empty} WHERE false))`;
}

/**
 * An id or phone number that Excel has shown in scientific notation (`3.5E+16`, `1.38E+10`) and
 * saved that way: the digits are gone, and two different orders now share one id, so each would
 * overwrite the other. Such a row is rejected, never stored.
 */
export function excelRoundedNumber(columnName: string): FormatCheck {
  return {
    column: columnName,
    when: `regexp_full_match(${column(columnName)}, '[0-9]+([.][0-9]+)?[eE][+]?[0-9]+')`,
    reason:
      'a number in scientific notation: the file was resaved by Excel, which rounds long ids and phone numbers; export it again, or format the column as text before saving',
  };
}
