/** `huiyuan rfm [--as-of YYYY-MM-DD] [--all-customers|--members-only] [--members] [--format table|csv|json]` */
import type { Command } from 'commander';
import type { RfmCustomer, RfmSummary } from '../../analytics/rfm/rfm.js';
import { addPopulationOptions, resolveScope } from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatMoney, formatPercent, parseDay } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface RfmFlags {
  readonly asOf?: string;
  readonly allCustomers?: boolean;
  readonly membersOnly?: boolean;
  readonly members?: boolean;
  readonly format: OutputFormat;
}

export function registerRfm(program: Command, getContext: () => CommandContext): void {
  const command = program
    .command('rfm')
    .description('RFM scores and segments as of the end of a day (default: the day of the last order)')
    .option('--as-of <day>', 'YYYY-MM-DD in the store timezone', parseDay);
  addPopulationOptions(command, 'score')
    .option('--members', 'list every customer with values, scores and segment')
    .addOption(formatOption())
    .action(async (flags: RfmFlags) => {
      const { getRfmCustomers, getRfmSummary } = await import('../../analytics/rfm/rfm.js');
      const context = getContext();
      const output = await withStore(context, async (store) => {
        const { asOf, allCustomers } = await resolveScope(store, context, flags, 'score');
        const options = { asOf, allCustomers, config: context.config.rfm };
        const summary = await getRfmSummary(store, options);
        const customers = flags.members ? await getRfmCustomers(store, options) : null;
        return { summary, customers };
      });
      const text = output.customers
        ? renderRfmCustomers(output.summary, output.customers, flags.format)
        : renderRfmSummary(output.summary, flags.format);
      process.stdout.write(`${text}\n`);
    });
}

const fixed = (value: number | null, digits: number): string | null =>
  value === null ? null : value.toFixed(digits);
const cutList = (cuts: readonly (string | number | null)[]): string => cuts.map((c) => c ?? '–').join(' / ');

export function renderRfmSummary(summary: RfmSummary, format: OutputFormat): string {
  if (format === 'json') return renderJson(summary);
  const human = format === 'table';
  const table: Table = {
    columns: [
      'segment',
      '分群',
      'customers',
      'share',
      'mean_recency_days',
      'mean_frequency',
      'mean_monetary',
      'revenue_share',
    ],
    numeric: new Set([
      'customers',
      'share',
      'mean_recency_days',
      'mean_frequency',
      'mean_monetary',
      'revenue_share',
    ]),
    rows: summary.segments.map((s) => [
      human ? s.name : s.segment,
      s.label_zh,
      human ? formatCount(s.customers) : s.customers,
      human ? formatPercent(s.share) : s.share,
      human ? fixed(s.mean_recency_days, 1) : s.mean_recency_days,
      human ? fixed(s.mean_frequency, 2) : s.mean_frequency,
      human && s.mean_monetary !== null ? formatMoney(s.mean_monetary) : s.mean_monetary,
      human ? formatPercent(s.revenue_share) : s.revenue_share,
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  const cuts = summary.cut_points;
  const population = summary.population === 'members' ? 'members' : 'all customers';
  return [
    `RFM as of the end of ${summary.as_of}: ${formatCount(summary.customers)} ${population}, ${formatCount(summary.scored_customers)} with a purchase (scored)`,
    `scoring ${summary.scoring} · frequency ${summary.frequency_basis} · monetary ${summary.monetary_basis} · weights R ${summary.weights.r} F ${summary.weights.f} M ${summary.weights.m}`,
    `cut points (a value equal to a cut point takes the lower bin; R reversed, most recent = 5):`,
    `  recency days  ${cutList(cuts.recency_days)}`,
    `  frequency     ${cutList(cuts.frequency)}`,
    `  monetary      ${cutList(cuts.monetary)}`,
    '',
    renderTable(table),
  ].join('\n');
}

export function renderRfmCustomers(
  summary: RfmSummary,
  customers: readonly RfmCustomer[],
  format: OutputFormat,
): string {
  if (format === 'json')
    return renderJson({
      as_of: summary.as_of,
      population: summary.population,
      cut_points: summary.cut_points,
      customers,
    });
  const columns = [
    'customer_id',
    'recency_days',
    'frequency',
    'monetary',
    'r',
    'f',
    'm',
    'score',
    'segment',
  ] as const;
  const table: Table = {
    columns,
    numeric: new Set(['recency_days', 'frequency', 'monetary', 'r', 'f', 'm', 'score']),
    rows: customers.map((c) => columns.map((column) => c[column])),
  };
  return format === 'csv' ? renderCsv(table) : renderTable(table);
}
