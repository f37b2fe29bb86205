/**
 * The report's data model: everything a store manager's report shows, gathered once
 * (gather-report-data.ts) and rendered as HTML or terminal text (render-html.ts,
 * render-text.ts). Language-neutral: names come in English and zh-CN side by side, and the
 * renderer picks one. Plain JSON values only, so the whole model can be embedded in the page.
 */
import type { Cohort, KpiPeriodFigures } from '../analytics/kpis/kpis.js';
import type { LifecycleStage, LifecycleStageOrNone } from '../analytics/lifecycle/lifecycle-stages.js';
import type { TierReport } from '../analytics/tiers/tiers.js';
import type { RfmSegment } from '../domain/rfm-segments.js';
import type { RuleReport } from '../rules/uplift/uplift-report.js';
import type { Figures, MonitorCheck } from '../monitor/monitor-checks.js';

/** The same text in both report languages. */
export interface LocalText {
  readonly en: string;
  readonly zh: string;
}

/** A section whose data is not there, and why (a module not yet present, a run not yet made). */
export interface ReportMissing {
  readonly missing: LocalText;
}

export function isMissing(value: object): value is ReportMissing {
  return 'missing' in value;
}

/** One open alert of the daily monitor, as the report shows it. */
export interface ReportAlert {
  /** The check that raised it, e.g. 'stepped', 'activity'. */
  readonly check: MonitorCheck;
  readonly check_name: LocalText;
  /** What it is about, e.g. a tier id or a metric. */
  readonly subject: string;
  readonly severity: 'warning' | 'critical';
  /** The monitor's English text; other languages are rendered from the figures (src/monitor/alert-text.ts). */
  readonly message: string;
  readonly figures: Figures;
  readonly first_seen: string;
  readonly last_seen: string;
  /** Days on which the condition was seen. */
  readonly days: number;
}

/** One attribute value compared between two groups of members. */
export interface ReportComparisonRow {
  /** e.g. 'generation', 'big_region'. */
  readonly attribute: string;
  /** e.g. '90后'; null = not recorded. */
  readonly value: string | null;
  /** Share of group A holding the value, 0–1. */
  readonly share_a: number;
  readonly share_b: number;
  /** share_a / share_b; null when share_b is 0. */
  readonly lift: number | null;
  /** Significant after the module's multiple-testing correction. */
  readonly significant: boolean;
}

/** Two groups of members compared (loyal against churned): the profile comparison of spec section 8. */
export interface ReportComparison {
  readonly a: { readonly name: LocalText; readonly members: number };
  readonly b: { readonly name: LocalText; readonly members: number };
  readonly rows: readonly ReportComparisonRow[];
  /** Plain-language findings, strongest first. */
  readonly lines: readonly LocalText[];
}

/** A member community of the latest stored run (or computed for the report). */
export interface ReportCommunity {
  readonly community: number;
  readonly members: number;
  readonly share: number;
  readonly description: LocalText;
  /** Plain means of a few features (null when not measured). */
  readonly purchases: number | null;
  readonly net_spend: number | null;
  readonly aov: number | null;
  readonly recency_days: number | null;
}

export interface ReportCommunities {
  readonly as_of: string;
  /** Stored by `huiyuan communities`, or computed for this report and not stored. */
  readonly source: 'stored' | 'computed';
  readonly k: number;
  readonly members: number;
  readonly communities: readonly ReportCommunity[];
}

/** One cell of the R × FM grid. */
export interface ReportRfmCell {
  readonly r: number;
  readonly fm: number;
  readonly segment: RfmSegment;
  readonly customers: number;
}

export interface ReportRfm {
  /** Read from the stored snapshot of the day, or computed from the orders. */
  readonly source: 'snapshot' | 'computed';
  /** Members with a purchase, placed on the grid. */
  readonly scored: number;
  /** Members without a purchase up to the day (outside the grid). */
  readonly no_purchase: number;
  /** All 25 cells, R 5→1, FM 1→5. */
  readonly cells: readonly ReportRfmCell[];
  /** Members per segment, in report order (best first), empty segments included. */
  readonly segments: readonly {
    readonly segment: RfmSegment;
    readonly name: LocalText;
    readonly customers: number;
  }[];
}

export interface ReportStageCount {
  readonly stage: LifecycleStage;
  readonly name: LocalText;
  readonly customers: number;
  readonly share: number;
}

export interface ReportFlow {
  readonly from_stage: LifecycleStageOrNone;
  readonly to_stage: LifecycleStage;
  readonly customers: number;
}

export interface ReportLifecycle {
  readonly stages: readonly ReportStageCount[];
  /** The month of the flows, YYYY-MM: the last month that ended by the as-of day. */
  readonly month: string | null;
  readonly from_day: string | null;
  readonly to_day: string | null;
  /** Stage at the previous month end → stage at this month end, stays included. */
  readonly flows: readonly ReportFlow[];
}

export interface ReportData {
  readonly as_of: string;
  readonly generated_at: string;
  readonly store: { readonly timezone: string; readonly database: string };
  /** Monthly, from the month of the first order to the as-of day (the last month may be partial). */
  readonly kpis: readonly KpiPeriodFigures[];
  readonly tiers: TierReport;
  readonly rfm: ReportRfm;
  readonly lifecycle: ReportLifecycle;
  /** Cohorts of the twelve months up to the as-of day. */
  readonly cohorts: readonly Cohort[];
  readonly alerts: readonly ReportAlert[] | ReportMissing;
  readonly profile_comparison: ReportComparison | ReportMissing;
  readonly communities: ReportCommunities | ReportMissing;
  /** Non-members with two or more purchases: whom to invite into the programme. */
  readonly invite_candidates: number;
  /** The uplift report of every rule with enrollments (report-rules.ts); empty shows no section. */
  readonly rules: readonly RuleReport[];
}
