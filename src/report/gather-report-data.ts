/**
 * Collects everything the report shows from the Store, as of one day, through the analytics
 * functions: the KPIs month by month, the tiers with the stepped check, the R × FM grid, the
 * lifecycle stages and the last month's flows, cohort retention, communities, invitation
 * candidates. Two sections come from modules wired by the caller (ReportSources): the open
 * alerts of the daily monitor and the loyal-versus-churned profile comparison; without a
 * source the section says it is not available, and no figure is made up.
 *
 * Stored or computed: the R × FM grid is read from the stored snapshot of the day when one
 * exists (`huiyuan refresh`), else computed from the orders; the communities are the latest
 * stored run on or before the day (`huiyuan communities`), else a run computed for the report
 * and not stored; the tiers use the latest stored calibration on or before the day, else a
 * calibration of the day (not stored), as `huiyuan tiers` does. Everything else is computed
 * from the orders (the analytics functions are cheap enough, and a snapshot could be stale).
 */
import { basename } from 'node:path';
import {
  type CommunityFeature,
  describeTooFewMembers,
  findCommunities,
} from '../analytics/communities/communities.js';
import { withLocalDays } from '../analytics/facts/customer-facts.js';
import { getCohortRetention, getKpis, getOrderDays } from '../analytics/kpis/kpis.js';
import { getLifecycleSummary, withPredictions } from '../analytics/lifecycle/lifecycle.js';
import {
  buildInviteCandidatesQuery,
  buildLifecycleCustomersQuery,
} from '../analytics/lifecycle/lifecycle-query.js';
import {
  LIFECYCLE_REPORT_ORDER,
  LIFECYCLE_STAGE_LABELS,
  type LifecycleStage,
  type LifecycleStageOrNone,
} from '../analytics/lifecycle/lifecycle-stages.js';
import { buildRfmRowsQuery } from '../analytics/rfm/rfm-query.js';
import { calibrateTiers, getLatestTierCalibration, getTierReport } from '../analytics/tiers/tiers.js';
import type { Config } from '../config/config.js';
import { listGridCells, RFM_SEGMENT_LABELS, RFM_SEGMENTS } from '../domain/rfm-segments.js';
import { AppError } from '../errors.js';
import type { Query } from '../store/sql.js';
import type { Store } from '../store/store.js';
import type {
  ReportAlert,
  ReportCommunities,
  ReportComparison,
  ReportData,
  ReportFlow,
  ReportLifecycle,
  ReportMissing,
  ReportRfm,
} from './report-data.js';
import {
  buildCountQuery,
  buildRfmGridQuery,
  buildSnapshotOfDayQuery,
  buildSnapshotRfmGridQuery,
  buildStageFlowsQuery,
  buildStoredCommunitiesQuery,
  buildStoredStageCountsQuery,
  buildStoredStagesQuery,
} from './report-queries.js';
import { gatherRuleReports } from './report-rules.js';

/**
 * Where the sections of modules outside the report come from. Each is called with the as-of
 * day; it returns the section's data, or ReportMissing saying why there is none (e.g. the
 * monitor has not run, no snapshot of the day is stored).
 */
export interface ReportSources {
  /** The monitor's alerts open at the end of the day. */
  readonly getOpenAlerts?: (store: Store, asOf: string) => Promise<readonly ReportAlert[] | ReportMissing>;
  /** Loyal members against churned members. */
  readonly getProfileComparison?: (store: Store, asOf: string) => Promise<ReportComparison | ReportMissing>;
}

export interface GatherReportOptions {
  /** YYYY-MM-DD in the store's timezone; default: the day of the last order. */
  readonly asOf?: string;
  readonly config: Pick<Config, 'rfm' | 'tiers' | 'lifecycle' | 'tags' | 'predict'>;
  readonly sources?: ReportSources;
  /** The report's time stamp (default: now). */
  readonly now?: Date;
}

/** Months of cohorts shown, the as-of month included. */
export const COHORT_MONTHS = 12;

const NOT_AVAILABLE = {
  alerts: {
    missing: {
      en: 'Not available yet: the daily monitor is not part of this build.',
      zh: '暂不可用：此版本尚未包含每日监控。',
    },
  },
  profiles: {
    missing: {
      en: 'Not available yet: the consumer profile comparison is not part of this build.',
      zh: '暂不可用：此版本尚未包含消费者轮廓对比。',
    },
  },
} as const satisfies Record<string, ReportMissing>;

/** YYYY-MM-01 of the month `months` before the day's month. */
function startOfMonthBefore(day: string, months: number): string {
  const date = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() - months);
  return date.toISOString().slice(0, 10);
}

