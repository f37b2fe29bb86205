/**
 * Coupons (优惠券) against a real DuckDB file: pools imported from a platform's codes and
 * generated here, codes given to enrollments within a rule's budgets, an empty pool raising its
 * alert, and redemptions read from the orders. Every expected figure is written by hand from the
 * fixture the test builds, or counted from the file with a plain reduction here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  generateCodes,
  generateCoupons,
  importCoupons,
  listPools,
} from '../src/coupons/coupon-pools.js';
import { buildCouponOutcomesQuery, issueCoupons, type IssueCouponsOptions } from '../src/coupons/issue.js';
import { getRedemptions } from '../src/coupons/redemptions.js';
import { AppError } from '../src/errors.js';
import { buildClearDaysQueries, buildDeriveAlertsQueries } from '../src/monitor/alerts-query.js';
import { raw, type Query } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { fingerprint, makeTempDir, openTempStore, ROOT, runCli, type TempStore } from './helpers.js';

const COUPON_TABLES = ['coupon_pools', 'coupon_codes', 'monitor_days', 'monitor_conditions', 'alerts'];

let temp: TempStore;
let store: Store;
let files: string;
beforeEach(async () => {
  temp = await openTempStore();
  store = temp.store;
  files = makeTempDir();
});
afterEach(async () => {
  await temp.cleanup();
});

function writeFile(name: string, text: string): string {
  const path = join(files, name);
  writeFileSync(path, text);
  return path;
}

/** A Taobao-style batch: zh-CN headers, one code without a minimum spend (the flag's default). */
const TAOBAO_BATCH = `券码,面额,使用门槛,结束时间
TB-A001,20,199,2026-12-31
TB-A002,20,199,2026-12-31
TB-A003,20,,2026-12-31
TB-A004,50,399,2026-11-30
`;

async function expectRefused(work: Promise<unknown>, message: string): Promise<void> {
  const error = await work.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).message).toBe(message);
}

