/**
 * Enrollment on a generated store, counted against plain reductions over the raw canonical CSV
 * files (read in the test with csv-parse, not through the importer) and against the lifecycle
 * flows, which place customers from the orders on their own. The store is imported whole and
 * refreshed (all customers, so non-members are in the snapshots) on 30 September and 31 October
 * 2026; an occurrence's audience is read at the latest snapshot on or before its day.
 * Timestamps in the files are naive store time, so text comparison orders them.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLifecycleFlows } from '../src/analytics/lifecycle/lifecycle.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { configSchema } from '../src/config/config.js';
import { generateStore, type GeneratedStore } from '../src/demo/generate-store.js';
import { importFile } from '../src/ingest/import-file.js';
import { backtestRule } from '../src/rules/engine/backtest.js';
import { enroll, ENTRIES_TABLE, getClock } from '../src/rules/engine/enroll.js';
import { ENTITY_KINDS, GMV_STATUSES } from '../src/store/entities.js';
import { raw } from '../src/store/sql.js';
import { makeTempDir, openTempStore, readCsv, type TempStore } from './helpers.js';
import { applyRuleObject, ruleOf } from './rules-engine-fixture.js';

const config = configSchema.parse({ predict: { in_snapshot: false } });
let temp: TempStore;
let generated: GeneratedStore;
let customers: Record<string, string>[];
let orders: Record<string, string>[];
let feedback: Record<string, string>[];

beforeAll(async () => {
  const dir = makeTempDir();
  generated = await generateStore(dir, { customers: 4000, seed: 7 });
  temp = await openTempStore();
  for (const kind of ENTITY_KINDS)
    await importFile(temp.store, generated.files[kind], { kind, rejectsDir: join(dir, 'rejects') });
  for (const asOf of ['2026-09-30', '2026-10-31'])
    await refreshSnapshot(temp.store, { asOf, allCustomers: true, config });
  customers = readCsv(generated.files.customers);
  orders = readCsv(generated.files.orders);
  feedback = readCsv(generated.files.feedback);
}, 300_000);
afterAll(async () => {
  await temp.cleanup();
});

/** One tick per given day, of one rule. */
async function tick(rule: string, ...days: string[]): Promise<void> {
  for (const day of days)
    await enroll(temp.store, config, { clock: await getClock(temp.store, day), ruleIds: [rule] });
}

async function entries(rule: string): Promise<string[]> {
  const rows = await temp.store.query<{ entry: string }>(
    raw(
      `SELECT customer_id || ' ' || occurrence_key AS entry FROM rule_enrollments WHERE rule_id = '${rule}' ORDER BY 1`,
    ),
  );
  return rows.map((row) => row.entry);
}

/** Whether a customer is a member by the end of `day` (member_since before the next day). */
const memberBy = (customer: Record<string, string> | undefined, day: string): boolean =>
  customer !== undefined &&
  (customer.member_since ?? '') !== '' &&
  (customer.member_since ?? '') < `${nextDay(day)} 00:00:00`;

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** Purchases (GMV status, paid > 0) per customer placed by the end of `day`. */
function purchasesBy(day: string): Map<string, number> {
  const counts = new Map<string, number>();
  const end = `${nextDay(day)} 00:00:00`;
  for (const order of orders)
    if (
      order.customer_id !== '' &&
      (GMV_STATUSES as readonly string[]).includes(order.status ?? '') &&
      Number(order.paid_amount) > 0 &&
      (order.placed_at ?? '') < end
    )
      counts.set(order.customer_id ?? '', (counts.get(order.customer_id ?? '') ?? 0) + 1);
  return counts;
}

