/**
 * `huiyuan rules preview ID [--as-of D]` · `rules backtest ID --from D --to D` ·
 * `rules explain ID MEMBER [--as-of D]`
 *
 * Who a rule would reach: now (preview, 预览), over the stored history (backtest, 回测), and why
 * one member did or did not enter (explain). src/rules/engine/ computes; this file renders.
 */
import type { Command } from 'commander';
import type { BacktestResult } from '../../rules/engine/backtest.js';
import type { ExplainResult } from '../../rules/engine/explain.js';
import type { PreviewResult } from '../../rules/engine/preview.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatPercent, parseDay } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface FormatFlags {
  readonly format: OutputFormat;
}

export function registerRulesAudience(rules: Command, getContext: () => CommandContext): void {
  rules
    .command('preview')
    .description(
      'who would enter a rule now (or by the end of --as-of D): count, sample, treatment/holdout, what consent and quiet hours stop; writes nothing',
    )
    .argument('<id>', 'the rule id')
    .option('--as-of <day>', 'the clock: the end of this day in store time (default now)', parseDay)
    .addOption(formatOption())
    .action(async (id: string, flags: FormatFlags & { readonly asOf?: string }) => {
      const context = getContext();
      const { previewRule } = await import('../../rules/engine/preview.js');
      const result = await withStore(context, (store) =>
        previewRule(store, context.config, id, flags.asOf === undefined ? {} : { asOf: flags.asOf }),
      );
      process.stdout.write(`${renderPreview(result, flags.format)}\n`);
    });

  rules
    .command('backtest')
    .description(
      'replay a rule over the stored history, sending nothing: per month entered, held out, deferred, capped, skipped, messages, coupons, the goal purchase rate; overlap with the other active rules',
    )
    .argument('<id>', 'the rule id')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD', parseDay)
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD', parseDay)
    .addOption(formatOption())
    .action(async (id: string, flags: FormatFlags & { readonly from: string; readonly to: string }) => {
      const context = getContext();
      const { backtestRule } = await import('../../rules/engine/backtest.js');
      const result = await withStore(context, (store) =>
        backtestRule(store, context.config, id, { from: flags.from, to: flags.to }),
      );
      process.stdout.write(`${renderBacktest(result, flags.format)}\n`);
    });

  rules
    .command('explain')
    .description(
      'why a member did or did not enter a rule: each audience predicate with its value, the occurrences, the decisions',
    )
    .argument('<id>', 'the rule id')
    .argument('<member>', 'the customer id')
    .option('--as-of <day>', 'the clock: the end of this day in store time (default now)', parseDay)
    .addOption(formatOption())
    .action(async (id: string, member: string, flags: FormatFlags & { readonly asOf?: string }) => {
      const context = getContext();
      const { explainMember } = await import('../../rules/engine/explain.js');
      const result = await withStore(context, (store) =>
        explainMember(
          store,
          context.config,
          id,
          member,
          flags.asOf === undefined ? {} : { asOf: flags.asOf },
        ),
      );
      process.stdout.write(`${renderExplain(result, flags.format)}\n`);
    });
}

export function renderPreview(result: PreviewResult, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const sample: Table = {
    columns: ['customer_id', 'occurrence_key', 'occurred_at', 'arm'],
    rows: result.sample.map((e) => [e.customer_id, e.occurrence_key, e.occurred_at, e.arm]),
  };
  if (format === 'csv') return renderCsv(sample);
  const figures: Table = {
    columns: ['figure', 'value'],
    numeric: new Set(['value']),
    rows: [
      ['occurrences', result.occurrences],
      ['would enter', result.entered],
      ['treatment', result.treatment],
      ['holdout (对照组)', result.holdout],
      ['not in audience', result.not_in_audience],
      ['messages refused: no consent', result.stopped.no_consent],
      ['messages deferred: quiet hours', result.stopped.quiet_hours],
      ['messages deferred: caps', result.stopped.caps ?? 'not modelled'],
      ...Object.entries(result.messages).map(([channel, n]): [string, number] => [`messages: ${channel}`, n]),
    ],
  };
  return [
    `rule ${result.rule_id} v${result.version} (${result.status}): ${result.from} → ${result.to}`,
    renderTable(figures),
    ...(result.days_without_snapshot.length
      ? [
          `no snapshot on or before ${result.days_without_snapshot.join(', ')}: nobody is in the audience then`,
        ]
      : []),
    ...(result.sample.length ? ['', 'sample', renderTable(sample)] : []),
  ].join('\n');
}