describe('coupons import', () => {
  it('loads every code of the file once, and importing it again adds nothing', async () => {
    const path = writeFile('taobao.csv', TAOBAO_BATCH);
    const dataLines = readFileSync(path, 'utf8').trim().split('\n').length - 1;
    const first = await importCoupons(store, path, { pool: 'winback-20', minSpend: '99' });
    expect(first).toMatchObject({ created: true, codes: dataLines, added: dataLines, unchanged: 0 });
    const before = await fingerprint(store, ['coupon_codes']);
    const again = await importCoupons(store, path, { pool: 'winback-20', minSpend: '99' });
    expect(again).toMatchObject({ created: false, codes: dataLines, added: 0, unchanged: dataLines });
    expect(await fingerprint(store, ['coupon_codes'])).toBe(before);
    const codes = await store.query<{ code: string; value: string; min_spend: string; valid_until: string }>(
      raw(`SELECT code, value::VARCHAR AS value, min_spend::VARCHAR AS min_spend, valid_until::VARCHAR AS valid_until
        FROM coupon_codes ORDER BY code`),
    );
    expect(codes).toEqual([
      { code: 'TB-A001', value: '20.00', min_spend: '199.00', valid_until: '2026-12-31' },
      { code: 'TB-A002', value: '20.00', min_spend: '199.00', valid_until: '2026-12-31' },
      // An empty 使用门槛 takes --min-spend.
      { code: 'TB-A003', value: '20.00', min_spend: '99.00', valid_until: '2026-12-31' },
      { code: 'TB-A004', value: '50.00', min_spend: '399.00', valid_until: '2026-11-30' },
    ]);
  });

  it('takes the value and validity from the flags when the file has only codes (a Shopify code export)', async () => {
    const path = writeFile('shopify.csv', 'Code\r\nWINBACK-7QX\r\nWINBACK-9RT\r\n');
    await importCoupons(store, path, { pool: 'shopify-30', value: '30', validUntil: '2026-12-31' });
    const pools = await listPools(store, '2026-11-15');
    expect(pools).toEqual([
      {
        pool: 'shopify-30',
        source: 'imported',
        value: '30.00',
        min_spend: '0.00',
        valid_until: '2026-12-31',
        codes: 2,
        issued: 0,
        left: 2,
        expired: 0,
      },
    ]);
  });

  it.each([
    [
      'a bad amount',
      TAOBAO_BATCH.replace('TB-A002,20,', 'TB-A002,20.005,'),
      'column 面额',
      `:3 column value: expected an amount such as 20 or 19.90 (at most 2 decimals), found '20.005'`,
    ],
    [
      'a bad day',
      TAOBAO_BATCH.replace('2026-11-30', '2026-11-31'),
      'column 结束时间',
      `:5 column valid_until: expected a day such as 2026-12-31, found '2026-11-31'`,
    ],
    [
      'a code written twice',
      `${TAOBAO_BATCH}tb-a001,20,199,2026-12-31\n`,
      'code',
      `:6 column code: code 'tb-a001' is also on line 2`,
    ],
    ['an empty code', TAOBAO_BATCH.replace('TB-A003', ''), 'code', ':4 column code: is required but empty'],
  ])('refuses %s with its line, and stores nothing', async (_, text, __, message) => {
    const path = writeFile('bad.csv', text);
    const before = await fingerprint(store, COUPON_TABLES);
    await expectRefused(importCoupons(store, path, { pool: 'p' }), `${path}${message}`);
    expect(await fingerprint(store, COUPON_TABLES)).toBe(before);
  });

  it('refuses a file with a code already in another pool, and writes nothing of it', async () => {
    await importCoupons(store, writeFile('a.csv', TAOBAO_BATCH), { pool: 'first' });
    const path = writeFile('b.csv', 'code,value\nNEW-1,10\nTB-A003,20\n');
    const before = await fingerprint(store, COUPON_TABLES);
    await expectRefused(
      importCoupons(store, path, { pool: 'second' }),
      `${path}:3 column code: code 'TB-A003' is already in pool 'first'`,
    );
    expect(await fingerprint(store, COUPON_TABLES)).toBe(before);
  });

  it('refuses a code whose terms changed since it was imported', async () => {
    await importCoupons(store, writeFile('a.csv', TAOBAO_BATCH), { pool: 'first' });
    const path = writeFile('a2.csv', TAOBAO_BATCH.replace('TB-A004,50,', 'TB-A004,60,'));
    await expectRefused(
      importCoupons(store, path, { pool: 'first' }),
      `${path}:5 column code: code 'TB-A004' is already in pool 'first' as 50.00, min spend 399.00, valid any day to 2026-11-30; the file says 60.00, min spend 399.00, valid any day to 2026-11-30`,
    );
  });

  it('reads a GB18030 file, as Taobao writes them', async () => {
    const { encode } = (await import('iconv-lite')).default;
    const path = join(files, 'gbk.csv');
    writeFileSync(path, encode('优惠券码,面值\nGBK-1,15\n', 'gb18030'));
    expect(await importCoupons(store, path, { pool: 'gbk' })).toMatchObject({ added: 1 });
  });

  it('is one line and a non-zero exit from the command line', () => {
    const db = join(files, 'cli.duckdb');
    expect(runCli(['--db', db, 'import', join(ROOT, 'examples', 'customers.csv'), '--quiet']).status).toBe(0);
    const path = writeFile('bad.csv', 'code,value\nX-1,10\nX-2,ten\n');
    const run = runCli(['--db', db, 'coupons', 'import', path, '--pool', 'p']);
    expect(run.status).toBe(5);
    expect(run.stderr).toBe(
      `huiyuan: ${path}:3 column value: expected an amount such as 20 or 19.90 (at most 2 decimals), found 'ten'\n`,
    );
    const list = runCli(['--db', db, 'coupons', 'list', '--format', 'json']);
    expect(JSON.parse(list.stdout)).toEqual({ pools: [] });
  });
});

