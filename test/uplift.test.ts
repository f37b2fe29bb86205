/**
 * The uplift report on planted truths. Fixture stores hold enrollments (arm by the engine's hash
 * rule, docs/rules.md), `sent` / `held_out` decisions, and orders drawn with the project's seeded
 * Random so that treated members buy within the goal window with probability p_t and held-out
 * ones with p_c. The report's figures are checked against a plain reduction over the planted
 * rows, its interval against p_t − p_c, and its false alarms against the 5% it promises.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../src/demo/random.js';
import { parseRuleText } from '../src/rules/rule-file.js';
import type { RuleContext } from '../src/rules/rule-schema.js';
import { applyRules } from '../src/rules/rule-versions.js';
import { getRuleReport } from '../src/rules/uplift/uplift-report.js';
import { buildRuleTable, gatherRuleReports } from '../src/report/report-rules.js';
import { quoteLiteral, raw } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { openTempStore, runCli, type TempStore } from './helpers.js';

const CONTEXT: RuleContext = {
  vocabulary: { tiers: [{ id: 'member', name: 'Member', name_zh: '普通会员' }], communities: null },
  webhooks: ['crm'],
  defaultHoldout: 0.1,
  unsubscribeText: '回T退订',
  couponPools: ['thanks-20'],
};

const DAY = 86_400;
const GOAL_DAYS = 14;
/** 2026-09-01 00:00 in Asia/Shanghai, in epoch seconds. */
const START = Date.UTC(2026, 7, 31, 16) / 1000;
/** The report's clock: the end of 2026-10-31 in store time. */
const AS_OF = '2026-10-31';

/** The engine's holdout bucket: the first 8 hex digits of sha256(rule_id:customer_id) / 16⁸. */
function getBucket(ruleId: string, customerId: string): number {
  return (
    parseInt(createHash('sha256').update(`${ruleId}:${customerId}`).digest('hex').slice(0, 8), 16) / 2 ** 32
  );
}

interface PlantedRows {
  enrollments: string[][];
  decisions: string[][];
  orders: string[][];
}

/** What the planted rows say, reduced in plain code: the figures the report must give. */
interface PlantedTruth {
  members: Record<'treatment' | 'holdout', number>;
  conversions: Record<'treatment' | 'holdout', number>;
  revenue: Record<'treatment' | 'holdout', number>;
  delivered: number;
  open: Record<'treatment' | 'holdout', number>;
}

/**
 * Plants one rule's experiment: `members` members entering over September, each bought within
 * the goal window with probability p (by arm, ± 0.1 with their pre-period spend, averaging p),
 * plus orders that must not count: before the moment, after the window, cancelled, unpaid.
 * Another 40 members enter on 2026-10-25, whose windows are still open at the clock.
 */
