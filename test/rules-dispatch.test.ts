/**
 * What happens when a rule's action is due (src/rules/engine/dispatch.ts), on a hand-built store:
 * six customers, two snapshots, rules applied through the rule schema, enrollments inserted
 * directly (the enroll step is another module). Every figure is worked out by hand in the
 * test's comments. Store time is Asia/Shanghai (UTC+8): 10:00 on 2026-10-02 is 02:00Z.
 *
 * Migration 15 (coupon pools) is not on this branch yet, so the fixture creates coupon_codes
 * with the columns the coupons module writes.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../src/config/config.js';
import { importCoupons } from '../src/coupons/coupon-pools.js';
import { startFileReceiver } from '../src/delivery/file-receiver.js';
import { dispatchDue } from '../src/rules/engine/dispatch.js';
import { runTick } from '../src/rules/engine/tick.js';
import { buildRuleSchema } from '../src/rules/rule-schema.js';
import { applyRules, getRuleContext } from '../src/rules/rule-versions.js';
import { raw, sql } from '../src/store/sql.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store } from '../src/store/store.js';
import { fingerprint, openTempStore, readCsv, runCli, runCliAsync, type TempStore } from './helpers.js';

let temp: TempStore;
let store: Store;
let config: Config;
/** Set when a test closed the store to hand the file to the CLI. */
let closed = false;

const ENGINE_TABLES = [
  'rule_enrollments',
  'rule_decisions',
  'rule_deliveries',
  'member_tags',
  'member_benefits',
  'audience_list_members',
  'coupon_codes',
];

/** Store time 10:00 on a day of October 2026, as an instant. */
const at = (day: number, hour = 10, minute = 0): string =>
  new Date(Date.UTC(2026, 9, day, hour - 8, minute)).toISOString();

const SMS_PROMO = '【小店】{name}，金秋上新，{tier}会员专享 回T退订';

const RULES = [
  {
    id: 'winback',
    name: '流失召回',
    status: 'active',
    priority: 50,
    trigger: { stage: { to: 'churned' } },
    audience: 'stage:churned',
    actions: [
      { coupon: { pool: 'p20' } },
      {
        message: {
          channel: 'sms',
          template:
            '【小店】{name}，好久不见，{tier}专享券{coupon_code}，满{coupon_min_spend}减{coupon_value}，{coupon_valid_until}前有效 回T退订',
        },
      },
    ],
  },
  {
    id: 'promo-high',
    name: '上新日',
    status: 'active',
    priority: 80,
    trigger: { schedule: { dates: ['2026-10-02'] } },
    actions: [{ message: { channel: 'sms', template: SMS_PROMO } }],
  },
  {
    id: 'promo-low',
    name: '会员周',
    status: 'active',
    priority: 20,
    trigger: { schedule: { dates: ['2026-10-02'] } },
    actions: [{ message: { channel: 'sms', template: SMS_PROMO } }],
  },
  {
    id: 'tier-notice',
    name: '等级权益通知',
    status: 'active',
    category: 'service',
    trigger: { tier: { change: 'up' } },
    actions: [
      { message: { channel: 'sms', template: '{name}您好，您已升级为{tier}' } },
      {
        message: {
          channel: 'email',
          subject: '{name}，欢迎成为{tier}',
          template: '您的等级：{tier}（{stage}）',
        },
      },
    ],
  },
  {
    id: 'order-care',
    name: '订单关怀',
    status: 'active',
    category: 'service',
    trigger: 'order',
    actions: [
      { benefit: {} },
      { tag: { add: 'thanked' } },
      { export: { list: 'thanked', format: 'csv' } },
      { webhook: { endpoint: 'crm' } },
      { notify: { text: '{name}（{city}）下单 {order_id}，金额 {order_amount}' } },
    ],
  },
  {
    id: 'vip-list',
    name: '人群包导出',
    status: 'active',
    category: 'service',
    trigger: 'joined',
    actions: [{ tag: { remove: 'thanked' } }, { export: { list: 'vip', format: 'xlsx' } }],
  },
];

async function exec(text: string): Promise<void> {
  await store.run(raw(text));
}

