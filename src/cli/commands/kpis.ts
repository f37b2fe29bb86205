/**
 * `huiyuan kpis [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--period month|week] [--format table|csv|json]`
 * `huiyuan kpis --cohorts [--from …] [--to …] [--format …]`
 * Monthly figures are read from what the refreshes stored where they cover the range (`--live`
 * computes them from the orders); the output says which, and names months changed since.
 */
import { type Command, Option } from 'commander';
import { KPI_FIGURE_LABELS, KPI_RATE_LABELS, KPI_RATES } from '../../analytics/kpis/kpi-labels.js';
import type { CohortRetention, KpiPeriod, KpiReport } from '../../analytics/kpis/kpis.js';
import { AppError } from '../../errors.js';
import { getLastOrderDayOrThrow } from '../analysis-scope.js';
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

interface KpisFlags {
  readonly from?: string;
  readonly to?: string;
  readonly period: KpiPeriod;
  readonly cohorts?: boolean;
  readonly live?: boolean;
  readonly format: OutputFormat;
}

export function registerKpis(program: Command, getContext: () => CommandContext): void {
  program
    .command('kpis')
    .description(
      'member-marketing KPIs per month or week (activation, churn, member GMV share, repurchase, GMV, AOV …), or cohort retention',
    )
    .option('--from <day>', 'first day, YYYY-MM-DD (default: the day of the first order)', parseDay)
    .option('--to <day>', 'last day, YYYY-MM-DD (default: the day of the last order)', parseDay)
    .addOption(
      new Option('--period <period>', 'period of the series').choices(['month', 'week']).default('month'),
    )
    .option('--cohorts', 'monthly cohort retention of members (cohort = month of the first purchase)')
    .option('--live', 'compute every period from the orders, not from what the refreshes stored')
    .addOption(formatOption())
    .action(async (flags: KpisFlags) => {
      const kpis = await import('../../analytics/kpis/kpis.js');
      const context = getContext();
      const output = await withStore(context, async (store) => {
        const days = flags.from && flags.to ? null : await kpis.getOrderDays(store);
        const from = flags.from ?? days?.first;
        const to = flags.to ?? days?.last;
        if (from === undefined || to === undefined) {
          // No orders: the same error and exit as every analysis on such a store.
          await getLastOrderDayOrThrow(store, 'measure');
          return null;
        }
        if (flags.cohorts) return { cohorts: await kpis.getCohortRetention(store, { from, to }) };
        return {
          report: await kpis.getKpis(store, {
            from,
            to,
            period: flags.period,
            lifecycle: context.config.lifecycle,
            live: flags.live ?? false,
          }),
        };
      });
      // Never null: a store without orders was refused above.
      if (output === null) throw new AppError('INTERNAL', 'KPIs came back empty for a store with orders');
      const text = output.cohorts
        ? renderCohortRetention(output.cohorts, flags.format)
        : renderKpis(output.report, flags.format);
      process.stdout.write(`${text}\n`);
    });
}