describe('enrollment on a generated store', () => {
  it('enrolls every complaint by a member in October', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('complaints', {
        trigger: { feedback: ['complaint'] },
        audience: 'is_member=true',
        re_entry: 'every',
      }),
    );
    await tick('complaints', '2026-10-01', '2026-10-31');
    const byId = new Map(customers.map((c) => [c.id, c]));
    // The audience of a day is its latest snapshot: 30 September's until the 31st's own.
    const expected = feedback.filter((row) => {
      const at = row.created_at ?? '';
      if (row.kind !== 'complaint' || at < '2026-10-01' || at >= '2026-11-01') return false;
      return memberBy(byId.get(row.customer_id), at.startsWith('2026-10-31') ? '2026-10-31' : '2026-09-30');
    });
    expect(expected.length).toBeGreaterThan(2);
    expect((await entries('complaints')).length).toBe(expected.length);
  });

  it('enrolls the non-members whose second purchase came in October (became)', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('twice', { trigger: { became: 'is_member=false&frequency>=2' }, audience: 'all' }),
    );
    await tick('twice', '2026-10-31');
    const before = purchasesBy('2026-09-30');
    const after = purchasesBy('2026-10-31');
    const expected = customers
      .filter(
        (c) =>
          !memberBy(c, '2026-10-31') &&
          (after.get(c.id ?? '') ?? 0) >= 2 &&
          (before.get(c.id ?? '') ?? 0) < 2,
      )
      .map((c) => `${c.id} became:2026-10-31`)
      .sort();
    expect(expected.length).toBeGreaterThan(3);
    expect(await entries('twice')).toEqual(expected);
  });

  it('enrolls as many new → repeat changes in October as the lifecycle flows count', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('repeat', { trigger: { stage: { from: 'new', to: 'repeat' } } }),
    );
    await tick('repeat', '2026-10-31');
    const flows = await getLifecycleFlows(temp.store, {
      from: '2026-10',
      to: '2026-10',
      allCustomers: true,
      config: config.lifecycle,
    });
    const flow = flows.months[0]?.flows.find((f) => f.from_stage === 'new' && f.to_stage === 'repeat');
    expect(flow?.customers).toBeGreaterThan(3);
    expect((await entries('repeat')).length).toBe(flow?.customers);
  });

  it('enrolls the birthdays of the last week of October', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('bday', { trigger: { date: { field: 'birthday' } }, audience: 'all' }),
    );
    await tick('bday', '2026-10-25', '2026-10-31');
    const expected = customers
      .filter((c) => {
        const monthDay = (c.birthday ?? '').slice(5);
        return monthDay >= '10-25' && monthDay <= '10-31';
      })
      .map((c) => `${c.id} date:birthday:2026-${(c.birthday ?? '').slice(5)}`)
      .sort();
    expect(expected.length).toBeGreaterThan(10);
    expect(await entries('bday')).toEqual(expected);
  });

  it('enrolls the members expected to buy again in the first week of October, as the purchase-cycle tags say', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('cycle', { trigger: { date: { field: 'next_purchase' } }, audience: 'all' }),
    );
    await tick('cycle', '2026-10-01', '2026-10-07');
    const tags = await temp.store.query<{ entry: string }>(
      raw(`SELECT customer_id || ' date:next_purchase:' || expected_next_purchase::VARCHAR AS entry
        FROM customer_tag_snapshots WHERE as_of = DATE '2026-09-30'
          AND expected_next_purchase BETWEEN DATE '2026-10-01' AND DATE '2026-10-07' ORDER BY 1`),
    );
    expect(tags.length).toBeGreaterThan(10);
    expect(await entries('cycle')).toEqual(tags.map((row) => row.entry));
  });

  it('backtests exactly the enrollments that day-by-day ticks make', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('weekly', { trigger: 'order', audience: 'is_member=true', re_entry: 'after 7d' }),
    );
    const days = Array.from({ length: 31 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);
    await tick('weekly', ...days);
    const ticked = await entries('weekly');
    const result = await backtestRule(temp.store, config, 'weekly', { from: '2026-10-01', to: '2026-10-31' });
    const replayed = await temp.store.query<{ entry: string }>(
      raw(`SELECT customer_id || ' ' || occurrence_key AS entry FROM ${ENTRIES_TABLE} ORDER BY 1`),
    );
    expect(ticked.length).toBeGreaterThan(50);
    expect(replayed.map((row) => row.entry)).toEqual(ticked);
    expect(result.totals.entered).toBe(ticked.length);
    expect(result.months.map((m) => m.month)).toEqual(['2026-10']);
  });

  it('holds out a share within the binomial 99.9% interval, the same members across versions', async () => {
    const share = 0.2;
    const rule = (name: string) =>
      ruleOf('week', {
        name,
        trigger: { schedule: { dates: ['2026-10-15', '2026-10-16'], at: '10:00' } },
        audience: 'all',
        re_entry: 'every',
        holdout: share,
      });
    await applyRuleObject(temp.store, rule('会员周 v1'));
    await tick('week', '2026-10-15');
    await applyRuleObject(temp.store, rule('会员周 v2'));
    await tick('week', '2026-10-16');
    const rows = await temp.store.query<{ customer_id: string; version: number; arm: string; day: string }>(
      raw(
        `SELECT customer_id, version, arm, strftime(occurred_at, '%Y-%m-%d') AS day FROM rule_enrollments WHERE rule_id = 'week'`,
      ),
    );
    const first = rows.filter((r) => r.day === '2026-10-15');
    const second = rows.filter((r) => r.day === '2026-10-16');
    expect(first.every((r) => r.version === 1) && second.every((r) => r.version === 2)).toBe(true);
    const n = first.length;
    expect(n).toBeGreaterThan(1000);
    const held = first.filter((r) => r.arm === 'holdout').length / n;
    // z = 3.2905 for a two-sided 99.9% interval.
    expect(Math.abs(held - share)).toBeLessThanOrEqual(3.2905 * Math.sqrt((share * (1 - share)) / n));
    const arm = new Map(first.map((r) => [r.customer_id, r.arm]));
    expect(second.length).toBe(n);
    expect(second.every((r) => arm.get(r.customer_id) === r.arm)).toBe(true);
  });
});
