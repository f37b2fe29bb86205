/**
 * `huiyuan signal`, `rules preview`, `rules backtest` and `rules explain` as a user runs them, on
 * the hand-built store (test/rules-engine-fixture.ts); every figure is counted by hand from the
 * fixture's rows, written beside it.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw } from '../src/store/sql.js';
import { generateCoupons } from '../src/coupons/coupon-pools.js';
import { makeTempDir, runCli } from './helpers.js';
import { applyRuleObject, buildFixtureStore, ruleOf } from './rules-engine-fixture.js';

let db: string;
const cli = (...args: string[]) => runCli(['--db', db, ...args]);

beforeAll(async () => {
  db = join(makeTempDir(), 'rules.duckdb');
  const store = await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' });
  try {
    await buildFixtureStore(store);
    // The pool the rule names exists (a rule naming an unknown pool is refused when applied).
    await generateCoupons(store, { pool: 'thanks-5', count: 10, value: '5' });
    await applyRuleObject(store, {
      id: 'coupon-sms',
      name: '每单短信券',
      trigger: 'order',
      re_entry: 'every',
      holdout: 0,
      wait: '12h',
      actions: [
        { coupon: { pool: 'thanks-5' } },
        { message: { channel: 'sms', template: '【好店】{name}，感谢下单，券码 {coupon_code}。回T退订' } },
      ],
    });
    await applyRuleObject(
      store,
      ruleOf('gold', { trigger: 'order', audience: 'tier:gold', re_entry: 'every' }),
    );
  } finally {
    await store.close();
  }
}, 60_000);

async function countSignals(): Promise<number> {
  const store = await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' });
  try {
    const [row] = await store.query<{ n: number }>(raw('SELECT count(*)::INTEGER AS n FROM signals'));
    return row?.n ?? 0;
  } finally {
    await store.close();
  }
}

describe('huiyuan signal', () => {
  it.each([
    [['--data', '{oops'], '--data is not JSON'],
    [['--provinces', '火星'], "no province '火星'"],
    [['--regions', '华水'], "no region '华水'; did you mean '华北'?"],
    [['--at', 'tomorrow'], '--at: expected YYYY-MM-DD'],
  ])('refuses %j with one line, exit 2, nothing stored', async (flags, message) => {
    const before = await countSignals();
    const run = cli('signal', '降温', ...flags);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(await countSignals()).toBe(before);
  });

  it('records a signal with its provinces as the short names and its data', () => {
    const run = cli(
      'signal',
      '降温',
      '--provinces',
      '黑龙江省,Jilin',
      '--regions',
      '华北',
      '--data',
      '{"drop_c": 8}',
      '--at',
      '2026-10-16 07:30',
      '--format',
      'json',
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      name: '降温',
      provinces: ['黑龙江', '吉林'],
      regions: ['华北'],
      data: { drop_c: 8 },
      occurred_at: '2026-10-16 07:30:00',
    });
  });
});

describe('huiyuan rules backtest', () => {
  it('reports per month what the rule would have done, in the JSON the issue names', () => {
    const run = cli(
      'rules',
      'backtest',
      'coupon-sms',
      '--from',
      '2026-10-15',
      '--to',
      '2026-10-20',
      '--format',
      'json',
    );
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as {
      months: { month: string; entered: number; goal_purchase_rate: number }[];
      totals: Record<string, unknown>;
      overlap: { rule_id: string; members: number; share: number }[];
      members: number;
    };
    // o1 09:00, o6 11:00, o2 15:00 on the 15th and o3 10:00 on the 20th; due 12 hours later, so
    // at 21:00, 23:00, 03:00 and 22:00: every SMS in the quiet hours (20:00–08:00). c1 and c4
    // are members with SMS consent. The pool thanks-5 holds ¥5 codes: 4 coupons are ¥20 of face value.
    expect(result.totals).toMatchObject({
      entered: 4,
      held_out: 0,
      deferred: 4,
      capped: 0,
      skipped: 0,
      messages: 4,
      coupons: 4,
      coupon_value: 20,
    });
    // A purchase within 14 days after: o1 → o2, o2 → o3; o6 (c4 buys no more) and o3 (o4 is 31 days on) not.
    expect(result.months).toEqual([
      expect.objectContaining({ month: '2026-10', entered: 4, goal_purchase_rate: 0.5 }),
    ]);
    // c1 and c4 enter; the gold rule reaches c1 only (c4 is silver).
    expect(result.members).toBe(2);
    expect(result.overlap).toEqual([{ rule_id: 'gold', members: 1, share: 0.5 }]);
  });

  it('refuses a range that runs backwards', () => {
    const run = cli('rules', 'backtest', 'gold', '--from', '2026-10-20', '--to', '2026-10-15');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('is after');
  });
});

describe('huiyuan rules preview and explain', () => {
  it('previews who would enter at the end of a day, writing nothing', () => {
    const run = cli('rules', 'preview', 'gold', '--as-of', '2026-10-15', '--format', 'json');
    expect(run.status).toBe(0);
    // The gold audience at the 14th's snapshot: c1's o1 and o2 enter, c4's o6 does not.
    expect(JSON.parse(run.stdout)).toMatchObject({
      occurrences: 3,
      entered: 2,
      not_in_audience: 1,
      treatment: 2,
    });
    const again = cli('rules', 'preview', 'gold', '--as-of', '2026-10-15', '--format', 'json');
    expect(JSON.parse(again.stdout)).toMatchObject({ entered: 2 });
  });

  it('explains a member outside the audience with the value of the predicate', () => {
    const run = cli('rules', 'explain', 'gold', 'c4', '--as-of', '2026-10-15', '--format', 'json');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { predicates: unknown[]; verdict: string; snapshot_day: string };
    expect(result.snapshot_day).toBe('2026-10-14');
    expect(result.predicates).toEqual([{ predicate: 'tier:gold', value: 'silver', holds: false }]);
    expect(result.verdict).toContain('not in the audience');
  });
});
