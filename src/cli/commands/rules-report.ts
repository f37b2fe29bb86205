/**
 * `huiyuan rules report ID [--as-of D] [--cuped] [--version N] [--format table|csv|json]`
 *
 * A rule's uplift report (效果评估): treated members against the holdout, with 95% intervals,
 * incremental orders and revenue, coupon cost and the minimum detectable lift (docs/rules.md,
 * "Measuring a rule"). src/rules/uplift/ computes it; this file only renders it.
 */
import type { Command } from 'commander';
import { formatAmount, formatPoints, labelBoth, UPLIFT_LABELS } from '../../rules/uplift/uplift-labels.js';
import type { Incremental, RuleReport } from '../../rules/uplift/uplift-report.js';
import type { DifferenceInterval } from '../../rules/uplift/uplift-stats.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatPercent, parseDay, parsePositive } from '../format.js';
import {
  type Cell,
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface ReportFlags {
  readonly asOf?: string;
  readonly cuped?: boolean;
  readonly version?: number;
  readonly format: OutputFormat;
}

export function registerRulesReport(rules: Command, getContext: () => CommandContext): void {
  rules
    .command('report')
    .description(
      'uplift report (效果评估) of a rule: treatment against holdout, conversion and revenue with 95% intervals, incremental revenue, coupon cost, minimum detectable lift',
    )
    .argument('<id>', 'the rule id')
    .option(
      '--as-of <day>',
      'the report as of the end of this day YYYY-MM-DD, store time (default: now)',
      parseDay,
    )
    .option('--cuped', "add CUPED: the differences adjusted by each member's spend before the rule acted")
    .option('--version <n>', 'the rule version measured (default: the current one)', parsePositive)
    .addOption(formatOption())
    .action(async (id: string, flags: ReportFlags) => {
      const { getRuleReport } = await import('../../rules/uplift/uplift-report.js');
      const report = await withStore(getContext(), (store) =>
        getRuleReport(store, id, { asOf: flags.asOf, cuped: flags.cuped, version: flags.version }),
      );
      process.stdout.write(`${renderRuleReport(report, flags.format)}\n`);
    });
}

/** A variance reduction as the change it made: 0.51 → "−51.0%", −0.03 → "+3.0%". */
const change = (reduction: number): string =>
  `${reduction >= 0 ? '−' : '+'}${formatPercent(Math.abs(reduction))}`;

/** The arms side by side, one row per figure, with the difference and its interval where there is one. */
function buildArmsTable(report: RuleReport, human: boolean): Table {
  const { treatment: t, holdout: h, difference: d } = report;
  const rate = (value: number | null): Cell => (human ? formatPercent(value, '–') : value);
  const count = (value: number): Cell => (human ? formatCount(value) : value);
  const cash = (value: number | null): Cell => (human ? formatAmount(value) : value);
  const interval = (i: DifferenceInterval, show: (v: number) => string): Cell[] =>
    human
      ? [show(i.difference), `${show(i.low)} … ${show(i.high)}`, i.p_value.toFixed(3)]
      : [i.difference, i.low, i.high, i.p_value];
  const none: Cell[] = human ? ['', '', ''] : [null, null, null, null];
  return {
    columns: human
      ? [
          'figure',
          labelBoth('treatment'),
          labelBoth('holdout'),
          labelBoth('difference'),
          labelBoth('interval'),
          'p',
        ]
      : ['figure', 'treatment', 'holdout', 'difference', 'low', 'high', 'p_value'],
    numeric: new Set(
      human ? [labelBoth('treatment'), labelBoth('holdout'), labelBoth('difference'), 'p'] : [],
    ),
    rows: [
      [human ? labelBoth('members') : 'members', count(t.members), count(h.members), ...none],
      [human ? labelBoth('delivered') : 'delivered', count(t.delivered), count(h.delivered), ...none],
      [human ? labelBoth('conversions') : 'conversions', count(t.conversions), count(h.conversions), ...none],
      [
        human ? labelBoth('conversion_rate') : 'conversion_rate',
        rate(t.conversion_rate),
        rate(h.conversion_rate),
        ...interval(d.conversion_rate, formatPoints),
      ],
      [
        human ? labelBoth('orders_per_member') : 'orders_per_member',
        human ? (t.orders_per_member?.toFixed(3) ?? '–') : t.orders_per_member,
        human ? (h.orders_per_member?.toFixed(3) ?? '–') : h.orders_per_member,
        ...interval(d.orders_per_member, (v) => v.toFixed(3)),
      ],
      [
        human ? labelBoth('revenue_per_member') : 'revenue_per_member',
        cash(t.revenue_per_member),
        cash(h.revenue_per_member),
        ...interval(d.revenue_per_member, formatAmount),
      ],
      [
        human ? labelBoth('open_members') : 'open_members',
        count(t.open_members),
        count(h.open_members),
        ...none,
      ],
    ],
  };
}

export function renderRuleReport(report: RuleReport, format: OutputFormat): string {
  if (format === 'json') return renderJson(report);
  if (format === 'csv') return renderCsv(buildArmsTable(report, false));
  const L = UPLIFT_LABELS;
  const total = (i: Incremental | null, show: (v: number) => string): string =>
    i === null ? '–' : `${show(i.estimate)} (95%: ${show(i.low)} … ${show(i.high)})`;
  const d = report.difference.conversion_rate;
  const verdict = d.significant ? labelBoth('significant') : labelBoth('not_significant');
  const mde = report.minimum_detectable;
  const lines = [
    `${L.rule.en} ${L.rule.zh} ${report.rule_id} (${report.name}), version ${report.version}` +
      `${report.version === report.current_version ? '' : ` of ${report.current_version}`}: holdout ${formatPercent(report.holdout_share)}, goal: ${report.goal.event} within ${report.goal.within}` +
      `${report.as_of ? `, as of ${report.as_of}` : ''}`,
    '',
    renderTable(buildArmsTable(report, true)),
    '',
    `conversion lift: ${formatPoints(d.difference)}${report.difference.relative_lift === null ? '' : ` (${formatPercent(report.difference.relative_lift)} relative)`}, ${verdict} at 5%`,
    `${labelBoth('incremental_orders')}: ${total(report.incremental_orders, (v) => v.toFixed(1))}`,
    `${labelBoth('incremental_revenue')}: ${total(report.incremental_revenue, formatAmount)}`,
    `${labelBoth('coupon_cost')}: ${formatAmount(report.coupon_cost)} (${labelBoth('coupons_redeemed')}: ${report.coupons_redeemed ?? '–'})`,
    `${labelBoth('net_incremental_revenue')}: ${total(report.net_incremental_revenue, formatAmount)}`,
    `${labelBoth('minimum_detectable')} (α 5%, power 80%): conversion rate ${mde.conversion_rate === null ? '–' : formatPoints(mde.conversion_rate)}, revenue per member ${formatAmount(mde.revenue_per_member)}`,
  ];
  if (report.cuped) {
    const c = report.cuped;
    lines.push(
      `${labelBoth('cuped')}, ${c.pre_period_days} days before: conversion rate ${formatPoints(c.conversion_rate.difference)} (${formatPoints(c.conversion_rate.low)} … ${formatPoints(c.conversion_rate.high)}, variance ${change(c.variance_reduction.conversion_rate)}); ` +
        `revenue per member ${formatAmount(c.revenue_per_member.difference)} (${formatAmount(c.revenue_per_member.low)} … ${formatAmount(c.revenue_per_member.high)}, variance ${change(c.variance_reduction.revenue_per_member)})`,
    );
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
