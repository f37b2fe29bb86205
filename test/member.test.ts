/**
 * `member ID` on the lifecycle fixture: the facts are counted here from the fixture rows by hand,
 * the RFM, tier and stage are the ones rfm/tiers/lifecycle give for the same day (their
 * figures are checked by hand in their own tests), and the history is what refresh stored.
 *
 * L (member since 2023-01-01): purchases of 100.00 on 2023-12-01, 2024-01-01, 02-01, 03-01, 04-01.
 * X1 (not a member): 50.00 on 2024-01-10, 02-10, 03-01.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getLifecycleCustomers } from '../src/analytics/lifecycle/lifecycle.js';
import { LIFECYCLE_STAGE_LABELS } from '../src/analytics/lifecycle/lifecycle-stages.js';
import { explainMember } from '../src/analytics/member/explain-member.js';
import { renderMember } from '../src/cli/commands/member.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { getRfmCustomers } from '../src/analytics/rfm/rfm.js';
import { configSchema } from '../src/config/config.js';
import { AppError } from '../src/errors.js';
import { importFile } from '../src/ingest/import-file.js';
import { raw } from '../src/store/sql.js';
import { openTempStore, ROOT, runCli, type TempStore } from './helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'lifecycle');
const config = configSchema.parse({});

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

describe('explainMember', () => {
  it('gives the raw facts of the day, counted by hand', async () => {
    const m = await explainMember(temp.store, { customerId: 'L', asOf: '2024-03-15', config });
    expect(m.facts).toMatchObject({
      id: 'L',
      is_member: true,
      orders: 4,
      purchases: 4,
      first_purchase: '2023-12-01',
      last_purchase: '2024-03-01',
      paid: '400.00',
      refunded: '0.00',
    });
    expect(m.population).toBe('members');
  });

  it('shows the same RFM, stage and rule as rfm and lifecycle for the day', async () => {
    const m = await explainMember(temp.store, { customerId: 'L', asOf: '2024-04-30', config });
    const rfm = (await getRfmCustomers(temp.store, { asOf: '2024-04-30', config: config.rfm })).find(
      (c) => c.customer_id === 'L',
    );
    const stage = (
      await getLifecycleCustomers(temp.store, { asOf: '2024-04-30', config: config.lifecycle })
    ).find((c) => c.customer_id === 'L');
    expect(m.rfm).toMatchObject({ ...rfm });
    expect(m.rfm?.recency_days).toBe(29);
    expect(m.lifecycle?.stage).toBe(stage?.stage);
    expect(m.lifecycle?.rule).toBe(stage?.rule);
    expect(m.tier?.tier).toBeDefined();
    // Five purchases of 100.00, a 31-day rhythm (gaps 31, 31, 29, 31: median 31).
    expect(m.tags).toMatchObject({
      purchases: 5,
      net_spend: '500.00',
      purchase_cycle_days: 31,
      negative_emotion: false,
    });
  });

  it('scores a non-member among all customers and gives no tier', async () => {
    const m = await explainMember(temp.store, { customerId: 'X1', asOf: '2024-04-30', config });
    expect(m.population).toBe('all_customers');
    expect(m.facts).toMatchObject({ is_member: false, purchases: 3, paid: '150.00' });
    expect(m.rfm?.frequency).toBe(3);
    expect(m.tier).toBeNull();
  });

  it('lists the stage changes refresh stored, up to the day', async () => {
    await refreshSnapshot(temp.store, { asOf: '2024-01-31', allCustomers: false, config });
    await refreshSnapshot(temp.store, { asOf: '2024-04-30', allCustomers: false, config });
    const stages = async (day: string) =>
      (await getLifecycleCustomers(temp.store, { asOf: day, config: config.lifecycle })).find(
        (c) => c.customer_id === 'W',
      )?.stage;
    const [january, april] = [await stages('2024-01-31'), await stages('2024-04-30')];
    const m = await explainMember(temp.store, { customerId: 'W', asOf: '2024-04-30', config });
    const expected: { changed_on: string; from_stage: string | null; to_stage: string | undefined }[] = [
      { changed_on: '2024-01-31', from_stage: null, to_stage: january },
    ];
    if (april !== january)
      expected.push({ changed_on: '2024-04-30', from_stage: january ?? null, to_stage: april });
    expect(m.stage_history).toEqual(expected);
    const early = await explainMember(temp.store, { customerId: 'W', asOf: '2024-02-01', config });
    expect(early.stage_history).toHaveLength(1);
  });

  it('gives the community of the latest stored run up to the day, and none before any run', async () => {
    expect(
      (await explainMember(temp.store, { customerId: 'L', asOf: '2024-04-30', config })).community,
    ).toBeNull();
    await temp.store.run(
      raw(`INSERT INTO communities VALUES ('2024-03-31', 1, 7, '{}', 'buys often', '常买', 42, 0.5, now()),
          ('2024-04-30', 2, 5, '{}', 'big baskets', '大单', 42, 0.6, now());
        INSERT INTO community_assignments VALUES ('2024-03-31', 'L', 1), ('2024-04-30', 'L', 2)`),
    );
    const april = await explainMember(temp.store, { customerId: 'L', asOf: '2024-04-30', config });
    expect(april.community).toMatchObject({
      as_of: '2024-04-30',
      community: 2,
      members: 5,
      description_zh: '大单',
    });
    const march = await explainMember(temp.store, { customerId: 'L', asOf: '2024-04-15', config });
    expect(march.community).toMatchObject({
      as_of: '2024-03-31',
      community: 1,
      description_en: 'buys often',
    });
  });

  it('names an unknown id', async () => {
    const error = await explainMember(temp.store, { customerId: 'nobody', asOf: '2024-04-30', config }).catch(
      (e: unknown) => e,
    );
    expect((error as AppError).code).toBe('BAD_ARGUMENT');
    expect((error as AppError).message).toBe("no customer with id 'nobody' in the store");
  });

  it('computes live without a stored snapshot of the day and says so, and reads the snapshot once refreshed', async () => {
    const live = await explainMember(temp.store, { customerId: 'L', asOf: '2024-04-30', config });
    expect(live.source).toBe('live');
    expect(renderMember(live)).toContain(
      'computed now: no stored snapshot of 2024-04-30 holds this customer',
    );
    await refreshSnapshot(temp.store, { asOf: '2024-04-30', allCustomers: false, config });
    const stored = await explainMember(temp.store, { customerId: 'L', asOf: '2024-04-30', config });
    expect(stored.source).toBe('snapshot');
    expect(renderMember(stored)).toContain('read from the stored snapshot of 2024-04-30');
    // A non-member is not in a members' snapshot: computed live among all customers.
    const guest = await explainMember(temp.store, { customerId: 'X1', asOf: '2024-04-30', config });
    expect(guest).toMatchObject({ source: 'live', population: 'all_customers' });
  });

  it('labels every windowed figure with its window, and names stages as the Lifecycle line does', async () => {
    const windowed = configSchema.parse({ tags: { activity_window_days: 14, emotion_window_days: 60 } });
    await refreshSnapshot(temp.store, { asOf: '2024-01-31', allCustomers: false, config: windowed });
    await refreshSnapshot(temp.store, { asOf: '2024-04-30', allCustomers: false, config: windowed });
    const m = await explainMember(temp.store, { customerId: 'W', asOf: '2024-04-30', config: windowed });
    const lines = renderMember(m).split('\n');
    const line = (start: string): string => lines.find((l) => l.trimStart().startsWith(start)) ?? '';
    expect(line('all time:')).toContain(`refunded ${m.facts.refunded}`);
    expect(line('活跃度 activity:')).toMatch(/PV in \d+ sessions .*\(last 14 days\)$/);
    expect(line('情绪 emotion:')).toMatch(/refunds \d+ .*\(last 60 days\)$/);
    expect(line('属性 attributes:')).toMatch(/purchasing power .*\(last 365 days\)$/);
    const first = m.stage_history[0];
    if (!first) throw new Error('W has no stage history');
    const label = LIFECYCLE_STAGE_LABELS[first.to_stage];
    expect(line(`${first.changed_on}  stage`).trim()).toBe(
      `${first.changed_on}  stage (first snapshot) → ${label.name} ${label.zh}`,
    );
  });

  it('prints through the CLI, as text and as JSON', async () => {
    const db = temp.store.path;
    await temp.store.close();
    const text = runCli(['--db', db, 'member', 'L', '--as-of', '2024-04-30']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Lifecycle:');
    expect(text.stdout).toContain('cut points');
    const json = runCli(['--db', db, 'member', 'L', '--as-of', '2024-04-30', '--format', 'json']);
    expect((JSON.parse(json.stdout) as { facts: { purchases: number } }).facts.purchases).toBe(5);
    const missing = runCli(['--db', db, 'member', 'nobody']);
    expect(missing.status).toBe(2);
    temp = {
      ...temp,
      store: await (
        await import('../src/store/duckdb/duckdb-store.js')
      ).DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' }),
    };
  });
});
