/**
 * The tier system as of a day (spec section 4): calibrating thresholds, storing calibrations
 * (history kept, thresholds fixed between them), and the per-tier report with the stepped check.
 * Runs the queries of tiers-query.ts and shapes results snake_case for the CLI and scripts.
 *
 * Tier changes with their dates belong to the snapshot (refresh) machinery and are not recorded
 * here.
 */
import type { RfmConfig } from '../../config/config.js';
import type {
  TierCalibrationMethod,
  TierConfig,
  TierMeasure,
  TiersConfig,
} from '../../config/tiers-config.js';
import { AppError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { withLocalDays } from '../facts/customer-facts.js';
import { addMonths, applyMinimums, centsToString, checkSteps, toCents } from './tier-thresholds.js';
import {
  buildCountedCeilingQuery,
  buildDropValuedTableQuery,
  buildTierDayCountsQuery,
  buildTierDayCutsQuery,
  buildTierDaysValuedTableQuery,
  type TierDayCountRow,
  type TierDayCutsRow,
  type TierDaysOptions,
} from './tier-days-query.js';
import {
  buildCalibrationHistoryQuery,
  buildDeleteCalibrationQuery,
  buildInsertCalibrationQuery,
  buildLatestCalibrationQuery,
  buildMemberTiersQuery,
  buildTierCountsQuery,
  buildTierCutsQuery,
  type TierValueOptions,
} from './tiers-query.js';

export type { TierValueOptions } from './tiers-query.js';

export interface CalibratedTier {
  readonly tier: string;
  /** Exact decimal string; null for the entry tier, which holds everyone below tier 2. */
  readonly threshold: string | null;
  /** Members in the tier on the calibration day. */
  readonly members: number;
}

export interface TierCalibration {
  /** The as-of day of the calibration. */
  readonly calibrated_on: string;
  readonly method: TierCalibrationMethod;
  /** The value measure the thresholds are in; later placements measure the same way. */
  readonly measure: TierMeasure;
  readonly window_months: number;
  readonly special_days: TiersConfig['special_days'];
  readonly members: number;
  readonly tiers: readonly CalibratedTier[];
}

export interface TierReportRow {
  readonly tier: string;
  readonly name: string;
  readonly name_zh: string;
  readonly threshold: string | null;
  readonly min_threshold: number | null;
  readonly members: number;
  /** 0–1 of the counted members. */
  readonly member_share: number;
  /** Σ tier measure (net spend over window_months) of the tier's members, exact. */
  readonly measure_value: string;
  /** Σ net spend over contribution_months of the tier's members, exact: the stepped check's value. */
  readonly value: string;
  /** 0–1 of the total contribution value; null when that total is not positive. */
  readonly value_share: number | null;
  /** value_share ÷ member_share; null when either is missing or the tier is empty. */
  readonly contribution_rate: number | null;
  /** Contribution rate above the tier below's; null for the entry tier. */
  readonly stepped: boolean | null;
  readonly benefits: TierConfig['benefits'];
}

export interface TierReport {
  readonly as_of: string;
  readonly measure: TierMeasure;
  readonly window_months: number;
  readonly contribution_months: number;
  readonly special_days: TiersConfig['special_days'];
  readonly calibration: {
    readonly calibrated_on: string;
    readonly method: TierCalibrationMethod;
    /** False when no calibration was stored on or before the day and this one was computed for it. */
    readonly stored: boolean;
    /** calibrated_on + recalibrate_every_months. */
    readonly next_due: string;
    /** The as-of day is on or after next_due. */
    readonly overdue: boolean;
  };
  readonly members: number;
  /** Σ tier measure over all counted members. */
  readonly measure_value: string;
  /** Σ contribution value over all counted members. */
  readonly value: string;
  readonly tiers: readonly TierReportRow[];
  /** Every tier above the entry tier is stepped. */
  readonly stepped: boolean;
  /** One line per tier that breaks the steps, naming it. */
  readonly broken_steps: readonly string[];
}

/**
 * The options measuring values as the calibration measured them (its measure, window and
 * special days), so thresholds and values agree.
 */
export function measureAsCalibrated(
  options: TierValueOptions,
  calibration: TierCalibration,
): TierValueOptions {
  return {
    ...options,
    config: {
      ...options.config,
      measure: calibration.measure,
      window_months: calibration.window_months,
      special_days: calibration.special_days,
    },
  };
}

/** Computes a calibration as of options.asOf (not stored). */
export async function calibrateTiers(store: Store, given: TierValueOptions): Promise<TierCalibration> {
  const options = await withLocalDays(store, given);
  const [cuts] = await store.query<TierCuts>(buildTierCutsQuery(options));
  const thresholds = getThresholds(options.config, cuts);
  return shapeCalibration(options, cuts?.n ?? 0, thresholds, await countTiers(store, options, thresholds));
}

interface TierCuts {
  readonly n: number;
  readonly max_value: string | null;
  readonly candidates: (string | null)[] | null;
  readonly [key: string]: string | number | (string | null)[] | null;
}

/** Thresholds t2 … tK from a calibration's cuts (none: no counted member). */
const getThresholds = (config: TiersConfig, cuts: TierCuts | undefined): string[] =>
  applyMinimums(cuts?.candidates ?? [], cuts?.max_value ?? null, config.levels);

function shapeCalibration(
  options: Pick<TierValueOptions, 'asOf' | 'config'>,
  members: number,
  thresholds: readonly string[],
  counts: readonly TierCount[],
): TierCalibration {
  const { config } = options;
  return {
    calibrated_on: options.asOf,
    method: config.calibration.method,
    measure: config.measure,
    window_months: config.window_months,
    special_days: config.special_days,
    members,
    tiers: config.levels.map((level, index) => ({
      tier: level.id,
      threshold: index === 0 ? null : (thresholds[index - 1] ?? null),
      members: counts[index]?.members ?? 0,
    })),
  };
}

/** Stores a calibration; a calibration of the same day is replaced, other days are kept. */
export async function saveTierCalibration(store: Store, calibration: TierCalibration): Promise<void> {
  await store.transaction(async () => {
    await store.run(buildDeleteCalibrationQuery(calibration.calibrated_on));
    await store.run(
      buildInsertCalibrationQuery({
        calibratedOn: calibration.calibrated_on,
        method: calibration.method,
        measure: calibration.measure,
        windowMonths: calibration.window_months,
        specialDays: JSON.stringify(calibration.special_days),
        members: calibration.members,
        tiers: JSON.stringify(calibration.tiers),
      }),
    );
  });
}

interface CalibrationDbRow {
  calibrated_on: string;
  method: TierCalibrationMethod;
  measure: TierMeasure;
  window_months: number;
  special_days: string;
  members: number;
  tiers: string;
  [key: string]: string | number;
}

const fromRow = (row: CalibrationDbRow): TierCalibration => ({
  calibrated_on: row.calibrated_on,
  method: row.method,
  measure: row.measure,
  window_months: row.window_months,
  special_days: JSON.parse(row.special_days) as TiersConfig['special_days'],
  members: row.members,
  tiers: JSON.parse(row.tiers) as CalibratedTier[],
});

/** The latest calibration stored on or before the day, or null. */
export async function getLatestTierCalibration(store: Store, asOf: string): Promise<TierCalibration | null> {
  const [row] = await store.query<CalibrationDbRow>(buildLatestCalibrationQuery(asOf));
  return row ? fromRow(row) : null;
}

/** Every stored calibration, oldest first. */
export async function listTierCalibrations(store: Store): Promise<TierCalibration[]> {
  const rows = await store.query<CalibrationDbRow>(buildCalibrationHistoryQuery());
  return rows.map(fromRow);
}

interface TierCount {
  readonly members: number;
  readonly value: string;
  readonly recent: string;
}

async function countTiers(
  store: Store,
  options: TierValueOptions,
  thresholds: readonly string[],
): Promise<TierCount[]> {
  const rows = await store.query<{ tier: number; members: number; value: string; recent: string }>(
    buildTierCountsQuery(options, thresholds),
  );
  return toTierCounts(options.config, rows);
}

/** One count per configured tier, 0 for a tier without a row. */
function toTierCounts(
  config: TiersConfig,
  rows: readonly { tier: number; members: number; value: string; recent: string }[],
): TierCount[] {
  const byTier = new Map(rows.map((row) => [row.tier, row]));
  return config.levels.map((_, index) => {
    const row = byTier.get(index + 1);
    return { members: row?.members ?? 0, value: row?.value ?? '0.00', recent: row?.recent ?? '0.00' };
  });
}

/** The thresholds t2 … tK of a calibration made for the configured tiers (same ids, same order). */
function getCalibratedThresholds(config: TiersConfig, calibration: TierCalibration): string[] {
  const ids = config.levels.map((level) => level.id);
  const calibratedIds = calibration.tiers.map((tier) => tier.tier);
  if (ids.join('\u0000') !== calibratedIds.join('\u0000'))
    throw new AppError(
      'BAD_CONFIG',
      `the calibration of ${calibration.calibrated_on} was made for the tiers ${calibratedIds.join(', ')}, but the config has ${ids.join(', ')}: run \`huiyuan tiers --calibrate\``,
    );
  return calibration.tiers.slice(1).map((tier) => tier.threshold ?? '0.00');
}

/**
 * Tiers as of options.asOf under a calibration's thresholds: per tier the threshold, members,
 * member share, value share, contribution rate and the stepped check. Values are measured with the
 * calibration's window and special days. The calibration must have been made for the configured
 * tiers (same ids, same order).
 */
export async function getTierReport(
  store: Store,
  options: TierValueOptions,
  calibration: TierCalibration,
  stored: boolean,
): Promise<TierReport> {
  const thresholds = getCalibratedThresholds(options.config, calibration);
  const measured = measureAsCalibrated(await withLocalDays(store, options), calibration);
  return shapeTierReport(options, calibration, stored, await countTiers(store, measured, thresholds));
}

/** The report of a day from its tier counts under a calibration. */
function shapeTierReport(
  options: Pick<TierValueOptions, 'asOf' | 'config'>,
  calibration: TierCalibration,
  stored: boolean,
  counts: readonly TierCount[],
): TierReport {
  const { config } = options;
  const members = counts.reduce((sum, c) => sum + c.members, 0);
  const measureCents = counts.reduce((sum, c) => sum + toCents(c.value), 0n);
  const totalCents = counts.reduce((sum, c) => sum + toCents(c.recent), 0n);
  const rows = config.levels.map((level, index) => {
    const count = counts[index] ?? { members: 0, value: '0.00', recent: '0.00' };
    const memberShare = members > 0 ? count.members / members : 0;
    const valueShare = totalCents > 0n ? Number(toCents(count.recent)) / Number(totalCents) : null;
    return {
      tier: level.id,
      name: level.name,
      name_zh: level.name_zh,
      threshold: calibration.tiers[index]?.threshold ?? null,
      min_threshold: index === 0 ? null : (level.min_threshold ?? null),
      members: count.members,
      member_share: memberShare,
      measure_value: centsToString(toCents(count.value)),
      value: centsToString(toCents(count.recent)),
      value_share: valueShare,
      contribution_rate: valueShare !== null && count.members > 0 ? valueShare / memberShare : null,
      benefits: level.benefits,
    };
  });
  const steps = checkSteps(rows);
  const nextDue = addMonths(calibration.calibrated_on, config.recalibrate_every_months);
  return {
    as_of: options.asOf,
    measure: calibration.measure,
    window_months: calibration.window_months,
    contribution_months: config.contribution_months,
    special_days: calibration.special_days,
    calibration: {
      calibrated_on: calibration.calibrated_on,
      method: calibration.method,
      stored,
      next_due: nextDue,
      overdue: options.asOf >= nextDue,
    },
    members,
    measure_value: centsToString(measureCents),
    value: centsToString(totalCents),
    tiers: rows.map((row, index) => ({ ...row, stepped: steps[index]?.stepped ?? null })),
    stepped: steps.every((step) => step.stepped !== false),
    broken_steps: steps.flatMap((step) => (step.problem ? [step.problem] : [])),
  };
}

export interface MemberTier {
  readonly customer_id: string;
  /** The tier measure, exact. */
  readonly value: string;
  /** Net spend over the contribution window, exact. */
  readonly recent: string;
  readonly tier: string;
}

/** Every counted member's value and tier under a calibration's thresholds, highest value first. */
export async function getMemberTiers(
  store: Store,
  options: TierValueOptions,
  calibration: TierCalibration,
): Promise<MemberTier[]> {
  const thresholds = calibration.tiers.slice(1).map((tier) => tier.threshold ?? '0.00');
  const rows = await store.query<{ customer_id: string; value: string; recent: string; tier: number }>(
    buildMemberTiersQuery(measureAsCalibrated(await withLocalDays(store, options), calibration), thresholds),
  );
  return rows.map((row) => ({ ...row, tier: calibration.tiers[row.tier - 1]?.tier ?? String(row.tier) }));
}

export interface TierDaysReportOptions extends TierDaysOptions {
  /** The RFM definition, for the measure 'rfm_score' (computed one day at a time). */
  readonly rfm?: RfmConfig;
}

export interface DayTierReport {
  readonly report: TierReport;
  /** The report used a stored calibration (false: the calibration computed for the day). */
  readonly stored: boolean;
}

/** Days × counted customers one back-fill query joins at most, so a large store's range runs in chunks. */
const ROWS_PER_QUERY = 20_000_000;
const VALUED_DAYS_TABLE = 'huiyuan_tier_days_valued';

/**
 * The tier report of each day under the stored calibration `calibrationOf(day)` gives or, where
 * it gives null, under the calibration that day would get (not stored): the reports getTierReport
 * (after calibrateTiers) gives one day at a time, from two queries per calibration and chunk of
 * days (tier-days-query.ts). Calls onProgress with the number of days done.
 */
export async function getTierReportsOfDays(
  store: Store,
  options: TierDaysReportOptions,
  calibrationOf: (day: string) => TierCalibration | null,
  onProgress?: (done: number) => void,
): Promise<Map<string, DayTierReport>> {
  const groups = new Map<TierCalibration | null, string[]>();
  for (const day of options.days) {
    const calibration = calibrationOf(day);
    groups.set(calibration, [...(groups.get(calibration) ?? []), day]);
  }
  const [ceiling] = await store.query<{ customers: number }>(buildCountedCeilingQuery());
  const chunkDays = Math.max(1, Math.floor(ROWS_PER_QUERY / Math.max(1, Number(ceiling?.customers ?? 0))));
  const reports = new Map<string, DayTierReport>();
  const done = (): void => onProgress?.(reports.size);
  for (const [calibration, days] of groups) {
    const config = calibration
      ? measureAsCalibrated({ asOf: '', config: options.config }, calibration).config
      : options.config;
    if (config.measure === 'rfm_score') {
      for (const day of days) {
        const dayOptions: TierValueOptions = {
          asOf: day,
          config: options.config,
          facts: { localDays: options.localDays },
          allCustomers: options.allCustomers ?? false,
          ...(options.rfm ? { rfm: options.rfm } : {}),
        };
        const report = await getTierReport(
          store,
          dayOptions,
          calibration ?? (await calibrateTiers(store, dayOptions)),
          calibration !== null,
        );
        reports.set(day, { report, stored: calibration !== null });
        done();
      }
      continue;
    }
    for (let start = 0; start < days.length; start += chunkDays) {
      const chunk: TierDaysOptions = { ...options, config, days: days.slice(start, start + chunkDays) };
      const thresholdsOf = new Map<string, string[]>();
      const membersOf = new Map<string, number>();
      let valuedTable: string | undefined;
      if (calibration) {
        const thresholds = getCalibratedThresholds(options.config, calibration);
        for (const day of chunk.days) thresholdsOf.set(day, thresholds);
      } else {
        // Two queries over the same weighted members: computed once.
        valuedTable = VALUED_DAYS_TABLE;
        await store.run(buildTierDaysValuedTableQuery(chunk, valuedTable));
        const cuts = new Map(
          (await store.query<TierDayCutsRow>(buildTierDayCutsQuery(chunk, valuedTable))).map((row) => [
            row.day,
            row,
          ]),
        );
        for (const day of chunk.days) {
          thresholdsOf.set(day, getThresholds(config, cuts.get(day)));
          membersOf.set(day, cuts.get(day)?.n ?? 0);
        }
      }
      const rowsOf = new Map<string, TierDayCountRow[]>();
      const countsQuery = buildTierDayCountsQuery(chunk, thresholdsOf, valuedTable);
      for (const row of await store.query<TierDayCountRow>(countsQuery))
        rowsOf.set(row.day, [...(rowsOf.get(row.day) ?? []), row]);
      if (valuedTable) await store.run(buildDropValuedTableQuery(valuedTable));
      for (const day of chunk.days) {
        const counts = toTierCounts(config, rowsOf.get(day) ?? []);
        const dayOptions = { asOf: day, config: options.config };
        const used =
          calibration ??
          shapeCalibration(
            { asOf: day, config },
            membersOf.get(day) ?? 0,
            thresholdsOf.get(day) ?? [],
            counts,
          );
        reports.set(day, {
          report: shapeTierReport(dayOptions, used, calibration !== null, counts),
          stored: calibration !== null,
        });
      }
      done();
    }
  }
  return reports;
}
