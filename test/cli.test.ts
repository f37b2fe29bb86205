/**
 * The CLI as a user meets it (the built bin/huiyuan.js): every user error is one line on stderr
 * and a non-zero exit code, never a stack trace; JSON goes to stdout with snake_case keys.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, buildProgram } from '../src/cli/main.js';
import { EXAMPLES, makeTempDir, readCsv, ROOT, runCli } from './helpers.js';

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

/** The day after `day`, `n` days on (calendar arithmetic, no clock). */
const addDays = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('the first hour', () => {
  let store: string;
  let lastOrderDay: string;
  beforeAll(() => {
    const folder = makeTempDir();
    store = join(folder, 'shop.duckdb');
    const files = ['customers', 'orders', 'order-lines'].map((k) => join(EXAMPLES, `${k}.csv`));
    expect(runCli(['--db', store, 'import', ...files]).status).toBe(0);
    // The examples' orders are naive local times: their last day is the date part of the latest.
    lastOrderDay = readCsv(join(EXAMPLES, 'orders.csv'))
      .map((o) => o.placed_at!.slice(0, 10))
      .sort()
      .at(-1)!;
  });

  it('a read command on a mistyped --db refuses it, names the closest database, and creates nothing', () => {
    const typo = join(store, '..', 'shpo.duckdb');
    const run = runCli(['--db', typo, 'report', '--out', join(store, '..', 'r.html')]);
    expectOneLineError(run, 4, /no database at .*shpo\.duckdb \(--db\): did you mean --db .*shop\.duckdb\?/);
    expect(existsSync(typo)).toBe(false);
    expect(existsSync(join(store, '..', 'r.html'))).toBe(false);
  });

  it('a missing default database is refused too, from the working folder', () => {
    const folder = makeTempDir();
    expectOneLineError(runCli(['status'], { cwd: folder, env: { HUIYUAN_DB: '' } }), 4, /no database at/);
    expect(existsSync(join(folder, 'huiyuan.duckdb'))).toBe(false);
  });

  it('a store without orders ends every analysis command with the same exit code and one line', () => {
    const folder = makeTempDir();
    const empty = join(folder, 'empty.duckdb');
    expect(runCli(['--db', empty, 'import', join(EXAMPLES, 'customers.csv')]).status).toBe(0);
    const commands = [
      ['rfm'],
      ['lifecycle'],
      ['invite-candidates'],
      ['tags'],
      ['tiers'],
      ['refresh'],
      ['monitor'],
      ['kpis'],
      ['communities'],
      ['predict'],
      ['member', 'C001'],
      ['report', '--out', join(folder, 'r.html')],
    ];
    for (const command of commands) {
      const run = runCli(['--db', empty, ...command]);
      expect({ command, status: run.status }).toEqual({ command, status: 8 });
      expect(run.stderr).toMatch(/the store has no orders yet/);
      expect(run.stderr).not.toMatch(STACK_LINE);
      // The store holds customers: it is not pointed at the demo.
      expect(run.stderr).not.toContain('huiyuan demo');
    }
  });

  it('a store with members counts members, and says so in one line', () => {
    const run = runCli(['--db', store, 'rfm', '--format', 'json']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^population: members \(the store has members/m);
    const members = readCsv(join(EXAMPLES, 'customers.csv')).filter((c) => c.member_since !== '');
    const json = JSON.parse(run.stdout) as { population: string; customers: number };
    expect(json).toMatchObject({ population: 'members', customers: members.length });
  });

  it('--all-customers and --members-only override the config, and not both at once', () => {
    const all = runCli(['--db', store, 'rfm', '--all-customers', '--format', 'json']);
    expect((JSON.parse(all.stdout) as { population: string }).population).toBe('all_customers');
    expect(all.stderr).toContain('population: all customers with an order (--all-customers)');
    expectOneLineError(
      runCli(['--db', store, 'rfm', '--all-customers', '--members-only']),
      2,
      /either --all-customers or --members-only/,
    );
  });

  it('an --as-of after the last order runs with a warning naming the gap', () => {
    const run = runCli(['--db', store, 'rfm', '--as-of', addDays(lastOrderDay, 10)]);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      `warning: --as-of ${addDays(lastOrderDay, 10)} is 10 days after the last order (${lastOrderDay})`,
    );
  });

  it('an --as-of after today is refused on every analysis that takes one', () => {
    for (const command of ['rfm', 'lifecycle', 'tags', 'tiers', 'refresh', 'monitor', 'report']) {
      const run = runCli(['--db', store, command, '--as-of', '2030-01-01']);
      expect({ command, status: run.status }).toEqual({ command, status: 2 });
      expect(run.stderr).toMatch(/--as-of 2030-01-01 is after today .*: the day has not ended/);
    }
  });

  it('lifecycle --from/--to take days, meaning their months', () => {
    const months = runCli([
      '--db',
      store,
      'lifecycle',
      '--flows',
      '--from',
      '2024-03',
      '--to',
      '2024-07',
      '--format',
      'json',
    ]);
    const days = runCli([
      '--db',
      store,
      'lifecycle',
      '--flows',
      '--from',
      '2024-03-15',
      '--to',
      '2024-07-31',
      '--format',
      'json',
    ]);
    expect(days.status).toBe(0);
    const parsed = JSON.parse(days.stdout) as { from: string; to: string };
    expect([parsed.from, parsed.to]).toEqual(['2024-03', '2024-07']);
    expect(days.stdout).toBe(months.stdout);
  });

  it('status --format json writes every instant as ISO 8601 with the store offset', () => {
    const run = runCli(['--db', store, 'status', '--format', 'json']);
    const status = JSON.parse(run.stdout) as {
      first_order_at: string;
      last_order_at: string;
      last_imports: { finished_at: string }[];
    };
    // The examples are naive store times (Asia/Shanghai, +08:00): written back with the offset.
    const placed = readCsv(join(EXAMPLES, 'orders.csv'))
      .map((o) => o.placed_at!)
      .sort();
    expect(status.first_order_at).toBe(`${placed[0]!.replace(' ', 'T')}+08:00`);
    expect(status.last_order_at).toBe(`${placed.at(-1)!.replace(' ', 'T')}+08:00`);
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
    for (const batch of status.last_imports) {
      expect(batch.finished_at).toMatch(iso);
      // Finished a moment ago: within a day of now, whatever the zone.
      expect(Math.abs(Date.parse(batch.finished_at) - Date.now())).toBeLessThan(86_400_000);
    }
  });
});

