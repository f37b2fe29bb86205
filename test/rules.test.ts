/**
 * Rules as versioned data, through the CLI as a user runs it: the spec's examples apply cleanly,
 * a bad rule file is one line naming file:line:column with nothing stored, versions are
 * immutable and new only on change, and `rules export` applies back unchanged.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateCoupons } from '../src/coupons/coupon-pools.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw } from '../src/store/sql.js';
import { makeTempDir, ROOT, runCli } from './helpers.js';

const EXAMPLE_RULES = join(ROOT, 'examples', 'rules');
const exampleFiles = readdirSync(EXAMPLE_RULES)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => join(EXAMPLE_RULES, name));

/** Rule ids written in the example files, read with a plain pattern rather than our parser. */
const exampleIds = exampleFiles.flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*(?:- )?id: (\S+)$/gm)].map((m) => m[1] ?? ''),
);

/** Coupon pools the example files name, read with a plain pattern: a coupon action must name a pool of the store. */
const examplePools = [
  ...new Set(
    exampleFiles.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/pool: ([\w.-]+)/g)].map((m) => m[1] ?? ''),
    ),
  ),
];

/**
 * A store holding the example customers and the coupon pools the examples name: rules are
 * applied to a store that exists (a missing --db is refused).
 */
async function createStore(path: string): Promise<string> {
  expect(runCli(['--db', path, 'import', join(ROOT, 'examples', 'customers.csv'), '--quiet']).status).toBe(0);
  const store = await DuckDBStore.open({ path, timezone: 'Asia/Shanghai' });
  try {
    for (const pool of examplePools) await generateCoupons(store, { pool, count: 1, value: '10' });
  } finally {
    await store.close();
  }
  return path;
}

let dir: string;
let db: string;
beforeEach(async () => {
  dir = makeTempDir();
  db = await createStore(join(dir, 'rules.duckdb'));
  // A webhook endpoint, so that a rule naming another one is refused.
  writeFileSync(
    join(dir, 'huiyuan.config.json'),
    JSON.stringify({
      channels: { webhooks: { crm: { url: 'https://crm.example.com/hook', secret_env: 'CRM_SECRET' } } },
    }),
  );
});

const cli = (...args: string[]) => runCli(['--db', db, ...args]);

interface Counts {
  rules: number;
  rule_versions: number;
  rule_status_changes: number;
}

async function countRows(): Promise<Counts> {
  const store = await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' });
  try {
    const [row] = await store.query<Counts & Record<string, number>>(
      raw(`SELECT (SELECT count(*) FROM rules)::INTEGER AS rules,
        (SELECT count(*) FROM rule_versions)::INTEGER AS rule_versions,
        (SELECT count(*) FROM rule_status_changes)::INTEGER AS rule_status_changes`),
    );
    return {
      rules: row?.rules ?? -1,
      rule_versions: row?.rule_versions ?? -1,
      rule_status_changes: row?.rule_status_changes ?? -1,
    };
  } finally {
    await store.close();
  }
}

interface AppliedJson {
  rules: { id: string; result: string; version: number; status: string }[];
}
const applyJson = (...files: string[]): AppliedJson => {
  const run = cli('rules', 'apply', ...files, '--format', 'json');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as AppliedJson;
};

