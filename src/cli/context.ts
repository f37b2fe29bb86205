/**
 * What every command gets from the global options: the resolved config and a way to open the
 * store. The environment is read here (through loadConfig) and nowhere deeper.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { distance } from 'fastest-levenshtein';
import { loadConfig, type Config } from '../config/config.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';

export interface GlobalOptions {
  readonly db?: string;
  readonly config?: string;
  readonly verbose?: boolean;
}

export interface CommandContext {
  readonly config: Config;
  readonly verbose: boolean;
  /** Where rejects CSVs are written: beside the database, since input folders may be read-only. */
  readonly rejectsDir: string;
  openStore(): Promise<Store>;
}

export interface ContextOptions {
  /**
   * Whether the command may create the database file (import, demo). Every other command
   * refuses a file that does not exist: a mistyped --db would otherwise be a new empty store.
   */
  readonly mayCreateStore: boolean;
}

export function createContext(options: GlobalOptions, contextOptions: ContextOptions): CommandContext {
  const config = loadConfig({
    dbFlag: options.db,
    configFlag: options.config,
    env: process.env,
    cwd: process.cwd(),
  });
  return {
    config,
    verbose: options.verbose ?? false,
    rejectsDir: join(dirname(config.databasePath), 'huiyuan-rejects'),
    async openStore() {
      if (!contextOptions.mayCreateStore)
        checkDatabaseExists(
          config.databasePath,
          options.db !== undefined ? '--db' : process.env.HUIYUAN_DB ? '$HUIYUAN_DB' : 'the default',
        );
      // Loaded on demand so `huiyuan --help` never loads the database engine.
      const { DuckDBStore } = await import('../store/duckdb/duckdb-store.js');
      return DuckDBStore.open({
        path: config.databasePath,
        timezone: config.timezone,
        memoryLimit: config.memory_limit,
      });
    },
  };
}

/**
 * Refuses a database file that does not exist, naming the closest existing .duckdb file beside
 * it or in the working folder.
 */
export function checkDatabaseExists(path: string, source: string): void {
  if (existsSync(path)) return;
  const cwd = process.cwd();
  const candidates = [...new Set([dirname(path), cwd])].flatMap((folder) => {
    try {
      return readdirSync(folder)
        .filter((name) => name.endsWith('.duckdb'))
        .map((name) => join(folder, name));
    } catch {
      return []; // a folder that does not exist or cannot be read has no candidates
    }
  });
  const wanted = basename(path);
  const closest = candidates
    .map((candidate) => ({ candidate, distance: distance(wanted, basename(candidate)) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))[0]?.candidate;
  const shown = (file: string): string => (file.startsWith(cwd) ? relative(cwd, file) || file : file);
  const hint = closest
    ? `did you mean --db ${shown(closest)}?`
    : 'no .duckdb file is there; `huiyuan import FILE` (or `huiyuan demo`) creates one';
  throw new AppError('FILE_NOT_FOUND', `no database at ${shown(path)} (${source}): ${hint}`);
}

/** Opens the store, runs `work`, and always closes it. */
export async function withStore<T>(context: CommandContext, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await context.openStore();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
