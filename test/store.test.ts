/** The DuckDB store: migrations, schema versus the entity specs, and refusing a newer database. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { type ColumnSpec, ENTITIES, ENTITY_KINDS, getStorageType } from '../src/store/entities.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../src/store/migrations.js';
import { raw } from '../src/store/sql.js';
import { openTempStore, type TempStore } from './helpers.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await openTempStore();
});
afterEach(async () => {
  await temp.cleanup();
});

describe('schema', () => {
  it.each(ENTITY_KINDS)('the %s table has exactly the columns and types of its entity spec', async (kind) => {
    const entity = ENTITIES[kind];
    const columns = await temp.store.query<{ column_name: string; data_type: string }>(
      raw(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${entity.table}' ORDER BY ordinal_position`,
      ),
    );
    const typed = (c: ColumnSpec): string[] => [c.name, getStorageType(c.type)];
    const expected = [
      ...entity.columns.filter((c) => c.addedBy === undefined).map(typed),
      ['batch_id', 'BIGINT'],
      ['first_imported_at', 'TIMESTAMP WITH TIME ZONE'],
      ['updated_at', 'TIMESTAMP WITH TIME ZONE'],
      ...entity.columns
        .filter((c) => c.addedBy !== undefined)
        .sort((a, b) => (a.addedBy ?? 0) - (b.addedBy ?? 0))
        .map(typed),
    ].map(([name, type]) => [name, type === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : type]);
    expect(columns.map((c) => [c.column_name, c.data_type])).toEqual(expected);
  });

  it('records the schema version once, and reopening applies nothing again', async () => {
    const path = temp.store.path;
    await temp.store.close();
    const again = await DuckDBStore.open({ path, timezone: 'Asia/Shanghai' });
    const rows = await again.query<{ version: number }>(raw('SELECT version FROM schema_migrations'));
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(again.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    await again.close();
    temp = { ...temp, store: await DuckDBStore.open({ path, timezone: 'Asia/Shanghai' }) };
  });

  it('has the tier_calibrations table of migration 2, with the measure of migration 7', async () => {
    const columns = await temp.store.query<{ column_name: string; data_type: string }>(
      raw(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tier_calibrations' ORDER BY ordinal_position`,
      ),
    );
    expect(columns.map((c) => [c.column_name, c.data_type])).toEqual([
      ['calibrated_on', 'DATE'],
      ['method', 'VARCHAR'],
      ['window_months', 'INTEGER'],
      ['special_days', 'JSON'],
      ['members', 'BIGINT'],
      ['tiers', 'JSON'],
      ['created_at', 'TIMESTAMP WITH TIME ZONE'],
      ['measure', 'VARCHAR'],
    ]);
  });

  it('migrates a database at version 1 to the latest version (tier_calibrations), keeping its rows', async () => {
    const path = join(temp.dir, 'v1.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(
      'CREATE TABLE schema_migrations (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
    );
    for (const statement of MIGRATIONS[0]?.statements ?? []) await connection.run(statement);
    await connection.run('INSERT INTO schema_migrations VALUES (1, current_timestamp)');
    await connection.run(
      `INSERT INTO customers (id, batch_id, first_imported_at, updated_at) VALUES ('kept', 1, now(), now())`,
    );
    connection.closeSync();
    instance.closeSync();

    const store = await DuckDBStore.open({ path, timezone: 'Asia/Shanghai' });
    try {
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      const versions = await store.query<{ version: number }>(
        raw('SELECT version FROM schema_migrations ORDER BY version'),
      );
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
      const [count] = await store.query<{ n: number }>(
        raw('SELECT count(*)::INTEGER AS n FROM tier_calibrations'),
      );
      expect(count?.n).toBe(0);
      const [kept] = await store.query<{ id: string }>(raw('SELECT id FROM customers'));
      expect(kept?.id).toBe('kept');
    } finally {
      await store.close();
    }
  });

  it('refuses a database written by a newer huiyuan, naming both versions', async () => {
    const path = temp.store.path;
    await temp.store.run(
      raw(`INSERT INTO schema_migrations VALUES (${LATEST_SCHEMA_VERSION + 1}, current_timestamp)`),
    );
    await temp.store.close();
    const error = await DuckDBStore.open({ path, timezone: 'Asia/Shanghai' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('DATABASE_TOO_NEW');
    expect((error as AppError).message).toContain(
      `schema version ${LATEST_SCHEMA_VERSION + 1}, written by a newer huiyuan; this huiyuan knows versions up to ${LATEST_SCHEMA_VERSION}`,
    );
    temp = {
      ...temp,
      store: await DuckDBStore.open({ path: join(temp.dir, 'other.duckdb'), timezone: 'UTC' }),
    };
  });

  it('names a missing database folder', async () => {
    const error = await DuckDBStore.open({
      path: join(temp.dir, 'no', 'such', 'x.duckdb'),
      timezone: 'UTC',
    }).catch((e: unknown) => e);
    expect((error as AppError).message).toMatch(/database folder .*no\/such does not exist/);
  });
});
