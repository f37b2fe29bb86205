/**
 * The embedded default Store: one DuckDB database file, opened with the store's timezone as the
 * session TimeZone (so naive timestamps are read in it and date_trunc cuts days in it), and
 * migrated to the latest schema on open.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError, firstLine } from '../../errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../migrations.js';
import { quoteLiteral, raw, type Query } from '../sql.js';
import type { Row, RunOptions, Store, StoreOptions } from '../store.js';

// require(), not import: @duckdb/node-api is CommonJS, and importing it from ESM makes Node
// parse each of its ~60 modules for their exports first, which takes longer than loading the
// engine (measured in bench/first-answer-bench.ts: every CLI process pays it).
const { DuckDBInstance } = createRequire(import.meta.url)(
  '@duckdb/node-api',
) as typeof import('@duckdb/node-api');
type DuckDBInstance = InstanceType<typeof DuckDBInstance>;

const PROGRESS_INTERVAL_MS = 150;

export class DuckDBStore implements Store {
  readonly path: string;
  readonly timezone: string;
  #schemaVersion = 0;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  #inTransaction = false;

  private constructor(options: StoreOptions, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.path = options.path;
    this.timezone = options.timezone;
    this.#instance = instance;
    this.#connection = connection;
  }

  /** Opens (creating if needed) the database at options.path and migrates it. */
  static async open(options: StoreOptions): Promise<DuckDBStore> {
    const path = options.path === ':memory:' ? options.path : resolve(options.path);
    if (path !== ':memory:') checkDatabasePath(path);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, {
        // Spill to a folder beside the database rather than to memory when a load is large.
        ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
      });
    } catch (error) {
      throw describeOpenError(path, error);
    }
    const connection = await instance.connect();
    const store = new DuckDBStore({ ...options, path }, instance, connection);
    await store.run(
      raw(
        `SET TimeZone = ${quoteLiteral(options.timezone)};
         SET enable_progress_bar = true;
         SET enable_progress_bar_print = false;`,
      ),
    );
    await store.#migrate();
    return store;
  }

  get schemaVersion(): number {
    return this.#schemaVersion;
  }

  async query<T extends Row = Row>(query: Query, options?: RunOptions): Promise<T[]> {
    const reader = await this.#watch(
      this.#connection.runAndReadAll(query.sql, query.params.length ? [...query.params] : undefined),
      options,
    );
    return reader.getRowObjectsJson() as T[];
  }

  async queryNumbers(query: Query): Promise<Record<string, Float64Array>> {
    const reader = await this.#connection.runAndReadAll(
      query.sql,
      query.params.length ? [...query.params] : undefined,
    );
    const columns: Record<string, Float64Array> = {};
    for (const [name, values] of Object.entries(reader.getColumnsObject()))
      columns[name] = Float64Array.from(values, (value) => (value === null ? Number.NaN : Number(value)));
    return columns;
  }

  async run(query: Query, options?: RunOptions): Promise<void> {
    await this.#watch(
      this.#connection.run(query.sql, query.params.length ? [...query.params] : undefined),
      options,
    );
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#inTransaction) return work();
    await this.run(raw('BEGIN TRANSACTION'));
    this.#inTransaction = true;
    try {
      const result = await work();
      await this.run(raw('COMMIT'));
      return result;
    } catch (error) {
      await this.run(raw('ROLLBACK')).catch(() => undefined);
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  close(): Promise<void> {
    this.#connection.closeSync();
    this.#instance.closeSync();
    return Promise.resolve();
  }

  async #watch<T>(work: Promise<T>, options: RunOptions | undefined): Promise<T> {
    const onProgress = options?.onProgress;
    if (!onProgress) return work;
    const timer = setInterval(() => {
      const progress = this.#connection.progress;
      onProgress({ percentage: progress.percentage, rowsProcessed: Number(progress.rows_processed) });
    }, PROGRESS_INTERVAL_MS);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }

  async #migrate(): Promise<void> {
    await this.run(
      raw(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
      ),
    );
    const [current] = await this.query<{ version: number | null }>(
      raw('SELECT max(version) AS version FROM schema_migrations'),
    );
    const version = current?.version ?? 0;
    if (version > LATEST_SCHEMA_VERSION) {
      throw new AppError(
        'DATABASE_TOO_NEW',
        `${this.path} is at schema version ${version}, written by a newer huiyuan; this huiyuan knows versions up to ${LATEST_SCHEMA_VERSION}. Upgrade huiyuan to open it.`,
      );
    }
    // Each migration is one transaction, sent as one multi-statement text: a fresh database runs
    // about a hundred statements, and each round trip to the engine is paid by the first import.
    for (const migration of MIGRATIONS.filter((m) => m.version > version)) {
      await this.transaction(() =>
        this.run(
          raw(
            [
              ...migration.statements,
              `INSERT INTO schema_migrations VALUES (${migration.version}, current_timestamp)`,
            ].join(';\n'),
          ),
        ),
      );
    }
    this.#schemaVersion = Math.max(version, LATEST_SCHEMA_VERSION);
  }
}

function checkDatabasePath(path: string): void {
  const folder = dirname(path);
  if (!existsSync(folder)) {
    throw new AppError('BAD_ARGUMENT', `database folder ${folder} does not exist (from --db or HUIYUAN_DB)`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new AppError(
      'BAD_ARGUMENT',
      `database path ${path} is a folder; give a file such as ${path}/huiyuan.duckdb`,
    );
  }
}

function describeOpenError(path: string, error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  if (/lock/i.test(message)) {
    return new AppError(
      'DATABASE_LOCKED',
      `${path} is open in another process (DuckDB allows one writer); close it and try again`,
      { cause: error },
    );
  }
  if (/not a valid DuckDB database|Unable to open database|IO Error/i.test(message)) {
    return new AppError('DATABASE', `cannot open ${path} as a huiyuan database: ${firstLine(message)}`, {
      cause: error,
    });
  }
  return new AppError('DATABASE', `cannot open ${path}: ${firstLine(message)}`, { cause: error });
}
