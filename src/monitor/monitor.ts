/**
 * The daily monitor (spec section 10): evaluates every check on each day of a range, stores what
 * it found, and derives the alerts (alerts-query.ts says how). One day is the daily run; a range
 * back-fills history and is idempotent.
 *
 * - Activity, purchases, emotion and the product-problem signal come from one query over the
 *   whole range (daily-metrics-query.ts), scored in TypeScript (score-daily-series.ts).
 * - The stepped check runs the tier report (src/analytics/tiers) of each day under the latest
 *   stored calibration on or before it, or, when there is none, the calibration that day would
 *   get (not stored). Each tier that breaks the steps is a critical condition naming the tier.
 * - Tier sizes: each tier's members are compared with `swing_days` before, only when both days
 *   use the same stored calibration (a provisional calibration cuts the same shares every day,
 *   and a recalibration moves everyone by design).
 * - RFM segment and lifecycle stage sizes come from the stored snapshots (`huiyuan refresh`): a
 *   day with a snapshot is compared with the previous snapshot; without snapshots the check does
 *   not run, and the result says so.
 */
import type { Config } from '../config/config.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';
import { getLocalDays, type LocalDays } from '../analytics/facts/local-day.js';
import {
  calibrateTiers,
  getTierReport,
  listTierCalibrations,
  type TierCalibration,
  type TierReport,
} from '../analytics/tiers/tiers.js';
import {
  type AlertRow,
  buildAlertsOnDayQuery,
  buildAllAlertsQuery,
  buildClearDaysQueries,
  buildDeriveAlertsQueries,
  buildInsertConditionsQueries,
  buildInsertDaysQueries,
  buildSnapshotCountQuery,
  buildSnapshotSwingQuery,
  type SnapshotCountRow,
} from './alerts-query.js';
import {
  buildDailyMetricsQuery,
  buildFirstDataDayQuery,
  type DailyMetricsRow,
} from './daily-metrics-query.js';
import { type Condition, type DayEvaluation, type Figures, type MonitorCheck } from './monitor-checks.js';
import { addDays, listQuietDays, toDayNumber } from './quiet-days.js';
import { scoreDailySeries } from './score-daily-series.js';

export type { AlertRow } from './alerts-query.js';

export interface MonitorOptions {
  /** First day to evaluate, YYYY-MM-DD in the store timezone. */
  readonly from: string;
  /** Last day, not before `from`. */
  readonly to: string;
  readonly config: Pick<Config, 'monitor' | 'tiers' | 'tags'>;
  /** The tier checks count every customer with an order (a store without members; getTierPopulation). */
  readonly tiersAllCustomers?: boolean;
  /** Called after each day's tier check, for a progress bar. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface MonitorRun {
  readonly from: string;
  readonly to: string;
  /** Days evaluated (every day of the range on or after the first day with data). */
  readonly days: number;
  readonly conditions: number;
  /** Stored snapshots in the range; 0 means segment and stage swings were not checked. */
  readonly snapshots: number;
  /** Days of the range whose tiers used a calibration computed for the day (none stored). */
  readonly provisional_tier_days: number;
  readonly evaluations: readonly DayEvaluation[];
}

