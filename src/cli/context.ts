/**
 * What every command gets from the global options: the resolved config and a way to open the
 * store. The environment is read here (through loadConfig) and nowhere deeper.
 */
import { dirname, join } from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
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

export function createContext(options: GlobalOptions): CommandContext {
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

/** Opens the store, runs `work`, and always closes it. */
export async function withStore<T>(context: CommandContext, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await context.openStore();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
