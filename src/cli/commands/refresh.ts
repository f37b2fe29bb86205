/** `huiyuan refresh [--as-of D | --from D --to D --every month] [--all-customers|--members-only]` */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { RefreshInterval } from '../../analytics/refresh/refresh.js';
import {
  addPopulationOptions,
  getLastOrderDayOrThrow,
  resolveCommandPopulation,
  warnAboutDay,
} from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { checkDayRange, formatCount, parseDay } from '../format.js';
import { createProgressBar } from '../progress.js';

interface RefreshFlags {
  readonly asOf?: string;
  readonly from?: string;
  readonly to?: string;
  readonly every: RefreshInterval;
  readonly allCustomers?: boolean;
  readonly membersOnly?: boolean;
  readonly quiet?: boolean;
}

export function registerRefresh(program: Command, getContext: () => CommandContext): void {
  const command = program
    .command('refresh')
    .description(
      'compute and store the snapshot of every member (RFM, tier, lifecycle stage) as of the end of a day; --from/--to back-fill history',
    )
    .option(
      '--as-of <day>',
      'YYYY-MM-DD in the store timezone (default: the day of the last order)',
      parseDay,
    )
    .option('--from <day>', 'first day to back-fill, YYYY-MM-DD', parseDay)
    .option('--to <day>', 'last day to back-fill, YYYY-MM-DD', parseDay)
    .addOption(
      new Option('--every <interval>', 'back-fill step').choices(['day', 'week', 'month']).default('month'),
    );
  addPopulationOptions(command, 'snapshot')
    .option('-q, --quiet', 'no progress bar')
    .action(async (flags: RefreshFlags) => {
      const context = getContext();
      checkDayRange(flags);
      const { listRefreshDays, refreshSnapshot } = await import('../../analytics/refresh/refresh.js');
      const { tiersEveryCustomer } = await import('../../analytics/population.js');
      await withStore(context, async (store) => {
        const lastOrderDay = await getLastOrderDayOrThrow(store, 'refresh');
        warnAboutDay(context, flags.asOf, lastOrderDay);
        warnAboutDay(context, flags.to, lastOrderDay, '--to');
        const population = await resolveCommandPopulation(store, context, flags);
        const days =
          flags.from !== undefined && flags.to !== undefined
            ? listRefreshDays(flags.from, flags.to, flags.every)
            : [flags.asOf ?? lastOrderDay];
        const bar = createProgressBar({ quiet: flags.quiet ?? days.length < 2 });
        try {
          for (const [index, day] of days.entries()) {
            const snapshot = await refreshSnapshot(store, {
              asOf: day,
              allCustomers: population.population === 'all_customers',
              tiersAllCustomers: tiersEveryCustomer(population),
              config: context.config,
            });
            bar.update({
              label: 'refresh',
              stage: day,
              percentage: (100 * (index + 1)) / days.length,
              rows: index + 1,
            });
            const tiers = snapshot.tier_calibrated_on
              ? `tiers calibrated ${snapshot.tier_calibrated_on}`
              : 'no stored tier calibration: tiers as a calibration of the day would cut them';
            const predictions = {
              fitted: ' · predictions stored',
              too_few_repeat_buyers: ' · too few repeat buyers to fit the prediction models',
              off: '',
            }[snapshot.predictions];
            process.stdout.write(
              `snapshot ${snapshot.as_of}: ${formatCount(snapshot.customers)} ${snapshot.population === 'members' ? 'members' : 'customers'} · ${tiers}${predictions}\n`,
            );
          }
        } finally {
          bar.stop();
        }
        const [changes] = await store.query<{ stages: number; tiers: number; snapshots: number }>({
          sql: `SELECT (SELECT count(*) FROM stage_changes)::INTEGER AS stages, (SELECT count(*) FROM tier_changes)::INTEGER AS tiers,
            (SELECT count(*) FROM snapshots)::INTEGER AS snapshots`,
          params: [],
        });
        process.stdout.write(
          `${formatCount(changes?.snapshots ?? 0)} snapshots stored; ${formatCount(changes?.stages ?? 0)} stage changes and ${formatCount(changes?.tiers ?? 0)} tier changes derived from them\n`,
        );
      });
    });
}
