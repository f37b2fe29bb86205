/**
 * `huiyuan lifecycle [--as-of YYYY-MM-DD] [--all-customers|--members-only] [--members] [--format table|csv|json]`
 * `huiyuan lifecycle --flows --from YYYY-MM[-DD] --to YYYY-MM[-DD] [--all-customers|--members-only] [--format …]`
 * `huiyuan invite-candidates [--as-of YYYY-MM-DD] [--format …]`
 */
import { type Command, InvalidArgumentError } from 'commander';
import type {
  InviteCandidate,
  LifecycleCustomer,
  LifecycleFlows,
  LifecycleSummary,
} from '../../analytics/lifecycle/lifecycle.js';
import {
  LIFECYCLE_REPORT_ORDER,
  LIFECYCLE_STAGE_LABELS,
} from '../../analytics/lifecycle/lifecycle-stages.js';
import { isCalendarDay } from '../../domain/calendar-day.js';
import { AppError } from '../../errors.js';
import {
  addPopulationOptions,
  getLastOrderDayOrThrow,
  resolveCommandPopulation,
  resolveScope,
  warnAboutDay,
} from '../analysis-scope.js';
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

interface LifecycleFlags {
  readonly asOf?: string;
  readonly allCustomers?: boolean;
  readonly membersOnly?: boolean;
  readonly members?: boolean;
  readonly flows?: boolean;
  readonly from?: string;
  readonly to?: string;
  readonly format: OutputFormat;
}

/**
 * Commander parser for a month YYYY-MM. A day YYYY-MM-DD stands for its month, since every other
 * command's --from/--to takes days.
 */
export function parseMonth(value: string): string {
  const text = value.trim();
  if (isCalendarDay(text)) return text.slice(0, 7);
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12)
    throw new InvalidArgumentError(`expected a month YYYY-MM, found '${value}' (a day YYYY-MM-DD means its month)`);
  return text;
}

export function registerLifecycle(program: Command, getContext: () => CommandContext): void {
  const command = program
    .command('lifecycle')
    .description(
      'lifecycle stages as of the end of a day (default: the day of the last order), or month-by-month flows',
    )
    .option('--as-of <day>', 'YYYY-MM-DD in the store timezone', parseDay);
  addPopulationOptions(command, 'place')
    .option('--members', 'list every customer with stage and the rule that placed them')
    .option('--flows', 'month-by-month stage counts and transitions (needs --from and --to)')
    .option(
      '--from <month>',
      'first month of --flows, YYYY-MM (a day YYYY-MM-DD means its month)',
      parseMonth,
    )
    .option('--to <month>', 'last month of --flows, YYYY-MM (a day YYYY-MM-DD means its month)', parseMonth)
    .addOption(formatOption())
    .action(async (flags: LifecycleFlags) => {
      if (flags.flows) {
        if (!flags.from || !flags.to)
          throw new AppError('BAD_ARGUMENT', '--flows needs --from YYYY-MM and --to YYYY-MM');
        if (flags.from > flags.to)
          throw new AppError('BAD_ARGUMENT', `--from ${flags.from} is after --to ${flags.to}`);
        if (flags.asOf || flags.members)
          throw new AppError('BAD_ARGUMENT', '--flows takes --from and --to, not --as-of or --members');
      } else if (flags.from || flags.to) {
        throw new AppError('BAD_ARGUMENT', '--from and --to go with --flows');
      }
      const lifecycle = await import('../../analytics/lifecycle/lifecycle.js');
      const context = getContext();
      const config = context.config.lifecycle;
      if (flags.flows && flags.from && flags.to) {
        const { from, to } = flags;
        const flows = await withStore(context, async (store) => {
          const { population } = await resolveCommandPopulation(store, context, flags);
          const allCustomers = population === 'all_customers';
          return lifecycle.getLifecycleFlows(store, { from, to, allCustomers, config });
        });
        process.stdout.write(`${renderLifecycleFlows(flows, flags.format)}\n`);
        return;
      }
      const output = await withStore(context, async (store) => {
        const { asOf, allCustomers } = await resolveScope(store, context, flags, 'place');
        // Fitted once for both reads when churn is judged by P(alive).
        const options = await lifecycle.withPredictions(store, {
          asOf,
          allCustomers,
          config,
          predict: context.config.predict,
        });
        const summary = await lifecycle.getLifecycleSummary(store, options);
        const customers = flags.members ? await lifecycle.getLifecycleCustomers(store, options) : null;
        return { summary, customers };
      });
      const text = output.customers
        ? renderLifecycleCustomers(output.summary, output.customers, flags.format)
        : renderLifecycleSummary(output.summary, flags.format);
      process.stdout.write(`${text}\n`);
    });

  program
    .command('invite-candidates')
    .description(
      'non-members with two or more purchases, best first: whom to invite to join (spec section 2)',
    )
    .option('--as-of <day>', 'YYYY-MM-DD in the store timezone', parseDay)
    .addOption(formatOption())
    .action(async (flags: { asOf?: string; format: OutputFormat }) => {
      const { getInviteCandidates } = await import('../../analytics/lifecycle/lifecycle.js');
      const context = getContext();
      const output = await withStore(context, async (store) => {
        const lastOrderDay = await getLastOrderDayOrThrow(store, 'invite');
        warnAboutDay(context, flags.asOf, lastOrderDay);
        const asOf = flags.asOf ?? lastOrderDay;
        return {
          asOf,
          candidates: await getInviteCandidates(store, { asOf, config: context.config.lifecycle }),
        };
      });
      process.stdout.write(`${renderInviteCandidates(output.asOf, output.candidates, flags.format)}\n`);
    });
}

