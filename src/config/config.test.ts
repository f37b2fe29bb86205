import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { loadConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'huiyuan-config-'));

describe('loadConfig', () => {
  it('takes --db over HUIYUAN_DB over ./huiyuan.duckdb', () => {
    expect(loadConfig({ env: {}, cwd: dir }).databasePath).toBe(join(dir, 'huiyuan.duckdb'));
    expect(loadConfig({ env: { HUIYUAN_DB: 'env.duckdb' }, cwd: dir }).databasePath).toBe(
      join(dir, 'env.duckdb'),
    );
    expect(
      loadConfig({ dbFlag: 'flag.duckdb', env: { HUIYUAN_DB: 'env.duckdb' }, cwd: dir }).databasePath,
    ).toBe(join(dir, 'flag.duckdb'));
  });

  it('defaults the timezone to Asia/Shanghai', () => {
    expect(loadConfig({ env: {}, cwd: dir }).timezone).toBe('Asia/Shanghai');
  });

  it('reads huiyuan.config.json beside the database', () => {
    const folder = mkdtempSync(join(tmpdir(), 'huiyuan-config-'));
    writeFileSync(join(folder, 'huiyuan.config.json'), '{"timezone": "Europe/London"}');
    const config = loadConfig({ dbFlag: join(folder, 'store.duckdb'), env: {}, cwd: dir });
    expect(config.timezone).toBe('Europe/London');
    expect(config.configPath).toBe(join(folder, 'huiyuan.config.json'));
  });

  it('names the field, what was expected and what was found', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"timezone": "Asia/Shangai"}');
    expect(() => loadConfig({ configFlag: path, env: {}, cwd: dir })).toThrow(
      /bad\.json: field timezone: expected an IANA timezone such as Asia\/Shanghai, found "Asia\/Shangai"/,
    );
  });

  it('rejects an unknown field by name', () => {
    const path = join(dir, 'unknown.json');
    writeFileSync(path, '{"timezon": "UTC"}');
    const error = (() => {
      try {
        loadConfig({ configFlag: path, env: {}, cwd: dir });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toMatch(
      /unknown field 'timezon'; known fields: timezone, memory_limit/,
    );
  });

  it('names broken JSON', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"timezone": ');
    expect(() => loadConfig({ configFlag: path, env: {}, cwd: dir })).toThrow(
      /broken\.json is not valid JSON/,
    );
  });
});
