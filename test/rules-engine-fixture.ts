/**
 * A hand-built store for the rule engine's tests: a few customers, orders, feedback, two
 * snapshots (13 and 14 October 2026) with their changes, an alert and a signal, each written
 * straight into the tables so every expected enrollment can be counted by hand.
 */
import { configSchema, type Config } from '../src/config/config.js';
import { parseRuleText, throwProblems } from '../src/rules/rule-file.js';
import { applyRules, getRuleContext } from '../src/rules/rule-versions.js';
import { raw } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';

export const fixtureConfig = configSchema.parse({});
type FixtureConfig = typeof fixtureConfig;

const BOOK = `1, now(), now()`;

/**
 * c1: gold member from 1 January, born 15 October, Beijing; c2 joins on 14 October 10:00, born
 * 16 October, Guangdong; c3: a non-member in Heilongjiang whose second order is on 14 October;
 * c4: a silver member in Beijing.
 */
export async function buildFixtureStore(store: Store): Promise<void> {
  const statements = [
    `INSERT INTO customers VALUES
      ('c1', '张三', 'male', DATE '1990-10-15', '北京', '北京', '13800000001', 'c1@example.com', true, true, TIMESTAMPTZ '2026-01-01 10:00:00+08', TIMESTAMPTZ '2026-01-01 10:00:00+08', NULL, ${BOOK}),
      ('c2', '李四', 'female', DATE '1985-10-16', '广东', '广州', '13800000002', 'c2@example.com', false, true, TIMESTAMPTZ '2026-10-14 10:00:00+08', TIMESTAMPTZ '2026-05-01 10:00:00+08', NULL, ${BOOK}),
      ('c3', '王五', 'female', NULL, '黑龙江', '哈尔滨', '13800000003', NULL, false, false, NULL, TIMESTAMPTZ '2026-03-01 10:00:00+08', NULL, ${BOOK}),
      ('c4', '赵六', 'male', DATE '1992-02-29', '北京', '北京', '13800000004', NULL, false, true, TIMESTAMPTZ '2025-06-01 10:00:00+08', TIMESTAMPTZ '2025-06-01 10:00:00+08', NULL, ${BOOK})`,
    `INSERT INTO orders VALUES
      ('o1', 'c1', TIMESTAMPTZ '2026-10-15 09:00:00+08', NULL, 'paid', 100, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL),
      ('o2', 'c1', TIMESTAMPTZ '2026-10-15 15:00:00+08', NULL, 'completed', 50, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL),
      ('o3', 'c1', TIMESTAMPTZ '2026-10-20 10:00:00+08', NULL, 'shipped', 80, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL),
      ('o4', 'c1', TIMESTAMPTZ '2026-11-20 10:00:00+08', NULL, 'paid', 60, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL),
      ('o5', 'c1', TIMESTAMPTZ '2026-10-16 10:00:00+08', NULL, 'cancelled', 60, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL),
      ('o6', 'c4', TIMESTAMPTZ '2026-10-15 11:00:00+08', NULL, 'paid', 70, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL),
      ('o7', 'c3', TIMESTAMPTZ '2026-09-01 11:00:00+08', NULL, 'paid', 70, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL),
      ('o8', 'c3', TIMESTAMPTZ '2026-10-14 11:00:00+08', NULL, 'paid', 70, 0, 0, 0, 1, 'tmall', 'taobao', ${BOOK}, NULL)`,
    `INSERT INTO feedback VALUES
      ('c1', 'o1', 'complaint', NULL, TIMESTAMPTZ '2026-10-15 12:00:00+08', '慢', ${BOOK}),
      ('c1', 'o1', 'rating', 2, TIMESTAMPTZ '2026-10-15 13:00:00+08', '差', ${BOOK}),
      ('c1', 'o2', 'rating', 5, TIMESTAMPTZ '2026-10-15 14:00:00+08', '好', ${BOOK}),
      ('c4', 'o6', 'refund', NULL, TIMESTAMPTZ '2026-10-15 16:00:00+08', NULL, ${BOOK})`,
    `INSERT INTO snapshots VALUES (DATE '2026-10-13', 'all_customers', 3, NULL, now()), (DATE '2026-10-14', 'all_customers', 3, NULL, now())`,
    // columns: as_of, customer_id, is_member, recency_days, frequency, monetary, r, f, m, fm, score, segment, tier, tier_value, stage, stage_rule
    `INSERT INTO customer_snapshots VALUES
      (DATE '2026-10-13', 'c1', true, 10, 1, 100, 3, 1, 3, 2, 2.0, 'at_risk', 'silver', 100, 'new', 'r'),
      (DATE '2026-10-13', 'c3', false, 42, 1, 70, 2, 1, 2, 1, 1.5, 'hibernating', NULL, NULL, 'new', 'r'),
      (DATE '2026-10-13', 'c4', true, 100, 1, 70, 1, 1, 2, 1, 1.0, 'lost', 'silver', 70, 'at_risk', 'r'),
      (DATE '2026-10-14', 'c1', true, 11, 2, 200, 5, 5, 5, 5, 5.0, 'champions', 'gold', 200, 'repeat', 'r'),
      (DATE '2026-10-14', 'c3', false, 0, 2, 140, 5, 2, 3, 2, 3.0, 'promising', NULL, NULL, 'repeat', 'r'),
      (DATE '2026-10-14', 'c4', true, 101, 1, 70, 1, 1, 2, 1, 1.0, 'lost', 'silver', 70, 'churned', 'r')`,
    `INSERT INTO stage_changes VALUES
      ('c1', DATE '2026-10-14', 'new', 'repeat'), ('c3', DATE '2026-10-14', 'new', 'repeat'), ('c4', DATE '2026-10-14', 'at_risk', 'churned')`,
    `INSERT INTO tier_changes VALUES ('c1', DATE '2026-10-14', 'silver', 'gold')`,
    `INSERT INTO customer_day_tags (as_of, customer_id, purchases, expected_next_purchase) VALUES
      (DATE '2026-10-13', 'c1', 1, DATE '2026-11-01'), (DATE '2026-10-13', 'c3', 1, NULL), (DATE '2026-10-13', 'c4', 1, NULL),
      (DATE '2026-10-14', 'c1', 2, DATE '2026-10-17'), (DATE '2026-10-14', 'c3', 2, DATE '2026-11-20'), (DATE '2026-10-14', 'c4', 1, NULL)`,
    `INSERT INTO snapshot_regions VALUES
      (DATE '2026-10-13', '北京', '北方', '华北'), (DATE '2026-10-13', '黑龙江', '北方', '东北'), (DATE '2026-10-13', '广东', '南方', '华南'),
      (DATE '2026-10-14', '北京', '北方', '华北'), (DATE '2026-10-14', '黑龙江', '北方', '东北'), (DATE '2026-10-14', '广东', '南方', '华南')`,
    `INSERT INTO alerts VALUES ('a1', 'activity', 'page_views', 'warning', 'activity fell', '{}', DATE '2026-10-14', DATE '2026-10-14', NULL, 1)`,
    `INSERT INTO signals VALUES ('s1', '降温', [], ['东北'], NULL, TIMESTAMPTZ '2026-10-15 08:00:00+08', now())`,
  ];
  for (const statement of statements) await store.run(raw(statement));
}

/** Applies one rule written as an object (JSON is YAML), active unless it says otherwise. */
export async function applyRuleObject(
  store: Store,
  rule: Record<string, unknown>,
  config: FixtureConfig = fixtureConfig,
): Promise<void> {
  // getRuleContext reads only the tiers, channels and rules of the config.
  const context = await getRuleContext(store, config as Config);
  const { rules, problems } = parseRuleText(
    JSON.stringify({ status: 'active', ...rule }),
    'test.json',
    context,
  );
  if (problems.length) throwProblems(problems);
  await applyRules(store, rules);
}

/** A rule with a webhook-free action, so no channel config is needed. */
export function ruleOf(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { id, name: id, actions: [{ tag: { add: 'x' } }], holdout: 0, ...fields };
}