beforeEach(async () => {
  temp = await openTempStore('Asia/Shanghai');
  store = temp.store;
  config = {
    ...configSchema.parse(CONFIG_FILE),
    databasePath: join(temp.dir, 'test.duckdb'),
    configPath: null,
  };
  // C1 member with both consents; C2 member without SMS consent; C3 not a member; C4 a churned
  // member who bought on Oct 2 (active in that day's snapshot); C5 and C6 members.
  await exec(`INSERT INTO customers (id, name, province, city, phone, email, email_consent, sms_consent, member_since, batch_id, first_imported_at, updated_at) VALUES
    ('C1', '张三', '浙江', '杭州', '13800000001', 'c1@example.com', TRUE, TRUE, '2025-01-01 10:00:00+08', 1, now(), now()),
    ('C2', '李四', '江苏', '南京', '13800000002', 'c2@example.com', TRUE, FALSE, '2025-01-01 10:00:00+08', 1, now(), now()),
    ('C3', '王五', '上海', '上海', '13800000003', NULL, FALSE, TRUE, NULL, 1, now(), now()),
    ('C4', '赵六', '浙江', '宁波', '13800000004', NULL, FALSE, TRUE, '2025-01-01 10:00:00+08', 1, now(), now()),
    ('C5', '钱七', '浙江', '温州', '13800000005', NULL, FALSE, TRUE, '2025-01-01 10:00:00+08', 1, now(), now()),
    ('C6', '孙八', '广东', '广州', '13800000006', NULL, FALSE, TRUE, '2025-01-01 10:00:00+08', 1, now(), now())`);
  await exec(`INSERT INTO orders (id, customer_id, placed_at, status, paid_amount, batch_id, first_imported_at, updated_at)
    VALUES ('O1', 'C1', '2026-10-02 09:30:00+08', 'completed', 199.00, 1, now(), now())`);
  const snapshot = (day: string, stages: Record<string, string>): string =>
    Object.entries(stages)
      .map(
        ([id, stage]) =>
          `('${day}', '${id}', ${id !== 'C3'}, 30, 2, 300.00, 3, 3, 3, 3, 3.0, 'loyal', '${id === 'C3' ? 'member' : 'gold'}', 300.00, '${stage}', 'r')`,
      )
      .join(', ');
  const oct1 = { C1: 'churned', C2: 'churned', C3: 'active', C4: 'churned', C5: 'churned', C6: 'churned' };
  const oct2 = { ...oct1, C4: 'active' };
  await exec(
    `INSERT INTO snapshots VALUES ('2026-10-01', 'members', 6, NULL, now()), ('2026-10-02', 'members', 6, NULL, now())`,
  );
  await exec(`INSERT INTO customer_snapshots (as_of, customer_id, is_member, recency_days, frequency, monetary, r, f, m, fm, score, segment, tier, tier_value, stage, stage_rule)
    VALUES ${snapshot('2026-10-01', oct1)}, ${snapshot('2026-10-02', oct2)}`);
  await exec(`INSERT INTO customer_day_tags (as_of, customer_id)
    SELECT as_of, customer_id FROM customer_snapshots`);
  const couponFile = join(temp.dir, 'p20.csv');
  writeFileSync(
    couponFile,
    'code,value,min_spend,valid_from,valid_until\nAUTUMN-7K3M,20,100,2026-10-01,2026-10-31\n',
  );
  await importCoupons(store, couponFile, { pool: 'p20' });
  const schema = buildRuleSchema(await getRuleContext(store, config));
  await applyRules(
    store,
    RULES.map((rule, index) => {
      const parsed = schema.parse(rule);
      return { ...parsed, file: 'fixture', line: index + 1, column: 1 };
    }),
  );
});

const CONFIG_FILE = {
  rules: { caps: { sms: { day: 1, week: 2 } } },
  channels: { webhooks: { crm: { url: 'https://crm.example.com/hook', secret_env: 'CRM_SECRET' } } },
};

afterEach(async () => {
  if (!closed) await temp.cleanup();
  closed = false;
});

interface EnrollmentFixture {
  readonly rule: string;
  readonly customer: string;
  readonly due: string;
  readonly arm?: 'treatment' | 'holdout';
  readonly order?: string;
}

/** Inserts waiting enrollments as the enroll step would leave them (occurred = due: no wait). */
async function enroll(...rows: EnrollmentFixture[]): Promise<void> {
  for (const row of rows)
    await store.run(
      sql`INSERT INTO rule_enrollments VALUES (${`enr_${row.rule}_${row.customer}`}, ${row.rule}, 1, ${row.customer},
        ${`k:${row.due}`}, ${row.due}::TIMESTAMPTZ, ${row.due}::TIMESTAMPTZ, ${row.due}::TIMESTAMPTZ,
        ${row.due}::TIMESTAMPTZ, ${row.arm ?? 'treatment'}, ${row.arm === 'holdout' ? 0.05 : 0.5},
        ${row.order ?? null}, 'waiting')`,
    );
}

