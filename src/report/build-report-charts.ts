/**
 * The report's charts as ECharts options: plain JSON (no functions), built here in TypeScript
 * and embedded in the page, where a few lines of script hand each to `echarts.init`. Labels
 * that need figures are written out here, so the page needs no formatter callbacks. Animation is
 * off: the report is a document to read and print, not a dashboard.
 */
import type { EChartsOption } from 'echarts';
import { KPI_RATE_LABELS, type KpiRateName } from '../analytics/kpis/kpi-labels.js';
import { LIFECYCLE_REPORT_ORDER, LIFECYCLE_STAGE_LABELS } from '../analytics/lifecycle/lifecycle-stages.js';
import { type ReportData, isMissing } from './report-data.js';
import { formatCount, formatPercent, formatRatio, toPercent } from './report-format.js';
import { describeComparisonValue, label, pickText, type ReportLang } from './report-labels.js';

export const REPORT_CHART_IDS = [
  'kpi-money',
  'kpi-rates',
  'tier-pyramid',
  'tier-steps',
  'rfm-grid',
  'lifecycle-flows',
  'cohorts',
  'profile-lift',
] as const;
export type ReportChartId = (typeof REPORT_CHART_IDS)[number];

export interface ReportChart {
  readonly id: ReportChartId;
  /** Pixels. */
  readonly height: number;
  readonly option: EChartsOption;
}

export const FONT_FAMILY =
  '-apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "Helvetica Neue", Arial, sans-serif';

export const COLORS = {
  good: '#2e7d32',
  bad: '#c62828',
  neutral: '#90a4ae',
  palette: ['#1f6fb2', '#7cb5ec', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948'],
  heatLow: '#f2f7fc',
  heatHigh: '#0b4f8a',
} as const;

/** Dark text on light cells, white on dark ones (the colour scale runs from heatLow to heatHigh). */
const cellText = (value: number, max: number): { color: string } => ({
  color: value / max > 0.55 ? '#fff' : '#17212b',
});

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const base = (): EChartsOption => ({
  animation: false,
  color: [...COLORS.palette],
  textStyle: { fontFamily: FONT_FAMILY },
});

/** Rates drawn on the KPI chart, with their dictionary names. */
const RATE_SERIES: readonly KpiRateName[] = [
  'activation_rate',
  'churn_rate',
  'member_repurchase_rate',
  'member_gmv_share',
  'member_net_gmv_share',
];

function buildKpiCharts(data: ReportData, lang: ReportLang): ReportChart[] {
  const periods = data.kpis.map((p) => p.period);
  const money: EChartsOption = {
    ...base(),
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 80, right: 80, top: 50, bottom: 40 },
    xAxis: { type: 'category', data: periods },
    yAxis: [
      { type: 'value', name: label('axis_money', lang) },
      { type: 'value', name: label('axis_members', lang), splitLine: { show: false } },
    ],
    series: [
      { name: label('series_gmv', lang), type: 'bar', data: data.kpis.map((p) => Number(p.gmv)) },
      { name: label('series_net_gmv', lang), type: 'bar', data: data.kpis.map((p) => Number(p.net_gmv)) },
      {
        name: label('series_members', lang),
        type: 'line',
        yAxisIndex: 1,
        data: data.kpis.map((p) => p.members),
      },
    ],
  };
  const rates: EChartsOption = {
    ...base(),
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: 40, top: 60, bottom: 40 },
    xAxis: { type: 'category', data: periods },
    yAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
    series: RATE_SERIES.map((rate) => ({
      name: `${lang === 'en' ? capitalise(KPI_RATE_LABELS[rate].name) : KPI_RATE_LABELS[rate].zh} (%)`,
      type: 'line' as const,
      // An empty rate (no members yet) is a gap in the line, not a zero.
      data: data.kpis.map((p) => toPercent(p[rate].rate) ?? '-'),
    })),
  };
  return [
    { id: 'kpi-money', height: 380, option: money },
    { id: 'kpi-rates', height: 360, option: rates },
  ];
}