function plant(
  random: Random,
  ruleId: string,
  members: number,
  holdout: number,
  p: Record<'treatment' | 'holdout', number>,
  rows: PlantedRows,
): PlantedTruth {
  const truth: PlantedTruth = {
    members: { treatment: 0, holdout: 0 },
    conversions: { treatment: 0, holdout: 0 },
    revenue: { treatment: 0, holdout: 0 },
    delivered: 0,
    open: { treatment: 0, holdout: 0 },
  };
  let orderNumber = 0;
  const order = (customer: string, at: number, status: string, amount: number): void => {
    rows.orders.push([`${ruleId}-o${++orderNumber}`, customer, String(at), status, amount.toFixed(2)]);
  };
  for (let i = 0; i < members + 40; i++) {
    const customer = `${ruleId}-c${i}`;
    const open = i >= members;
    const bucket = getBucket(ruleId, customer);
    const arm = bucket < holdout ? 'holdout' : 'treatment';
    const occurred = open ? Date.UTC(2026, 9, 25, 2) / 1000 : START + random.sampleInt(30 * DAY);
    const enrollment = `enr_${ruleId}_${i}`;
    rows.enrollments.push([
      enrollment,
      ruleId,
      customer,
      `stage:${i}`,
      String(occurred),
      arm,
      String(bucket),
    ]);
    // 90% of the treated are sent a little after the due time; the rest are refused for
    // consent (no sent decision): their window starts at due_at, as intention to treat says.
    let moment = occurred;
    const decided = occurred + random.sampleInt(6 * 3600);
    if (arm === 'holdout') {
      rows.decisions.push([enrollment, ruleId, customer, String(decided), 'held_out']);
      moment = decided;
    } else if (random.sampleBernoulli(0.9)) {
      rows.decisions.push([enrollment, ruleId, customer, String(decided), 'sent']);
      moment = decided;
      if (!open) truth.delivered++;
    } else rows.decisions.push([enrollment, ruleId, customer, String(occurred), 'no_consent']);
    if (open) {
      truth.open[arm]++;
      continue;
    }
    truth.members[arm]++;
    const spentBefore = random.sampleBernoulli(0.5);
    if (spentBefore) order(customer, moment - random.sampleIntBetween(DAY, 80 * DAY), 'completed', 200);
    if (random.sampleBernoulli(p[arm] + (spentBefore ? 0.1 : -0.1))) {
      const amount = random.sampleIntBetween(5000, 15000) / 100;
      order(customer, moment + random.sampleIntBetween(60, GOAL_DAYS * DAY - 60), 'paid', amount);
      truth.conversions[arm]++;
      truth.revenue[arm] += amount;
    }
    if (random.sampleBernoulli(0.1))
      order(customer, moment + GOAL_DAYS * DAY + random.sampleIntBetween(60, DAY), 'paid', 80);
    if (random.sampleBernoulli(0.05)) order(customer, moment + DAY, 'cancelled', 90);
    if (random.sampleBernoulli(0.05)) order(customer, moment + DAY, 'unpaid', 70);
  }
  return truth;
}

function ruleYaml(id: string, holdout: number): string {
  return `  - id: ${id}
    name: 召回 ${id}
    trigger: {stage: {to: churned}}
    audience: stage:churned
    holdout: ${holdout}
    goal: {event: purchase, within: ${GOAL_DAYS}d}
    actions:
      - webhook: {endpoint: crm}
`;
}

