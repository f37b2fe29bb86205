/**
 * The daily monitor on generated stores with known truth.
 *
 * Recall: a store of 10,000 customers over two years gets, in its second year, an activity drop,
 * a complaint spike or a sales slump with activity up every 8 days (rotating) and six tier breaks
 * 50 days apart (src/demo/generate-store.ts, PlantedAnomalies). The planted days are read back
 * from the generator_truth table; a planted anomaly counts as found when an alert of its check
 * (activity page_views; emotion complaints; product_problem activity_up_sales_down; stepped, any
 * tier) was first seen on its day or the next. At least 95% must be found.
 *
 * False alerts: the same store without any anomaly (built-in ones switched off), monitored over
 * the 700 days from 2024-12-01; every alert is false, and there may be at most one per 90 days.
 *
 * Alert bookkeeping (persistence, resolution, re-opening) is checked on hand-written days.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/config.js';
import { loadDemo } from '../src/demo/load-demo.js';
import { buildDeriveAlertsQueries } from '../src/monitor/alerts-query.js';
import { listAlerts, runMonitor, type AlertRow } from '../src/monitor/monitor.js';
import { addDays } from '../src/monitor/quiet-days.js';
import { raw } from '../src/store/sql.js';
import { fingerprint, openTempStore, runCli, type TempStore } from './helpers.js';

const config = configSchema.parse({});
const CUSTOMERS = 10_000;
const SEED = 21;

/** Every 8 days of the second year, rotating the three daily kinds, away from 618 and the member days. */
function planDailyAnomalies(): { activityDrops: string[]; complaintSpikes: string[]; salesSlumps: string[] } {
  const plan = {
    activityDrops: [] as string[],
    complaintSpikes: [] as string[],
    salesSlumps: [] as string[],
  };
  const kinds = ['activityDrops', 'complaintSpikes', 'salesSlumps'] as const;
  let next = 0;
  for (let day = '2025-11-26'; day <= '2026-10-25'; day = addDays(day, 8)) {
    const monthDay = day.slice(5);
    if ((monthDay >= '06-08' && monthDay <= '06-28') || day.endsWith('-08')) continue;
    plan[kinds[next++ % 3]!].push(day);
  }
  return plan;
}
const TIER_BREAKS = ['2025-12-01', '2026-01-20', '2026-03-11', '2026-04-30', '2026-07-05', '2026-08-24'];

const EXPECTED: Record<string, { check: string; subject: string | null }> = {
  activity_drop: { check: 'activity', subject: 'page_views' },
  complaint_spike: { check: 'emotion', subject: 'complaints' },
  sales_slump: { check: 'product_problem', subject: 'activity_up_sales_down' },
  tier_break: { check: 'stepped', subject: null },
};

describe('monitoring a store with planted anomalies', () => {
  let temp: TempStore;
  let alerts: AlertRow[];
  let planted: { kind: string; from: string }[];

  beforeAll(async () => {
    temp = await openTempStore();
    await loadDemo(temp.store, {
      customers: CUSTOMERS,
      seed: SEED,
      rejectsDir: join(temp.dir, 'rejects'),
      anomalies: { builtIn: false, ...planDailyAnomalies(), tierBreaks: TIER_BREAKS },
    });
    await runMonitor(temp.store, { from: '2025-11-01', to: '2026-10-31', config });
    alerts = await listAlerts(temp.store);
    const [row] = await temp.store.query<{ truth: string }>(
      raw('SELECT truth::VARCHAR AS truth FROM generator_truth'),
    );
    planted = (
      JSON.parse(row!.truth) as { anomalies: { kind: string; from: string; planted?: boolean }[] }
    ).anomalies.filter((anomaly) => anomaly.planted);
  }, 180_000);
  afterAll(async () => {
    await temp.cleanup();
  });

  it('records every planted anomaly in the generator truth', () => {
    const plan = planDailyAnomalies();
    expect(planted.length).toBe(
      plan.activityDrops.length + plan.complaintSpikes.length + plan.salesSlumps.length + TIER_BREAKS.length,
    );
  });

  it('alerts on at least 95% of the planted anomalies on their day or the next', () => {
    const missed = planted.filter((anomaly) => {
      const expected = EXPECTED[anomaly.kind]!;
      return !alerts.some(
        (alert) =>
          alert.check === expected.check &&
          (expected.subject === null || alert.subject === expected.subject) &&
          (alert.first_seen === anomaly.from || alert.first_seen === addDays(anomaly.from, 1)),
      );
    });
    expect(planted.length).toBeGreaterThanOrEqual(40);
    expect(missed.length / planted.length).toBeLessThanOrEqual(0.05);
  });

  it('names the top tier when joiners with only year-old spending make it non-stepped', () => {
    const stepped = alerts.filter((alert) => alert.check === 'stepped');
    expect(new Set(stepped.map((alert) => alert.subject))).toEqual(new Set(['diamond']));
    // Each break clears once the joiners' orders leave the 12-month window (352–360 days after them).
    for (const alert of stepped) expect(alert.resolved_on).not.toBeNull();
  });

  it('gives the same alerts table when a range is evaluated again', async () => {
    const before = await fingerprint(temp.store, ['alerts', 'monitor_conditions']);
    await runMonitor(temp.store, { from: '2026-09-15', to: '2026-10-31', config });
    expect(await fingerprint(temp.store, ['alerts', 'monitor_conditions'])).toBe(before);
  });
});