interface DecisionRow {
  enrollment_id: string;
  decision: string;
  action_index: number | null;
  channel: string | null;
  detail: string;
  [key: string]: string | number | null;
}

const decisions = (): Promise<DecisionRow[]> =>
  store.query<DecisionRow>(
    raw(`SELECT enrollment_id, decision, action_index, channel, detail FROM rule_decisions
      ORDER BY decided_at, enrollment_id, action_index NULLS FIRST`),
  );

interface EnrollmentState {
  id: string;
  state: string;
  next_check_at: string;
  [key: string]: string;
}
const enrollmentStates = async (): Promise<Record<string, { state: string; next: string }>> =>
  Object.fromEntries(
    (
      await store.query<EnrollmentState>(
        raw(`SELECT id, state, strftime(next_check_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') AS next_check_at
          FROM rule_enrollments ORDER BY id`),
      )
    ).map((row) => [row.id, { state: row.state, next: row.next_check_at }]),
  );

interface DeliveryRow {
  id: string;
  enrollment_id: string;
  customer_id: string;
  channel: string;
  destination: string | null;
  payload: string;
  [key: string]: string | null;
}
const deliveries = (): Promise<DeliveryRow[]> =>
  store.query<DeliveryRow>(
    raw(`SELECT id, enrollment_id, customer_id, channel, destination, payload::VARCHAR AS payload
      FROM rule_deliveries ORDER BY enrollment_id, action_index`),
  );

