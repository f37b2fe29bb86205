/**
 * Enrollment on a hand-built store (test/rules-engine-fixture.ts): every trigger kind, the
 * re-entry policies, the audience at entry, idempotent ticks, versions and holdout buckets.
 * Each expected figure is counted by hand from the fixture's rows, written beside it.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enroll, getClock } from '../src/rules/engine/enroll.js';
import { raw } from '../src/store/sql.js';
import { openTempStore, type TempStore } from './helpers.js';
import { applyRuleObject, buildFixtureStore, fixtureConfig, ruleOf } from './rules-engine-fixture.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await openTempStore();
  await buildFixtureStore(temp.store);
});
afterEach(async () => {
  await temp.cleanup();
});

/** Ticks once at the end of each day, from `from` to `to`. */
async function tickDays(from: string, to: string): Promise<void> {
  for (let day = from; day <= to; day = nextDay(day))
    await enroll(temp.store, fixtureConfig, { clock: await getClock(temp.store, day) });
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

async function enrolled(rule: string): Promise<string[]> {
  const rows = await temp.store.query<{ entry: string }>(
    raw(`SELECT customer_id || ' ' || occurrence_key AS entry FROM rule_enrollments
      WHERE rule_id = '${rule}' ORDER BY occurred_at, customer_id`),
  );
  return rows.map((row) => row.entry);
}

describe('trigger occurrences', () => {
  it('enrolls each purchase of GMV status, not a cancelled order', async () => {
    await applyRuleObject(temp.store, ruleOf('orders', { trigger: 'order', re_entry: 'every' }));
    await tickDays('2026-10-15', '2026-10-20');
    // o1, o6, o2 on the 15th, o3 on the 20th; o5 (16th) is cancelled.
    expect(await enrolled('orders')).toEqual(['c1 order:o1', 'c4 order:o6', 'c1 order:o2', 'c1 order:o3']);
  });

  it('enrolls complaints and low ratings, not a good rating or another kind', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('feedback', { trigger: { feedback: ['complaint', 'low_rating'] }, re_entry: 'every' }),
    );
    await tickDays('2026-10-15', '2026-10-15');
    const rows = await enrolled('feedback');
    // The complaint at 12:00 and the 2-star rating at 13:00 (low_rating_max 2); the 5 stars and c4's refund are not.
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.startsWith('c1 feedback:'))).toBe(true);
  });

  it('enrolls a member on the day they joined', async () => {
    await applyRuleObject(temp.store, ruleOf('joined', { trigger: 'joined' }));
    await tickDays('2026-10-13', '2026-10-15');
    expect(await enrolled('joined')).toEqual(['c2 joined']);
  });

  it('enrolls a stage change at the end of its snapshot day, with from when given', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('repeat', { trigger: { stage: { from: 'new', to: 'repeat' } } }),
    );
    await applyRuleObject(temp.store, ruleOf('churn', { trigger: { stage: { to: 'churned' } } }));
    await tickDays('2026-10-14', '2026-10-14');
    expect(await enrolled('repeat')).toEqual(['c1 stage:2026-10-14', 'c3 stage:2026-10-14']);
    expect(await enrolled('churn')).toEqual(['c4 stage:2026-10-14']);
    const [row] = await temp.store.query<{ at: string }>(
      raw(
        `SELECT strftime(occurred_at, '%Y-%m-%d %H:%M:%S') AS at FROM rule_enrollments WHERE rule_id = 'churn'`,
      ),
    );
    expect(row?.at).toBe('2026-10-14 23:59:59');
  });

  it('enrolls a tier change up, and none for a change down', async () => {
    await applyRuleObject(temp.store, ruleOf('up', { trigger: { tier: { change: 'up', to: 'gold' } } }));
    await applyRuleObject(temp.store, ruleOf('down', { trigger: { tier: { change: 'down' } } }));
    await tickDays('2026-10-14', '2026-10-14');
    expect(await enrolled('up')).toEqual(['c1 tier:2026-10-14']);
    expect(await enrolled('down')).toEqual([]);
  });

  it('enrolls a member entering an RFM segment, not one who stayed in it', async () => {
    await applyRuleObject(temp.store, ruleOf('champ', { trigger: { segment: { enter: 'champions' } } }));
    await applyRuleObject(temp.store, ruleOf('lost', { trigger: { segment: { enter: 'lost' } } }));
    await tickDays('2026-10-13', '2026-10-14');
    expect(await enrolled('champ')).toEqual(['c1 segment:2026-10-14']);
    // c4 was lost on both days; the first snapshot (13th) has none before it, so it is no change.
    expect(await enrolled('lost')).toEqual([]);
  });

  it('enrolls a condition that turned true: a non-member with two or more orders', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('became', { trigger: { became: 'is_member=false&frequency>=2' }, audience: 'all' }),
    );
    await tickDays('2026-10-13', '2026-10-15');
    expect(await enrolled('became')).toEqual(['c3 became:2026-10-14']);
  });

  it('enrolls birthdays at the offset and time, and the expected next purchase of the latest snapshot', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('bday', { trigger: { date: { field: 'birthday', offset: '-1d', at: '09:30' } } }),
    );
    await applyRuleObject(
      temp.store,
      ruleOf('next', { trigger: { date: { field: 'next_purchase', offset: '0d', at: '10:00' } } }),
    );
    await tickDays('2026-10-13', '2026-10-18');
    // c1 born 15 Oct → the 14th; c2 born 16 Oct → the 15th.
    expect(await enrolled('bday')).toEqual(['c1 date:birthday:2026-10-14', 'c2 date:birthday:2026-10-15']);
    // The snapshot of the 14th expects c1 on the 17th (the 13th's 1 November is replaced).
    expect(await enrolled('next')).toEqual(['c1 date:next_purchase:2026-10-17']);
  });

  it('keeps a 29 February birthday on 28 February in other years', async () => {
    await applyRuleObject(temp.store, ruleOf('leap', { trigger: { date: { field: 'birthday' } } }));
    await tickDays('2027-02-27', '2027-03-01');
    expect(await enrolled('leap')).toEqual(['c4 date:birthday:2027-02-28']);
  });

  it('enrolls everyone in the audience on a scheduled day', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('week', {
        trigger: { schedule: { dates: ['2026-10-15'], at: '10:00' } },
        audience: 'is_member=true',
      }),
    );
    await tickDays('2026-10-15', '2026-10-16');
    // The members of the 14th's snapshot: c1 and c4 (c2 joined after it, c3 is no member).
    expect(await enrolled('week')).toEqual(['c1 schedule:2026-10-15T10:00', 'c4 schedule:2026-10-15T10:00']);
  });

  it('enrolls on a cron schedule at each of its times', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('cron', {
        trigger: { schedule: { cron: '0 9,18 15 10 *' } },
        audience: 'tier:gold',
        re_entry: 'every',
      }),
    );
    await tickDays('2026-10-15', '2026-10-15');
    expect(await enrolled('cron')).toEqual(['c1 schedule:2026-10-15T09:00', 'c1 schedule:2026-10-15T18:00']);
  });

  it('enrolls everyone in the audience when an alert of the check opens', async () => {
    await applyRuleObject(temp.store, ruleOf('alert', { trigger: { alert: { check: 'activity' } } }));
    await tickDays('2026-10-14', '2026-10-14');
    expect(await enrolled('alert')).toEqual(['c1 alert:a1', 'c3 alert:a1', 'c4 alert:a1']);
  });

  it('enrolls the audience in the signal’s regions only', async () => {
    await applyRuleObject(temp.store, ruleOf('cold', { trigger: { signal: '降温' } }));
    await tickDays('2026-10-15', '2026-10-15');
    // 东北: only c3 lives in 黑龙江.
    expect(await enrolled('cold')).toEqual(['c3 signal:s1']);
  });
});

