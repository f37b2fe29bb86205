/**
 * Member communities on a store with planted groups. The test writes a store of 180 members in
 * three groups whose behaviour it chooses (drawn with a seeded generator, so the files are the
 * same on every run), imports it, and checks that the communities recover the groups: adjusted
 * Rand index ≥ 0.9 against the planted labels (the index is checked against scikit-learn's
 * published values in src/analytics/communities/kmeans.test.ts), also when the centres are fitted
 * on a quarter of the members and the rest are assigned in the database.
 *
 * As of 2024-12-31, per member:
 *   bargain  9–13 purchases in the last 120 days, order ≈ 30 with ≈ 35% off list price,
 *            3 items per order, short visits (≈ 60 s), no refunds;
 *   premium  1–2 purchases 20–90 days ago, order ≈ 800, full price, 1 item, long visits
 *            (≈ 900 s, 25 pages);
 *   lapsed   2–3 purchases 300–400 days ago, order ≈ 150, half of it refunded, no visits.
 * Plus 5 members with no purchase (left out) and a non-member (never counted).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../src/analytics/communities/adjusted-rand-index.js';
import {
  buildCommunityTagQuery,
  type CommunitiesOptions,
  type CommunityRun,
  describeTooFewMembers,
  findCommunities,
  getCommunityOf,
  getCommunityRuns,
  runCommunities,
  saveCommunities,
} from '../src/analytics/communities/communities.js';
import { Random } from '../src/demo/random.js';
import { importFile } from '../src/ingest/import-file.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { raw, sql } from '../src/store/sql.js';
import { makeTempDir, openTempStore, runCli, type TempStore } from './helpers.js';

const GROUPS = ['bargain', 'premium', 'lapsed'] as const;
type Group = (typeof GROUPS)[number];
const PER_GROUP = 60;
const AS_OF = '2024-12-31';

const dayBefore = (days: number): string => {
  const date = new Date(Date.parse(`${AS_OF}T12:00:00Z`) - days * 86_400_000);
  return date.toISOString().slice(0, 10);
};
const cents = (amount: number): string => (Math.round(amount * 100) / 100).toFixed(2);

function writeStore(dir: string): Map<string, Group> {
  const random = new Random(2024);
  const planted = new Map<string, Group>();
  const customers = ['id,member_since'];
  const orders = ['id,customer_id,placed_at,status,paid_amount,discount,refunded_amount,item_count'];
  const sessions = ['customer_id,started_at,page_views,duration_seconds'];
  let orderNo = 0;
  const order = (
    id: string,
    daysAgo: number,
    paid: number,
    discount: number,
    refunded: number,
    items: number,
  ) =>
    orders.push(
      `o${++orderNo},${id},${dayBefore(daysAgo)} 12:00:00,completed,${cents(paid)},${cents(discount)},${cents(refunded)},${items}`,
    );
  for (const group of GROUPS) {
    for (let i = 0; i < PER_GROUP; i++) {
      const id = `${group.toUpperCase()}${String(i).padStart(3, '0')}`;
      planted.set(id, group);
      customers.push(`${id},2023-01-01 00:00:00`);
      if (group === 'bargain') {
        const n = random.sampleIntBetween(9, 13);
        for (let k = 0; k < n; k++) {
          const paid = random.sampleNormal(30, 4);
          order(id, random.sampleIntBetween(1, 120), paid, paid * random.sampleNormal(0.55, 0.05), 0, 3);
        }
        for (let k = 0; k < 4; k++)
          sessions.push(
            `${id},${dayBefore(random.sampleIntBetween(0, 29))} 10:0${k}:00,3,${Math.round(random.sampleNormal(60, 10))}`,
          );
      } else if (group === 'premium') {
        const n = random.sampleIntBetween(1, 2);
        for (let k = 0; k < n; k++)
          order(id, random.sampleIntBetween(20, 90), random.sampleNormal(800, 80), 0, 0, 1);
        for (let k = 0; k < 3; k++)
          sessions.push(
            `${id},${dayBefore(random.sampleIntBetween(0, 29))} 20:0${k}:00,25,${Math.round(random.sampleNormal(900, 100))}`,
          );
      } else {
        const n = random.sampleIntBetween(2, 3);
        for (let k = 0; k < n; k++) {
          const paid = random.sampleNormal(150, 15);
          order(id, random.sampleIntBetween(300, 400), paid, 0, paid * 0.5, 1);
        }
      }
    }
  }
  for (let i = 0; i < 5; i++) customers.push(`PROSPECT${i},2024-06-01 00:00:00`);
  customers.push('GUESTLIKE,');
  order('GUESTLIKE', 10, 99, 0, 0, 1);
  writeFileSync(join(dir, 'customers.csv'), `${customers.join('\n')}\n`);
  writeFileSync(join(dir, 'orders.csv'), `${orders.join('\n')}\n`);
  writeFileSync(join(dir, 'sessions.csv'), `${sessions.join('\n')}\n`);
  return planted;
}

let temp: TempStore;
let dir: string;
let planted: Map<string, Group>;
let run: CommunityRun;
let assigned: Assignment[];

interface Assignment {
  readonly customer_id: string;
  readonly community: number;
  [key: string]: string | number;
}

/** The stored community of every member of AS_OF, by id. */
const readAssignments = (): Promise<Assignment[]> =>
  temp.store.query<Assignment>(
    sql`SELECT customer_id, community FROM community_assignments WHERE as_of = ${AS_OF}::DATE ORDER BY customer_id`,
  );

