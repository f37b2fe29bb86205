/**
 * Consumer profiles on a hand-built snapshot with planted differences, and the CLI end to end.
 *
 * The store holds one snapshot (2024-06-30) of 300 members written straight into the snapshot
 * tables, so every value is the test's choice:
 *   100 loyal (L…), 100 churned (C…), 100 repeat (R…).
 *   big region — planted: loyal 80 in 华东 (20 each in 上海, 江苏, 浙江, 山东) and 20 elsewhere
 *     (5 each in 北京, 广东, 四川, 陕西); churned the other way round, 20 in 华东 (5 each) and 80
 *     elsewhere (20 each); repeat 50 and 50 (12/13 per 华东 province, 12/13 elsewhere).
 *   AOV — planted, smaller: loyal ~ N(120, 30), churned and repeat ~ N(100, 30).
 *   categories — planted, smaller: the first 60 loyal and the first 20 churned bought 美妆; every
 *     member bought 女装; churned members bought 家居 only on 2024-07-05, after the snapshot day.
 *   gender, generation, purchases — noise: drawn for every member from one distribution
 *     (55% female; 80后/90后/00后 equally; 1–5 purchases), the same for all groups.
 * Expected by hand, loyal against churned: 华东 80% vs 20%, lift 4.0, z = 0.6 / √(0.5·0.5·2/100) =
 * 8.485, Cohen's h = 2·asin√0.8 − 2·asin√0.2 = 1.287 — larger than any other planted difference
 * (a province 20% vs 5%: h = 0.476; the other regions 5% vs 20%: −0.476; 南方 70% vs 55%: 0.311;
 * 美妆 60% vs 20%: 0.845; AOV about d = 0.67), so it must rank first. Against everyone: 华东 is
 * 150 of 300 = 50%, lift 1.6, tested against the other 200 (70 in 华东, 35%): h = 2·asin√0.8 −
 * 2·asin√0.35 = 0.948; 美妆 is 80 of 300, lift 0.6 / (80/300) = 2.25, against the other 200
 * (20, 10%): h = 2·asin√0.6 − 2·asin√0.1 = 1.129 — so on the loyal members' wanted poster 美妆
 * comes first and 华东 second. Counts and the Mann–Whitney delta are re-derived in the test from
 * the planted rows (Cliff's delta by comparing every pair).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getProfile,
  getSegmentVocabulary,
  getSnapshotDay,
  getWantedPoster,
} from '../src/analytics/profiles/profiles.js';
import { parseSegment } from '../src/analytics/profiles/segment-spec.js';
import { configSchema } from '../src/config/config.js';
import { Random } from '../src/demo/random.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { raw, sql } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { runCli } from './helpers.js';

const AS_OF = '2024-06-30';
const tiers = configSchema.parse({}).tiers.levels;

interface Planted {
  readonly id: string;
  readonly stage: 'loyal' | 'churned' | 'repeat';
  readonly province: string;
  readonly bigRegion: string;
  readonly northSouth: string;
  readonly gender: 'male' | 'female';
  readonly generation: string;
  readonly purchases: number;
  readonly aov: number;
  readonly beauty: boolean;
}

const EAST = [
  ['上海', '南方'],
  ['江苏', '南方'],
  ['浙江', '南方'],
  ['山东', '北方'],
] as const;
const ELSEWHERE = [
  ['北京', '华北', '北方'],
  ['广东', '华南', '南方'],
  ['四川', '西南', '南方'],
  ['陕西', '西北', '北方'],
] as const;

/** A birthday in each planted generation. */
const BIRTHDAYS: Readonly<Record<Planted['generation'], string>> = {
  '80后': '1985-06-15',
  '90后': '1995-06-15',
  '00后': '2003-06-15',
};

