/** `huiyuan tiers [--as-of YYYY-MM-DD] [--calibrate] [--history] [--format table|csv|json]` */
import type { Command } from 'commander';
import type { TierCalibration, TierReport } from '../../analytics/tiers/tiers.js';
import type { TiersConfig } from '../../config/tiers-config.js';
import { getLastOrderDayOrThrow, warnAboutDay } from '../analysis-scope.js';
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

interface TiersFlags {
  readonly asOf?: string;
  readonly calibrate?: boolean;
  readonly history?: boolean;
  readonly format: OutputFormat;
}

export function registerTiers(program: Command, getContext: () => CommandContext): void {
  program
    .command('tiers')
    .description(
      'Tiers as of the end of a day under the latest calibration on or before it, with the stepped check (default day: the last order)',
    )
    .option('--as-of <day>', 'YYYY-MM-DD in the store timezone', parseDay)
    .option('--calibrate', 'cut new thresholds as of the day and store them (history is kept)')
    .option('--history', 'list the stored calibrations')
    .addOption(formatOption())
    .action(async (flags: TiersFlags) => {
      const tiers = await import('../../analytics/tiers/tiers.js');
      const context = getContext();
      const config = context.config.tiers;
      const output = await withStore(context, async (store) => {
        if (flags.history)
          return { kind: 'history' as const, history: await tiers.listTierCalibrations(store) };
        const lastOrderDay = await getLastOrderDayOrThrow(store, 'calibrate');
        warnAboutDay(context, flags.asOf, lastOrderDay);
        const asOf = flags.asOf ?? lastOrderDay;
        const { describePopulation, getTierPopulation, resolvePopulation } =
          await import('../../analytics/population.js');
        // Tiers take no population flag: they count members, or everyone in a store without any.
        const population = getTierPopulation(
          await resolvePopulation(store, { setting: context.config.population }),
        );
        process.stderr.write(`${describePopulation(population)}\n`);
        const allCustomers = population.population === 'all_customers';
        const options = { asOf, config, rfm: context.config.rfm, allCustomers };
        if (flags.calibrate) {
          const calibration = await tiers.calibrateTiers(store, options);
          await tiers.saveTierCalibration(store, calibration);
          process.stderr.write(`stored the tier calibration of ${asOf}\n`);
          return {
            kind: 'report' as const,
            report: await tiers.getTierReport(store, options, calibration, true),
            population: population.population,
          };
        }
        const stored = await tiers.getLatestTierCalibration(store, asOf);
        if (stored)
          return {
            kind: 'report' as const,
            report: await tiers.getTierReport(store, options, stored, true),
            population: population.population,
          };
        process.stderr.write(
          `no tier calibration on or before ${asOf}: showing what a calibration as of ${asOf} would give (not stored; run \`huiyuan tiers --calibrate\`)\n`,
        );
        const provisional = await tiers.calibrateTiers(store, options);
        return {
          kind: 'report' as const,
          report: await tiers.getTierReport(store, options, provisional, false),
          population: population.population,
        };
      });
      const text =
        output.kind === 'history'
          ? renderTierHistory(output.history, config, flags.format)
          : renderTierReport(output.report, flags.format, output.population);
      process.stdout.write(`${text}\n`);
    });
}

const describeBenefits = (benefits: TiersConfig['levels'][number]['benefits']): string =>
  [
    benefits.free_shipping ? 'free shipping 包邮' : null,
    benefits.discount_percent !== undefined ? `${benefits.discount_percent}% off` : null,
  ]
    .filter((part) => part !== null)
    .join(' + ');

const describeSpecialDays = (days: TiersConfig['special_days']): string => {
  const parts = [
    days.monthly.length ? `every month on day ${days.monthly.join(', ')}` : null,
    days.annual.length ? `every year on ${days.annual.join(', ')}` : null,
    days.dates.length ? `${formatCount(days.dates.length)} listed dates` : null,
  ].filter((part) => part !== null);
  return parts.length ? `special days left out: ${parts.join('; ')}` : 'no special days left out';
};

export function renderTierReport(
  report: TierReport,
  format: OutputFormat,
  population: 'members' | 'all_customers' = 'members',
): string {
  if (format === 'json') return renderJson({ population, ...report });
  const human = format === 'table';
  const table: Table = {
    columns: [
      'tier',
      '等级',
      'threshold',
      'members',
      'member_share',
      'value',
      'value_share',
      'contribution_rate',
      'stepped',
      'benefits',
    ],
    numeric: new Set(['threshold', 'members', 'member_share', 'value', 'value_share', 'contribution_rate']),
    rows: report.tiers.map((t) => [
      human ? t.name : t.tier,
      t.name_zh,
      human ? (t.threshold === null ? '–' : `≥ ${formatMoney(t.threshold)}`) : t.threshold,
      human ? formatCount(t.members) : t.members,
      human ? formatPercent(t.member_share) : t.member_share,
      human ? formatMoney(t.value) : t.value,
      human ? formatPercent(t.value_share) : t.value_share,
      human ? (t.contribution_rate === null ? '' : t.contribution_rate.toFixed(2)) : t.contribution_rate,
      human ? (t.stepped === null ? '' : t.stepped ? '✓' : '✗') : t.stepped,
      describeBenefits(t.benefits),
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  const c = report.calibration;
  const calibration = c.stored
    ? `thresholds of the calibration of ${c.calibrated_on} (${c.method}); next calibration due ${c.next_due}${c.overdue ? ' (overdue)' : ''}`
    : `no stored calibration: thresholds a calibration as of ${c.calibrated_on} (${c.method}) would give, not stored`;
  return [
    `Tiers as of the end of ${report.as_of}: ${formatCount(report.members)} ${population === 'members' ? 'members' : 'customers'}, value ${formatMoney(report.value)}`,
    `tiers by net spend over the ${report.window_months} months up to the day; value and contribution rate by net spend over the last ${report.contribution_months} months; ${describeSpecialDays(report.special_days)}`,
    calibration,
    '',
    renderTable(table),
    '',
    report.stepped
      ? '✓ contribution rises tier by tier (阶梯式)'
      : report.broken_steps.map((line) => `✗ ${line}`).join('\n'),
  ].join('\n');
}

export function renderTierHistory(
  history: readonly TierCalibration[],
  config: TiersConfig,
  format: OutputFormat,
): string {
  if (format === 'json') return renderJson({ calibrations: history });
  const ids = config.levels.map((level) => level.id);
  const columns = [
    'calibrated_on',
    'method',
    'members',
    ...ids.flatMap((id) => [`${id}_threshold`, `${id}_members`]),
  ];
  const table: Table = {
    columns,
    numeric: new Set(columns.slice(2)),
    rows: history.map((calibration) => {
      const byId = new Map(calibration.tiers.map((tier) => [tier.tier, tier]));
      return [
        calibration.calibrated_on,
        calibration.method,
        calibration.members,
        ...ids.flatMap((id) => [byId.get(id)?.threshold ?? null, byId.get(id)?.members ?? null]),
      ];
    }),
  };
  if (format === 'csv') return renderCsv(table);
  return history.length
    ? renderTable(table)
    : 'no tier calibrations stored yet: run `huiyuan tiers --calibrate`';
}
