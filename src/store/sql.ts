/**
 * Queries as values: analytics and ingest build `{ sql, params }` and the Store runs them, so a
 * query can be read and tested without a database. Values are always parameters, never spliced
 * into the text; identifiers go through quoteIdent.
 */

export type SqlValue = string | number | boolean | bigint | null;

export interface Query {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/**
 * Tagged template that turns interpolated values into positional parameters.
 * @example sql`SELECT * FROM orders WHERE customer_id = ${id}` // { sql: '... = $1', params: [id] }
 */
export function sql(strings: TemplateStringsArray, ...values: readonly SqlValue[]): Query {
  let text = strings[0] ?? '';
  values.forEach((_, index) => {
    text += `$${index + 1}${strings[index + 1] ?? ''}`;
  });
  return { sql: text, params: values };
}

/** A query without parameters. */
export function raw(text: string): Query {
  return { sql: text, params: [] };
}

/** Quotes an identifier (table or column name) for DuckDB and PostgreSQL alike. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal; only for places where the SQL grammar takes no parameter (e.g. a file path in COPY). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Collects parameters while a longer query's text is written: add(value) returns its `$n`.
 * @example const params = new ParamList(); `WHERE day <= ${params.add(asOf)}::DATE` … { sql, params: params.values }
 */
export class ParamList {
  readonly values: SqlValue[] = [];

  add(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /**
   * Takes in a whole query (e.g. as a subquery of a longer one): its parameters are added and
   * its text is returned with `$n` renumbered to theirs. Safe because query text never holds a
   * `$` of its own: values are parameters, never spliced.
   */
  embed(query: Query): string {
    const offset = this.values.length;
    this.values.push(...query.params);
    return query.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  }
}