describe('dispatch at send time', () => {
  it('records held_out for the holdout arm at the moment the action would go, and sends nothing', async () => {
    await enroll({ rule: 'promo-high', customer: 'C1', due: at(2, 9), arm: 'holdout' });
    const result = await dispatchDue(store, config, { clock: at(2), dryRun: false });
    expect(result.rules).toEqual([
      expect.objectContaining({ rule_id: 'promo-high', due: 1, held_out: 1, queued: 0 }),
    ]);
    expect(await decisions()).toEqual([
      expect.objectContaining({
        decision: 'held_out',
        action_index: null,
        detail: 'held out: bucket 0.05 is below the holdout share 0.1',
      }),
    ]);
    expect((await enrollmentStates())['enr_promo-high_C1']?.state).toBe('done');
    expect(await deliveries()).toEqual([]);
  });

  it('does not send a win-back to a member who bought meanwhile (audience checked again)', async () => {
    // Both entered churned on Oct 1; by the Oct 2 snapshot C4 is active again, C1 still churned.
    await enroll(
      { rule: 'winback', customer: 'C1', due: at(2, 9) },
      { rule: 'winback', customer: 'C4', due: at(2, 9) },
    );
    await dispatchDue(store, config, { clock: at(3), dryRun: false });
    const c4 = (await decisions()).filter((d) => d.enrollment_id === 'enr_winback_C4');
    expect(c4).toEqual([
      expect.objectContaining({
        decision: 'not_in_audience',
        detail: 'not in the audience stage:churned at send time (the snapshot of 2026-10-02)',
      }),
    ]);
    const states = await enrollmentStates();
    expect(states.enr_winback_C4?.state).toBe('skipped');
    expect(states.enr_winback_C1?.state).toBe('done');
    expect((await deliveries()).map((d) => d.customer_id)).toEqual(['C1']);
  });

  it('renders the message from the template with the member, tier and coupon fields', async () => {
    await enroll({ rule: 'winback', customer: 'C1', due: at(2, 9) });
    await dispatchDue(store, config, { clock: at(2), dryRun: false });
    const [sms] = await deliveries();
    expect(sms?.channel).toBe('sms');
    expect(sms?.destination).toBe('13800000001');
    expect(JSON.parse(sms?.payload ?? '{}')).toEqual({
      text: '【小店】张三，好久不见，金卡专享券AUTUMN-7K3M，满100.00减20.00，2026-10-31前有效 回T退订',
      to: '13800000001',
    });
    // The outbox id is msg_ + 24 hex of sha256(enrollment id | action index): the webhook-id.
    const [expected] = await store.query<{ id: string }>(
      raw(`SELECT 'msg_' || substr(sha256('enr_winback_C1|1'), 1, 24) AS id`),
    );
    expect(sms?.id).toBe(expected?.id);
    const [code] = await store.query<{ customer_id: string; rule_id: string }>(
      raw(`SELECT customer_id, rule_id FROM coupon_codes WHERE code = 'AUTUMN-7K3M'`),
    );
    expect(code).toEqual({ customer_id: 'C1', rule_id: 'winback' });
    expect((await decisions()).map((d) => [d.decision, d.action_index, d.detail])).toEqual([
      ['sent', 0, 'coupon AUTUMN-7K3M from pool p20'],
    ]);
  });

  it('renders an email subject and text, and the tier and stage in the store language', async () => {
    await enroll({ rule: 'tier-notice', customer: 'C1', due: at(2, 9) });
    await dispatchDue(store, config, { clock: at(2), dryRun: false });
    const email = (await deliveries()).find((d) => d.channel === 'email');
    expect(JSON.parse(email?.payload ?? '{}')).toEqual({
      text: '您的等级：金卡（流失会员）',
      subject: '张三，欢迎成为金卡',
      to: 'c1@example.com',
    });
  });

  it('skips the enrollment with pool_empty when the pool has no code left for it', async () => {
    // One code, two churned members due alike: the earlier id (C1) takes it, C5 gets none.
    await enroll(
      { rule: 'winback', customer: 'C1', due: at(2, 9) },
      { rule: 'winback', customer: 'C5', due: at(2, 9) },
    );
    const result = await dispatchDue(store, config, { clock: at(2), dryRun: false });
    expect(result.rules).toEqual([
      expect.objectContaining({ rule_id: 'winback', due: 2, pool_empty: 1, queued: 1, applied: 1 }),
    ]);
    const c5 = (await decisions()).filter((d) => d.enrollment_id === 'enr_winback_C5');
    expect(c5).toEqual([
      expect.objectContaining({
        decision: 'pool_empty',
        action_index: 0,
        detail: 'coupon pool p20 is empty: 1 codes given this time, 1 members without one',
      }),
    ]);
    expect((await enrollmentStates()).enr_winback_C5?.state).toBe('skipped');
    expect((await deliveries()).map((d) => d.customer_id)).toEqual(['C1']);
  });

  it('defers an SMS due in quiet hours to the window opening, then sends it', async () => {
    // 21:30 store time is inside 20:00–08:00: the window opens at 08:00 on Oct 3 = 00:00Z.
    await enroll({ rule: 'promo-high', customer: 'C1', due: at(2, 21) });
    await dispatchDue(store, config, { clock: at(2, 21, 30), dryRun: false });
    expect(await decisions()).toEqual([
      expect.objectContaining({
        decision: 'deferred_quiet_hours',
        detail: 'quiet hours (sms 20:00–08:00): deferred to 2026-10-03 08:00',
      }),
    ]);
    expect(await enrollmentStates()).toEqual({
      'enr_promo-high_C1': { state: 'waiting', next: '2026-10-03T00:00:00.000Z' },
    });
    // At 08:00 itself the check is not yet due (due means before the clock); at 08:01 it goes.
    expect((await dispatchDue(store, config, { clock: at(3, 8), dryRun: false })).rules).toEqual([]);
    await dispatchDue(store, config, { clock: at(3, 8, 1), dryRun: false });
    expect((await deliveries()).map((d) => d.customer_id)).toEqual(['C1']);
    expect((await enrollmentStates())['enr_promo-high_C1']?.state).toBe('done');
  });

  it('gives the cap to the higher priority and defers the other to the next day', async () => {
    // SMS cap 1 a day, 2 a week. Both due Oct 2 09:00 for C1: promo-high (80) goes on Oct 2,
    // promo-low (20) waits for Oct 3 00:00 (= Oct 2 16:00Z).
    await enroll(
      { rule: 'promo-high', customer: 'C1', due: at(2, 9) },
      { rule: 'promo-low', customer: 'C1', due: at(2, 9) },
    );
    const first = await dispatchDue(store, config, { clock: at(2), dryRun: false });
    expect(first.rules).toEqual([
      expect.objectContaining({ rule_id: 'promo-high', queued: 1, deferred_cap: 0 }),
      expect.objectContaining({ rule_id: 'promo-low', queued: 0, deferred_cap: 1 }),
    ]);
    expect((await decisions()).find((d) => d.decision === 'deferred_cap')?.detail).toBe(
      'sms cap of 1 a day reached: 0 already counted, 1 going to higher-priority rules now',
    );
    expect((await enrollmentStates())['enr_promo-low_C1']).toEqual({
      state: 'waiting',
      next: '2026-10-02T16:00:00.000Z',
    });

    // On Oct 3 10:00 promo-low goes: 0 SMS that day (cap 1) and 1 in the week (cap 2).
    await dispatchDue(store, config, { clock: at(3), dryRun: false });
    expect((await deliveries()).map((d) => d.enrollment_id)).toEqual([
      'enr_promo-high_C1',
      'enr_promo-low_C1',
    ]);
  });

  it('skips an action still deferred after max lateness (2d) with its reason', async () => {
    // The week cap of 2 is full (two SMS already counted on Oct 1 and Oct 2), so promo-low,
    // due Oct 2 09:00, is deferred each day; on Oct 4 10:00 it is 2d 1h late: skipped_late.
    await exec(`INSERT INTO rule_deliveries VALUES
      ('msg_a', 'enr_x', 'promo-high', 1, 'C1', 0, 'message', 'sms', 'marketing', '13800000001', '{}', 'sent', 1, '${at(1)}', '${at(1)}', '${at(1)}', NULL),
      ('msg_b', 'enr_y', 'promo-high', 1, 'C1', 0, 'message', 'sms', 'marketing', '13800000001', '{}', 'sent', 1, '${at(2, 8)}', '${at(2, 8)}', '${at(2, 8)}', NULL)`);
    await enroll({ rule: 'promo-low', customer: 'C1', due: at(2, 9) });
    await dispatchDue(store, config, { clock: at(3), dryRun: false });
    await dispatchDue(store, config, { clock: at(4), dryRun: false });
    expect((await decisions()).map((d) => [d.decision, d.detail])).toEqual([
      [
        'deferred_cap',
        'sms cap of 2 in 7 days reached: 2 already counted, 0 going to higher-priority rules now',
      ],
      ['skipped_late', 'due 2026-10-02 09:00 and not sent within the max lateness of 2d'],
    ]);
    expect((await enrollmentStates())['enr_promo-low_C1']?.state).toBe('skipped');
  });

  it('lets service rules skip the marketing caps, and does not count them', async () => {
    // C1 had a marketing SMS today (cap 1 a day); the tier notice (service) goes all the same.
    await enroll({ rule: 'promo-high', customer: 'C1', due: at(2, 9) });
    await dispatchDue(store, config, { clock: at(2), dryRun: false });
    await enroll({ rule: 'tier-notice', customer: 'C1', due: at(2, 10) });
    await enroll({ rule: 'promo-low', customer: 'C1', due: at(2, 10) });
    const result = await dispatchDue(store, config, { clock: at(2, 11), dryRun: false });
    expect(result.rules).toEqual([
      expect.objectContaining({ rule_id: 'promo-low', deferred_cap: 1, queued: 0 }),
      expect.objectContaining({ rule_id: 'tier-notice', deferred_cap: 0, queued: 2 }),
    ]);
    // The deferral names 1 already counted: the service SMS is not among them.
    expect((await decisions()).find((d) => d.decision === 'deferred_cap')?.detail).toBe(
      'sms cap of 1 a day reached: 1 already counted, 0 going to higher-priority rules now',
    );
  });

  it('refuses a marketing SMS without SMS consent or to a non-member (no_consent), but a service SMS needs neither', async () => {
    await enroll(
      { rule: 'promo-high', customer: 'C2', due: at(2, 9) },
      { rule: 'promo-high', customer: 'C3', due: at(2, 9) },
      { rule: 'tier-notice', customer: 'C3', due: at(2, 9) },
    );
    await dispatchDue(store, config, { clock: at(2), dryRun: false });
    expect(
      (await decisions()).map((d) => [d.enrollment_id, d.decision, d.action_index, d.channel, d.detail]),
    ).toEqual([
      ['enr_promo-high_C2', 'no_consent', 0, 'sms', 'no SMS consent (sms_consent)'],
      ['enr_promo-high_C3', 'no_consent', 0, 'sms', 'marketing SMS goes only to members: not a member'],
      ['enr_tier-notice_C3', 'no_consent', 1, 'email', 'no email address on file'],
    ]);
    expect((await deliveries()).map((d) => [d.enrollment_id, d.channel])).toEqual([
      ['enr_tier-notice_C3', 'sms'],
    ]);
    const states = await enrollmentStates();
    expect(states['enr_promo-high_C2']?.state).toBe('done');
  });

  it('writes tag, benefit and export actions directly and queues webhook and notify rows', async () => {
    await enroll({ rule: 'order-care', customer: 'C1', due: at(2, 9, 30), order: 'O1' });
    const result = await dispatchDue(store, config, { clock: at(2), dryRun: false });
    expect(result.rules).toEqual([expect.objectContaining({ rule_id: 'order-care', applied: 3, queued: 2 })]);
    const [benefit] = await store.query(
      raw(`SELECT customer_id, order_id, tier, benefit::VARCHAR AS benefit FROM member_benefits`),
    );
    expect(benefit).toEqual({
      customer_id: 'C1',
      order_id: 'O1',
      tier: 'gold',
      benefit: '{"free_shipping":true,"discount_percent":5}',
    });
    expect(await store.query(raw(`SELECT customer_id, tag, removed_at FROM member_tags`))).toEqual([
      { customer_id: 'C1', tag: 'thanked', removed_at: null },
    ]);
    const file = join(temp.dir, 'audience-lists', 'thanked.csv');
    expect(result.lists).toEqual([{ list: 'thanked', format: 'csv', path: file, members: 1 }]);
    expect(readCsv(file)).toEqual([
      {
        customer_id: 'C1',
        name: '张三',
        phone: '13800000001',
        email: 'c1@example.com',
        added_at: '2026-10-02 10:00:00',
        rule_id: 'order-care',
      },
    ]);
    const rows = await deliveries();
    const webhook = rows.find((d) => d.channel === 'webhook');
    expect(webhook?.destination).toBe('crm');
    expect(JSON.parse(webhook?.payload ?? '{}')).toMatchObject({
      type: 'rule.action',
      rule_id: 'order-care',
      version: 1,
      enrollment_id: 'enr_order-care_C1',
      customer_id: 'C1',
      occurred_at: '2026-10-02T01:30:00Z',
      action: { webhook: { endpoint: 'crm' } },
      data: { name: '张三', tier: '金卡', order_id: 'O1', order_amount: '199.00' },
    });
    const notify = rows.find((d) => d.channel === 'robot');
    expect(JSON.parse(notify?.payload ?? '{}')).toEqual({ text: '张三（杭州）下单 O1，金额 199.00' });
  });

  it('removes a tag and writes an xlsx audience list', async () => {
    await exec(`INSERT INTO member_tags VALUES ('C1', 'thanked', '2026-09-01 10:00:00+08', NULL, 'enr_old')`);
    await enroll(
      { rule: 'vip-list', customer: 'C1', due: at(2, 9) },
      { rule: 'vip-list', customer: 'C5', due: at(2, 9) },
    );
    await dispatchDue(store, config, { clock: at(2), dryRun: false });
    const [tag] = await store.query<{ removed_at: string }>(
      raw(
        `SELECT strftime(removed_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') AS removed_at FROM member_tags`,
      ),
    );
    expect(tag?.removed_at).toBe(at(2));
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(temp.dir, 'audience-lists', 'vip.xlsx'));
    const rows: unknown[][] = [];
    workbook.worksheets[0]?.eachRow((row) => rows.push((row.values as unknown[]).slice(1, 4)));
    expect(rows).toEqual([
      ['customer_id', 'name', 'phone'],
      ['C1', '张三', '13800000001'],
      ['C5', '钱七', '13800000005'],
    ]);
  });

  it('decides nothing new when dispatched twice at the same clock', async () => {
    await enroll(
      { rule: 'promo-high', customer: 'C1', due: at(2, 9) },
      { rule: 'promo-low', customer: 'C1', due: at(2, 9) },
      { rule: 'order-care', customer: 'C1', due: at(2, 9, 30), order: 'O1' },
    );
    await dispatchDue(store, config, { clock: at(2), dryRun: false });
    const before = await fingerprint(store, ENGINE_TABLES);
    const again = await dispatchDue(store, config, { clock: at(2), dryRun: false });
    expect(again.rules).toEqual([]);
    expect(await fingerprint(store, ENGINE_TABLES)).toBe(before);
  });

  it('writes nothing in a dry run, and reports what the real run then does', async () => {
    await enroll(
      { rule: 'promo-high', customer: 'C1', due: at(2, 9) },
      { rule: 'promo-low', customer: 'C1', due: at(2, 9) },
      { rule: 'order-care', customer: 'C1', due: at(2, 9, 30), order: 'O1' },
    );
    const before = await fingerprint(store, ENGINE_TABLES);
    const dry = await dispatchDue(store, config, { clock: at(2), dryRun: true });
    expect(await fingerprint(store, ENGINE_TABLES)).toBe(before);
    expect(existsSync(join(temp.dir, 'audience-lists', 'thanked.csv'))).toBe(false);
    expect(dry.lists).toEqual([]);
    const real = await dispatchDue(store, config, { clock: at(2), dryRun: false });
    expect(dry.rules).toEqual(real.rules);
    expect(real.rules.map((r) => [r.rule_id, r.queued, r.deferred_cap, r.applied])).toEqual([
      ['order-care', 2, 0, 3],
      ['promo-high', 1, 0, 0],
      ['promo-low', 0, 1, 0],
    ]);
  });
});