export function renderKpis(report: KpiReport, format: OutputFormat): string {
  if (format === 'json') return renderJson(report);
  if (format === 'csv') {
    const table: Table = {
      columns: [
        'period',
        'start',
        'end',
        'partial',
        'members',
        'new_members',
        'activation_rate',
        'churned',
        'churn_rate',
        'newly_churned',
        'churn_window_days',
        'member_gmv',
        'gmv',
        'member_gmv_share',
        'member_net_gmv',
        'net_gmv',
        'member_net_gmv_share',
        'returning_members',
        'member_repurchase_rate',
        'refunded',
        'orders',
        'member_orders',
        'buyers',
        'aov',
        'items_per_order',
        'guest_gmv',
        'guest_orders',
      ],
      rows: report.periods.map((p) => [
        p.period,
        p.start,
        p.end,
        p.partial,
        p.members,
        p.new_members,
        p.activation_rate.rate,
        p.churned,
        p.churn_rate.rate,
        p.newly_churned,
        p.churn_window_days,
        p.member_gmv,
        p.gmv,
        p.member_gmv_share.rate,
        p.member_net_gmv,
        p.net_gmv,
        p.member_net_gmv_share.rate,
        p.member_repurchase_rate.numerator,
        p.member_repurchase_rate.rate,
        p.refunded,
        p.orders,
        p.member_orders,
        p.buyers,
        p.aov,
        p.items_per_order,
        p.guest_gmv,
        p.guest_orders,
      ]),
    };
    return renderCsv(table);
  }
  const L = KPI_RATE_LABELS;
  const percent = (rate: number | null): string => formatPercent(rate, '–');
  const columns = [
    'period',
    'members',
    'new',
    L.activation_rate.name,
    'churned',
    L.churn_rate.name,
    'newly churned',
    L.member_gmv_share.name,
    L.member_net_gmv_share.name,
    L.member_repurchase_rate.name,
    'GMV',
    'net GMV',
    'orders',
    'buyers',
    'AOV',
    'items/order',
    'guest GMV',
  ];
  const table: Table = {
    columns,
    numeric: new Set(columns.slice(1)),
    rows: report.periods.map((p) => [
      p.partial ? `${p.period}*` : p.period,
      formatCount(p.members),
      formatCount(p.new_members),
      percent(p.activation_rate.rate),
      formatCount(p.churned),
      percent(p.churn_rate.rate),
      formatCount(p.newly_churned),
      percent(p.member_gmv_share.rate),
      percent(p.member_net_gmv_share.rate),
      percent(p.member_repurchase_rate.rate),
      formatMoney(p.gmv),
      formatMoney(p.net_gmv),
      formatCount(p.orders),
      formatCount(p.buyers),
      p.aov === null ? '–' : formatMoney(p.aov),
      p.items_per_order === null ? '–' : p.items_per_order.toFixed(2),
      formatMoney(p.guest_gmv),
    ]),
  };
  const partial = report.periods.some((p) => p.partial)
    ? ['* partial period: cut by --from/--to; members and churn are at its last day']
    : [];
  return [
    `Member KPIs by ${report.period}, ${report.from} … ${report.to} (members and churn at each period end):`,
    ...KPI_RATES.map((rate) => `  ${L[rate].name.padEnd(15)} ${L[rate].zh} = ${L[rate].formula}`),
    `  AOV ${KPI_FIGURE_LABELS.aov} = GMV / orders; items/order ${KPI_FIGURE_LABELS.items_per_order}; buyers exclude guests`,
    '',
    renderTable(table),
    ...partial,
    ...describeKpiSource(report),
  ].join('\n');
}

/** Where the figures come from, and which stored months changed after they were stored. */
export function describeKpiSource(report: KpiReport): string[] {
  if (report.source === 'live')
    return report.period === 'month'
      ? ['Computed from the orders now (no refresh stored every month of this range as shown).']
      : [];
  const stale = report.stale_periods;
  const span = stale.length > 2 ? `${stale[0]} … ${stale.at(-1)} (${stale.length} months)` : stale.join(', ');
  return [
    `Read from the monthly figures stored by the refreshes (the latest of ${report.refreshed_on ?? '–'}); --live computes them now.`,
    ...(stale.length
      ? [
          `! ${span}: orders or customers were imported after these months were stored; shown as stored. \`huiyuan refresh\` computes them again.`,
        ]
      : []),
  ];
}

export function renderCohortRetention(retention: CohortRetention, format: OutputFormat): string {
  if (format === 'json') return renderJson(retention);
  if (format === 'csv')
    return renderCsv({
      columns: ['cohort', 'size', 'months_after', 'retained', 'share'],
      rows: retention.cohorts.flatMap((c) =>
        c.months.map((m) => [c.cohort, c.size, m.months_after, m.retained, m.share]),
      ),
    });
  const span = Math.max(0, ...retention.cohorts.map((c) => c.months.length));
  const months = Array.from({ length: Math.max(0, span - 1) }, (_, k) => `+${k + 1}`);
  const table: Table = {
    columns: ['cohort', 'members', ...months],
    numeric: new Set(['members', ...months]),
    rows: retention.cohorts.map((c) => [
      c.cohort,
      formatCount(c.size),
      ...months.map((_, k) => {
        const cell = c.months[k + 1];
        return cell === undefined ? '' : formatPercent(cell.share);
      }),
    ]),
  };
  return [
    `Member cohort retention (${KPI_FIGURE_LABELS.retention}), ${retention.from} … ${retention.to}: members at ${retention.to} by month of first purchase (${KPI_FIGURE_LABELS.cohort}); +k = share with a purchase k months later`,
    '',
    renderTable(table),
  ].join('\n');
}