function writeRule(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const VALID = `id: winback
name: 流失召回
status: active
trigger:
  stage: {to: churned}
audience: stage:churned
wait: 2d
actions:
  - coupon: {pool: winback-30}
  - message:
      channel: sms
      template: "【好店】{name}，回归券 {coupon_code}。回T退订"
`;

describe('huiyuan rules apply', () => {
  it('applies every example of spec section 9 cleanly, then finds them all unchanged', async () => {
    expect(exampleFiles.length).toBe(9);
    const first = applyJson(...exampleFiles);
    expect(first.rules.map((r) => r.id).sort()).toEqual([...exampleIds].sort());
    expect(first.rules.every((r) => r.result === 'created' && r.version === 1)).toBe(true);
    const again = applyJson(...exampleFiles);
    expect(again.rules.every((r) => r.result === 'unchanged' && r.version === 1)).toBe(true);
    expect(await countRows()).toEqual({
      rules: exampleIds.length,
      rule_versions: exampleIds.length,
      rule_status_changes: exampleIds.length,
    });
  });

  it('stores a new version only when the definition changes, and never rewrites an old one', async () => {
    const file = writeRule('winback.yaml', VALID);
    expect(applyJson(file).rules[0]).toMatchObject({ result: 'created', version: 1 });
    const read = async () => {
      const store = await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' });
      try {
        return await store.query(
          raw(
            `SELECT version, definition::VARCHAR AS d, hash, created_at::VARCHAR AS t FROM rule_versions ORDER BY version`,
          ),
        );
      } finally {
        await store.close();
      }
    };
    const [v1] = await read();
    // The same rule spelled differently: keys reordered, 48h for 2d, the zh-CN stage label.
    const respelled = writeRule(
      'respelled.yaml',
      `name: 流失召回
id: winback
wait: 48h
status: active
audience: stage:流失会员
trigger: {stage: {to: 流失会员}}
actions:
  - coupon: {pool: winback-30}
  - message: {template: "【好店】{name}，回归券 {coupon_code}。回T退订", channel: sms}
`,
    );
    expect(applyJson(respelled).rules[0]).toMatchObject({ result: 'unchanged', version: 1 });
    writeFileSync(file, VALID.replace('wait: 2d', 'wait: 3d'));
    expect(applyJson(file).rules[0]).toMatchObject({ result: 'changed', version: 2 });
    expect(applyJson(file).rules[0]).toMatchObject({ result: 'unchanged', version: 2 });
    const versions = await read();
    expect(versions).toHaveLength(2);
    expect(versions[0]).toEqual(v1);
    expect((JSON.parse(versions[1]?.d as string) as { wait: string }).wait).toBe('3d');
  });

  it('hashes the definition as sha256 of its JSON with sorted keys', () => {
    const file = writeRule(
      'tiny.yaml',
      'id: tiny\nname: T\ncategory: service\nholdout: 0\ntrigger: order\nre_entry: every\nactions: [benefit]\n',
    );
    applyJson(file);
    // Written out by hand: every default filled in, keys in alphabetical order at every level.
    const canonical =
      '{"actions":[{"benefit":{}}],"audience":"all","category":"service","goal":{"event":"purchase","within":"14d"},' +
      '"holdout":0,"id":"tiny","name":"T","priority":50,"re_entry":"every","trigger":{"order":{}}}';
    const shown = JSON.parse(cli('rules', 'show', 'tiny', '--format', 'json').stdout) as { hash: string };
    expect(shown.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('records enable and pause as status history without a new version', () => {
    const file = writeRule('winback.yaml', VALID.replace('status: active', 'status: draft'));
    applyJson(file);
    expect(cli('rules', 'enable', 'winback').status).toBe(0);
    expect(cli('rules', 'pause', 'winback').status).toBe(0);
    const shown = JSON.parse(cli('rules', 'show', 'winback', '--format', 'json').stdout) as {
      status: string;
      current_version: number;
      status_changes: { from_status: string | null; to_status: string; source: string }[];
    };
    expect(shown.status).toBe('paused');
    expect(shown.current_version).toBe(1);
    expect(shown.status_changes.map((c) => [c.from_status, c.to_status, c.source])).toEqual([
      [null, 'draft', 'apply'],
      ['draft', 'active', 'enable'],
      ['active', 'paused', 'pause'],
    ]);
    // A file without status leaves the stored one alone.
    writeFileSync(file, VALID.replace('status: active\n', ''));
    expect(applyJson(file).rules[0]).toMatchObject({ result: 'unchanged', status: 'paused' });
  });

  it('shows an older version with --version', () => {
    const file = writeRule('winback.yaml', VALID);
    applyJson(file);
    writeFileSync(file, VALID.replace('wait: 2d', 'wait: 5d'));
    applyJson(file);
    const old = JSON.parse(cli('rules', 'show', 'winback', '--version', '1', '--format', 'json').stdout) as {
      version: number;
      definition: { wait: string };
    };
    expect(old).toMatchObject({ version: 1, definition: { wait: '2d' } });
    const missing = cli('rules', 'show', 'winback', '--version', '7');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe("huiyuan: rule 'winback' has no version 7; its versions are 1–2");
  });
});

describe('huiyuan rules export', () => {
  it('writes files that apply back unchanged, here and into an empty store', async () => {
    applyJson(...exampleFiles);
    cli('rules', 'pause', 'cold-snap-north');
    for (const format of ['yaml', 'json']) {
      const run = cli('rules', 'export', '--format', format);
      expect(run.status).toBe(0);
      const file = writeRule(`export.${format}`, run.stdout);
      const back = applyJson(file);
      expect(back.rules).toHaveLength(exampleIds.length);
      expect(back.rules.every((r) => r.result === 'unchanged')).toBe(true);
      const before = await countRows();
      const fresh = await createStore(join(dir, `fresh-${format}.duckdb`));
      const created = JSON.parse(
        runCli(['--db', fresh, 'rules', 'apply', file, '--format', 'json']).stdout,
      ) as AppliedJson;
      expect(created.rules.every((r) => r.result === 'created')).toBe(true);
      expect(created.rules.find((r) => r.id === 'cold-snap-north')?.status).toBe('paused');
      expect(runCli(['--db', fresh, 'rules', 'export', '--format', format]).stdout).toBe(run.stdout);
      expect(await countRows()).toEqual(before);
    }
  });

  it('exports one rule by id as a single rule', () => {
    applyJson(...exampleFiles);
    const run = cli('rules', 'export', 'churned-win-back');
    expect(run.stdout.startsWith('id: churned-win-back\n')).toBe(true);
  });
});

describe('a bad rule file', () => {
  // Each: the file's text, the line:column the problem is at (counted by hand), what the line says.
  // More kinds of problem are read in-process in src/rules/rule-file.test.ts.
  const cases: [string, string, string, RegExp][] = [
    ['not YAML', 'id: x\nname: [unclosed\n', '3:1', /not valid YAML/],
    [
      'an unknown audience tag',
      VALID.replace('audience: stage:churned', 'audience: stage:churned&provnce=浙江'),
      '6:25',
      /the audience: 'provnce=浙江': unknown field 'provnce'.*did you mean 'province'\?/,
    ],
    [
      'an unknown placeholder',
      VALID.replace('{name}', '{nmae}'),
      '12:22',
      /unknown placeholder \{nmae\}; did you mean 'name'\?/,
    ],
    [
      'an unknown webhook endpoint',
      VALID.replace('  - coupon', '  - webhook: {endpoint: crn}\n  - coupon'),
      '9:25',
      /expected a webhook endpoint from the config, found 'crn'; did you mean 'crm'\?/,
    ],
    [
      'an impossible wait',
      VALID.replace('wait: 2d', 'wait: -2d'),
      '7:7',
      /expected a wait as a duration .*found '-2d'/,
    ],
  ];

  it.each(cases)(
    '%s is one line naming file:line:column, exit 5, nothing stored',
    async (_, text, position, message) => {
      const good = writeRule('good.yaml', VALID.replace('id: winback', 'id: other'));
      applyJson(good);
      const before = await countRows();
      const bad = writeRule('bad.yaml', text);
      // The good file is given too: the apply is all or none.
      const run = cli('rules', 'apply', good, bad);
      expect(run.status).toBe(5);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]?.startsWith(`huiyuan: ${bad}:${position}: `)).toBe(true);
      expect(lines[0]).toMatch(message);
      expect(await countRows()).toEqual(before);
    },
  );

  it('names the same id given twice, in two files', () => {
    const a = writeRule('a.yaml', VALID);
    const b = writeRule('b.yaml', `# again\n${VALID}`);
    const run = cli('rules', 'apply', a, b);
    expect(run.status).toBe(5);
    expect(run.stderr.trim()).toBe(`huiyuan: ${b}:2:1: rule id 'winback' is given twice (first at ${a}:1:1)`);
  });

  it('refuses to enable a rule whose endpoint the config no longer has', () => {
    const file = writeRule(
      'hook.yaml',
      VALID.replace('  - coupon', '  - webhook: {endpoint: crm}\n  - coupon').replace(
        'status: active',
        'status: draft',
      ),
    );
    applyJson(file);
    writeFileSync(join(dir, 'huiyuan.config.json'), '{}');
    const run = cli('rules', 'enable', 'winback');
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(
      /rule 'winback' version 1 no longer fits this store: actions.0.webhook.endpoint: expected a webhook endpoint/,
    );
  });
});