/**
 * Stands every rule's cursor at the clock, so a tick's enrollment step reads no occurrence of
 * the fixture's orders: only the enrollments a test made by hand are dispatched.
 */
async function holdCursors(clock: string): Promise<void> {
  await store.run(sql`INSERT INTO rule_cursors SELECT id, ${clock}::TIMESTAMPTZ, now() FROM rules`);
}

describe('runTick', () => {
  it('counts sent and failed per rule as the outbox reports them after delivery', async () => {
    await enroll(
      { rule: 'promo-high', customer: 'C1', due: at(2, 9) },
      { rule: 'promo-high', customer: 'C5', due: at(2, 9) },
      { rule: 'promo-high', customer: 'C6', due: at(2, 9), arm: 'holdout' },
    );
    await holdCursors(at(2));
    // A receiver that takes C1's message and refuses C5's for good.
    const tick = await runTick(store, config, {
      clock: at(2),
      dryRun: false,
      deliver: async (deliverStore) => {
        await deliverStore.run(
          raw(`UPDATE rule_deliveries SET status = 'sent', attempts = 1 WHERE customer_id = 'C1'`),
        );
        await deliverStore.run(
          raw(`UPDATE rule_deliveries SET status = 'failed', attempts = 1 WHERE customer_id = 'C5'`),
        );
        return { due: 2, sent: 1, failed: 1, retrying: 0, aborted: false };
      },
    });
    expect(tick.rules).toEqual([
      {
        rule_id: 'promo-high',
        occurrences: 0,
        entered: 0,
        not_in_audience: 0,
        held_out: 1,
        deferred: 0,
        skipped: 0,
        no_consent: 0,
        queued: 2,
        applied: 0,
        sent: 1,
        failed: 1,
      },
    ]);
    expect(tick.deliveries).toEqual({ due: 2, sent: 1, failed: 1, retrying: 0, aborted: false });
  });

  it('changes nothing in a dry run', async () => {
    await enroll({ rule: 'promo-high', customer: 'C1', due: at(2, 9) });
    await holdCursors(at(2));
    const before = await fingerprint(store, ENGINE_TABLES);
    const tick = await runTick(store, config, { clock: at(2), dryRun: true });
    expect(tick.rules.map((r) => r.rule_id)).toEqual(['promo-high']);
    expect(tick.dispatch.rules[0]?.queued).toBe(1);
    expect(await fingerprint(store, ENGINE_TABLES)).toBe(before);
  });
});