function plant(): Planted[] {
  const random = new Random(7);
  const members: Planted[] = [];
  const groups = [
    ['loyal', 'L', 80, 120, 60],
    ['churned', 'C', 20, 100, 20],
    ['repeat', 'R', 50, 100, 0],
  ] as const;
  for (const [stage, prefix, east, aovMean, beauty] of groups) {
    for (let i = 0; i < 100; i++) {
      const inEast = i < east;
      const k = inEast ? i % 4 : (i - east) % 4;
      const [province, northSouth] = inEast ? EAST[k]! : [ELSEWHERE[k]![0], ELSEWHERE[k]![2]];
      members.push({
        id: `${prefix}${String(i).padStart(3, '0')}`,
        stage,
        province,
        bigRegion: inEast ? '华东' : ELSEWHERE[k]![1],
        northSouth,
        gender: random.sampleBernoulli(0.55) ? 'female' : 'male',
        generation: (['80后', '90后', '00后'] as const)[random.sampleInt(3)]!,
        purchases: random.sampleIntBetween(1, 5),
        aov: Math.round(Math.max(10, random.sampleNormal(aovMean, 30)) * 100) / 100,
        beauty: i < beauty,
      });
    }
  }
  return members;
}

async function writeStore(store: Store, members: readonly Planted[]): Promise<void> {
  const stamp = '2024-07-10 00:00:00+08';
  let order = 0;
  const addOrder = async (customer: string, placed: string, category: string, paid: number) => {
    const id = `O${++order}`;
    await store.run(sql`INSERT INTO orders (id, customer_id, placed_at, status, paid_amount, refunded_amount, item_count,
        batch_id, first_imported_at, updated_at)
      VALUES (${id}, ${customer}, ${placed}::TIMESTAMPTZ, 'completed', ${paid}::DECIMAL(18,2), 0, 1, 1, ${stamp}::TIMESTAMPTZ, ${stamp}::TIMESTAMPTZ)`);
    await store.run(sql`INSERT INTO order_lines (order_id, sku, name, category, quantity, unit_price, refunded_amount,
        batch_id, first_imported_at, updated_at)
      VALUES (${id}, 'SKU', 'item', ${category}, 1, ${paid}::DECIMAL(18,2), 0, 1, ${stamp}::TIMESTAMPTZ, ${stamp}::TIMESTAMPTZ)`);
  };
  await store.transaction(async () => {
    // An older snapshot as stored before the tags were (schema v3): a profile of it must say so.
    await store.run(
      sql`INSERT INTO snapshots VALUES ('2024-05-31'::DATE, 'members', 1, NULL, current_timestamp)`,
    );
    await store.run(sql`INSERT INTO customer_snapshots (as_of, customer_id, is_member, frequency, monetary, segment, stage, stage_rule)
      VALUES ('2024-05-31'::DATE, 'L000', true, 1, 10, 'new', 'new', 'planted')`);
    await store.run(
      sql`INSERT INTO snapshots VALUES (${AS_OF}::DATE, 'members', ${members.length}, NULL, current_timestamp)`,
    );
    for (const [province, bigRegion, northSouth] of [
      ...EAST.map(([province, northSouth]) => [province, '华东', northSouth] as const),
      ...ELSEWHERE,
    ])
      await store.run(
        sql`INSERT INTO snapshot_regions VALUES (${AS_OF}::DATE, ${province}, ${northSouth}, ${bigRegion})`,
      );
    for (const m of members) {
      await store.run(sql`INSERT INTO customer_snapshots (as_of, customer_id, is_member, recency_days, frequency, monetary,
          segment, tier, stage, stage_rule)
        VALUES (${AS_OF}::DATE, ${m.id}, true, 10, ${m.purchases}, ${m.aov * m.purchases}::DECIMAL(38,2), 'loyal', 'member', ${m.stage}, 'planted')`);
      // The customer's own record gives the attribute tags; the day's tags are stored.
      await store.run(sql`INSERT INTO customers (id, gender, birthday, province, member_since, batch_id, first_imported_at,
          updated_at)
        VALUES (${m.id}, ${m.gender}, ${BIRTHDAYS[m.generation] ?? null}::DATE, ${m.province}, '2024-01-01 00:00:00+08', 1,
          ${stamp}::TIMESTAMPTZ, ${stamp}::TIMESTAMPTZ)`);
      await store.run(sql`INSERT INTO customer_day_tags (as_of, customer_id, page_views, sessions, purchases, aov, net_spend,
          refunds, rejections, complaints, low_ratings, negative_emotion)
        VALUES (${AS_OF}::DATE, ${m.id}, 0, 0, ${m.purchases}, ${m.aov}::DECIMAL(18,2), ${m.aov * m.purchases}::DECIMAL(38,2),
          0, 0, 0, 0, false)`);
      await addOrder(m.id, '2024-05-01 12:00:00+08', '女装', m.aov);
      if (m.beauty) await addOrder(m.id, '2024-05-02 12:00:00+08', '美妆', m.aov);
      if (m.stage === 'churned') await addOrder(m.id, '2024-07-05 12:00:00+08', '家居', m.aov);
    }
  });
}

