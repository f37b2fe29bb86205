/**
 * The Store: where canonical data lives and where heavy work runs. Callers hand it Query
 * values; it hands back rows of JSON-safe values (decimals and big integers as strings, so
 * money stays exact). DuckDB is the embedded default; the interface is what a PostgreSQL
 * implementation will satisfy later.
 */
import type { Query } from './sql.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Row = Record<string, JsonValue>;

export interface QueryProgress {
  /** 0–100, or -1 while unknown. */
  readonly percentage: number;
  readonly rowsProcessed: number;
}

export interface RunOptions {
  /** Called a few times a second while the statement runs. */
  readonly onProgress?: (progress: QueryProgress) => void;
}

export interface Store {
  /** The database file, or ':memory:'. */
  readonly path: string;
  /** The store's IANA timezone: naive timestamps are read in it; days and months are cut in it. */
  readonly timezone: string;
  /** The schema version the database is at after opening. */
  readonly schemaVersion: number;
  query<T extends Row = Row>(query: Query, options?: RunOptions): Promise<T[]>;
  run(query: Query, options?: RunOptions): Promise<void>;
  /**
   * The result's columns as typed arrays of numbers (null as NaN), for the numeric work a fit
   * does over hundreds of thousands of rows: read column by column, not as row objects.
   */
  queryNumbers(query: Query): Promise<Record<string, Float64Array>>;
  /** Runs `work` in one transaction: all of it is kept, or none of it. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly path: string;
  readonly timezone: string;
  /** DuckDB memory limit, e.g. '1GB'; past it DuckDB spills to disk. */
  readonly memoryLimit?: string;
}
