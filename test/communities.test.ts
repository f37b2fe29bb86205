/**
 * Member communities on a store with planted groups. The test writes a store of 180 members in
 * three groups whose behaviour it chooses (drawn with a seeded generator, so the files are the
 * same on every run), imports it, and checks that `findCommunities` recovers the groups: adjusted
 * Rand index ≥ 0.9 against the planted labels (the index is checked against scikit-learn's
 * published values in src/analytics/communities/kmeans.test.ts).
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
  type CommunityRun,
  findCommunities,
  getCommunityOf,
  saveCommunities,
} from '../src/analytics/communities/communities.js';
import { Random } from '../src/demo/random.js';
import { importFile } from '../src/ingest/import-file.js';
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

beforeAll(async () => {
  dir = makeTempDir();
  planted = writeStore(dir);
  temp = await openTempStore('Asia/Shanghai');
  for (const file of ['customers.csv', 'orders.csv', 'sessions.csv'])
    await importFile(temp.store, join(dir, file), { rejectsDir: join(temp.dir, 'rejects') });
  run = await findCommunities(temp.store, { asOf: AS_OF, k: 'auto', seed: 1, activityDays: 30 });
});
afterAll(async () => {
  await temp.cleanup();
});

const agreement = (result: CommunityRun): number => {
  const ours = result.assignments.map((a) => a.community);
  const theirs = result.assignments.map((a) => GROUPS.indexOf(planted.get(a.customer_id)!));
  return adjustedRandIndex(ours, theirs);
};

describe('communities of a store with planted groups', () => {
  it('clusters exactly the members with a purchase', () => {
    expect(run.members).toBe(3 * PER_GROUP);
    expect(run.assignments.map((a) => a.customer_id).sort()).toEqual([...planted.keys()].sort());
  });

  it('chooses three communities by the silhouette and recovers the planted groups (ARI ≥ 0.9)', () => {
    expect(run.chosen_by).toBe('silhouette');
    expect(run.k).toBe(3);
    expect(agreement(run)).toBeGreaterThanOrEqual(0.9);
  });

  it('recovers them with k given, for other seeds too', async () => {
    for (const seed of [2, 99]) {
      const given = await findCommunities(temp.store, { asOf: AS_OF, k: 3, seed, activityDays: 30 });
      expect(given.chosen_by).toBe('given');
      expect(agreement(given)).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('gives the same communities for the same seed', async () => {
    const again = await findCommunities(temp.store, { asOf: AS_OF, k: 'auto', seed: 1, activityDays: 30 });
    expect(again.assignments).toEqual(run.assignments);
    expect(again.communities).toEqual(run.communities);
  });

  it('numbers communities by size and sizes them by their members', () => {
    const sizes = run.communities.map((c) => c.members);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    for (const c of run.communities)
      expect(run.assignments.filter((a) => a.community === c.community).length).toBe(c.members);
  });

  it('describes each community by what its planted group does differently, in both languages', () => {
    const communityOf = (group: Group): number => {
      const votes = new Map<number, number>();
      for (const a of run.assignments)
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
});

describe('the stored community tag', () => {
  it('is readable for one member and for all, from the latest run up to a day', async () => {
    await saveCommunities(temp.store, run);
    const member = run.assignments[0]!;
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

  it('replaces the run of the same day instead of adding to it', async () => {
    await saveCommunities(temp.store, run);
    await saveCommunities(temp.store, run);
    const [row] = await temp.store.query<{ n: number; k: number }>({
      sql: `SELECT (SELECT count(*) FROM community_assignments)::INTEGER AS n, (SELECT count(*) FROM communities)::INTEGER AS k`,
      params: [],
    });
    expect(row).toEqual({ n: 3 * PER_GROUP, k: 3 });
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
    const bad = runCli(['--db', db, 'communities', '--k', '1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("expected a whole number from 2 to 20 or 'auto', found '1'");
  });
});