describe('monitoring a clean store', () => {
  let temp: TempStore;

  beforeAll(async () => {
    temp = await openTempStore();
    await loadDemo(temp.store, {
      customers: CUSTOMERS,
      seed: SEED,
      rejectsDir: join(temp.dir, 'rejects'),
      anomalies: { builtIn: false },
    });
  }, 60_000);
  afterAll(async () => {
    await temp.cleanup();
  });

  it('raises at most one alert per 90 days', async () => {
    const run = await runMonitor(temp.store, { from: '2024-12-01', to: '2026-10-31', config });
    const alerts = await listAlerts(temp.store);
    expect(run.days).toBe(700);
    expect(alerts.length).toBeLessThanOrEqual(run.days / 90);
  }, 180_000);
});

describe('alerts from the days the checks ran', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await openTempStore();
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('updates an alert while its condition lasts, resolves it when it clears, and opens a new one after', async () => {
    // The activity check ran on days 1–6 (2026-03-01 … 03-06) but not on 03-03 (a quiet day).
    // page_views was abnormal on 03-01, 03-02, 03-04 (03-03 did not run, so the run continues),
    // normal on 03-05, abnormal again on 03-06: alert A 03-01…03-04, 3 days, resolved 03-05;
    // alert B from 03-06, open. Severity of A is its worst (critical on 03-02), figures its last day's.
    const { store } = temp;
    for (const day of ['2026-03-01', '2026-03-02', '2026-03-04', '2026-03-05', '2026-03-06'])
      await store.run(raw(`INSERT INTO monitor_days VALUES ('${day}', 'activity', now())`));
    const condition = (day: string, severity: string, value: number): string =>
      `INSERT INTO monitor_conditions VALUES ('${day}', 'activity', 'page_views', '${severity}', -5, 'pv ${value}', '{"value": ${value}}')`;
    await store.run(raw(condition('2026-03-01', 'warning', 10)));
    await store.run(raw(condition('2026-03-02', 'critical', 11)));
    await store.run(raw(condition('2026-03-04', 'warning', 12)));
    await store.run(raw(condition('2026-03-06', 'warning', 13)));
    for (const query of buildDeriveAlertsQueries()) await store.run(query);
    const alerts = await listAlerts(store);
    expect(
      alerts.map((a): unknown[] => [
        a.id,
        a.severity,
        a.first_seen,
        a.last_seen,
        a.days,
        a.resolved_on,
        JSON.parse(a.figures) as unknown,
      ]),
    ).toEqual([
      [
        'activity:page_views:2026-03-01',
        'critical',
        '2026-03-01',
        '2026-03-04',
        3,
        '2026-03-05',
        { value: 12 },
      ],
      ['activity:page_views:2026-03-06', 'warning', '2026-03-06', '2026-03-06', 1, null, { value: 13 }],
    ]);
  });
});

describe('huiyuan monitor', () => {
  it('refuses --from without --to', () => {
    const run = runCli(['monitor', '--from', '2026-01-01']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--from and --to go together/);
  });

  it('names an unknown monitor setting', () => {
    expect(() => configSchema.parse({ monitor: { z_treshold: 3 } })).toThrow(/z_treshold/);
  });
});
