/**
 * Size swings of lifecycle stages and RFM segments between two stored snapshots, worked out by
 * hand (defaults: a swing is a change of 20% or more, groups under 30 members before and after
 * are not checked):
 *   stage loyal      100 → 150  +50%  swing
 *   stage churned    100 → 100    0%  no swing
 *   stage new         10 →  20 +100%  too small (20 < 30), no swing
 *   segment champions 210 → 270 +28.6% swing
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/config.js';
import { listAlerts, runMonitor } from '../src/monitor/monitor.js';
import { raw } from '../src/store/sql.js';
import { openTempStore, type TempStore } from './helpers.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await openTempStore();
});
afterEach(() => temp.cleanup());

async function storeSnapshot(day: string, stages: Record<string, number>): Promise<void> {
  const customers = Object.values(stages).reduce((sum, n) => sum + n, 0);
  await temp.store.run(raw(`INSERT INTO snapshots VALUES ('${day}', 'members', ${customers}, NULL, now())`));
  let id = 0;
  for (const [stage, n] of Object.entries(stages)) {
    await temp.store.run(
      raw(`INSERT INTO customer_snapshots (as_of, customer_id, is_member, frequency, monetary, segment, stage, stage_rule)
        SELECT '${day}', 'C' || (${id} + i), true, 1, 10, 'champions', '${stage}', 'by hand' FROM range(${n}) t(i)`),
    );
    id += n;
  }
}

describe('size swings between stored snapshots', () => {
  it('alerts on the stages and segments whose size changed by 20% or more, among groups of 30 or more', async () => {
    // The monitor evaluates the days from the first one with data: an order on each day.
    await temp.store.run(
      raw(`INSERT INTO orders (id, customer_id, placed_at, status, paid_amount, refunded_amount, batch_id,
          first_imported_at, updated_at)
        VALUES ('o1', 'C1', '2024-03-30 10:00:00+08', 'paid', 10, 0, 1, now(), now()),
          ('o2', 'C2', '2024-03-31 10:00:00+08', 'paid', 10, 0, 1, now(), now())`),
    );
    await storeSnapshot('2024-03-30', { loyal: 100, churned: 100, new: 10 });
    await storeSnapshot('2024-03-31', { loyal: 150, churned: 100, new: 20 });
    const config = configSchema.parse({});
    await runMonitor(temp.store, { from: '2024-03-31', to: '2024-03-31', config });
    const swings = (await listAlerts(temp.store)).filter((alert) => alert.check === 'segment_swing');
    expect(swings.map((alert) => alert.subject).sort()).toEqual(['segment:champions', 'stage:loyal']);
    const change = new Map(
      swings.map((alert) => [alert.subject, (JSON.parse(alert.figures) as { change: number }).change]),
    );
    expect(change.get('stage:loyal')).toBeCloseTo(0.5, 4);
    expect(change.get('segment:champions')).toBeCloseTo(60 / 210, 4);
    expect(swings.every((alert) => alert.first_seen === '2024-03-31')).toBe(true);
  });
});
