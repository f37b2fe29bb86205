/** `huiyuan monitor [--as-of D | --from D --to D] [--format table|csv|json]` */
import type { Command } from 'commander';
import type { Population } from '../../analytics/population.js';
import { CHECK_LABELS, METRIC_LABELS } from '../../monitor/monitor-checks.js';
import type { AlertRow, AlertsOnDay, MonitorRun } from '../../monitor/monitor.js';
import { getLastOrderDayOrThrow, warnAboutDay } from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { checkDayRange, formatCount, parseDay } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';
import { createProgressBar } from '../progress.js';

interface MonitorFlags {
  readonly asOf?: string;
  readonly from?: string;
  readonly to?: string;
  readonly format: OutputFormat;
  readonly quiet?: boolean;
}

export function registerMonitor(program: Command, getContext: () => CommandContext): void {
  program
    .command('monitor')
    .description(
      'run the daily checks (stepped tiers, activity, purchases, emotion, product problem, size swings) and keep the alerts; --from/--to back-fill day by day',
    )
    .option(
      '--as-of <day>',
      'YYYY-MM-DD in the store timezone (default: the day of the last order)',
      parseDay,
    )
    .option('--from <day>', 'first day to back-fill, YYYY-MM-DD', parseDay)
    .option('--to <day>', 'last day to back-fill, YYYY-MM-DD', parseDay)
    .addOption(formatOption())
    .option('-q, --quiet', 'no progress bar')
    .action(async (flags: MonitorFlags) => {
      const context = getContext();
      checkDayRange(flags);
      const { getAlertsOnDay, listAlerts, runMonitor } = await import('../../monitor/monitor.js');
      const { describePopulation, getTierPopulation, resolvePopulation } =
        await import('../../analytics/population.js');
      const output = await withStore(context, async (store) => {
        const lastOrderDay = await getLastOrderDayOrThrow(store, 'monitor');
        warnAboutDay(context, flags.asOf, lastOrderDay);
        warnAboutDay(context, flags.to, lastOrderDay, '--to');
        const last = flags.asOf ?? flags.to ?? lastOrderDay;
        // The tier checks count whom tiers count; the swings compare snapshots of one population.
        const population = getTierPopulation(
          await resolvePopulation(store, { setting: context.config.population }),
        );
        process.stderr.write(`${describePopulation(population)}\n`);
        const from = flags.from ?? last;
        const days = Math.round((Date.parse(last) - Date.parse(from)) / 86_400_000) + 1;
        const bar = createProgressBar({ quiet: flags.quiet ?? days < 7 });
        let run: MonitorRun;
        try {
          run = await runMonitor(store, {
            from,
            to: last,
            config: context.config,
            tiersAllCustomers: population.population === 'all_customers',
            onProgress: (done, total) =>
              bar.update({ label: 'monitor', stage: 'days', percentage: (100 * done) / total, rows: done }),
          });
        } finally {
          bar.stop();
        }
        if (flags.from === undefined)
          return {
            kind: 'day' as const,
            run,
            day: await getAlertsOnDay(store, last),
            population: population.population,
          };
        const alerts = (await listAlerts(store)).filter(
          (alert) => alert.first_seen <= last && (alert.resolved_on === null || alert.resolved_on >= from),
        );
        return { kind: 'range' as const, run, alerts, population: population.population };
      });
      const { run } = output;
      if (run.days === 0) process.stderr.write(`no data on or before ${run.to}: nothing was checked\n`);
      else {
        process.stderr.write(
          `checked ${formatCount(run.days)} day${run.days === 1 ? '' : 's'} (${run.from} … ${run.to}): ${formatCount(run.conditions)} abnormal finding${run.conditions === 1 ? '' : 's'}\n`,
        );
        if (run.snapshots === 0)
          process.stderr.write(
            'no stored snapshots in the range: RFM segment and lifecycle stage swings were not checked (run `huiyuan refresh`)\n',
          );
        if (run.provisional_tier_days > 0)
          process.stderr.write(
            `no stored tier calibration for ${formatCount(run.provisional_tier_days)} day(s): tiers as a calibration of each day would cut them, and tier sizes were not compared (run \`huiyuan tiers --calibrate\`)\n`,
          );
      }
      const text =
        output.kind === 'day'
          ? renderAlertsOnDay(output.day, flags.format, output.population)
          : renderAlerts(
              output.alerts,
              flags.format,
              `alerts from ${run.from} to ${run.to}`,
              output.population,
            );
      process.stdout.write(`${text}\n`);
    });
}

const toJson = (alert: AlertRow): Record<string, unknown> => ({
  ...alert,
  figures: JSON.parse(alert.figures) as unknown,
});

function toTable(alerts: readonly AlertRow[], format: OutputFormat, labels: Map<string, string>): Table {
  const human = format === 'table';
  return {
    columns: [
      'severity',
      'check',
      '检查',
      'subject',
      '对象',
      'first_seen',
      'last_seen',
      'days',
      'resolved_on',
      'message',
    ],
    numeric: new Set(['days']),
    rows: alerts.map((a) => [
      a.severity,
      a.check,
      labels.get(a.check) ?? '',
      a.subject,
      labels.get(a.subject) ?? '',
      a.first_seen,
      a.last_seen,
      a.days,
      human ? (a.resolved_on ?? '–') : a.resolved_on,
      a.message,
    ]),
  };
}

const labels = new Map<string, string>([
  ...Object.entries(CHECK_LABELS).map(([key, label]): [string, string] => [key, label.zh]),
  ...Object.entries(METRIC_LABELS),
]);

/** `population` is whom the tier checks counted (getTierPopulation). */
export function renderAlerts(
  alerts: readonly AlertRow[],
  format: OutputFormat,
  title: string,
  population: Population = 'members',
): string {
  if (format === 'json') return renderJson({ population, alerts: alerts.map(toJson) });
  const table = toTable(alerts, format, labels);
  if (format === 'csv') return renderCsv(table);
  return alerts.length
    ? `${title}: ${formatCount(alerts.length)}\n\n${renderTable(table)}`
    : `${title}: none`;
}

export function renderAlertsOnDay(
  day: AlertsOnDay,
  format: OutputFormat,
  population: Population = 'members',
): string {
  if (format === 'json')
    return renderJson({
      as_of: day.as_of,
      population,
      open: day.open.map(toJson),
      opened: day.opened.map((a) => a.id),
      updated: day.updated.map((a) => a.id),
      resolved: day.resolved.map(toJson),
    });
  if (format === 'csv') return renderCsv(toTable([...day.open, ...day.resolved], format, labels));
  const list = (title: string, alerts: readonly AlertRow[]): string[] =>
    alerts.length
      ? [`${title}:`, ...alerts.map((a) => `  ${a.severity} ${a.check} ${a.subject}: ${a.message}`)]
      : [];
  const changes = [
    ...list('new today', day.opened),
    ...list('still open (updated)', day.updated),
    ...list('resolved today', day.resolved),
  ];
  return [
    `Alerts as of the end of ${day.as_of}: ${formatCount(day.open.length)} open`,
    '',
    day.open.length ? renderTable(toTable(day.open, format, labels)) : 'no open alerts ✓',
    ...(changes.length ? ['', ...changes] : []),
  ].join('\n');
}
