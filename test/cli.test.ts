/**
 * The CLI as a user meets it (the built bin/huiyuan.js): every user error is one line on stderr
 * and a non-zero exit code, never a stack trace; JSON goes to stdout with snake_case keys.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, makeTempDir, readCsv, runCli } from './helpers.js';

let dir: string;
let db: string;
beforeAll(() => {
  dir = makeTempDir();
  db = join(dir, 'cli.duckdb');
});

const STACK_LINE = /^\s+at /m;

function expectOneLineError(run: ReturnType<typeof runCli>, exitCode: number, message: RegExp): void {
  expect(run.status).toBe(exitCode);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
}

describe('huiyuan CLI', () => {
  it('prints help listing the commands', () => {
    const run = runCli(['--help']);
    expect(run.status).toBe(0);
    for (const command of ['import', 'status', 'demo', 'generate']) expect(run.stdout).toContain(command);
  });

  it('imports files and reports status as JSON with plain snake_case figures', () => {
    const files = ['customers', 'orders', 'order-lines', 'sessions', 'feedback'].map((k) =>
      join(EXAMPLES, `${k}.csv`),
    );
    const imported = runCli(['--db', db, 'import', ...files]);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain('inserted 8');
    const status = runCli(['--db', db, 'status', '--format', 'json']);
    expect(status.status).toBe(0);
    const json = JSON.parse(status.stdout) as { counts: Record<string, number>; gmv: string };
    const orders = readCsv(join(EXAMPLES, 'orders.csv'));
    expect(json.counts.orders).toBe(orders.length);
    expect(json.counts.guest_orders).toBe(orders.filter((o) => o.customer_id === '').length);
    expect(json.counts.members).toBe(
      readCsv(join(EXAMPLES, 'customers.csv')).filter((c) => c.member_since !== '').length,
    );
    expect(typeof json.gmv).toBe('string');
  });

  it('takes the database from HUIYUAN_DB', () => {
    const run = runCli(['status', '--format', 'json'], { env: { HUIYUAN_DB: db } });
    expect((JSON.parse(run.stdout) as { database: string }).database).toBe(db);
  });

  it('an unknown --kind is one line and exit 2', () => {
    expectOneLineError(
      runCli(['--db', db, 'import', 'x.csv', '--kind', 'ordres']),
      2,
      /argument 'ordres' is invalid/,
    );
  });

  it('an unknown command says so, suggests the closest one, and exits 2', () => {
    const run = runCli(['--db', db, 'imprt']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'imprt'\n\(Did you mean import\?\)/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('a missing file is one line and exit 4', () => {
    expectOneLineError(runCli(['--db', db, 'import', join(dir, 'nope.csv')]), 4, /nope\.csv: no such file/);
  });

  it('a GBK file is one line naming the encoding and exit 5', () => {
    const path = join(dir, 'gbk.csv');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('id,name\nC1,'), Buffer.from([0xcd, 0xf5]), Buffer.from('\n')]),
    );
    expectOneLineError(runCli(['--db', db, 'import', path]), 5, /not UTF-8 \(it looks like GBK/);
  });

  it('a broken config is one line naming the field and exit 3', () => {
    const path = join(dir, 'bad.config.json');
    writeFileSync(path, '{"timezone": 8}');
    expectOneLineError(runCli(['--db', db, '--config', path, 'status']), 3, /field timezone: .*found 8/);
  });

  it('a bad number flag is one line and exit 2', () => {
    expectOneLineError(
      runCli(['--db', db, 'import', 'x.csv', '--max-rejects', 'many']),
      2,
      /expected a whole number/,
    );
  });

  it('--verbose shows the stack of an error', () => {
    const run = runCli(['--db', db, '--verbose', 'import', join(dir, 'nope.csv')]);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(STACK_LINE);
  });

  it('rejected rows are listed with file and line, and the exit code says so', () => {
    const path = join(dir, 'orders-bad.csv');
    writeFileSync(
      path,
      'id,placed_at,status,paid_amount\nB1,2025-01-01 10:00,paid,1\nB2,2025-01-01 10:00,paid,abc\n',
    );
    const run = runCli(['--db', db, 'import', path]);
    expect(run.status).toBe(6);
    expect(run.stderr).toContain(`${path}:3 orders column paid_amount 'abc'`);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

describe('huiyuan config', () => {
  it('prints every default, and its output is itself a valid config file', () => {
    const dir = makeTempDir();
    const first = runCli(['--db', join(dir, 'x.duckdb'), 'config']);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('none found (defaults only)');
    const printed = JSON.parse(first.stdout) as {
      timezone: string;
      rfm: { weights: Record<string, number> };
    };
    expect(printed.timezone).toBe('Asia/Shanghai');
    expect(printed.rfm.weights).toEqual({ r: 1, f: 1, m: 1 });
    writeFileSync(
      join(dir, 'huiyuan.config.json'),
      first.stdout.replace('"Asia/Shanghai"', '"Europe/London"'),
    );
    const second = runCli(['--db', join(dir, 'x.duckdb'), 'config']);
    expect(second.status).toBe(0);
    expect(second.stderr).toContain(join(dir, 'huiyuan.config.json'));
    expect({ ...(JSON.parse(second.stdout) as object), timezone: 'Asia/Shanghai' }).toEqual(printed);
  });
});