function buildTierCharts(data: ReportData, lang: ReportLang): ReportChart[] {
  const tiers = data.tiers.tiers;
  const name = (t: (typeof tiers)[number]): string => (lang === 'en' ? t.name : t.name_zh);
  const mark = (stepped: boolean | null): string => (stepped === null ? '' : stepped ? ' ✓' : ' ✗');
  // Top tier first: the pyramid is drawn in data order, narrowest (fewest members) on top.
  const pyramid: EChartsOption = {
    ...base(),
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'funnel',
        sort: 'none',
        left: '4%',
        width: '48%',
        top: 10,
        bottom: 10,
        minSize: '12%',
        gap: 3,
        label: { show: true, position: 'right', color: '#222', lineHeight: 17 },
        labelLine: { show: true },
        data: [...tiers].reverse().map((t) => ({
          name: name(t),
          value: t.members,
          label: {
            formatter: `${name(t)}  ${formatCount(t.members)} (${formatPercent(t.member_share)})\n${label('col_contribution', lang)} ${formatRatio(t.contribution_rate)}${mark(t.stepped)}`,
          },
        })),
      },
    ],
  };
  const steps: EChartsOption = {
    ...base(),
    tooltip: { trigger: 'axis' },
    grid: { left: 60, right: 30, top: 30, bottom: 40 },
    xAxis: { type: 'category', data: tiers.map(name) },
    yAxis: { type: 'value', name: label('col_contribution', lang) },
    series: [
      {
        type: 'bar',
        name: label('col_contribution', lang),
        barMaxWidth: 60,
        data: tiers.map((t) => ({
          value: t.contribution_rate ?? 0,
          itemStyle: {
            color: t.stepped === null ? COLORS.neutral : t.stepped ? COLORS.good : COLORS.bad,
          },
          label: {
            show: true,
            position: 'top',
            formatter: `${formatRatio(t.contribution_rate)}${mark(t.stepped)}`,
          },
        })),
      },
    ],
  };
  return [
    { id: 'tier-pyramid', height: 300, option: pyramid },
    { id: 'tier-steps', height: 300, option: steps },
  ];
}

/** A category axis with its name centred along it, `gap` pixels off. */
const namedCategoryAxis = (data: string[], name: string, gap: number) => ({
  type: 'category' as const,
  data,
  name,
  nameLocation: 'middle' as const,
  nameGap: gap,
});

/** The colour scale of a heatmap from 0 to `max`, laid out under the chart. */
const heatScale = (max: number) => ({
  min: 0,
  max,
  calculable: false,
  orient: 'horizontal' as const,
  left: 'center',
  bottom: 0,
  inRange: { color: [COLORS.heatLow, COLORS.heatHigh] },
});

function buildRfmChart(data: ReportData, lang: ReportLang): ReportChart {
  const scores = ['1', '2', '3', '4', '5'];
  const segmentName = new Map(data.rfm.segments.map((s) => [s.segment, pickText(s.name, lang)]));
  const max = Math.max(1, ...data.rfm.cells.map((c) => c.customers));
  return {
    id: 'rfm-grid',
    height: 460,
    option: {
      ...base(),
      tooltip: { trigger: 'item' },
      grid: { left: 70, right: 30, top: 20, bottom: 90 },
      xAxis: namedCategoryAxis(scores, label('axis_fm', lang), 28),
      yAxis: namedCategoryAxis(scores, label('axis_r', lang), 40),
      visualMap: heatScale(max),
      series: [
        {
          type: 'heatmap',
          name: label('chart_rfm', lang),
          label: { show: true, lineHeight: 17 },
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          data: data.rfm.cells.map((c) => ({
            name: segmentName.get(c.segment) ?? c.segment,
            value: [c.fm - 1, c.r - 1, c.customers],
            label: {
              ...cellText(c.customers, max),
              formatter: `${formatCount(c.customers)}\n${segmentName.get(c.segment) ?? c.segment}`,
            },
          })),
        },
      ],
    },
  };
}

function buildLifecycleChart(data: ReportData, lang: ReportLang): ReportChart | null {
  const { flows, from_day: fromDay, to_day: toDay } = data.lifecycle;
  if (!fromDay || !toDay || flows.length === 0) return null;
  const stageName = (stage: keyof typeof LIFECYCLE_STAGE_LABELS): string =>
    stage === 'not_counted'
      ? label('joined_since', lang)
      : lang === 'en'
        ? LIFECYCLE_STAGE_LABELS[stage].name
        : LIFECYCLE_STAGE_LABELS[stage].zh;
  // The same stage at two month ends is two nodes, suffixed by the day, so the graph has no cycle.
  const left = (stage: keyof typeof LIFECYCLE_STAGE_LABELS): string =>
    `${stageName(stage)} · ${fromDay.slice(5)}`;
  const right = (stage: keyof typeof LIFECYCLE_STAGE_LABELS): string =>
    `${stageName(stage)} · ${toDay.slice(5)}`;
  const sources = new Set(flows.map((f) => f.from_stage));
  const targets = new Set(flows.map((f) => f.to_stage));
  const nodes = [
    ...(sources.has('not_counted') ? [{ name: left('not_counted') }] : []),
    ...LIFECYCLE_REPORT_ORDER.filter((s) => sources.has(s)).map((s) => ({ name: left(s) })),
    ...LIFECYCLE_REPORT_ORDER.filter((s) => targets.has(s)).map((s) => ({
      name: right(s),
      label: { position: 'left' as const },
    })),
  ];
  return {
    id: 'lifecycle-flows',
    height: 480,
    option: {
      ...base(),
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'sankey',
          left: 20,
          right: 20,
          top: 10,
          bottom: 10,
          nodeGap: 12,
          layoutIterations: 0,
          emphasis: { focus: 'adjacency' },
          lineStyle: { color: 'gradient', opacity: 0.35 },
          label: { color: '#222' },
          data: nodes,
          links: flows.map((f) => ({
            source: left(f.from_stage),
            target: right(f.to_stage),
            value: f.customers,
          })),
        },
      ],
    },
  };
}