describe('generated codes', () => {
  it('are unique, of the alphabet without 0/O/1/I/L, with every character drawn', () => {
    const codes = generateCodes(20_000, 'VIP-');
    expect(new Set(codes).size).toBe(20_000);
    for (const code of codes) expect(code).toMatch(/^VIP-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$/);
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
    // 200,000 draws over 31 characters: each is expected 6,452 times; all well inside ±10%.
    const counts = new Map<string, number>();
    for (const code of codes) for (const char of code.slice(4)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(31);
    for (const n of counts.values()) expect(Math.abs(n - 200_000 / 31)).toBeLessThan(645);
  });

  it('fill a pool, and more of the same pool never repeat a stored code', async () => {
    await generateCoupons(store, { pool: 'week', count: 3000, value: '20', minSpend: '100' });
    const more = await generateCoupons(store, { pool: 'week', count: 2000, value: '20', minSpend: '100' });
    expect(more).toMatchObject({ created: false, generated: 2000, codes: 5000 });
    const [row] = await store.query<{ n: number; distinct: number }>(
      raw('SELECT count(*)::INTEGER AS n, count(DISTINCT code)::INTEGER AS "distinct" FROM coupon_codes'),
    );
    expect(row).toEqual({ n: 5000, distinct: 5000 });
  });

  it('refuse a pool of imported codes, and another value in the same pool', async () => {
    await importCoupons(store, writeFile('a.csv', TAOBAO_BATCH), { pool: 'tb' });
    await expectRefused(
      generateCoupons(store, { pool: 'tb', count: 1, value: '20' }),
      "pool 'tb' holds imported codes; generate into another pool (a pool is imported or generated, not both)",
    );
    await generateCoupons(store, { pool: 'g', count: 1, value: '20' });
    await expectRefused(
      generateCoupons(store, { pool: 'g', count: 1, value: '30' }),
      "pool 'g' gives 20.00 off a minimum spend of 0.00; generate 30.00 off 0.00 into another pool",
    );
  });
});

/** Enrollments e1…eN of customers c1…cN, position = their number. */
function enrollments(numbers: readonly number[]): Query {
  const rows = numbers.map((n) => `('e${n}', 'c${n}', ${n})`).join(', ');
  return raw(`SELECT * FROM (VALUES ${rows}) t(enrollment_id, customer_id, position)`);
}

/** The end of store day D (a tick --as-of D). */
const endOf = (day: string): string => {
  const next = new Date(`${day}T00:00:00+08:00`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
};

async function holdings(): Promise<{ code: string; enrollment_id: string; customer_id: string }[]> {
  return store.query(
    raw(
      `SELECT code, enrollment_id, customer_id FROM coupon_codes WHERE enrollment_id IS NOT NULL ORDER BY enrollment_id`,
    ),
  );
}

describe('issueCoupons', () => {
  const issue = (numbers: readonly number[], extra: Partial<IssueCouponsOptions> = {}) =>
    issueCoupons(store, {
      ruleId: 'winback',
      pool: 'week',
      clock: endOf('2026-11-02'),
      enrollments: enrollments(numbers),
      ...extra,
    });

  it('gives each enrollment one code, never one another holds, across two concurrent calls and a rerun', async () => {
    await generateCoupons(store, { pool: 'week', count: 10, value: '20' });
    // Two calls at once over overlapping enrollments (one connection: their statements interleave).
    const [a, b] = await Promise.all([issue([1, 2, 3, 4, 5, 6]), issue([4, 5, 6, 7, 8])]);
    expect(a.issued + b.issued).toBe(8);
    const held = await holdings();
    expect(held.map((h) => h.enrollment_id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8']);
    expect(new Set(held.map((h) => h.code)).size).toBe(8);
    // A rerun after a crash: every enrollment keeps its code, none gets a second.
    const rerun = await issue([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rerun).toEqual({ issued: 0, kept: 8, pool_empty: 0, budget_spent: 0 });
    expect(await holdings()).toEqual(held);
  });

  it('says pool_empty for those the pool could not serve, in priority order, and raises the alert', async () => {
    await generateCoupons(store, { pool: 'week', count: 3, value: '20' });
    const options: IssueCouponsOptions = {
      ruleId: 'winback',
      pool: 'week',
      clock: endOf('2026-11-02'),
      // Positions put e5 and e4 first.
      enrollments:
        raw(`SELECT * FROM (VALUES ('e1','c1',3), ('e2','c2',4), ('e3','c3',5), ('e4','c4',2), ('e5','c5',1))
        t(enrollment_id, customer_id, position)`),
    };
    expect(await issueCoupons(store, options)).toEqual({
      issued: 3,
      kept: 0,
      pool_empty: 2,
      budget_spent: 0,
    });
    const outcomes = await store.query<{ enrollment_id: string; outcome: string }>({
      sql: `SELECT enrollment_id, outcome FROM (${buildCouponOutcomesQuery(options).sql}) ORDER BY enrollment_id`,
      params: buildCouponOutcomesQuery(options).params,
    });
    expect(outcomes).toEqual([
      { enrollment_id: 'e1', outcome: 'issued' },
      { enrollment_id: 'e2', outcome: 'pool_empty' },
      { enrollment_id: 'e3', outcome: 'pool_empty' },
      { enrollment_id: 'e4', outcome: 'issued' },
      { enrollment_id: 'e5', outcome: 'issued' },
    ]);
    const alerts = await store.query(
      raw(`SELECT check_name, subject, first_seen::VARCHAR AS first_seen, resolved_on FROM alerts`),
    );
    expect(alerts).toEqual([
      { check_name: 'coupon_pool_empty', subject: 'week', first_seen: '2026-11-02', resolved_on: null },
    ]);
  });

  it('keeps the alert open while the pool stays dry, and resolves it once the pool serves again', async () => {
    await generateCoupons(store, { pool: 'week', count: 1, value: '20' });
    await issue([1, 2]);
    await issue([3], { clock: endOf('2026-11-03') });
    await generateCoupons(store, { pool: 'week', count: 5, value: '20' });
    await issue([4], { clock: endOf('2026-11-04') });
    const alerts = await store.query(
      raw(
        `SELECT first_seen::VARCHAR AS first_seen, last_seen::VARCHAR AS last_seen, resolved_on::VARCHAR AS resolved_on, days FROM alerts`,
      ),
    );
    expect(alerts).toEqual([
      { first_seen: '2026-11-02', last_seen: '2026-11-03', resolved_on: '2026-11-04', days: 2 },
    ]);
  });

  it('keeps its alert when the monitor evaluates the same days again', async () => {
    await generateCoupons(store, { pool: 'week', count: 1, value: '20' });
    await issue([1, 2]);
    for (const query of buildClearDaysQueries('2026-11-01', '2026-11-30')) await store.run(query);
    for (const query of buildDeriveAlertsQueries()) await store.run(query);
    const alerts = await store.query(raw(`SELECT check_name, subject FROM alerts`));
    expect(alerts).toEqual([{ check_name: 'coupon_pool_empty', subject: 'week' }]);
  });

  it('stops at the budget per store day, and spends the next day’s budget the next day', async () => {
    await generateCoupons(store, { pool: 'week', count: 10, value: '20' });
    expect(await issue([1, 2, 3, 4], { perDay: 2 })).toEqual({
      issued: 2,
      kept: 0,
      pool_empty: 0,
      budget_spent: 2,
    });
    expect((await holdings()).map((h) => h.enrollment_id)).toEqual(['e1', 'e2']);
    // Later the same day (a tick at 15:00 of 11-02): nothing left of the day's budget.
    expect(await issue([3, 4], { perDay: 2, clock: '2026-11-02T07:00:00Z' })).toMatchObject({
      issued: 0,
      budget_spent: 2,
    });
    expect(await issue([3, 4, 5], { perDay: 2, clock: endOf('2026-11-03') })).toEqual({
      issued: 2,
      kept: 0,
      pool_empty: 0,
      budget_spent: 1,
    });
  });

  it('stops at the total budget across days', async () => {
    await generateCoupons(store, { pool: 'week', count: 10, value: '20' });
    expect(await issue([1, 2], { total: 3 })).toMatchObject({ issued: 2, budget_spent: 0 });
    expect(await issue([3, 4, 5], { total: 3, clock: endOf('2026-11-05') })).toEqual({
      issued: 1,
      kept: 0,
      pool_empty: 0,
      budget_spent: 2,
    });
  });

  it('gives no expired code and no code before its first valid day', async () => {
    const path = writeFile(
      'c.csv',
      'code,value,valid_from,valid_until\nOLD-1,10,,2026-11-01\nLATER-1,10,2026-11-10,\nNOW-1,10,2026-11-01,2026-11-30\n',
    );
    await importCoupons(store, path, { pool: 'mixed' });
    expect(await issue([1, 2], { pool: 'mixed' })).toMatchObject({ issued: 1, pool_empty: 1 });
    expect((await holdings()).map((h) => h.code)).toEqual(['NOW-1']);
  });

  it('refuses a pool the store does not have', async () => {
    await expectRefused(issue([1]), "rule winback: no coupon pool 'week' (huiyuan coupons list)");
  });
});

describe('redemptions', () => {
  /** Orders placed in store time (+08:00); coupon_code as the export wrote it. */
  async function addOrders(
    rows: readonly [string, string, string, string, string, string | null][],
  ): Promise<void> {
    for (const [id, customer, placed, status, paid, code] of rows)
      await store.run({
        sql: `INSERT INTO orders (id, customer_id, placed_at, status, paid_amount, refunded_amount, coupon_code,
            batch_id, first_imported_at, updated_at)
          VALUES ($1, $2, $3::TIMESTAMPTZ, $4, $5::DECIMAL(18,2), 0, $6, 1, now(), now())`,
        params: [id, customer, `${placed}+08:00`, status, paid, code],
      });
  }

  it('counts each issued code once, by its first paid order placed after issue, with face and order value', async () => {
    await importCoupons(store, writeFile('wb.csv', 'code,value\nWB-1,20\nWB-2,20\nWB-3,30\n'), {
      pool: 'wb',
    });
    await importCoupons(store, writeFile('ap.csv', 'code,value\nAP-1,15\nNEVER-1,99\n'), { pool: 'ap' });
    // Issued at the end of 11-02 (2026-11-03 00:00 store time): WB-1…3 to winback, AP-1 to apology.
    const clock = endOf('2026-11-02');
    await issueCoupons(store, { ruleId: 'winback', pool: 'wb', clock, enrollments: enrollments([1, 2, 3]) });
    await issueCoupons(store, { ruleId: 'apology', pool: 'ap', clock, enrollments: enrollments([9]) });
    const issued = await store.query<{ code: string; customer_id: string }>(
      raw(`SELECT code, customer_id FROM coupon_codes WHERE rule_id = 'winback' ORDER BY code`),
    );
    expect(issued.map((row) => row.code)).toEqual(['WB-1', 'WB-2', 'WB-3']);
    await addOrders([
      ['o1', 'c1', '2026-11-02 20:00:00', 'paid', '150.00', 'WB-1'], // before issue: not a redemption
      ['o2', 'c1', '2026-11-04 10:00:00', 'completed', '180.00', 'wb-1'], // redeemed (case ignored)
      ['o3', 'c1', '2026-11-06 10:00:00', 'paid', '90.00', 'WB-1'], // the same code again: counted once
      ['o4', 'c2', '2026-11-05 09:00:00', 'unpaid', '0.00', 'WB-2'], // unpaid: not redeemed
      ['o5', 'c7', '2026-11-20 12:00:00', 'shipped', '260.00', 'SUMMER, WB-3'], // two codes; forwarded to c7
      ['o6', 'c9', '2026-11-04 11:00:00', 'paid', '75.50', 'AP-1'], // the apology rule's (AP-1 went to c9)
      ['o7', 'c8', '2026-11-04 11:00:00', 'paid', '300.00', 'NEVER-1'], // never issued
    ]);
    const all = await getRedemptions(store);
    expect(all.redemptions).toBe(3);
    expect(all.face_value).toBe('65.00'); // 20 + 30 + 15
    expect(all.order_value).toBe('515.50'); // 180 + 260 + 75.50
    expect(all.rules).toEqual([
      {
        rule_id: 'apology',
        pool: 'ap',
        issued: 1,
        redemptions: 1,
        redemption_rate: 1,
        face_value: '15.00',
        order_value: '75.50',
      },
      {
        rule_id: 'winback',
        pool: 'wb',
        issued: 3,
        redemptions: 2,
        redemption_rate: 2 / 3,
        face_value: '50.00',
        order_value: '440.00',
      },
    ]);
    const november5th = await getRedemptions(store, {
      ruleId: 'winback',
      from: '2026-11-05',
      to: '2026-11-30',
    });
    expect([november5th.redemptions, november5th.face_value, november5th.order_value]).toEqual([
      1,
      '30.00',
      '260.00',
    ]);
  });
});