async function load(store: Store, dir: string, rows: PlantedRows, yaml: string): Promise<void> {
  const { rules, problems } = parseRuleText(`rules:\n${yaml}`, 'planted.yaml', CONTEXT);
  expect(problems).toEqual([]);
  await applyRules(store, rules);
  const csv = (name: string, lines: string[][]): string => {
    const path = join(dir, `${name}.csv`);
    writeFileSync(path, lines.map((line) => line.join(',')).join('\n'));
    return quoteLiteral(path);
  };
  const read = (name: string, lines: string[][], columns: string[]): string =>
    `read_csv(${csv(name, lines)}, header = false, columns = {${columns.map((c) => `'${c}': 'VARCHAR'`).join(', ')}})`;
  await store.run(
    raw(`INSERT INTO rule_enrollments
      SELECT id, rule_id, 1, customer_id, occurrence_key, to_timestamp(occurred::BIGINT), to_timestamp(occurred::BIGINT),
        to_timestamp(occurred::BIGINT), to_timestamp(occurred::BIGINT), arm, bucket::DOUBLE, NULL, 'done'
      FROM ${read('enrollments', rows.enrollments, ['id', 'rule_id', 'customer_id', 'occurrence_key', 'occurred', 'arm', 'bucket'])}`),
  );
  await store.run(
    raw(`INSERT INTO rule_decisions
      SELECT enrollment_id, rule_id, 1, customer_id, to_timestamp(decided::BIGINT), decision, 0, 'webhook', ''
      FROM ${read('decisions', rows.decisions, ['enrollment_id', 'rule_id', 'customer_id', 'decided', 'decision'])}`),
  );
  await store.run(
    raw(`INSERT INTO orders BY NAME
      SELECT id, customer_id, to_timestamp(placed::BIGINT) AS placed_at, status, amount::DECIMAL(18,2) AS paid_amount,
        1 AS batch_id, now() AS first_imported_at, now() AS updated_at
      FROM ${read('orders', rows.orders, ['id', 'customer_id', 'placed', 'status', 'amount'])}`),
  );
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const MEMBERS = 3000;
const P_TREATED = 0.25;
const P_HELD_OUT = 0.18;

let temp: TempStore;
const truths = new Map<string, PlantedTruth>();
beforeAll(async () => {
  temp = await openTempStore();
  const rows: PlantedRows = { enrollments: [], decisions: [], orders: [] };
  let yaml = '';
  for (const seed of SEEDS) {
    const random = new Random(seed);
    // A small-range test (小范围测试): a large holdout, 30%.
    truths.set(
      `effect-${seed}`,
      plant(random, `effect-${seed}`, MEMBERS, 0.3, { treatment: P_TREATED, holdout: P_HELD_OUT }, rows),
    );
    truths.set(
      `null-${seed}`,
      plant(random, `null-${seed}`, MEMBERS, 0.3, { treatment: 0.2, holdout: 0.2 }, rows),
    );
    yaml += ruleYaml(`effect-${seed}`, 0.3) + ruleYaml(`null-${seed}`, 0.3);
  }
  await load(temp.store, temp.dir, rows, yaml);
}, 120_000);
afterAll(async () => temp.cleanup());

describe('rules report on a planted experiment', () => {
  it('counts each arm exactly as a plain reduction over the planted rows does', async () => {
    for (const id of ['effect-1', 'null-2']) {
      const truth = truths.get(id);
      const report = await getRuleReport(temp.store, id, { asOf: AS_OF });
      for (const arm of ['treatment', 'holdout'] as const) {
        expect(report[arm].members).toBe(truth?.members[arm]);
        expect(report[arm].conversions).toBe(truth?.conversions[arm]);
        expect(report[arm].revenue).toBeCloseTo(truth?.revenue[arm] ?? -1, 2);
        expect(report[arm].open_members).toBe(truth?.open[arm]);
      }
      expect(report.treatment.delivered).toBe(truth?.delivered);
      expect(report.holdout.delivered).toBe(0);
    }
  });

  it('puts about the holdout share of members in the holdout arm, by the hash', () => {
    // 20 rules × 3,000 members at 30%: the binomial 99.9% interval is 0.3 ± 3.29·√(0.21/60000).
    let held = 0;
    let all = 0;
    for (const seed of SEEDS) {
      const truth = truths.get(`effect-${seed}`);
      held += truth?.members.holdout ?? 0;
      all += (truth?.members.holdout ?? 0) + (truth?.members.treatment ?? 0);
    }
    expect(Math.abs(held / all - 0.3)).toBeLessThan(3.29 * Math.sqrt(0.21 / all));
  });

  it('covers the planted lift p_t − p_c with its 95% interval, and calls it significant', async () => {
    const report = await getRuleReport(temp.store, 'effect-1', { asOf: AS_OF });
    const d = report.difference.conversion_rate;
    expect(d.low).toBeLessThan(P_TREATED - P_HELD_OUT);
    expect(d.high).toBeGreaterThan(P_TREATED - P_HELD_OUT);
    expect(d.significant).toBe(true);
    // Each converter spent U(50, 150), mean 100: revenue per member differs by 100·(p_t − p_c).
    const r = report.difference.revenue_per_member;
    expect(r.low).toBeLessThan(100 * (P_TREATED - P_HELD_OUT));
    expect(r.high).toBeGreaterThan(100 * (P_TREATED - P_HELD_OUT));
    expect(report.incremental_orders.estimate).toBeCloseTo(
      report.difference.orders_per_member.difference * report.treatment.members,
      1,
    );
  });

  it('covers p_t − p_c in at least 16 of 20 seeds', async () => {
    // A 95% interval misses in Binomial(20, 0.05) seeds: more than 4 misses has probability 0.3%.
    let covered = 0;
    for (const seed of SEEDS) {
      const d = (await getRuleReport(temp.store, `effect-${seed}`, { asOf: AS_OF })).difference
        .conversion_rate;
      if (d.low < P_TREATED - P_HELD_OUT && d.high > P_TREATED - P_HELD_OUT) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(16);
  });

  it('with no planted effect, calls the lift significant in at most 3 of 20 seeds', async () => {
    // At a true 5% false-alarm rate the count is Binomial(20, 0.05): P(≥ 4) = 1.6%, the bound used.
    let significant = 0;
    for (const seed of SEEDS)
      if (
        (await getRuleReport(temp.store, `null-${seed}`, { asOf: AS_OF })).difference.conversion_rate
          .significant
      )
        significant++;
    expect(significant).toBeLessThanOrEqual(3);
  });

  it('narrows the interval with CUPED on the pre-period spend and still covers the planted lift', async () => {
    const report = await getRuleReport(temp.store, 'effect-3', { asOf: AS_OF, cuped: true });
    const cuped = report.cuped;
    expect(cuped).not.toBeNull();
    const plain = report.difference.conversion_rate;
    expect(cuped?.conversion_rate.standard_error).toBeLessThan(plain.standard_error);
    expect(cuped?.variance_reduction.conversion_rate).toBeGreaterThan(0);
    expect(cuped?.conversion_rate.low).toBeLessThan(P_TREATED - P_HELD_OUT);
    expect(cuped?.conversion_rate.high).toBeGreaterThan(P_TREATED - P_HELD_OUT);
  });

  it('gives the minimum detectable lift of its volume at the pooled rate', async () => {
    const report = await getRuleReport(temp.store, 'null-1', { asOf: AS_OF });
    const { treatment: t, holdout: h } = report;
    const pooled = (t.conversions + h.conversions) / (t.members + h.members);
    const byHand = 2.8015852 * Math.sqrt(pooled * (1 - pooled) * (1 / t.members + 1 / h.members));
    expect(report.minimum_detectable.conversion_rate).toBeCloseTo(byHand, 6);
  });

  it('says coupon cost is unknown when the orders carry no coupon code and the rule gives none: zero', async () => {
    const report = await getRuleReport(temp.store, 'effect-1', { asOf: AS_OF });
    // The planted rules have only a webhook action: no coupon of theirs can be redeemed.
    expect(report.coupon_cost).toBe(0);
    expect(report.net_incremental_revenue?.estimate).toBeCloseTo(report.incremental_revenue.estimate, 1);
  });
});

describe('rules report on a hand-built store', () => {
  let edge: TempStore;
  /** The first customer ids of the form `<prefix>N` that the hash puts in the arm asked for. */
  const pick = (arm: 'treatment' | 'holdout', count: number): string[] => {
    const picked: string[] = [];
    for (let i = 0; picked.length < count; i++)
      if ((getBucket('edge', `m${i}`) < 0.5 ? 'holdout' : 'treatment') === arm) picked.push(`m${i}`);
    return picked;
  };
  const [t1 = '', t2 = '', t3 = '', t4 = ''] = pick('treatment', 4);
  const [h1 = '', h2 = ''] = pick('holdout', 2);
  /** Seconds of a store time (Asia/Shanghai, UTC+8) in October 2026. */
  const oct = (day: number, hour: number): string => String(Date.UTC(2026, 9, day, hour - 8) / 1000);

  beforeAll(async () => {
    edge = await openTempStore();
    const rows: PlantedRows = { enrollments: [], decisions: [], orders: [] };
    const enroll = (id: string, customer: string, at: string, arm: string): void => {
      rows.enrollments.push([id, 'edge', customer, id, at, arm, String(getBucket('edge', customer))]);
    };
    const decide = (id: string, customer: string, at: string, decision: string): void => {
      rows.decisions.push([id, 'edge', customer, at, decision]);
    };
    const order = (id: string, customer: string, at: string, status: string, amount: number): void => {
      rows.orders.push([id, customer, at, status, amount.toFixed(2)]);
    };
    // t1: sent 2 hours after entry; the window is Oct 1 12:00 to Oct 8 12:00.
    enroll('e-t1', t1, oct(1, 10), 'treatment');
    decide('e-t1', t1, oct(1, 12), 'sent');
    order('o-t1-trigger', t1, oct(1, 10), 'paid', 100); // before the moment
    order('o-t1-early', t1, oct(1, 11), 'paid', 60); // before the message went
    order('o-t1-coupon', t1, oct(3, 9), 'paid', 180); // with the rule's ¥20 code: counts as 200
    order('o-t1-cancelled', t1, oct(2, 9), 'cancelled', 70);
    order('o-t1-late', t1, oct(9, 11), 'paid', 300); // after the window closed
    // t2: refused for consent (no sent decision), so the window starts at due_at; the order
    // that triggered the enrollment, at that very moment, is not a conversion.
    enroll('e-t2', t2, oct(5, 10), 'treatment');
    decide('e-t2', t2, oct(5, 10), 'no_consent');
    order('o-t2-trigger', t2, oct(5, 10), 'paid', 500);
    order('o-t2-after', t2, oct(6, 10), 'paid', 50);
    // t3 entered twice (re-entry): one member, two windows, two orders.
    enroll('e-t3-a', t3, oct(1, 10), 'treatment');
    decide('e-t3-a', t3, oct(1, 10), 'sent');
    enroll('e-t3-b', t3, oct(20, 10), 'treatment');
    decide('e-t3-b', t3, oct(20, 10), 'sent');
    order('o-t3-a', t3, oct(4, 10), 'completed', 30);
    order('o-t3-b', t3, oct(22, 10), 'shipped', 40);
    // t4 entered on Oct 28: its window is open at the clock.
    enroll('e-t4', t4, oct(28, 10), 'treatment');
    decide('e-t4', t4, oct(28, 10), 'sent');
    order('o-t4', t4, oct(29, 10), 'paid', 999);
    enroll('e-h1', h1, oct(1, 10), 'holdout');
    decide('e-h1', h1, oct(1, 12), 'held_out');
    order('o-h1', h1, oct(2, 10), 'paid', 90);
    enroll('e-h2', h2, oct(2, 10), 'holdout');
    decide('e-h2', h2, oct(2, 10), 'held_out');
    const yaml = `  - id: edge
    name: 每单关怀
    trigger: order
    re_entry: every
    holdout: 0.5
    goal: {event: purchase, within: 7d}
    actions:
      - coupon: {pool: thanks-20}
      - webhook: {endpoint: crm}
  - id: quiet
    name: 未运行
    trigger: joined
    actions:
      - webhook: {endpoint: crm}
`;
    await load(edge.store, edge.dir, rows, yaml);
    await edge.store.run(
      raw(
        `UPDATE rule_enrollments SET order_id = 'o-' || replace(id, 'e-', '') || '-trigger' WHERE id IN ('e-t1', 'e-t2')`,
      ),
    );
    // Two codes of a pool, issued as the coupons module issues them (migration 15).
    await edge.store.run(
      raw(`INSERT INTO coupon_pool_codes BY NAME
        SELECT * FROM (VALUES ('AB12', 'thanks-20', 20, 0, now()), ('CD34', 'thanks-20', 20, 0, now()))
          AS c(code, pool, value, min_spend, added_at)`),
    );
    await edge.store.run(
      raw(`INSERT INTO coupon_issues BY NAME
        SELECT * FROM (VALUES ('AB12', 'thanks-20', 'e-t1', 'edge', now()), ('CD34', 'thanks-20', 'e-t3-a', 'edge', now()))
          AS c(code, pool, enrollment_id, rule_id, issued_at)`),
    );
    await edge.store.run(raw(`UPDATE orders SET coupon_code = 'ab12, OTHER' WHERE id = 'o-t1-coupon'`));
  });
  afterAll(async () => edge.cleanup());

  it('counts only paid orders inside each goal window, once per member, and the open windows apart', async () => {
    const report = await getRuleReport(edge.store, 'edge', { asOf: AS_OF });
    expect(report.treatment).toEqual({
      members: 3,
      delivered: 2,
      conversions: 3,
      conversion_rate: 1,
      orders: 4,
      orders_per_member: 4 / 3,
      revenue: 200 + 50 + 30 + 40,
      revenue_per_member: 320 / 3,
      paid: 300,
      open_members: 1,
    });
    expect(report.holdout).toMatchObject({
      members: 2,
      delivered: 0,
      conversions: 1,
      revenue: 90,
      open_members: 0,
    });
  });

  it('prices the coupons redeemed and nets them out of the incremental revenue', async () => {
    const report = await getRuleReport(edge.store, 'edge', { asOf: AS_OF });
    expect(report.coupons_redeemed).toBe(1);
    expect(report.coupon_cost).toBe(20);
    // (320/3 − 90/2)·3 = 185 before the coupon; what members paid: (300/3 − 45)·3 = 165 = 185 − 20.
    expect(report.incremental_revenue.estimate).toBeCloseTo(185, 2);
    expect(report.net_incremental_revenue?.estimate).toBeCloseTo(165, 2);
  });

  it('is printed by `huiyuan rules report` as JSON with the figures named plainly, and as a table in both languages', async () => {
    await edge.store.run(raw('CHECKPOINT'));
    const db = join(edge.dir, 'copy.duckdb');
    copyFileSync(join(edge.dir, 'test.duckdb'), db);
    const json = runCli(['--db', db, 'rules', 'report', 'edge', '--as-of', AS_OF, '--format', 'json']);
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as {
      treatment: Record<string, number>;
      holdout: Record<string, number>;
      difference: Record<string, { difference: number; low: number; high: number }>;
    };
    expect(report.treatment).toMatchObject({ members: 3, delivered: 2, conversions: 3, conversion_rate: 1 });
    expect(report.holdout).toMatchObject({ members: 2, conversions: 1, conversion_rate: 0.5 });
    expect(report.holdout.revenue_per_member).toBeCloseTo(45, 6);
    expect(report.difference.conversion_rate?.difference).toBeCloseTo(0.5, 12);
    const table = runCli(['--db', db, 'rules', 'report', 'edge', '--as-of', AS_OF, '--cuped']);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('转化率');
    expect(table.stdout).toContain('net incremental revenue 净增量收入: 165.00');
    const unknown = runCli(['--db', db, 'rules', 'report', 'egde']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain("did you mean 'edge'?");
  });

  it('gives `huiyuan report` one table per rule with enrollments, and none for a rule without', async () => {
    const reports = await gatherRuleReports(edge.store, AS_OF);
    expect(reports.map((r) => r.rule_id)).toEqual(['edge']);
    const [report] = reports;
    if (!report) throw new Error('no report');
    const zh = buildRuleTable(report, 'zh-CN');
    expect(zh.columns).toEqual(['', '实验组', '对照组', '差值', '95% 置信区间']);
    expect(zh.rows[1]?.slice(0, 4)).toEqual(['转化率', '100.0%', '50.0%', '50.0 pt']);
    expect(buildRuleTable(report, 'en').lines[0]).toContain('net incremental revenue 165.00');
    expect(await gatherRuleReports(edge.store, '2026-09-30')).toEqual([]);
  });
});
