/** `huiyuan demo [--customers N] [--seed S]` and its sibling `huiyuan generate --out DIR`. */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatDuration, parseCount, parsePositive } from '../format.js';
import { createProgressBar } from '../progress.js';
import { writeReportFile } from './report.js';
import { renderStatus } from './status.js';

export const DEFAULT_DEMO_CUSTOMERS = 20_000;
export const DEFAULT_DEMO_SEED = 11;

interface DemoOptions {
  readonly customers: number;
  readonly seed: number;
  readonly quiet?: boolean;
}

export function registerDemo(program: Command, getContext: () => CommandContext): void {
  program
    .command('demo')
    .description(
      'fill the database with a realistic synthetic store (two years of orders) and show what is in it',
    )
    .option('--customers <n>', 'customers to generate', parsePositive, DEFAULT_DEMO_CUSTOMERS)
    .option('--seed <s>', 'random seed; the same seed gives the same store', parseCount, DEFAULT_DEMO_SEED)
    .option('-q, --quiet', 'no progress bar')
    .action(async (options: DemoOptions) => {
      const context = getContext();
      const { loadDemo } = await import('../../demo/load-demo.js');
      const { getStatus } = await import('../../analytics/status.js');
      const started = Date.now();
      const bar = createProgressBar({ quiet: options.quiet ?? false });
      const reportPath = join(dirname(context.config.databasePath), 'report.html');
      const status = await withStore(context, async (store) => {
        try {
          const demo = await loadDemo(store, {
            customers: options.customers,
            seed: options.seed,
            rejectsDir: context.rejectsDir,
            onGenerateProgress: (done, total) =>
              bar.update({ label: 'demo', stage: 'generate', percentage: (100 * done) / total, rows: done }),
            onImportProgress: (p) =>
              bar.update({
                label: p.file.replace(/.*\//, ''),
                stage: p.stage,
                percentage: p.percentage,
                rows: p.rowsProcessed,
              }),
          });
          bar.stop();
          const truth = demo.generated.truth;
          process.stderr.write(
            `demo store generated (seed ${options.seed}, ${formatCount(options.customers)} customers, ${truth.start} … ${truth.end}) and imported in ${formatDuration(Date.now() - started)}\n`,
          );
          const demoStatus = await getStatus(store);
          // The work a store would have done by now, so the report shows every section: tiers
          // calibrated, the snapshot of the last day, its communities, 30 days of monitoring.
          const { refreshSnapshot } = await import('../../analytics/refresh/refresh.js');
          const { calibrateTiers, saveTierCalibration } = await import('../../analytics/tiers/tiers.js');
          const { findCommunities, saveCommunities } =
            await import('../../analytics/communities/communities.js');
          const { runMonitor } = await import('../../monitor/monitor.js');
          const { config } = context;
          const asOf = truth.end;
          await saveTierCalibration(
            store,
            await calibrateTiers(store, { asOf, config: config.tiers, rfm: config.rfm }),
          );
          await refreshSnapshot(store, { asOf, allCustomers: false, config });
          await saveCommunities(
            store,
            await findCommunities(store, {
              asOf,
              k: 'auto',
              seed: options.seed,
              activityDays: config.tags.activity_window_days,
            }),
          );
          const monitorFrom = new Date(Date.parse(`${asOf}T00:00:00Z`) - 29 * 86_400_000)
            .toISOString()
            .slice(0, 10);
          await runMonitor(store, { from: monitorFrom, to: asOf, config });
          await writeReportFile(store, context, { lang: 'zh-CN', out: reportPath });
          return demoStatus;
        } finally {
          bar.stop();
        }
      });
      process.stdout.write(`${renderStatus(status, 'table')}\n\nreport written to ${reportPath}\n`);
    });
}