const members = plant();
const of = (stage: Planted['stage']) => members.filter((m) => m.stage === stage);
let dir: string;
let dbPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'huiyuan-profile-'));
  dbPath = join(dir, 'profile.duckdb');
  const store = await DuckDBStore.open({ path: dbPath, timezone: 'Asia/Shanghai' });
  await writeStore(store, members);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('getProfile on planted groups', () => {
  let store: Store;
  beforeAll(async () => {
    store = await DuckDBStore.open({ path: dbPath, timezone: 'Asia/Shanghai' });
  });
  afterAll(async () => {
    await store.close();
  });

  const profile = async (a: string, b: string | null) => {
    const day = await getSnapshotDay(store);
    const vocabulary = await getSegmentVocabulary(store, day.as_of, tiers);
    return getProfile(store, {
      asOf: day.as_of,
      population: day.population,
      a: parseSegment(a, vocabulary),
      b: b === null ? null : parseSegment(b, vocabulary),
      tiers,
      communityTag: vocabulary.communityTag,
    });
  };

  it('finds the planted region difference and ranks it first, with the hand-worked lift and z', async () => {
    const result = await profile('loyal', 'churned');
    expect(result.a.members).toBe(100);
    expect(result.b.members).toBe(100);
    const first = result.findings[0]!;
    expect(first).toMatchObject({ kind: 'value', attribute: 'big_region', value: '华东' });
    expect(first.lift).toBeCloseTo(0.8 / 0.2, 10);
    expect(first.effect).toBeCloseTo(1.287, 3);
    expect(first.text_en).toBe('Loyal members come from 华东 4.0× as often as churned members (80% vs 20%)');
    expect(first.text_zh).toBe('忠诚会员中来自华东的比例是流失会员的 4.0 倍（80% 对 20%）');
    const east = result.values.find((v) => v.attribute === 'big_region' && v.value === '华东')!;
    expect(east).toMatchObject({ a_count: 80, b_count: 20, a_share: 0.8, b_share: 0.2, significant: true });
    expect(east.z).toBeCloseTo(8.485281, 5);
  });

  it('calls none of the noise attributes significant, and counts them as planted', async () => {
    const result = await profile('loyal', 'churned');
    for (const attribute of ['gender', 'generation'] as const) {
      const rows = result.values.filter((v) => v.attribute === attribute);
      expect(rows.length).toBeGreaterThan(1);
      for (const row of rows) {
        const key = attribute === 'gender' ? 'gender' : 'generation';
        expect(row.a_count).toBe(of('loyal').filter((m) => m[key] === row.value).length);
        expect(row.b_count).toBe(of('churned').filter((m) => m[key] === row.value).length);
        expect(row.significant).toBe(false);
      }
    }
    expect(result.numbers.find((n) => n.attribute === 'purchases')?.significant).toBe(false);
    expect(result.findings.some((f) => f.attribute === 'gender' || f.attribute === 'generation')).toBe(false);
  });

  it('finds the planted AOV difference with the delta of every pair compared', async () => {
    const result = await profile('loyal', 'churned');
    const aov = result.numbers.find((n) => n.attribute === 'aov')!;
    let wins = 0;
    for (const a of of('loyal'))
      for (const b of of('churned')) wins += a.aov > b.aov ? 1 : a.aov === b.aov ? 0.5 : 0;
    expect(aov.delta).toBeCloseTo((2 * wins) / (100 * 100) - 1, 10);
    expect(aov.significant).toBe(true);
    expect(aov.effect).toBeGreaterThan(0.2);
  });

  it("gives each group's AOV count, mean and quartiles as the planted values give them", async () => {
    const result = await profile('loyal', 'churned');
    const aov = result.numbers.find((n) => n.attribute === 'aov')!;
    // Quartiles as quantile_cont: linear between the sorted values around position (n − 1)·p.
    const quantile = (sorted: readonly number[], p: number): number => {
      const h = (sorted.length - 1) * p;
      const lo = sorted[Math.floor(h)]!;
      return lo + (h - Math.floor(h)) * (sorted[Math.ceil(h)]! - lo);
    };
    for (const [group, stage] of [
      [aov.a, 'loyal'],
      [aov.b, 'churned'],
    ] as const) {
      const values = of(stage)
        .map((m) => m.aov)
        .sort((x, y) => x - y);
      expect(group.n).toBe(values.length);
      expect(group.mean).toBeCloseTo(values.reduce((sum, x) => sum + x, 0) / values.length, 9);
      expect([group.q1, group.median, group.q3].map((q) => q?.toFixed(6))).toEqual(
        [0.25, 0.5, 0.75].map((p) => quantile(values, p).toFixed(6)),
      );
    }
  });

  it('counts the categories bought up to the snapshot day only', async () => {
    const result = await profile('loyal', 'churned');
    const category = (value: string) =>
      result.values.find((v) => v.attribute === 'category' && v.value === value);
    expect(category('美妆')).toMatchObject({ a_count: 60, b_count: 20, significant: true });
    expect(category('女装')).toMatchObject({ a_count: 100, b_count: 100, p: 1, significant: false });
    expect(category('家居')).toBeUndefined();
  });

  it('against everyone, shares are of everyone and the test is against the rest', async () => {
    const result = await profile('stage:loyal', null);
    expect(result.against).toBe('everyone');
    expect(result.b.members).toBe(300);
    const east = result.values.find((v) => v.attribute === 'big_region' && v.value === '华东')!;
    expect(east).toMatchObject({ a_count: 80, b_count: 150, b_share: 0.5 });
    expect(east.lift).toBeCloseTo(1.6, 10);
    // Loyal 80/100 against the other 200: (20 + 50) / 200 = 35%; pooled 150/300.
    expect(east.z).toBeCloseTo(0.45 / Math.sqrt(0.5 * 0.5 * (1 / 100 + 1 / 200)), 10);
  });

  it("puts 美妆 then 华东 on the loyal members' wanted poster and no noise value", async () => {
    const day = await getSnapshotDay(store);
    const vocabulary = await getSegmentVocabulary(store, day.as_of, tiers);
    const poster = await getWantedPoster(store, {
      asOf: day.as_of,
      population: day.population,
      a: parseSegment('loyal', vocabulary),
      tiers,
      communityTag: null,
    });
    expect(poster.traits[0]).toMatchObject({ attribute: 'category', value: '美妆' });
    expect(poster.traits[0]!.lift).toBeCloseTo(2.25, 4);
    expect(poster.traits[0]!.effect).toBeCloseTo(1.129, 3);
    expect(poster.traits[1]).toMatchObject({ attribute: 'big_region', value: '华东', lift: 1.6 });
    expect(poster.traits[1]!.effect).toBeCloseTo(0.948, 3);
    expect(poster.traits.every((t) => (t.lift ?? 0) > 1)).toBe(true);
    expect(poster.traits.some((t) => t.attribute === 'gender' || t.attribute === 'generation')).toBe(false);
  });

  it('leaves out what the segment is defined by: the named attributes and the regions its province implies', async () => {
    // loyal&province=浙江: the 20 loyal members planted in 浙江, which the stored region table
    // puts in 华东 and 南方; without the rule, 浙江 (100% against 37 of 300) would lead the findings.
    const result = await profile('loyal&province=浙江', null);
    expect(result.a.members).toBe(of('loyal').filter((m) => m.province === '浙江').length);
    const reported = new Set([
      ...result.values.map((v) => v.attribute),
      ...result.findings.map((f) => f.attribute),
    ]);
    for (const attribute of ['province', 'big_region', 'north_south'])
      expect(reported).not.toContain(attribute);
    expect(reported).toContain('gender');
    expect(result.notes).toContain(
      "left out as the segment's definition fixes them: province, big_region, north_south",
    );
  });

  it('keeps the regions a broader definition does not fix, and leaves out a numeric attribute it names', async () => {
    // 华东 holds 山东 (北方) as well as 上海, 江苏, 浙江 (南方): north/south is not implied.
    const east = await profile('big_region=华东', null);
    const attributes = new Set(east.values.map((v) => v.attribute));
    expect(attributes).not.toContain('big_region');
    expect(attributes).toContain('province');
    expect(attributes).toContain('north_south');
    const dear = await profile('aov>=100', null);
    expect(dear.numbers.map((n) => n.attribute)).not.toContain('aov');
    expect(dear.numbers.map((n) => n.attribute)).toContain('purchases');
  });

  it('reports members in both groups', async () => {
    const result = await profile('loyal', 'big_region=华东');
    expect(result.overlap).toBe(80);
    expect(result.notes.at(-1)).toContain('80 members are in both groups');
  });
});