describe('re-entry', () => {
  // c1's purchases: 15 Oct 09:00 and 15:00, 20 Oct, 20 Nov.
  const orders = (id: string, reEntry: string) =>
    applyRuleObject(temp.store, ruleOf(id, { trigger: 'order', re_entry: reEntry, audience: 'tier:gold' }));

  it('once: the first purchase only, however many ticks', async () => {
    await orders('once', 'once');
    await tickDays('2026-10-15', '2026-11-21');
    expect(await enrolled('once')).toEqual(['c1 order:o1']);
  });

  it('after 3d: the first, then the next one at least three days on', async () => {
    await orders('after', 'after 3d');
    await tickDays('2026-10-15', '2026-11-21');
    // o2 is 6 hours after o1; o3 is 5 days on; o4 a month on.
    expect(await enrolled('after')).toEqual(['c1 order:o1', 'c1 order:o3', 'c1 order:o4']);
  });

  it('after 30d gives the same in one tick over the whole range as day by day', async () => {
    await orders('after30', 'after 30d');
    await enroll(temp.store, fixtureConfig, { clock: await getClock(temp.store, '2026-10-15') });
    // The first tick reads only its own day; the cursor then carries on to 21 Nov in one tick.
    await enroll(temp.store, fixtureConfig, { clock: await getClock(temp.store, '2026-11-21') });
    expect(await enrolled('after30')).toEqual(['c1 order:o1', 'c1 order:o4']);
  });

  it('every: each purchase', async () => {
    await orders('every', 'every');
    await tickDays('2026-10-15', '2026-11-21');
    expect(await enrolled('every')).toEqual(['c1 order:o1', 'c1 order:o2', 'c1 order:o3', 'c1 order:o4']);
  });
});