describe('the CLI', () => {
  it('runs a tick at the end of a store day, and lists the outbox with the webhook-ids', async () => {
    await enroll(
      { rule: 'order-care', customer: 'C1', due: at(2, 9, 30), order: 'O1' },
      { rule: 'promo-high', customer: 'C1', due: at(2, 9) },
    );
    await holdCursors(at(3));
    await store.close();
    closed = true;
    const db = join(temp.dir, 'test.duckdb');
    // Real receivers on loopback: the CRM webhook (checking signatures) and the staff robot.
    const secret = `whsec_${Buffer.from('a dispatch test secret of 32 b!!').toString('base64')}`;
    const receiver = await startFileReceiver({ secret });
    const robotTexts: string[] = [];
    const robot = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        robotTexts.push((JSON.parse(body) as { text: { content: string } }).text.content);
        response.setHeader('content-type', 'application/json').end('{"errcode":0,"errmsg":"ok"}');
      });
    });
    await new Promise<void>((listening) => robot.listen(0, '127.0.0.1', listening));
    const robotPort = (robot.address() as AddressInfo).port;
    writeFileSync(
      join(temp.dir, 'huiyuan.config.json'),
      JSON.stringify({
        ...CONFIG_FILE,
        channels: {
          webhooks: { crm: { url: receiver.url, secret_env: 'CRM_SECRET' } },
          sms: { provider: 'gateway', gateway: { url: receiver.url, secret_env: 'CRM_SECRET' } },
          email: { host: '127.0.0.1', port: 2525, secure: false, from: '小店 <crm@example.com>' },
          robots: { staff: { type: 'wecom', url_env: 'STAFF_ROBOT_URL' } },
          allow_private_hosts: true,
        },
      }),
    );
    const env = { CRM_SECRET: secret, STAFF_ROBOT_URL: `http://127.0.0.1:${robotPort}/robot` };
    const cli = (...args: string[]) => runCliAsync(['--db', db, ...args], { env });

    const run = await cli('rules', 'run', '--as-of', '2026-10-02', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const tick = JSON.parse(run.stdout) as {
      clock: string;
      rules: { rule_id: string }[];
      lists: { path: string }[];
    };
    // The end of Oct 2 is midnight: inside the SMS quiet hours, so the SMS waits for 08:00; the
    // webhook and the notice (no quiet hours) are queued, the tag, benefit and list written.
    expect(tick.clock).toBe('2026-10-03T00:00:00+08:00');
    expect(tick.rules).toEqual([
      expect.objectContaining({ rule_id: 'order-care', queued: 2, applied: 3, deferred: 0 }),
      expect.objectContaining({ rule_id: 'promo-high', queued: 0, deferred: 1 }),
    ]);
    expect(tick.lists.map((l) => l.path)).toEqual([join(temp.dir, 'audience-lists', 'thanked.csv')]);

    const listed = await cli('deliveries', '--rule', 'order-care', '--format', 'json');
    expect(listed.status).toBe(0);
    const outbox = JSON.parse(listed.stdout) as {
      total: number;
      deliveries: {
        id: string;
        rule_id: string;
        customer_id: string;
        channel: string;
        status: string;
        attempts: number;
      }[];
    };
    expect(outbox.total).toBe(2);
    const ids = (index: number) =>
      `msg_${createHash('sha256').update(`enr_order-care_C1|${index}`).digest('hex').slice(0, 24)}`;
    expect(outbox.deliveries.map((d) => [d.id, d.channel, d.status, d.attempts]).sort()).toEqual(
      [
        [ids(3), 'webhook', 'sent', 1],
        [ids(4), 'robot', 'sent', 1],
      ].sort(),
    );
    // The receiver verified the one webhook, under the outbox id; the robot got the notice.
    expect(receiver.counts()).toMatchObject({ verified: 1, badSignatures: 0, distinctIds: 1 });
    expect(receiver.ids()).toEqual([ids(3)]);
    expect(robotTexts).toHaveLength(1);

    const again = await cli('rules', 'run', '--as-of', '2026-10-02', '--format', 'json');
    expect((JSON.parse(again.stdout) as { rules: unknown[] }).rules).toEqual([]);

    const sent = JSON.parse((await cli('deliveries', '--status', 'sent', '--format', 'json')).stdout) as {
      total: number;
    };
    expect(sent.total).toBe(2);
    await receiver.close();
    await new Promise((closed) => robot.close(closed));
    const future = runCli(['--db', db, 'rules', 'run', '--as-of', '2099-01-01'], { env });
    expect(future.status).toBe(2);
    expect(future.stderr).toMatch(
      /^huiyuan: --as-of 2099-01-01 is after today \(\d{4}-\d\d-\d\d in the store's timezone\)/,
    );

    const wrong = runCli(['--db', db, 'deliveries', '--rule', 'order-cares'], { env });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain("did you mean 'order-care'?");
    await temp.cleanup().catch(() => undefined);
  });

  it('refuses a tick whose rules the config cannot send by, in one line, before writing anything', async () => {
    await enroll({ rule: 'promo-high', customer: 'C1', due: at(2, 9) });
    const before = await fingerprint(store, ENGINE_TABLES);
    await store.close();
    closed = true;
    const db = join(temp.dir, 'test.duckdb');
    // CONFIG_FILE has a webhook endpoint but no staff robot, and order-care notifies the staff.
    writeFileSync(join(temp.dir, 'huiyuan.config.json'), JSON.stringify(CONFIG_FILE));
    const secret = `whsec_${Buffer.from('a dispatch test secret of 32 b!!').toString('base64')}`;
    const run = runCli(['--db', db, 'rules', 'run', '--as-of', '2026-10-02'], {
      env: { CRM_SECRET: secret },
    });
    expect(run.status).toBe(3);
    expect(run.stderr.trim().split('\n')).toEqual([
      'huiyuan: the notify actions of rule order-care are notices for a staff robot, but channels.notify_robot names none',
    ]);
    const missing = runCli(['--db', db, 'rules', 'run', '--as-of', '2026-10-02'], {
      env: { CRM_SECRET: '' },
    });
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain('names the environment variable CRM_SECRET, which is not set');
    temp = { ...temp, store: await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' }) };
    store = temp.store;
    closed = false;
    expect(await fingerprint(store, ENGINE_TABLES)).toBe(before);
  });

  it("lists rules and deliveries in the help's preset conditions group", () => {
    const help = runCli(['--help']).stdout;
    const group = help.slice(help.indexOf('Preset conditions (预设条件):'), help.indexOf('Data:'));
    expect(group.match(/^ {2}\S+/gm)?.map((name) => name.trim())).toEqual([
      'rules',
      'signal',
      'deliveries',
      'coupons',
    ]);
  });
});