describe('huiyuan profile and wanted', () => {
  it('prints the strongest differences first in text, in English and zh-CN', () => {
    const run = runCli(['--db', dbPath, 'profile', 'loyal', '--vs', 'churned', '--lang', 'en']);
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    const heading = lines.indexOf('Strongest differences:');
    expect(lines[heading + 1]).toBe(
      '  1. Loyal members come from 华东 4.0× as often as churned members (80% vs 20%)',
    );
    expect(run.stdout).toContain("note: 'loyal' read as stage:loyal");
    const zh = runCli([
      '--db',
      dbPath,
      'profile',
      'stage:忠诚会员',
      '--vs',
      'stage:流失会员',
      '--lang',
      'zh-CN',
    ]);
    expect(zh.stdout).toContain('  1. 忠诚会员中来自华东的比例是流失会员的 4.0 倍（80% 对 20%）');
  });

  it('prints JSON with snake_case keys for scripts', () => {
    const run = runCli(['--db', dbPath, 'profile', 'loyal', '--vs', 'churned', '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as {
      as_of: string;
      correction: string;
      a: { members: number };
      findings: { attribute: string; value: string }[];
    };
    expect(json).toMatchObject({ as_of: AS_OF, correction: 'holm', a: { members: 100 } });
    expect(json.findings[0]).toMatchObject({ attribute: 'big_region', value: '华东' });
  });

  it('prints CSV with one row per value and per numeric attribute', () => {
    const run = runCli(['--db', dbPath, 'profile', 'loyal', '--vs', 'churned', '--format', 'csv']);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'kind,family,attribute,value,a_n,a_share,b_n,b_share,lift,a_median,b_median,a_mean,b_mean,effect,z,p,p_adjusted,significant',
    );
    expect(
      lines.find((line) => line.startsWith('value,attribute,big_region,华东,80,0.8,20,0.2,4,')),
    ).toBeDefined();
  });

  it('prints the wanted posters of the top tier and the loyal members by default', () => {
    const run = runCli(['--db', dbPath, 'wanted', '--format', 'json']);
    expect(run.status).toBe(0);
    const posters = JSON.parse(run.stdout) as {
      group: { segment: string; members: number };
      traits: { attribute: string; value: string }[];
      notes: string[];
    }[];
    // Every planted member is in the entry tier, so the top tier's poster is empty and says why.
    expect(posters.map((p) => p.group)).toEqual([
      expect.objectContaining({ segment: 'tier:diamond', members: 0 }),
      expect.objectContaining({ segment: 'stage:loyal', members: 100 }),
    ]);
    expect(posters[0]!.traits).toEqual([]);
    expect(posters[0]!.notes).toEqual([`segment 'tier:diamond' has no members in the snapshot of ${AS_OF}`]);
    expect(posters[1]!.traits.slice(0, 2)).toMatchObject([
      { attribute: 'category', value: '美妆' },
      { attribute: 'big_region', value: '华东' },
    ]);
  });

  it('refuses a bad segment with one line and exit code 2', () => {
    const run = runCli(['--db', dbPath, 'profile', 'stage:lyal']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^huiyuan: segment 'stage:lyal': no lifecycle stage 'lyal'; stages: prospect/);
  });

  it('asks for a refresh when the day has no snapshot', () => {
    const run = runCli(['--db', dbPath, 'profile', 'loyal', '--as-of', '2024-01-31']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'huiyuan: no snapshot of 2024-01-31 is stored: run `huiyuan refresh --as-of 2024-01-31` first; the nearest stored: 2024-05-31, 2024-06-30',
    );
  });

  it('asks for a new refresh of a snapshot stored without tags', () => {
    const run = runCli(['--db', dbPath, 'profile', 'loyal', '--as-of', '2024-05-31']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'huiyuan: the snapshot of 2024-05-31 has no behaviour tags (it was stored before they were): run `huiyuan refresh --as-of 2024-05-31` again',
    );
  });
});