export function renderBacktest(result: BacktestResult, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const human = format === 'table';
  const figures = [
    'entered',
    'held_out',
    'deferred',
    'capped',
    'skipped',
    'sms',
    'email',
    'webhook',
    'notify',
    'coupons',
    'coupon_value',
    'goal_purchase_rate',
  ];
  const months: Table = {
    columns: ['month', ...figures],
    numeric: new Set(figures),
    rows: [...result.months.map((m) => ({ label: m.month, m })), { label: 'total', m: result.totals }].map(
      ({ label, m }) => [
        label,
        m.entered,
        m.held_out,
        m.deferred,
        m.capped,
        m.skipped,
        m.messages_by_channel.sms,
        m.messages_by_channel.email,
        m.messages_by_channel.webhook,
        m.messages_by_channel.notify,
        m.coupons,
        m.coupon_value,
        human ? formatPercent(m.goal_purchase_rate) : m.goal_purchase_rate,
      ],
    ),
  };
  if (format === 'csv') return renderCsv(months);
  const overlap: Table = {
    columns: ['rule', 'members in both', 'share'],
    numeric: new Set(['members in both', 'share']),
    rows: result.overlap.map((o) => [o.rule_id, o.members, formatPercent(o.share)]),
  };
  const gaps = result.days_lacking_snapshot;
  return [
    `backtest of ${result.rule_id} v${result.version}, ${result.from} to ${result.to}: ${formatCount(result.totals.entered)} enrollments of ${formatCount(result.members)} members (${formatCount(result.not_in_audience)} occurrences outside the audience)`,
    renderTable(months),
    `goal purchase rate: entrants with a purchase within ${result.goal_window} of the occurrence, without the rule`,
    ...(result.overlap.length ? ['', 'overlap with the other active rules', renderTable(overlap)] : []),
    ...(gaps.length
      ? [
          '',
          `days without a snapshot of their own (${formatCount(gaps.reduce((s, g) => s + g.days, 0))}):`,
          ...gaps.map(
            (g) =>
              `  ${g.from === g.to ? g.from : `${g.from} to ${g.to}`}: ${g.used === null ? 'no snapshot before, audience empty' : `read the snapshot of ${g.used}`}`,
          ),
        ]
      : []),
  ].join('\n');
}

export function renderExplain(result: ExplainResult, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const predicates: Table = {
    columns: ['predicate', 'value', 'holds'],
    rows: result.predicates.map((p) => [p.predicate, p.value === null ? '' : String(p.value), p.holds]),
  };
  if (format === 'csv') return renderCsv(predicates);
  const decisions: Table = {
    columns: ['decided_at', 'decision', 'detail'],
    rows: result.decisions.map((d) => [d.decided_at, d.decision, d.detail ?? '']),
  };
  return [
    `${result.customer_id} and rule ${result.rule_id} v${result.version}: ${result.verdict}`,
    `audience ${result.audience} at the snapshot of ${result.snapshot_day ?? '(none)'}${result.in_snapshot ? '' : ' (member not in it)'}`,
    ...(result.predicates.length ? [renderTable(predicates)] : []),
    `occurrences ${result.from} → ${result.to}: ${result.occurrences.map((o) => `${o.occurrence_key} at ${o.occurred_at}`).join(', ') || 'none'}`,
    `enrollments: ${result.enrollments.map((e) => `${e.occurrence_key} (v${e.version}, ${e.arm}, ${e.state})`).join(', ') || 'none'}`,
    ...(result.decisions.length ? ['', 'decisions', renderTable(decisions)] : []),
  ].join('\n');
}
