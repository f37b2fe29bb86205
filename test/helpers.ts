/** Shared test plumbing: throwaway stores, database fingerprints, the CLI as a user runs it. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll } from 'vitest';
import { importFile } from '../src/ingest/import-file.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const EXAMPLES = join(ROOT, 'examples');
/** The public data sets (never committed): beside the main checkout, or two levels up from a worktree. */
export const SHARED_DATA =
  [resolve(ROOT, '..', 'shared', 'data'), resolve(ROOT, '..', '..', 'shared', 'data')].find((path) =>
    existsSync(path),
  ) ?? resolve(ROOT, '..', 'shared', 'data');

export interface TempStore {
  readonly store: Store;
  readonly dir: string;
  cleanup(): Promise<void>;
}

export async function openTempStore(timezone = 'Asia/Shanghai'): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'huiyuan-test-'));
  const store = await DuckDBStore.open({ path: join(dir, 'test.duckdb'), timezone });
  return {
    store,
    dir,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway Asia/Shanghai store with test/fixtures/NAME's customers.csv and orders.csv imported. */
export async function openFixtureStore(name: string): Promise<TempStore> {
  const temp = await openTempStore('Asia/Shanghai');
  for (const file of ['customers.csv', 'orders.csv'])
    await importFile(temp.store, join(ROOT, 'test', 'fixtures', name, file), {
      rejectsDir: join(temp.dir, 'rejects'),
    });
  return temp;
}

/** The folders makeTempDir made in this test file, removed when the file's tests are done. */
const tempDirs: string[] = [];
// Registered by every test file that imports these helpers (modules load once per file).
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system temp folder, removed after the test file's last test. */
export function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'huiyuan-files-'));
  tempDirs.push(dir);
  return dir;
}

const FINGERPRINTED_TABLES = ['customers', 'orders', 'order_lines', 'sessions', 'feedback', 'import_batches'];

/** A digest of every row of every table: equal fingerprints mean the database is unchanged. */
export async function fingerprint(store: Store, tables = FINGERPRINTED_TABLES): Promise<string> {
  const parts = await Promise.all(
    tables.map(async (table) => {
      const [row] = await store.query<{ n: string; digest: string | null }>(
        raw(
          `SELECT count(*)::VARCHAR AS n, md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) AS digest FROM ${table} t`,
        ),
      );
      return `${table}:${row?.n}:${row?.digest}`;
    }),
  );
  return parts.join(' ');
}

/** Reads a CSV file independently of the importer. */
export function readCsv(path: string): Record<string, string>[] {
  return parse<Record<string, string>>(readFileSync(path), {
    columns: true,
    skip_empty_lines: true,
    bom: true,
  });
}

/** Cents of a decimal string, exactly. */
export function toCents(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.trim().split('.');
  const sign = whole.startsWith('-') ? -1n : 1n;
  return sign * (BigInt(whole.replace('-', '')) * 100n + BigInt((fraction + '00').slice(0, 2)));
}

export function centsToString(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (bin/huiyuan.js) the way a user does. */
/** runCli without blocking the event loop, for tests that serve the CLI from this process (a receiver). */
export function runCliAsync(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'huiyuan.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliRun {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'huiyuan.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
