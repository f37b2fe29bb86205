/** The DuckDB store: migrations, schema versus the entity specs, and refusing a newer database. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { ENTITIES, ENTITY_KINDS, getStorageType } from '../src/store/entities.js';
import { LATEST_SCHEMA_VERSION } from '../src/store/migrations.js';
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
    const expected = [
      ...entity.columns.map((c) => [c.name, getStorageType(c.type)]),
      ['batch_id', 'BIGINT'],
      ['first_imported_at', 'TIMESTAMP WITH TIME ZONE'],
      ['updated_at', 'TIMESTAMP WITH TIME ZONE'],
    ].map(([name, type]) => [name, type === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : type]);
    expect(columns.map((c) => [c.column_name, c.data_type])).toEqual(expected);
  });

  it('records the schema version once, and reopening applies nothing again', async () => {
    const path = temp.store.path;
    await temp.store.close();
    const again = await DuckDBStore.open({ path, timezone: 'Asia/Shanghai' });
    const rows = await again.query<{ version: number }>(raw('SELECT version FROM schema_migrations'));
    expect(rows.map((r) => r.version)).toEqual([LATEST_SCHEMA_VERSION]);
    expect(again.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    await again.close();
    temp = { ...temp, store: await DuckDBStore.open({ path, timezone: 'Asia/Shanghai' }) };
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
