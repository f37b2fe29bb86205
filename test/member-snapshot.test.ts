/**
 * `member ID` from the stored snapshot against the live computation, for every member of a demo
 * store. The live figures are computed here once for everyone, by the functions the `rfm`,
 * `tiers`, `lifecycle`, `tags` and `predict` commands run over the orders; the snapshot path
 * reads only the rows stored by refresh (and the member's own orders). Without a stored tier
 * calibration, so the thresholds must come from what the refresh stored beside the day.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLifecycleCustomers } from '../src/analytics/lifecycle/lifecycle.js';
import { LIFECYCLE_STAGE_LABELS } from '../src/analytics/lifecycle/lifecycle-stages.js';
import { explainMember } from '../src/analytics/member/explain-member.js';
import { PREDICTIONS_TABLE, predictCustomers } from '../src/analytics/predict/predict.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { getLastOrderDay, getRfmCustomers, getRfmCutPoints } from '../src/analytics/rfm/rfm.js';
import { getCustomerTags } from '../src/analytics/tags/tags.js';
import { calibrateTiers, getMemberTiers } from '../src/analytics/tiers/tiers.js';
import { configSchema } from '../src/config/config.js';
import { loadDemo } from '../src/demo/load-demo.js';
import { RFM_SEGMENT_LABELS } from '../src/domain/rfm-segments.js';
import { sql } from '../src/store/sql.js';
import { openTempStore, type TempStore } from './helpers.js';

const config = configSchema.parse({});
let temp: TempStore;
let asOf: string;

beforeAll(async () => {
  temp = await openTempStore();
  await loadDemo(temp.store, { customers: 1500, seed: 7, rejectsDir: join(temp.dir, 'rejects') });
  asOf = (await getLastOrderDay(temp.store)) ?? '';
  await refreshSnapshot(temp.store, { asOf, allCustomers: false, config });
}, 120_000);
afterAll(async () => {
  await temp.cleanup();
});

describe('member explained from the stored snapshot', () => {
  it('equals the live computation, field by field, for every member of the day', async () => {
    const { store } = temp;
    const members = await store.query<{ id: string }>(
      sql`SELECT id FROM customers WHERE member_since < (${asOf}::DATE + 1)::TIMESTAMPTZ ORDER BY id`,
    );
    expect(members.length).toBeGreaterThan(500);

    const rfm = new Map(
      (await getRfmCustomers(store, { asOf, config: config.rfm })).map((r) => [r.customer_id, r]),
    );
    const { cut_points } = await getRfmCutPoints(store, { asOf, config: config.rfm });
    const stages = new Map(
      (await getLifecycleCustomers(store, { asOf, config: config.lifecycle })).map((r) => [r.customer_id, r]),
    );
    const tags = new Map(
      (await getCustomerTags(store, { asOf, config: config.tags })).map((t) => [t.customer_id, t]),
    );
    const calibration = await calibrateTiers(store, { asOf, config: config.tiers, rfm: config.rfm });
    const tiers = new Map(
      (await getMemberTiers(store, { asOf, config: config.tiers, rfm: config.rfm }, calibration)).map((t) => [
        t.customer_id,
        t,
      ]),
    );
    expect((await predictCustomers(store, { asOf, config: config.predict })).status).toBe('fitted');
    const predicted = new Map(
      (
        await store.query<{
          customer_id: string;
          p_alive: number | null;
          expected_purchases: number | null;
          expected_spend: number | null;
          clv: number | null;
          next_order_day: string | null;
        }>({
          sql: `SELECT customer_id, p_alive, expected_purchases, expected_spend, clv, next_order_day::VARCHAR AS next_order_day
            FROM ${PREDICTIONS_TABLE}`,
          params: [],
        })
      ).map((p) => [p.customer_id, p]),
    );

    for (const { id } of members) {
      const m = await explainMember(store, { customerId: id, asOf, config });
      expect(m.source).toBe('snapshot');
      expect(m.population).toBe('members');
      const r = rfm.get(id);
      expect(r, id).toBeDefined();
      if (!r) continue;
      expect(m.rfm).toEqual({
        ...r,
        cut_points,
        segment_name: RFM_SEGMENT_LABELS[r.segment].name,
        segment_zh: RFM_SEGMENT_LABELS[r.segment].zh,
      });
      const stage = stages.get(id);
      if (!stage) throw new Error(`no live stage for ${id}`);
      expect(m.lifecycle).toEqual({
        ...stage,
        stage_name: LIFECYCLE_STAGE_LABELS[stage.stage].name,
        stage_zh: LIFECYCLE_STAGE_LABELS[stage.stage].zh,
      });
      expect(m.tags).toEqual(tags.get(id));
      const placed = tiers.get(id);
      if (!placed) throw new Error(`no live tier for ${id}`);
      const index = calibration.tiers.findIndex((t) => t.tier === placed.tier);
      const level = config.tiers.levels.find((l) => l.id === placed.tier);
      expect(m.tier).toEqual({
        tier: placed.tier,
        name: level?.name,
        name_zh: level?.name_zh,
        value: placed.value,
        threshold: calibration.tiers[index]?.threshold ?? null,
        next_tier: calibration.tiers[index + 1]?.tier ?? null,
        next_threshold: calibration.tiers[index + 1]?.threshold ?? null,
        calibrated_on: calibration.calibrated_on,
        calibration_stored: false,
      });
      const p = predicted.get(id);
      if (!p) {
        expect(m.prediction, id).toBeNull();
        continue;
      }
      const close = (a: number | null | undefined, b: number | null): void => {
        if (b === null) expect(a).toBeNull();
        // Two fits of the same data stop within the optimiser's tolerance of each other.
        else expect(Math.abs((a ?? Number.NaN) - b)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b)));
      };
      close(m.prediction?.p_alive, p.p_alive);
      close(m.prediction?.churn_probability, p.p_alive === null ? null : 1 - p.p_alive);
      close(m.prediction?.expected_purchases, p.expected_purchases);
      close(m.prediction?.expected_spend, p.expected_spend);
      close(m.prediction?.clv, p.clv);
      expect(m.prediction?.next_order_day).toBe(p.next_order_day);
      expect(m.prediction?.horizon_days).toBe(config.predict.horizon_days);
    }
  }, 300_000);

  it('computes live, and says so, for a day without a stored snapshot', async () => {
    const { store } = temp;
    const [someone] = await store.query<{ id: string }>(
      sql`SELECT id FROM customers WHERE member_since < (${asOf}::DATE)::TIMESTAMPTZ ORDER BY id LIMIT 1`,
    );
    const dayBefore = new Date(Date.parse(`${asOf}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const m = await explainMember(store, { customerId: someone?.id ?? '', asOf: dayBefore, config });
    expect(m.source).toBe('live');
    const live = (await getRfmCustomers(store, { asOf: dayBefore, config: config.rfm })).find(
      (r) => r.customer_id === someone?.id,
    );
    expect(m.rfm).toMatchObject({ ...live });
  }, 120_000);
});