describe('on the demo store', () => {
  let demoDir: string;
  let demoDb: string;
  beforeAll(() => {
    demoDir = mkdtempSync(join(tmpdir(), 'huiyuan-profile-demo-'));
    demoDb = join(demoDir, 'demo.duckdb');
    expect(runCli(['--db', demoDb, 'demo', '--customers', '3000', '--seed', '5', '--quiet']).status).toBe(0);
  });
  afterAll(() => rmSync(demoDir, { recursive: true, force: true }));

  it('asks for `huiyuan refresh` before the first snapshot', async () => {
    // The demo stores the snapshot of its last day; without it the store has none.
    const store = await DuckDBStore.open({ path: demoDb, timezone: 'Asia/Shanghai' });
    await store.run(raw('DELETE FROM snapshots'));
    await store.close();
    const run = runCli(['--db', demoDb, 'profile', 'loyal']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'huiyuan: no snapshot is stored yet: run `huiyuan refresh` first, then profile',
    );
  });

  it('profiles loyal against churned members of the refreshed snapshot, as counted in the snapshot tables', async () => {
    expect(runCli(['--db', demoDb, 'refresh']).status).toBe(0);
    const run = runCli([
      '--db',
      demoDb,
      'profile',
      'stage:loyal',
      '--vs',
      'stage:churned',
      '--format',
      'json',
    ]);
    expect(run.status).toBe(0);
    const profile = JSON.parse(run.stdout) as {
      as_of: string;
      a: { members: number };
      b: { members: number };
      values: { attribute: string; value: string | null; a_count: number; b_count: number }[];
      findings: { text_en: string }[];
    };
    const store = await DuckDBStore.open({ path: demoDb, timezone: 'Asia/Shanghai' });
    try {
      const counts = await store.query<{ stage: string; members: number; female: number; east: number }>(
        raw(`SELECT s.stage, count(*)::INTEGER AS members,
            count(*) FILTER (WHERE t.gender = 'female')::INTEGER AS female,
            count(*) FILTER (WHERE t.big_region = '华东')::INTEGER AS east
          FROM customer_snapshots s JOIN customer_tag_snapshots t USING (as_of, customer_id)
          WHERE s.as_of = (SELECT max(as_of) FROM snapshots) GROUP BY s.stage`),
      );
      const loyal = counts.find((c) => c.stage === 'loyal')!;
      const churned = counts.find((c) => c.stage === 'churned')!;
      expect(profile.a.members).toBe(loyal.members);
      expect(profile.b.members).toBe(churned.members);
      const value = (attribute: string, v: string) =>
        profile.values.find((row) => row.attribute === attribute && row.value === v)!;
      expect(value('gender', 'female')).toMatchObject({ a_count: loyal.female, b_count: churned.female });
      expect(value('big_region', '华东')).toMatchObject({ a_count: loyal.east, b_count: churned.east });
    } finally {
      await store.close();
    }
    expect(profile.findings.length).toBeGreaterThan(0);
  });

  it('draws the wanted posters of the top tier and the loyal members', () => {
    const run = runCli(['--db', demoDb, 'wanted', '--lang', 'zh-CN']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^通缉令：钻石会员（tier:diamond，/);
    expect(run.stdout).toContain('通缉令：忠诚会员（stage:loyal，');
  });
});