const OPTIONS: CommunitiesOptions = { asOf: AS_OF, k: 'auto', seed: 1, activityDays: 30 };

/** Finds and stores a run, and returns it with the stored assignment of every member. */
async function runAndRead(
  options: CommunitiesOptions,
): Promise<{ run: CommunityRun; assigned: Assignment[] }> {
  const { result } = await runCommunities(temp.store, options);
  if (result.status !== 'found') throw new Error(`expected communities, got ${result.status}`);
  return { run: result, assigned: await readAssignments() };
}

beforeAll(async () => {
  dir = makeTempDir();
  planted = writeStore(dir);
  temp = await openTempStore('Asia/Shanghai');
  for (const file of ['customers.csv', 'orders.csv', 'sessions.csv'])
    await importFile(temp.store, join(dir, file), { rejectsDir: join(temp.dir, 'rejects') });
  ({ run, assigned } = await runAndRead(OPTIONS));
});
afterAll(async () => {
  await temp.cleanup();
});

const agreement = (assignments: readonly Assignment[]): number => {
  const ours = assignments.map((a) => a.community);
  const theirs = assignments.map((a) => GROUPS.indexOf(planted.get(a.customer_id)!));
  return adjustedRandIndex(ours, theirs);
};

describe('communities of a store with planted groups', () => {
  it('clusters exactly the members with a purchase', () => {
    expect(run.members).toBe(3 * PER_GROUP);
    expect(run.fitted_on).toBe(3 * PER_GROUP);
    expect(assigned.map((a) => a.customer_id)).toEqual([...planted.keys()].sort());
  });

  it('chooses three communities by the silhouette and recovers the planted groups (ARI ≥ 0.9)', () => {
    expect(run.chosen_by).toBe('silhouette');
    expect(run.k).toBe(3);
    expect(agreement(assigned)).toBeGreaterThanOrEqual(0.9);
  });

  it('recovers them with k given, for other seeds too', async () => {
    for (const seed of [2, 99]) {
      const given = await runAndRead({ ...OPTIONS, k: 3, seed });
      expect(given.run.chosen_by).toBe('given');
      expect(agreement(given.assigned)).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('recovers them when the centres are fitted on a seeded quarter of the members and everyone is assigned in the database', async () => {
    // Sampling changes which members place the centres, not the planted truth: the groups are
    // far apart, so 45 members (about 15 per group) place the centres as well as all 180 do.
    for (const seed of [1, 7]) {
      const sampled = await runAndRead({ ...OPTIONS, seed, fitSampleSize: 45 });
      expect(sampled.run.fitted_on).toBe(45);
      expect(sampled.assigned).toHaveLength(3 * PER_GROUP);
      expect(sampled.run.k).toBe(3);
      expect(agreement(sampled.assigned)).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('gives the same communities for the same seed', async () => {
    const again = await runAndRead(OPTIONS);
    expect(again.assigned).toEqual(assigned);
    expect(again.run.communities).toEqual(run.communities);
    const found = await findCommunities(temp.store, OPTIONS);
    expect(found.status === 'found' && found.communities).toEqual(run.communities);
  });

  it('numbers communities by size and sizes them by their members', () => {
    const sizes = run.communities.map((c) => c.members);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    for (const c of run.communities)
      expect(assigned.filter((a) => a.community === c.community).length).toBe(c.members);
  });

  it('describes each community by what its planted group does differently, in both languages', () => {
    const communityOf = (group: Group): number => {
      const votes = new Map<number, number>();
      for (const a of assigned)
        if (planted.get(a.customer_id) === group) votes.set(a.community, (votes.get(a.community) ?? 0) + 1);
      return [...votes].sort((x, y) => y[1] - x[1])[0]![0];
    };
    const described = (group: Group) => run.communities.find((c) => c.community === communityOf(group))!;
    expect(described('bargain').description_en).toMatch(/buys often|buys on discount/i);
    expect(described('bargain').description_zh).toMatch(/购买频繁|偏爱优惠/);
    expect(described('premium').description_en).toMatch(/large orders|long visits|browses a lot/i);
    expect(described('lapsed').description_en).toMatch(/has not bought for long|refunds often/i);
    expect(described('lapsed').description_zh).toMatch(/久未购买|退款较多/);
    // The mean of a feature is the plain mean over the community's members (lapsed: 50% refunded).
    expect(described('lapsed').features.refund_share.mean).toBeCloseTo(0.5, 2);
  });

  it('says there are too few members before anyone bought, in English and wholly in zh-CN', async () => {
    const result = await findCommunities(temp.store, { ...OPTIONS, asOf: '2023-01-02' });
    expect(result).toEqual({ status: 'too_few_members', as_of: '2023-01-02', members: 0, needed: 3 });
    if (result.status !== 'too_few_members') return;
    const words = describeTooFewMembers(result);
    expect(words.en).toMatch(
      /^not enough members to form communities: 0 members have a purchase by 2023-01-02/,
    );
    expect(words.zh).toContain('无法分群');
    expect(words.zh).not.toMatch(/[A-Za-z]/);
    expect(await saveCommunities(temp.store, result)).toBeNull();
  });
});

describe('the stored community tag', () => {
  it('is readable for one member and for all, from the latest run up to a day', async () => {
    ({ run, assigned } = await runAndRead(OPTIONS));
    const member = assigned[0]!;
    const tag = await getCommunityOf(temp.store, member.customer_id);
    const community = run.communities.find((c) => c.community === member.community)!;
    expect(tag).toEqual({
      as_of: AS_OF,
      community: member.community,
      members: community.members,
      description_en: community.description_en,
      description_zh: community.description_zh,
    });
    expect(await getCommunityOf(temp.store, 'PROSPECT0')).toBeNull();
    expect(await getCommunityOf(temp.store, member.customer_id, '2024-12-30')).toBeNull();
    const all = await temp.store.query(buildCommunityTagQuery());
    expect(all.length).toBe(3 * PER_GROUP);
  });

  it('keeps one run in use per day, names the run a second one replaces, and keeps that run whole in the history', async () => {
    const before = await getCommunityRuns(temp.store);
    const earlier = before[0]!;
    const earlierAssigned = await readAssignments();
    const { result, saved } = await runCommunities(temp.store, { ...OPTIONS, k: 2 });
    expect(result.status).toBe('found');
    expect(saved?.run).toBe(earlier.run + 1);
    expect(saved?.replaces).toMatchObject({
      run: earlier.run,
      as_of: AS_OF,
      k: earlier.k,
      replaced_by: saved?.run,
    });
    // In use: the new run, two communities over every member.
    const inUse = await temp.store.query<{ n: number; k: number }>(
      raw(
        `SELECT (SELECT count(*) FROM community_assignments)::INTEGER AS n, (SELECT count(*) FROM communities)::INTEGER AS k`,
      ),
    );
    expect(inUse).toEqual([{ n: 3 * PER_GROUP, k: 2 }]);
    // Kept: the earlier run's communities and every member's community in it.
    const kept = await temp.store.query<Assignment>(
      sql`SELECT customer_id, community FROM community_assignment_history WHERE run = ${earlier.run}::INTEGER ORDER BY customer_id`,
    );
    expect(kept).toEqual(earlierAssigned);
    const keptCommunities = await temp.store.query<{ n: number }>(
      sql`SELECT count(*)::INTEGER AS n FROM community_history WHERE run = ${earlier.run}::INTEGER`,
    );
    expect(keptCommunities).toEqual([{ n: earlier.k }]);
    const runs = await getCommunityRuns(temp.store);
    expect(runs.length).toBe(before.length + 1);
    expect(runs.find((r) => r.run === earlier.run)?.replaced_by).toBe(saved?.run);
    expect(runs.filter((r) => r.replaced_by === null)).toHaveLength(1);
  });
});

describe('migration 11', () => {
  it('lists the runs stored before it, one per day, with their k, members and seed', async () => {
    const store = await openTempStore('Asia/Shanghai');
    try {
      await store.store.run(
        raw(`INSERT INTO communities VALUES
          ('2024-03-31', 1, 7, '{}', 'buys often', '购买频繁', 42, 0.5, '2024-04-01 10:00:00+08'),
          ('2024-03-31', 2, 5, '{}', 'big orders', '客单价高', 42, 0.5, '2024-04-01 10:00:00+08'),
          ('2024-04-30', 1, 9, '{}', 'buys often', '购买频繁', 7, NULL, '2024-05-01 10:00:00+08')`),
      );
      const backfill = MIGRATIONS.find((m) => m.version === 11)!.statements.find((s) =>
        s.startsWith('INSERT INTO community_runs'),
      )!;
      await store.store.run(raw(backfill));
      const runs = await getCommunityRuns(store.store);
      expect(runs.map((r) => [r.run, r.as_of, r.k, r.members, r.seed, r.silhouette, r.replaced_by])).toEqual([
        [2, '2024-04-30', 1, 9, 7, null, null],
        [1, '2024-03-31', 2, 12, 42, 0.5, null],
      ]);
      expect(runs[1]!.created_at).toBe('2024-04-01T10:00:00+08:00');
    } finally {
      await store.cleanup();
    }
  });
});

describe('huiyuan communities', () => {
  it('stores and prints the communities, and names a bad --k', () => {
    const db = join(dir, 'c.duckdb');
    const files = ['customers.csv', 'orders.csv', 'sessions.csv'].map((f) => join(dir, f));
    expect(runCli(['--db', db, 'import', ...files]).status).toBe(0);
    const out = runCli(['--db', db, 'communities', '--as-of', AS_OF, '--k', '3', '--format', 'json']);
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout) as { k: number; communities: { members: number }[] };
    expect(json.k).toBe(3);
    expect(json.communities.reduce((s, c) => s + c.members, 0)).toBe(3 * PER_GROUP);
    expect(out.stderr).not.toContain('replaces');
    const bad = runCli(['--db', db, 'communities', '--k', '1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("expected a whole number from 2 to 20 or 'auto', found '1'");
  });

  it('says in one line which run a second run replaces, and lists both with --history', () => {
    const db = join(dir, 'c.duckdb');
    const again = runCli(['--db', db, 'communities', '--as-of', AS_OF, '--k', '2']);
    expect(again.status).toBe(0);
    const lines = again.stderr.trim().split('\n');
    expect(lines.filter((line) => line.includes('replaces'))).toEqual([
      expect.stringMatching(
        /^run 2 replaces run 1 \(as of 2024-12-31, k = 3, stored .+\) .* kept in the history/,
      ),
    ]);
    const history = runCli(['--db', db, 'communities', '--history', '--format', 'json']);
    expect(history.status).toBe(0);
    const runs = JSON.parse(history.stdout) as { run: number; k: number; replaced_by: number | null }[];
    expect(runs.map((r) => [r.run, r.k, r.replaced_by])).toEqual([
      [2, 2, null],
      [1, 3, 2],
    ]);
  });

  it('shows too few members as a result, not an error', () => {
    const db = join(dir, 'c.duckdb');
    const out = runCli(['--db', db, 'communities', '--as-of', '2023-01-02']);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(
      'not enough members to form communities: 0 members have a purchase by 2023-01-02',
    );
  });
});