/** Evaluates every check on each day from `from` to `to`, stores the days and re-derives the alerts. */
export async function runMonitor(store: Store, options: MonitorOptions): Promise<MonitorRun> {
  const { config } = options;
  if (options.from > options.to)
    throw new AppError('BAD_ARGUMENT', `--from ${options.from} is after --to ${options.to}`);
  const [first] = await store.query<{ first_day: string | null }>(buildFirstDataDayQuery());
  const firstDataDay = first?.first_day ?? null;
  const empty: MonitorRun = {
    from: options.from,
    to: options.to,
    days: 0,
    conditions: 0,
    snapshots: 0,
    provisional_tier_days: 0,
    evaluations: [],
  };
  if (firstDataDay === null || firstDataDay > options.to) return empty;
  const from = options.from > firstDataDay ? options.from : firstDataDay;
  const localDays = await getLocalDays(store, options.to);

  const monitor = config.monitor;
  const lookback = monitor.baseline_days + 7 * monitor.weekday_weeks + monitor.emotion_exposure_days;
  const seriesFrom = [addDays(from, -lookback), firstDataDay].sort().at(-1) ?? from;
  const series = await store.query<DailyMetricsRow>(
    buildDailyMetricsQuery({
      from: seriesFrom,
      to: options.to,
      localDays,
      lowRatingMax: config.tags.low_rating_max,
    }),
  );
  const quietDays = listQuietDays(seriesFrom, options.to, monitor.quiet_days);
  const quiet = Uint8Array.from(series, (row) => (quietDays.has(row.day) ? 1 : 0));
  const firstIndex = toDayNumber(from) - toDayNumber(seriesFrom);
  const evaluations = scoreDailySeries(series, firstIndex, quiet, monitor);

  const tiers = await evaluateTiers(store, { ...options, from }, localDays);
  const snapshots = await evaluateSnapshotSwings(store, from, options.to, config.monitor);

  // Merge the three sources day by day.
  const merged = evaluations.map((evaluation): DayEvaluation => {
    const tier = tiers.byDay.get(evaluation.day);
    const swing = snapshots.byDay.get(evaluation.day);
    return {
      day: evaluation.day,
      checks: [...evaluation.checks, ...(tier?.checks ?? []), ...(swing?.checks ?? [])],
      conditions: [...evaluation.conditions, ...(tier?.conditions ?? []), ...(swing?.conditions ?? [])],
    };
  });
  const conditions = merged.flatMap((evaluation) => evaluation.conditions);
  await store.transaction(async () => {
    for (const query of buildClearDaysQueries(from, options.to)) await store.run(query);
    const days = merged.flatMap((evaluation) =>
      evaluation.checks.map((check) => ({ day: evaluation.day, check })),
    );
    for (const query of buildInsertDaysQueries(days)) await store.run(query);
    for (const query of buildInsertConditionsQueries(conditions)) await store.run(query);
    for (const query of buildDeriveAlertsQueries()) await store.run(query);
  });
  return {
    from,
    to: options.to,
    days: merged.length,
    conditions: conditions.length,
    snapshots: snapshots.count,
    provisional_tier_days: tiers.provisionalDays,
    evaluations: merged,
  };
}

interface Found {
  readonly checks: MonitorCheck[];
  readonly conditions: Condition[];
}

const round = (value: number | null, digits: number): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** The stepped check and tier-size swings of every day of the range, one tier report per day. */
async function evaluateTiers(
  store: Store,
  options: MonitorOptions,
  localDays: LocalDays,
): Promise<{ byDay: Map<string, Found>; provisionalDays: number }> {
  const { config } = options;
  const stored = await listTierCalibrations(store);
  const reports = new Map<string, { report: TierReport; stored: boolean }>();
  const total = toDayNumber(options.to) - toDayNumber(options.from) + 1;
  const getReport = async (day: string): Promise<{ report: TierReport; stored: boolean }> => {
    const known = reports.get(day);
    if (known) return known;
    const tierOptions = {
      asOf: day,
      config: config.tiers,
      facts: { localDays },
      allCustomers: options.tiersAllCustomers ?? false,
    };
    const latest: TierCalibration | undefined = stored.filter((c) => c.calibrated_on <= day).at(-1);
    const calibration = latest ?? (await calibrateTiers(store, tierOptions));
    const result = {
      report: await getTierReport(store, tierOptions, calibration, latest !== undefined),
      stored: latest !== undefined,
    };
    reports.set(day, result);
    return result;
  };
  const byDay = new Map<string, Found>();
  let provisionalDays = 0;
  for (let index = 0; index < total; index++) {
    const day = addDays(options.from, index);
    const { report, stored: isStored } = await getReport(day);
    if (!isStored) provisionalDays++;
    const found: Found = { checks: [], conditions: [] };
    if (report.members > 0) {
      found.checks.push('stepped');
      report.tiers.forEach((tier, position) => {
        if (tier.stepped !== false) return;
        const below = report.tiers
          .slice(0, position)
          .reverse()
          .find((t) => t.contribution_rate !== null);
        const figures: Figures = {
          tier: tier.tier,
          members: tier.members,
          member_share: round(tier.member_share, 4),
          value_share: round(tier.value_share, 4),
          contribution_rate: round(tier.contribution_rate, 4),
          below_tier: below?.tier ?? null,
          below_contribution_rate: round(below?.contribution_rate ?? null, 4),
          calibrated_on: report.calibration.calibrated_on,
          calibration_stored: isStored ? 'yes' : 'no',
        };
        found.conditions.push({
          day,
          check: 'stepped',
          subject: tier.tier,
          severity: 'critical',
          score: null,
          message:
            report.broken_steps.find((line) => line.includes(tier.name_zh)) ??
            `tier ${tier.name_zh} breaks the steps`,
          figures,
        });
      });
    }
    if (isStored) {
      const earlierDay = addDays(day, -config.monitor.swing_days);
      // Only a stored calibration makes sizes comparable, so the earlier day needs one too.
      const earlier = stored.some((c) => c.calibrated_on <= earlierDay) ? await getReport(earlierDay) : null;
      if (earlier?.stored && earlier.report.calibration.calibrated_on === report.calibration.calibrated_on) {
        found.checks.push('tier_swing');
        report.tiers.forEach((tier, position) => {
          const before = earlier.report.tiers[position]?.members ?? 0;
          const swing = checkSwing(tier.members, before, config.monitor);
          if (swing === null) return;
          found.conditions.push({
            day,
            check: 'tier_swing',
            subject: tier.tier,
            severity: 'warning',
            score: round(swing, 4),
            message: `tier ${tier.name_zh} has ${tier.members} members, ${before} on ${earlierDay} (${swing >= 0 ? '+' : '−'}${Math.abs(swing * 100).toFixed(0)}%)`,
            figures: { members: tier.members, before, compared_with: earlierDay, change: round(swing, 4) },
          });
        });
      }
    }
    byDay.set(day, found);
    options.onProgress?.(index + 1, total);
  }
  return { byDay, provisionalDays };
}