describe('flags and help', () => {
  it('--version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = runCli(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it('--help lists the commands grouped by the daily work, every command in one group', () => {
    const run = runCli(['--help']);
    const grouped = Object.values(COMMAND_GROUPS).flat() as string[];
    const registered = buildProgram().commands.map((c) => c.name());
    expect([...registered].sort()).toEqual([...grouped].sort());
    for (const [heading, names] of Object.entries(COMMAND_GROUPS)) {
      const section = run.stdout.split(`\n${heading}\n`)[1]?.split('\n\n')[0] ?? '';
      // A command's line starts two spaces in; its wrapped description is indented further.
      const listed = section
        .split('\n')
        .filter((line) => /^ {2}\S/.test(line))
        .map((line) => line.trim().split(' ')[0]);
      expect(listed).toEqual([...names]);
    }
  });

  it('--lang defaults to the config: zh-CN unless the config says otherwise', () => {
    const folder = makeTempDir();
    const db = join(folder, 'shop.duckdb');
    expect(
      runCli(['--db', db, 'import', join(EXAMPLES, 'customers.csv'), join(EXAMPLES, 'orders.csv')]).status,
    ).toBe(0);
    const byDefault = runCli(['--db', db, 'report']);
    expect(byDefault.status).toBe(0);
    expect(byDefault.stdout).toMatch(/[\u4e00-\u9fff]{4}/);
    writeFileSync(join(folder, 'huiyuan.config.json'), '{ "lang": "en" }');
    const english = runCli(['--db', db, 'report']);
    const explicit = runCli(['--db', db, 'report', '--lang', 'en']);
    expect(english.stdout).toBe(explicit.stdout);
    expect(english.stdout).not.toBe(byDefault.stdout);
  });
});
