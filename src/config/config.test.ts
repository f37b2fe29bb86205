import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { loadConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'huiyuan-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    const folder = join(dir, 'beside');
    mkdirSync(folder);
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

describe('the rfm section', () => {
  const write = (name: string, json: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(json));
    return path;
  };
  const load = (path: string) => loadConfig({ configFlag: path, env: {}, cwd: dir });

  it('defaults to quintiles, equal weights, orders, net and the default segment map', () => {
    const { rfm } = loadConfig({ env: {}, cwd: dir });
    expect([rfm.scoring, rfm.weights, rfm.frequency, rfm.monetary]).toEqual([
      'quintiles',
      { r: 1, f: 1, m: 1 },
      'orders',
      'net',
    ]);
    expect(rfm.segments.champions).toEqual([{ r: 5, fm: [4, 5] }]);
  });

  it('requires breakpoints when scoring is breakpoints', () => {
    expect(() => load(write('no-breakpoints.json', { rfm: { scoring: 'breakpoints' } }))).toThrow(
      /field rfm\.breakpoints: expected breakpoints \{ recency_days, frequency, monetary \} when scoring is breakpoints/,
    );
  });

  it('names a bad breakpoint list and what was found', () => {
    const path = write('bad-breakpoints.json', {
      rfm: {
        scoring: 'breakpoints',
        breakpoints: {
          recency_days: [30, 7, 90, 180],
          frequency: [1, 2, 3, 5],
          monetary: [50, 100, 500, 1000],
        },
      },
    });
    expect(() => load(path)).toThrow(
      /field rfm\.breakpoints\.recency_days: expected 4 strictly ascending numbers, found \[30,7,90,180\]/,
    );
  });

  it('rejects a segment map with an overlap or a gap, naming the cells', () => {
    const path = write('bad-segments.json', {
      rfm: {
        segments: {
          champions: [{ r: 5, fm: [4, 5] }],
          loyal: [{ r: [3, 4], fm: [4, 5] }],
          potential_loyalist: [{ r: [4, 5], fm: [2, 3] }],
          new: [{ r: 5, fm: 1 }],
          promising: [{ r: 4, fm: 1 }],
          need_attention: [{ r: 3, fm: 3 }],
          about_to_sleep: [{ r: 3, fm: [1, 2] }],
          at_risk: [{ r: [1, 2], fm: [3, 4] }],
          cant_lose_them: [{ r: [1, 2], fm: 5 }],
          hibernating: [
            { r: 2, fm: [1, 3] },
            { r: 1, fm: 2 },
          ],
        },
      },
    });
    expect(() => load(path)).toThrow(
      /field rfm\.segments: cell R2×FM3 is in both At Risk and Hibernating; cell R1×FM1 is in no segment/,
    );
  });

  it('rejects an unknown segment by name', () => {
    const path = write('unknown-segment.json', { rfm: { segments: { champs: [{ r: 5, fm: 5 }] } } });
    expect(() => load(path)).toThrow(/rfm\.segments/);
  });
});

describe('unknown fields in a section', () => {
  it.each([
    ['{"tiers": {"levls": []}}', /unknown field 'levls' in tiers; known fields: levels, /],
    ['{"rfm": {"weights": {"x": 1}}}', /unknown field 'x' in rfm\.weights; known fields: r, f, m$/],
    [
      '{"tiers": {"calibration": {"methd": "shares"}}}',
      /unknown field 'methd' in tiers\.calibration; known fields: method, /,
    ],
  ])('%s names the section and its fields', (text, message) => {
    const path = join(dir, 'section.json');
    writeFileSync(path, text);
    expect(() => loadConfig({ configFlag: path, env: {}, cwd: dir })).toThrow(message);
  });
});

describe('population and lang', () => {
  it('default to auto and zh-CN', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect([config.population, config.lang]).toEqual(['auto', 'zh-CN']);
  });

  it('name a wrong population and the values it takes', () => {
    const path = join(dir, 'population.json');
    writeFileSync(path, '{"population": "everyone"}');
    expect(() => loadConfig({ configFlag: path, env: {}, cwd: dir })).toThrow(
      /field population: .*"auto".*"members".*"all_customers".*found "everyone"/,
    );
  });

  it('takes an empty HUIYUAN_DB as unset', () => {
    expect(loadConfig({ env: { HUIYUAN_DB: '' }, cwd: dir }).databasePath).toBe(join(dir, 'huiyuan.duckdb'));
  });
});