function lastDayOfMonth(month: string): string {
  const date = new Date(`${month}-01T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + 1, 0);
  return date.toISOString().slice(0, 10);
}

/**
 * Gathers the report as of a day, or returns null for a store without orders.
 * @example const data = await gatherReportData(store, { config }); renderHtml(data, { lang: 'zh-CN', echarts })
 */
export async function gatherReportData(
  store: Store,
  options: GatherReportOptions,
): Promise<ReportData | null> {
  const days = await getOrderDays(store);
  if (days === null) return null;
  const asOf = options.asOf ?? days.last;
  if (asOf < days.first)
    throw new AppError(
      'BAD_ARGUMENT',
      `--as-of ${asOf} is before the first order (${days.first}): there is nothing to report yet`,
    );
  const { config } = options;
  const sources = options.sources ?? {};

  const kpis = await getKpis(store, {
    from: days.first,
    to: asOf,
    period: 'month',
    lifecycle: config.lifecycle,
  });
  const cohortFrom = [startOfMonthBefore(asOf, COHORT_MONTHS - 1), days.first].sort().at(-1) ?? days.first;
  const cohorts = await getCohortRetention(store, { from: cohortFrom, to: asOf });

  const tierOptions = { asOf, config: config.tiers };
  const storedCalibration = await getLatestTierCalibration(store, asOf);
  const tiers = await getTierReport(
    store,
    tierOptions,
    storedCalibration ?? (await calibrateTiers(store, tierOptions)),
    storedCalibration !== null,
  );

  const rfm = await gatherRfm(store, asOf, config);
  const lifecycle = await gatherLifecycle(store, asOf, days.first, config);
  const communities = await gatherCommunities(store, asOf, config);
  const [invite] = await store.query<{ n: number }>(
    buildCountQuery(buildInviteCandidatesQuery({ asOf, config: config.lifecycle })),
  );

  return {
    as_of: asOf,
    generated_at: (options.now ?? new Date()).toISOString(),
    store: { timezone: store.timezone, database: basename(store.path) },
    kpis: kpis.periods,
    tiers,
    rfm,
    lifecycle,
    cohorts: cohorts.cohorts,
    alerts: sources.getOpenAlerts ? await sources.getOpenAlerts(store, asOf) : NOT_AVAILABLE.alerts,
    profile_comparison: sources.getProfileComparison
      ? await sources.getProfileComparison(store, asOf)
      : NOT_AVAILABLE.profiles,
    communities,
    invite_candidates: invite?.n ?? 0,
    rules: await gatherRuleReports(store, asOf),
  };
}

async function gatherRfm(
  store: Store,
  asOf: string,
  config: GatherReportOptions['config'],
): Promise<ReportRfm> {
  const [snapshot] = await store.query<{ population: string }>(buildSnapshotOfDayQuery(asOf));
  const rows = await store.query<{ r: number | null; fm: number | null; customers: number }>(
    snapshot
      ? buildSnapshotRfmGridQuery(asOf)
      : buildRfmGridQuery(buildRfmRowsQuery(await withLocalDays(store, { asOf, config: config.rfm }))),
  );
  const count = new Map(rows.map((row) => [`${row.r}:${row.fm}`, row.customers]));
  const cells = listGridCells(config.rfm.segments).map((cell) => ({
    ...cell,
    customers: count.get(`${cell.r}:${cell.fm}`) ?? 0,
  }));
  const bySegment = new Map<string, number>();
  for (const cell of cells) bySegment.set(cell.segment, (bySegment.get(cell.segment) ?? 0) + cell.customers);
  return {
    source: snapshot ? 'snapshot' : 'computed',
    scored: cells.reduce((sum, cell) => sum + cell.customers, 0),
    no_purchase: rows.filter((row) => row.r === null).reduce((sum, row) => sum + row.customers, 0),
    cells,
    segments: RFM_SEGMENTS.map((segment) => ({
      segment,
      name: { en: RFM_SEGMENT_LABELS[segment].name, zh: RFM_SEGMENT_LABELS[segment].zh },
      customers: bySegment.get(segment) ?? 0,
    })),
  };
}

async function gatherLifecycle(
  store: Store,
  asOf: string,
  firstDay: string,
  config: GatherReportOptions['config'],
): Promise<ReportLifecycle> {
  const stages = await gatherStages(store, asOf, config);
  // The last month that has ended by the as-of day: a month still running would be judged on
  // its end, after the as-of day.
  const month =
    lastDayOfMonth(asOf.slice(0, 7)) === asOf ? asOf.slice(0, 7) : startOfMonthBefore(asOf, 1).slice(0, 7);
  if (month < firstDay.slice(0, 7)) return { stages, month: null, from_day: null, to_day: null, flows: [] };
  const before = startOfMonthBefore(`${month}-01`, 1).slice(0, 7);
  const fromDay = lastDayOfMonth(before);
  const toDay = lastDayOfMonth(month);
  const { previous, moves } = await getMonthEndFlows(store, fromDay, toDay, config);
  const moved = new Map<string, number>();
  for (const flow of moves) moved.set(flow.from_stage, (moved.get(flow.from_stage) ?? 0) + flow.customers);
  // Members stay members, so whoever was in a stage at the previous month end and did not move stayed.
  const stays: ReportFlow[] = LIFECYCLE_REPORT_ORDER.map((stage) => ({
    from_stage: stage,
    to_stage: stage,
    customers: previous[stage] - (moved.get(stage) ?? 0),
  }));
  return {
    stages,
    month,
    from_day: fromDay,
    to_day: toDay,
    flows: [...stays, ...moves].filter((flow) => flow.customers > 0),
  };
}

/** The members per stage as of the day: counted from the day's stored snapshot, or computed. */
async function gatherStages(
  store: Store,
  asOf: string,
  config: GatherReportOptions['config'],
): Promise<ReportLifecycle['stages']> {
  const stored = await isSnapshotStored(store, asOf);
  const counts = stored
    ? new Map(
        (
          await store.query<{ stage: LifecycleStage; customers: number }>(buildStoredStageCountsQuery(asOf))
        ).map((row) => [row.stage, row.customers]),
      )
    : new Map(
        (
          await getLifecycleSummary(
            store,
            await withPredictions(store, { asOf, config: config.lifecycle, predict: config.predict }),
          )
        ).stages.map((s) => [s.stage, s.customers]),
      );
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  return LIFECYCLE_REPORT_ORDER.map((stage) => ({
    stage,
    name: { en: LIFECYCLE_STAGE_LABELS[stage].name, zh: LIFECYCLE_STAGE_LABELS[stage].zh },
    customers: counts.get(stage) ?? 0,
    share: total ? (counts.get(stage) ?? 0) / total : 0,
  }));
}

async function isSnapshotStored(store: Store, asOf: string): Promise<boolean> {
  return (await store.query(buildSnapshotOfDayQuery(asOf))).length > 0;
}

/**
 * The members per stage at the earlier month end, and the stage changes to the later one. A
 * month end whose snapshot is stored is read from it, the other computed for that day alone.
 * The flows judge churn by the churn window (docs/lifecycle.md); with `churn_rule: p_alive` a
 * snapshot's stages were judged by P(alive), so both ends are computed.
 */
async function getMonthEndFlows(
  store: Store,
  fromDay: string,
  toDay: string,
  config: GatherReportOptions['config'],
): Promise<{ previous: Record<LifecycleStage, number>; moves: ReportFlow[] }> {
  const byWindow = config.lifecycle.churn_rule !== 'p_alive';
  const stagesOf = async (day: string): Promise<Query> =>
    byWindow && (await isSnapshotStored(store, day))
      ? buildStoredStagesQuery(day)
      : buildLifecycleCustomersQuery(
          await withLocalDays(store, { asOf: day, config: { ...config.lifecycle, churn_rule: 'window' } }),
        );
  const rows = await store.query<{
    kind: 'stage' | 'flow';
    from_stage: LifecycleStageOrNone | null;
    to_stage: LifecycleStage;
    customers: number;
  }>(buildStageFlowsQuery(await stagesOf(fromDay), await stagesOf(toDay)));
  const previous = Object.fromEntries(LIFECYCLE_REPORT_ORDER.map((stage) => [stage, 0])) as Record<
    LifecycleStage,
    number
  >;
  const moves: ReportFlow[] = [];
  for (const row of rows) {
    if (row.kind === 'stage') previous[row.to_stage] = row.customers;
    else if (row.from_stage !== null)
      moves.push({ from_stage: row.from_stage, to_stage: row.to_stage, customers: row.customers });
  }
  return { previous, moves };
}

type Centroid = Partial<Record<CommunityFeature, { readonly mean: number | null; readonly z: number }>>;

async function gatherCommunities(
  store: Store,
  asOf: string,
  config: GatherReportOptions['config'],
): Promise<ReportCommunities | ReportMissing> {
  const stored = await store.query<{
    as_of: string;
    community: number;
    members: number;
    centroid: string;
    description_en: string;
    description_zh: string;
  }>(buildStoredCommunitiesQuery(asOf));
  if (stored.length > 0) {
    const members = stored.reduce((sum, c) => sum + c.members, 0);
    return {
      as_of: stored[0]?.as_of ?? asOf,
      source: 'stored',
      k: stored.length,
      members,
      communities: stored.map((c) => {
        const centroid = JSON.parse(c.centroid) as Centroid;
        return {
          community: c.community,
          members: c.members,
          share: members ? c.members / members : 0,
          description: { en: c.description_en, zh: c.description_zh },
          purchases: centroid.purchases?.mean ?? null,
          net_spend: centroid.net_spend?.mean ?? null,
          aov: centroid.aov?.mean ?? null,
          recency_days: centroid.recency_days?.mean ?? null,
        };
      }),
    };
  }
  const run = await findCommunities(store, {
    asOf,
    k: 'auto',
    seed: 1,
    activityDays: config.tags.activity_window_days,
  });
  // Too few members with a purchase to group is a state of the store, not a failure of the report.
  if (run.status === 'too_few_members') return { missing: describeTooFewMembers(run) };
  return {
    as_of: run.as_of,
    source: 'computed',
    k: run.k,
    members: run.members,
    communities: run.communities.map((c) => ({
      community: c.community,
      members: c.members,
      share: c.share,
      description: { en: c.description_en, zh: c.description_zh },
      purchases: c.features.purchases.mean,
      net_spend: c.features.net_spend.mean,
      aov: c.features.aov.mean,
      recency_days: c.features.recency_days.mean,
    })),
  };
}