const days = (value: number | null): string => (value === null ? '–' : `${Number(value.toFixed(1))} d`);

export function renderLifecycleSummary(summary: LifecycleSummary, format: OutputFormat): string {
  if (format === 'json') return renderJson(summary);
  const human = format === 'table';
  const table: Table = {
    columns: ['stage', '阶段', 'customers', 'share'],
    numeric: new Set(['customers', 'share']),
    rows: summary.stages.map((s) => [
      human ? s.name : s.stage,
      s.label_zh,
      human ? formatCount(s.customers) : s.customers,
      human ? formatPercent(s.share) : s.share,
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  const population = summary.population === 'members' ? 'members' : 'all customers';
  return [
    `Lifecycle as of the end of ${summary.as_of}: ${formatCount(summary.customers)} ${population}`,
    `store purchase cycle C ${days(summary.store_cycle_days)} · churn window ${days(summary.churn_window_days)}`,
    '',
    renderTable(table),
  ].join('\n');
}

export function renderLifecycleCustomers(
  summary: LifecycleSummary,
  customers: readonly LifecycleCustomer[],
  format: OutputFormat,
): string {
  if (format === 'json')
    return renderJson({
      as_of: summary.as_of,
      population: summary.population,
      store_cycle_days: summary.store_cycle_days,
      churn_window_days: summary.churn_window_days,
      customers,
    });
  const columns = [
    'customer_id',
    'stage',
    'purchases',
    'last_purchase',
    'recency_days',
    'cycle_days',
    'rule',
  ] as const;
  const table: Table = {
    columns,
    numeric: new Set(['purchases', 'recency_days', 'cycle_days']),
    rows: customers.map((c) => columns.map((column) => c[column])),
  };
  return format === 'csv' ? renderCsv(table) : renderTable(table);
}

export function renderLifecycleFlows(flows: LifecycleFlows, format: OutputFormat): string {
  if (format === 'json') return renderJson(flows);
  const human = format === 'table';
  const name = (stage: keyof typeof LIFECYCLE_STAGE_LABELS): string =>
    human ? `${LIFECYCLE_STAGE_LABELS[stage].name} ${LIFECYCLE_STAGE_LABELS[stage].zh}` : stage;
  const table: Table = {
    columns: ['month', 'from_stage', 'to_stage', 'customers'],
    numeric: new Set(['customers']),
    rows: flows.months.flatMap((m) =>
      m.flows.map((f) => [
        m.month,
        name(f.from_stage),
        name(f.to_stage),
        human ? formatCount(f.customers) : f.customers,
      ]),
    ),
  };
  if (format === 'csv') return renderCsv(table);
  const stages: Table = {
    columns: [
      'month',
      'C',
      'churn window',
      ...LIFECYCLE_REPORT_ORDER.map((s) => LIFECYCLE_STAGE_LABELS[s].name),
    ],
    numeric: new Set([
      'C',
      'churn window',
      ...LIFECYCLE_REPORT_ORDER.map((s) => LIFECYCLE_STAGE_LABELS[s].name),
    ]),
    rows: flows.months.map((m) => [
      m.month,
      days(m.store_cycle_days),
      days(m.churn_window_days),
      ...LIFECYCLE_REPORT_ORDER.map((s) => formatCount(m.stages[s])),
    ]),
  };
  const population = flows.population === 'members' ? 'members' : 'all customers';
  return [
    `Lifecycle flows ${flows.from} … ${flows.to} (${population}), stages at each month end:`,
    '',
    renderTable(stages),
    '',
    'Stage changes since the previous month end (not yet counted = joined in the month):',
    '',
    renderTable(table),
  ].join('\n');
}

export function renderInviteCandidates(
  asOf: string,
  candidates: readonly InviteCandidate[],
  format: OutputFormat,
): string {
  if (format === 'json') return renderJson({ as_of: asOf, candidates });
  const table: Table = {
    columns: ['customer_id', 'purchases', 'net_spend', 'last_purchase'],
    numeric: new Set(['purchases', 'net_spend']),
    rows: candidates.map((c) => [
      c.customer_id,
      c.purchases,
      format === 'table' ? formatMoney(c.net_spend) : c.net_spend,
      c.last_purchase,
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  return [
    `Invitation candidates as of the end of ${asOf}: ${formatCount(candidates.length)} non-members with two or more purchases, best first`,
    '',
    renderTable(table),
  ].join('\n');
}