/** The relative change of a group's size when it is a swing, else null. */
export function checkSwing(now: number, before: number, config: Config['monitor']): number | null {
  if (Math.max(now, before) < config.swing_min_size) return null;
  const change = before > 0 ? (now - before) / before : Number.POSITIVE_INFINITY;
  return Math.abs(change) >= config.swing_share ? (Number.isFinite(change) ? change : 1) : null;
}

/** Segment and stage swings between consecutive stored snapshots. */
async function evaluateSnapshotSwings(
  store: Store,
  from: string,
  to: string,
  config: Config['monitor'],
): Promise<{ byDay: Map<string, Found>; count: number }> {
  const [count] = await store.query<{ n: number }>(buildSnapshotCountQuery(from, to));
  const rows = await store.query<SnapshotCountRow>(buildSnapshotSwingQuery(from, to));
  const byDay = new Map<string, Found>();
  for (const row of rows) {
    let found = byDay.get(row.day);
    if (!found) {
      found = { checks: ['segment_swing'], conditions: [] };
      byDay.set(row.day, found);
    }
    const swing = checkSwing(row.now, row.before, config);
    if (swing === null) continue;
    found.conditions.push({
      day: row.day,
      check: 'segment_swing',
      subject: row.subject,
      severity: 'warning',
      score: Math.round(swing * 10_000) / 10_000,
      message: `${row.subject.replace(':', ' ')} has ${row.now} members in the snapshot of ${row.day}, ${row.before} in the one of ${row.previous} (${swing >= 0 ? '+' : '−'}${Math.abs(swing * 100).toFixed(0)}%)`,
      figures: {
        members: row.now,
        before: row.before,
        compared_with: row.previous,
        change: Math.round(swing * 10_000) / 10_000,
      },
    });
  }
  return { byDay, count: count?.n ?? 0 };
}

export interface AlertsOnDay {
  readonly as_of: string;
  /** Open at the end of the day. */
  readonly open: readonly AlertRow[];
  /** First seen on the day. */
  readonly opened: readonly AlertRow[];
  /** Seen again on the day (open since an earlier day). */
  readonly updated: readonly AlertRow[];
  /** Resolved on the day: the check ran and the condition was gone. */
  readonly resolved: readonly AlertRow[];
}

/** The alerts as of a day: open ones and what changed that day. */
export async function getAlertsOnDay(store: Store, day: string): Promise<AlertsOnDay> {
  const rows = await store.query<AlertRow>(buildAlertsOnDayQuery(day));
  const open = rows.filter((row) => row.resolved_on === null || row.resolved_on > day);
  return {
    as_of: day,
    open,
    opened: open.filter((row) => row.first_seen === day),
    updated: open.filter((row) => row.first_seen < day && row.last_seen >= day),
    resolved: rows.filter((row) => row.resolved_on === day),
  };
}

/** Every stored alert, oldest first. */
export async function listAlerts(store: Store): Promise<AlertRow[]> {
  return store.query<AlertRow>(buildAllAlertsQuery());
}
