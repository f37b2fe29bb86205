/**
 * The report's rules section (规则效果): one small table per rule with enrollments, the key
 * figures of its uplift report (src/rules/uplift/), in one language. The terminal and the HTML
 * render the same rows.
 */
import {
  formatAmount,
  formatPoints,
  UPLIFT_LABELS,
  type UpliftLabel,
} from '../rules/uplift/uplift-labels.js';
import { getRuleReport, type RuleReport } from '../rules/uplift/uplift-report.js';
import type { DifferenceInterval } from '../rules/uplift/uplift-stats.js';
import { sql } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { formatCount, formatPercent } from './report-format.js';
import { pickText, type ReportLang } from './report-labels.js';

export const RULES_SECTION = {
  title: { en: 'Rules: measured uplift', zh: '规则效果评估' },
  note: {
    en: 'Members of each rule’s current version whose goal window has closed, treatment against holdout; difference with its 95% interval.',
    zh: '各规则当前版本中观察期已结束的会员，实验组对比对照组；差值附 95% 置信区间。',
  },
} as const;

/**
 * The uplift report, as of the end of the day, of every rule whose current version has
 * enrollments by then; empty when none has.
 */
export async function gatherRuleReports(store: Store, asOf: string): Promise<RuleReport[]> {
  const rules = await store.query<{ id: string }>(
    sql`SELECT r.id FROM rules r
      WHERE EXISTS (SELECT 1 FROM rule_enrollments e WHERE e.rule_id = r.id AND e.version = r.current_version
        AND e.occurred_at < (${asOf}::DATE + 1)::TIMESTAMPTZ)
      ORDER BY r.id`,
  );
  const reports: RuleReport[] = [];
  for (const rule of rules) reports.push(await getRuleReport(store, rule.id, { asOf }));
  return reports;
}

export interface RuleTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly lines: readonly string[];
}

/** One rule's key figures as a table of strings in the language. */
export function buildRuleTable(report: RuleReport, lang: ReportLang): RuleTable {
  const l = (key: UpliftLabel): string => pickText(UPLIFT_LABELS[key], lang);
  const { treatment: t, holdout: h, difference: d } = report;
  const interval = (i: DifferenceInterval, show: (v: number) => string): string[] => [
    show(i.difference),
    `${show(i.low)} … ${show(i.high)}${i.significant ? ' *' : ''}`,
  ];
  return {
    title: `${report.name} (${report.rule_id} v${report.version}, ${l('holdout')} ${formatPercent(report.holdout_share)})`,
    columns: ['', l('treatment'), l('holdout'), l('difference'), l('interval')],
    rows: [
      [l('members'), formatCount(t.members), formatCount(h.members), '', ''],
      [
        l('conversion_rate'),
        formatPercent(t.conversion_rate),
        formatPercent(h.conversion_rate),
        ...interval(d.conversion_rate, formatPoints),
      ],
      [
        l('revenue_per_member'),
        formatAmount(t.revenue_per_member),
        formatAmount(h.revenue_per_member),
        ...interval(d.revenue_per_member, formatAmount),
      ],
    ],
    lines: [
      `${l('incremental_revenue')} ${formatAmount(report.incremental_revenue.estimate)} · ${l('coupon_cost')} ${formatAmount(report.coupon_cost)} · ${l('net_incremental_revenue')} ${formatAmount(report.net_incremental_revenue?.estimate ?? null)}`,
      `${l('minimum_detectable')} ${report.minimum_detectable.conversion_rate === null ? '–' : formatPoints(report.minimum_detectable.conversion_rate)} · ${l('open_members')} ${formatCount(t.open_members + h.open_members)}${d.conversion_rate.significant || d.revenue_per_member.significant ? ` · * ${l('significant')}` : ''}`,
    ],
  };
}