function buildCohortChart(data: ReportData, lang: ReportLang): ReportChart | null {
  const cohorts = data.cohorts.filter((c) => c.size > 0);
  if (cohorts.length === 0) return null;
  const span = Math.max(...cohorts.flatMap((c) => c.months.map((m) => m.months_after)));
  const columns = Array.from({ length: span + 1 }, (_, k) => `+${k}`);
  // The oldest cohort on top: a category y axis draws its first entry at the bottom.
  const rows = [...cohorts].reverse();
  const later = cohorts.flatMap((c) => c.months.filter((m) => m.months_after > 0).map((m) => m.share));
  const max = Math.max(1, toPercent(Math.max(0, ...later)) ?? 1);
  return {
    id: 'cohorts',
    height: 120 + 32 * rows.length,
    option: {
      ...base(),
      tooltip: { trigger: 'item' },
      grid: { left: 130, right: 30, top: 20, bottom: 80 },
      xAxis: namedCategoryAxis(columns, label('axis_months_after', lang), 28),
      yAxis: { type: 'category', data: rows.map((c) => `${c.cohort} (${formatCount(c.size)})`) },
      visualMap: { ...heatScale(max), text: [`${max}%`, '0%'] },
      series: [
        {
          type: 'heatmap',
          name: label('chart_cohorts', lang),
          label: { show: true, fontSize: 11 },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
          data: rows.flatMap((c, y) =>
            c.months.map((m) => ({
              value: [m.months_after, y, toPercent(m.share) ?? 0],
              label: { ...cellText(toPercent(m.share) ?? 0, max), formatter: formatPercent(m.share) },
            })),
          ),
        },
      ],
    },
  };
}

/** At most this many attribute values in the lift chart: the significant ones first. */
export const MAX_LIFT_ROWS = 16;

function buildProfileChart(data: ReportData, lang: ReportLang): ReportChart | null {
  const comparison = data.profile_comparison;
  if (isMissing(comparison)) return null;
  const strength = (lift: number): number => Math.abs(Math.log(lift));
  const rows = comparison.rows
    .filter((r): r is typeof r & { lift: number } => r.lift !== null && r.lift > 0)
    .sort((a, b) => Number(b.significant) - Number(a.significant) || strength(b.lift) - strength(a.lift))
    .slice(0, MAX_LIFT_ROWS)
    .sort((a, b) => a.lift - b.lift);
  if (rows.length === 0) return null;
  const names = rows.map((r) => describeComparisonValue(r, lang));
  const value = (significant: boolean): (number | string)[] =>
    rows.map((r) => (r.significant === significant ? Number(r.lift.toFixed(3)) : '-'));
  return {
    id: 'profile-lift',
    height: 80 + 26 * rows.length,
    option: {
      ...base(),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 200, right: 40, top: 30, bottom: 30 },
      xAxis: { type: 'value', name: label('axis_lift', lang) },
      yAxis: { type: 'category', data: names },
      series: [
        {
          name: label('series_significant', lang),
          type: 'bar',
          stack: 'lift',
          data: value(true),
          itemStyle: { color: COLORS.palette[0] },
          markLine: { symbol: 'none', silent: true, lineStyle: { type: 'dashed' }, data: [{ xAxis: 1 }] },
        },
        {
          name: label('series_not_significant', lang),
          type: 'bar',
          stack: 'lift',
          data: value(false),
          itemStyle: { color: COLORS.neutral, opacity: 0.6 },
        },
      ],
    },
  };
}

/** Every chart the data has something for, in page order. */
export function buildReportCharts(data: ReportData, lang: ReportLang): ReportChart[] {
  return [
    ...buildKpiCharts(data, lang),
    ...buildTierCharts(data, lang),
    buildRfmChart(data, lang),
    buildLifecycleChart(data, lang),
    buildCohortChart(data, lang),
    buildProfileChart(data, lang),
  ].filter((chart): chart is ReportChart => chart !== null);
}