describe('a tick', () => {
  it('records not_in_audience for a member outside it, with the snapshot day', async () => {
    await applyRuleObject(
      temp.store,
      ruleOf('gold', { trigger: 'order', audience: 'tier:gold', re_entry: 'every' }),
    );
    const result = await enroll(temp.store, fixtureConfig, {
      clock: await getClock(temp.store, '2026-10-15'),
    });
    expect(result.rules[0]).toMatchObject({ occurrences: 3, entered: 2, not_in_audience: 1 });
    const rows = await temp.store.query<{ customer_id: string; decision: string; detail: string }>(
      raw(
        `SELECT customer_id, decision, detail FROM rule_decisions WHERE rule_id = 'gold' ORDER BY decision, customer_id`,
      ),
    );
    expect(rows.map((r) => `${r.customer_id} ${r.decision}`)).toEqual([
      'c1 entered',
      'c1 entered',
      'c4 not_in_audience',
    ]);
    expect(rows[2]?.detail).toContain('2026-10-14');
  });

  it('reads only the start of its own day the first time, and nothing new at the same clock', async () => {
    await applyRuleObject(temp.store, ruleOf('orders', { trigger: 'order', re_entry: 'every' }));
    const clock = await getClock(temp.store, '2026-10-20');
    const first = await enroll(temp.store, fixtureConfig, { clock });
    // Only o3 (20th): the purchases of the 15th are older than the first tick's day.
    expect(first.rules[0]?.entered).toBe(1);
    const before = await temp.store.query(raw('SELECT count(*)::INTEGER AS n FROM rule_decisions'));
    const second = await enroll(temp.store, fixtureConfig, { clock });
    expect(second.rules[0]).toMatchObject({ occurrences: 0, entered: 0 });
    expect(await temp.store.query(raw('SELECT count(*)::INTEGER AS n FROM rule_decisions'))).toEqual(before);
  });

  it('writes nothing on a dry run', async () => {
    await applyRuleObject(temp.store, ruleOf('orders', { trigger: 'order', re_entry: 'every' }));
    const result = await enroll(temp.store, fixtureConfig, {
      clock: await getClock(temp.store, '2026-10-15'),
      dryRun: true,
    });
    expect(result.rules[0]?.entered).toBe(3);
    const [row] = await temp.store.query<{ n: number }>(
      raw('SELECT (SELECT count(*) FROM rule_enrollments) + (SELECT count(*) FROM rule_cursors) AS n'),
    );
    expect(Number(row?.n)).toBe(0);
  });

  it('enrolls under the version current at the tick; earlier entries keep theirs', async () => {
    await applyRuleObject(temp.store, ruleOf('ver', { trigger: 'order', re_entry: 'every' }));
    await tickDays('2026-10-15', '2026-10-15');
    await applyRuleObject(temp.store, ruleOf('ver', { trigger: 'order', re_entry: 'every', priority: 80 }));
    await tickDays('2026-10-16', '2026-10-20');
    const rows = await temp.store.query<{ occurrence_key: string; version: number }>(
      raw(`SELECT occurrence_key, version FROM rule_enrollments WHERE rule_id = 'ver' ORDER BY occurred_at`),
    );
    expect(rows.map((r) => `${r.occurrence_key} v${r.version}`)).toEqual([
      'order:o1 v1',
      'order:o6 v1',
      'order:o2 v1',
      'order:o3 v2',
    ]);
  });

  it('gives the enrollment id and holdout bucket the engine design names, from sha256', async () => {
    await applyRuleObject(temp.store, ruleOf('hold', { trigger: 'order', re_entry: 'every', holdout: 0.5 }));
    await tickDays('2026-10-15', '2026-10-15');
    const rows = await temp.store.query<{
      id: string;
      customer_id: string;
      occurrence_key: string;
      bucket: number;
      arm: string;
    }>(
      raw(`SELECT id, customer_id, occurrence_key, bucket, arm FROM rule_enrollments WHERE rule_id = 'hold'`),
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      expect(row.id).toBe(`enr_${sha(`hold|${row.customer_id}|${row.occurrence_key}`).slice(0, 24)}`);
      const bucket = Number.parseInt(sha(`hold:${row.customer_id}`).slice(0, 8), 16) / 16 ** 8;
      expect(row.bucket).toBeCloseTo(bucket, 12);
      expect(row.arm).toBe(bucket < 0.5 ? 'holdout' : 'treatment');
    }
  });

  it('dues an action after the wait', async () => {
    await applyRuleObject(temp.store, ruleOf('wait', { trigger: 'joined', wait: '3d' }));
    await tickDays('2026-10-14', '2026-10-14');
    const [row] = await temp.store.query<{ due: string }>(
      raw(`SELECT strftime(due_at, '%Y-%m-%d %H:%M') AS due FROM rule_enrollments WHERE rule_id = 'wait'`),
    );
    expect(row?.due).toBe('2026-10-17 10:00');
  });

  it('reads member tags in an audience (tag:NAME)', async () => {
    await temp.store.run(
      raw(`INSERT INTO member_tags VALUES ('c4', 'vip', TIMESTAMPTZ '2026-10-01 00:00:00+08', NULL, NULL)`),
    );
    await applyRuleObject(
      temp.store,
      ruleOf('vip', { trigger: 'order', audience: 'tag:vip', re_entry: 'every' }),
    );
    await tickDays('2026-10-15', '2026-10-15');
    expect(await enrolled('vip')).toEqual(['c4 order:o6']);
  });
});
