import { describe, expect, it } from 'vitest';
import { formatProblem, parseRuleText } from './rule-file.js';
import type { RuleContext } from './rule-schema.js';

const context: RuleContext = {
  vocabulary: {
    tiers: [
      { id: 'member', name: 'Member', name_zh: '普通会员' },
      { id: 'gold', name: 'Gold', name_zh: '金卡' },
    ],
    communities: null,
  },
  webhooks: ['crm'],
  defaultHoldout: 0.1,
  unsubscribeText: '回T退订',
  couponPools: ['winback-30', 'apology-15'],
};

const VALID = `id: winback
name: 流失召回
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

const problems = (text: string, against: RuleContext = context): string[] =>
  parseRuleText(text, 'r.yaml', against).problems.map(formatProblem);

describe('parseRuleText', () => {
  it('reads a rule into its canonical definition with every default filled in', () => {
    const [rule] = parseRuleText(VALID, 'r.yaml', context).rules;
    expect(rule?.definition).toEqual({
      id: 'winback',
      name: '流失召回',
      category: 'marketing',
      priority: 50,
      trigger: { stage: { to: 'churned' } },
      audience: 'stage:churned',
      wait: '2d',
      re_entry: 'once',
      holdout: 0.1,
      goal: { event: 'purchase', within: '14d' },
      actions: [
        { coupon: { pool: 'winback-30' } },
        { message: { channel: 'sms', template: '【好店】{name}，回归券 {coupon_code}。回T退订' } },
      ],
    });
    expect(rule?.status).toBeUndefined();
  });

  // Positions counted by hand in the text.
  it.each([
    [
      'an unknown field',
      VALID.replace('wait: 2d', 'wiat: 2d'),
      "r.yaml:6:1: unknown field 'wiat' in a rule; did you mean 'wait'? (fields: id, name, status, category, priority, trigger, audience, wait, re_entry, holdout, goal, actions)",
    ],
    [
      'an unknown trigger',
      VALID.replace('stage: {to', 'stag: {to'),
      "r.yaml:4:3: unknown trigger 'stag'; did you mean 'stage'? (triggers: order, feedback, joined, stage, tier, segment, became, date, schedule, alert, signal)",
    ],
    [
      'a tier typo',
      VALID.replace('stage: {to: churned}', 'tier: {change: up, to: glod}'),
      "r.yaml:4:26: expected a tier (member, gold), found 'glod'; did you mean 'gold'?",
    ],
    [
      'a tier no one moves up to',
      VALID.replace('stage: {to: churned}', 'tier: {change: up, to: member}'),
      "r.yaml:4:26: no member moves up to 'member', the lowest tier",
    ],
    [
      'a placeholder the rule cannot fill',
      VALID.replace('  - coupon: {pool: winback-30}\n', ''),
      'r.yaml:10:33: placeholder {coupon_code} needs a coupon action in the rule',
    ],
    [
      'a wait beyond a year',
      VALID.replace('wait: 2d', 'wait: 400d'),
      "r.yaml:6:7: expected a wait of at most 366d, found '400d'",
    ],
    [
      'a marketing SMS without its signature',
      VALID.replace('【好店】', ''),
      "r.yaml:11:17: a marketing SMS begins with the store's signature 【…】, found '{name}，回归券 {…'",
    ],
    [
      'a bad cron',
      VALID.replace('stage: {to: churned}', "schedule: {cron: '0 25 * * *'}"),
      "r.yaml:4:20: cron '0 25 * * *': hour '25' is outside 0–23",
    ],
    [
      'two schedule kinds',
      VALID.replace('stage: {to: churned}', 'schedule: {monthly: [18], cron: "0 10 * * 1"}'),
      'r.yaml:4:13: expected exactly one of dates, monthly, annual or cron, found monthly, cron',
    ],
    [
      'benefit without an order trigger',
      VALID.replace('  - coupon: {pool: winback-30}', '  - benefit\n  - coupon: {pool: winback-30}'),
      'r.yaml:8:5: the benefit action records a tier benefit against the triggering order: it needs trigger order',
    ],
    [
      'a coupon pool the store does not have',
      VALID.replace('pool: winback-30', 'pool: winback-03'),
      "r.yaml:8:20: expected a coupon pool of the store, found 'winback-03'; did you mean 'winback-30'? (pools: winback-30, apology-15)",
    ],
    [
      'a coupon budget that is not a whole number',
      VALID.replace('pool: winback-30', 'pool: winback-30, per_day: 2.5'),
      'r.yaml:8:41: expected per_day, a whole number of codes a day of at least 1 (leave it out for no limit), found 2.5',
    ],
    [
      'a coupon budget of zero',
      VALID.replace('pool: winback-30', 'pool: winback-30, total: 0'),
      'r.yaml:8:39: expected total, a whole number of codes in all of at least 1 (leave it out for no limit), found 0',
    ],
    ['a missing field', VALID.replace('name: 流失召回\n', ''), 'r.yaml:1:1: missing name'],
    [
      'a re_entry typo',
      VALID.replace('wait: 2d', 'wait: 2d\nre_entry: evry'),
      "r.yaml:7:11: expected re_entry every, once or 'after 30d' (1h to 366d), found 'evry'; did you mean 'every'?",
    ],
  ])('%s is one line at its place', (_, text, line) => {
    expect(problems(text)).toEqual([line]);
  });

  it('reads a list under rules: and points at the rule in the list', () => {
    const text = `rules:\n  - id: a\n    name: A\n    trigger: order\n    actions: [benefit]\n  - id: b\n    name: B\n    trigger: order\n    wait: 2d\n    actions: [benefit]\n`;
    expect(parseRuleText(text, 'r.yaml', context).rules).toHaveLength(2);
    expect(problems(text.replace('wait: 2d', 'wait: 2 days'))).toEqual([
      "r.yaml:9:11: expected a wait as a duration such as 30m, 12h, 3d, 2w or 1d12h, found '2 days'",
    ]);
  });
});

describe('the coupon action', () => {
  it('keeps its budgets per day and in total', () => {
    const text = VALID.replace('pool: winback-30', 'pool: winback-30, per_day: 500, total: 2000');
    const [rule] = parseRuleText(text, 'r.yaml', context).rules;
    expect(rule?.definition.actions[0]).toEqual({
      coupon: { pool: 'winback-30', per_day: 500, total: 2000 },
    });
  });

  it('names the way to make a pool when the store has none', () => {
    expect(problems(VALID, { ...context, couponPools: [] })).toEqual([
      "r.yaml:8:20: expected a coupon pool of the store, found 'winback-30' (the store has no pool yet: huiyuan coupons import FILE --pool NAME, or coupons generate)",
    ]);
  });
});

describe('every trigger kind', () => {
  const withTrigger = (trigger: string): string =>
    `id: t\nname: T\ntrigger: ${trigger}\nactions:\n  - notify: {text: hi}\n`;
  it.each([
    ['order', { order: {} }],
    ['{order: }', { order: {} }],
    ['{feedback: [low_rating, complaint, complaint]}', { feedback: ['complaint', 'low_rating'] }],
    ['joined', { joined: {} }],
    ['{stage: {from: 新会员, to: repeat}}', { stage: { from: 'new', to: 'repeat' } }],
    ['{tier: {to: 金卡}}', { tier: { change: 'any', to: 'gold' } }],
    ['{tier: {change: down}}', { tier: { change: 'down' } }],
    ['{segment: {enter: 重要价值客户}}', { segment: { enter: 'champions' } }],
    ['{became: "is_member=false & frequency>=2"}', { became: 'is_member=false&frequency>=2' }],
    ['{date: {field: birthday, offset: -1w}}', { date: { field: 'birthday', offset: '-7d', at: '10:00' } }],
    [
      '{date: {field: next_purchase, offset: +2d, at: "09:30"}}',
      { date: { field: 'next_purchase', offset: '2d', at: '09:30' } },
    ],
    [
      '{schedule: {dates: ["2026-11-18", "2026-11-11"]}}',
      { schedule: { dates: ['2026-11-11', '2026-11-18'], at: '10:00' } },
    ],
    ['{schedule: {monthly: [18, 8], at: "20:00"}}', { schedule: { monthly: [8, 18], at: '20:00' } }],
    ['{schedule: {annual: ["11-11"]}}', { schedule: { annual: ['11-11'], at: '10:00' } }],
    ['{schedule: {cron: "0  10 * * 1-5"}}', { schedule: { cron: '0 10 * * 1-5' } }],
    ['{alert: {check: activity}}', { alert: { check: 'activity' } }],
    ['{signal: 降温}', { signal: '降温' }],
  ])('reads %s', (trigger, expected) => {
    const result = parseRuleText(withTrigger(trigger), 'r.yaml', context);
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.rules[0]?.definition.trigger).toEqual(expected);
  });

  it('refuses two triggers at once', () => {
    expect(problems(withTrigger('{order: {}, joined: {}}'))).toEqual([
      'r.yaml:3:10: expected exactly one trigger (order, feedback, joined, stage, tier, segment, became, date, schedule, alert, signal), found 2 (order, joined)',
    ]);
  });
});

it('reports every problem of a rule at once, in the order of the file', () => {
  const text =
    'id: Bad Id\nname: x\ntrigger: {stage: {to: chruned, form: new}}\nwiat: 2d\nactions: [benefit]\n';
  expect(problems(text).map((line) => line.split(': ')[0])).toEqual([
    'r.yaml:1:5',
    'r.yaml:3:23',
    'r.yaml:3:32',
    'r.yaml:4:1',
  ]);
});
