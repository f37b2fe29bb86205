/**
 * Snapshots: a refresh stores, for every counted customer, exactly what the rfm, tiers and
 * lifecycle queries give for that day (their own figures are checked by hand in their tests);
 * refreshing a day again gives identical tables; stage and tier changes between snapshots are
 * the customers whose stage or tier differs from their previous snapshot, whatever the order
 * in which days were refreshed.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getLifecycleCustomers } from '../src/analytics/lifecycle/lifecycle.js';
import { listRefreshDays, refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { getRfmCustomers } from '../src/analytics/rfm/rfm.js';
import { getCustomerTags } from '../src/analytics/tags/tags.js';
import { calibrateTiers, getMemberTiers } from '../src/analytics/tiers/tiers.js';
import { configSchema } from '../src/config/config.js';
import { importFile } from '../src/ingest/import-file.js';
import { raw } from '../src/store/sql.js';
import { fingerprint, openTempStore, ROOT, type TempStore } from './helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'lifecycle');
const config = configSchema.parse({});
const SNAPSHOT_TABLES = ['customer_snapshots', 'customer_tag_snapshots', 'stage_changes', 'tier_changes'];

let temp: TempStore;
beforeEach(async () => {
  temp = await openTempStore();
  for (const file of ['customers.csv', 'orders.csv']) {
    await importFile(temp.store, join(FIXTURES, file), { rejectsDir: join(temp.dir, 'rejects') });
  }
});
afterEach(async () => {
  await temp.cleanup();
});

const refresh = (asOf: string) => refreshSnapshot(temp.store, { asOf, allCustomers: false, config });

async function stagesOn(asOf: string): Promise<Map<string, string>> {
  const rows = await getLifecycleCustomers(temp.store, { asOf, config: config.lifecycle });
  return new Map(rows.map((row) => [row.customer_id, row.stage]));
}

describe('refresh', () => {
  it('stores what rfm, tiers and lifecycle give for the day, for every member', async () => {
    const summary = await refresh('2024-03-31');
    const rows = await temp.store.query<Record<string, string | number | boolean | null>>(
      raw(`SELECT customer_id, recency_days, frequency, monetary::VARCHAR AS monetary, r, f, m, segment, tier, stage, stage_rule
        FROM customer_snapshots WHERE as_of = '2024-03-31' ORDER BY customer_id`),
    );
    const rfm = new Map(
      (await getRfmCustomers(temp.store, { asOf: '2024-03-31', config: config.rfm })).map((c) => [
        c.customer_id,
        c,
      ]),
    );
    const stages = await getLifecycleCustomers(temp.store, { asOf: '2024-03-31', config: config.lifecycle });
    const calibration = await calibrateTiers(temp.store, { asOf: '2024-03-31', config: config.tiers });
    const tiers = new Map(
      (await getMemberTiers(temp.store, { asOf: '2024-03-31', config: config.tiers }, calibration)).map(
        (t) => [t.customer_id, t.tier],
      ),
    );
    expect(summary.customers).toBe(stages.length);
    expect(rows.map((row) => row.customer_id)).toEqual(stages.map((s) => s.customer_id).sort());
    for (const stage of stages) {
      const row = rows.find((r) => r.customer_id === stage.customer_id)!;
      const scores = rfm.get(stage.customer_id)!;
      expect(row, stage.customer_id).toEqual({
        customer_id: stage.customer_id,
        recency_days: scores.recency_days,
        frequency: scores.frequency,
        monetary: scores.monetary,
        r: scores.r,
        f: scores.f,
        m: scores.m,
        segment: scores.segment,
        tier: tiers.get(stage.customer_id) ?? null,
        stage: stage.stage,
        stage_rule: stage.rule,
      });
    }
  });

  it('stores the behaviour tags of the day with each member', async () => {
    await refresh('2024-03-31');
    const tags = await getCustomerTags(temp.store, { asOf: '2024-03-31', config: config.tags });
    const rows = await temp.store.query<{ customer_id: string }>(
      raw(`SELECT * EXCLUDE (as_of) FROM customer_tag_snapshots WHERE as_of = '2024-03-31'`),
    );
    expect(rows).toHaveLength(tags.length);
    for (const row of rows) {
      const expected = tags.find((t) => t.customer_id === row.customer_id)!;
      expect(row, row.customer_id).toEqual(expected);
    }
  });

  it('refreshing the same day again gives identical snapshot tables', async () => {
    await refresh('2024-03-31');
    await refresh('2024-04-30');
    const first = await fingerprint(temp.store, SNAPSHOT_TABLES);
    await refresh('2024-03-31');
    expect(await fingerprint(temp.store, SNAPSHOT_TABLES)).toBe(first);
    const [count] = await temp.store.query<{ n: number }>(
      raw(`SELECT count(*)::INTEGER AS n FROM snapshots`),
    );
    expect(count?.n).toBe(2);
  });

  it('derives stage changes between snapshots, whatever order the days were refreshed in', async () => {
    await refresh('2024-04-30');
    await refresh('2024-03-31');
    const march = await stagesOn('2024-03-31');
    const april = await stagesOn('2024-04-30');
    const expected = [...april]
      .filter(([id, stage]) => march.get(id) !== stage)
      .map(([id, stage]) => ({ customer_id: id, from_stage: march.get(id) ?? null, to_stage: stage }))
      .sort((a, b) => a.customer_id.localeCompare(b.customer_id));
    expect(expected.length).toBeGreaterThan(3);
    const changes = await temp.store.query(
      raw(
        `SELECT customer_id, from_stage, to_stage FROM stage_changes WHERE changed_on = '2024-04-30' ORDER BY customer_id`,
      ),
    );
    expect(changes).toEqual(expected);
    const firsts = await temp.store.query<{ n: number }>(
      raw(
        `SELECT count(*)::INTEGER AS n FROM stage_changes WHERE changed_on = '2024-03-31' AND from_stage IS NULL`,
      ),
    );
    expect(firsts[0]?.n).toBe(march.size);
    const inOrder = await fingerprint(temp.store, ['stage_changes', 'tier_changes']);
    await temp.store.run(raw('DELETE FROM customer_snapshots; DELETE FROM snapshots'));
    await refresh('2024-03-31');
    await refresh('2024-04-30');
    expect(await fingerprint(temp.store, ['stage_changes', 'tier_changes'])).toBe(inOrder);
  });
});

describe('listRefreshDays', () => {
  it('lists month ends, and the last day itself', () => {
    expect(listRefreshDays('2024-01-15', '2024-04-10', 'month')).toEqual([
      '2024-01-31',
      '2024-02-29',
      '2024-03-31',
      '2024-04-10',
    ]);
    expect(listRefreshDays('2024-01-31', '2024-03-31', 'month')).toEqual([
      '2024-01-31',
      '2024-02-29',
      '2024-03-31',
    ]);
  });

  it('lists every 7th day and every day', () => {
    expect(listRefreshDays('2024-02-26', '2024-03-12', 'week')).toEqual([
      '2024-02-26',
      '2024-03-04',
      '2024-03-11',
      '2024-03-12',
    ]);
    expect(listRefreshDays('2024-02-28', '2024-03-01', 'day')).toEqual([
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
  });

  it('refuses --from after --to', () => {
    expect(() => listRefreshDays('2024-05-01', '2024-04-01', 'day')).toThrow(
      /--from 2024-05-01 is after --to 2024-04-01/,
    );
  });
});
