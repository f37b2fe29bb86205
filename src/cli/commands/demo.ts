/**
 * `huiyuan demo [--customers N] [--seed S]`: a synthetic store in a database of its own, the work a
 * store would have done by its last day, and its report beside the database (NAME.report.html).
 */
import { existsSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatDuration, parseCount, parsePositive } from '../format.js';
import { createProgressBar } from '../progress.js';
import { writeReportFile } from './report.js';
import { renderStatus } from './status.js';

export const DEFAULT_DEMO_CUSTOMERS = 20_000;
export const DEFAULT_DEMO_SEED = 11;

/** Above this estimate the demo says up front how much disk it is going to take. */
const WARN_BYTES = 1e9;

interface DemoOptions {
  readonly customers: number;
  readonly seed: number;
  readonly quiet?: boolean;
}

/** The report of a database: beside it, named after it (shop.duckdb → shop.report.html). */
export function getDemoReportPath(databasePath: string): string {
  return join(dirname(databasePath), `${parse(databasePath).name}.report.html`);
}

const formatGigabytes = (bytes: number): string =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;

/** The nearest existing folder of a path (the database's folder may not exist yet). */
function findExisting(path: string): string {
  let folder = path;
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** Free bytes on the file system holding `folder`. */
function getFreeBytes(folder: string): number {
  const stats = statfsSync(folder);
  return stats.bavail * stats.bsize;
}

/**
 * Says how much disk the demo will take when that is a lot, and refuses one that cannot fit: the
 * temporary files go to the system's temp folder, the database beside itself; on one file system
 * both must fit together.
 */
function checkDiskSpace(
  customers: number,
  databasePath: string,
  estimate: { files: number; database: number },
): void {
  const temp = tmpdir();
  const total = estimate.files + estimate.database;
  if (total >= WARN_BYTES)
    process.stderr.write(
      `demo: ${formatCount(customers)} customers need about ${formatGigabytes(estimate.files)} of temporary files in ${temp} and ${formatGigabytes(estimate.database)} of database\n`,
    );
  const databaseFolder = findExisting(dirname(databasePath));
  const tempFree = getFreeBytes(temp);
  const databaseFree = getFreeBytes(databaseFolder);
  const short =
    statSync(temp).dev === statSync(databaseFolder).dev
      ? total > tempFree
      : estimate.files > tempFree || estimate.database > databaseFree;
  if (short)
    throw new AppError(
      'BAD_ARGUMENT',
      `--customers ${formatCount(customers)} needs about ${formatGigabytes(total)} of disk and only ${formatGigabytes(Math.min(tempFree, databaseFree))} is free: ask for fewer customers`,
    );
}

/**
 * Removes the temporary folder when the process is stopped (Ctrl-C, SIGTERM) while it exists;
 * returns the function that stops listening.
 */
function removeOnSignal(getDir: () => string | undefined): () => void {
  const stop = (signal: NodeJS.Signals): void => {
    const dir = getDir();
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`\ndemo stopped (${signal})${dir ? `: removed its temporary files ${dir}` : ''}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

export function registerDemo(program: Command, getContext: () => CommandContext): void {
  program
    .command('demo')
    .description(
      'fill a new database with a realistic synthetic store (two years of orders) and show what is in it',
    )
    .option('--customers <n>', 'customers to generate', parsePositive, DEFAULT_DEMO_CUSTOMERS)
    .option('--seed <s>', 'random seed; the same seed gives the same store', parseCount, DEFAULT_DEMO_SEED)
    .option('-q, --quiet', 'no progress bar')
    .action(async (options: DemoOptions) => {
      const context = getContext();
      const { estimateDemoBytes, loadDemo, runDemoAnalyses, throwIfStoreHoldsData } =
        await import('../../demo/load-demo.js');
      const { getStatus } = await import('../../analytics/status.js');
      const { config } = context;
      checkDiskSpace(options.customers, config.databasePath, estimateDemoBytes(options.customers));
      const started = Date.now();
      const reportPath = getDemoReportPath(config.databasePath);
      let tempDir: string | undefined;
      const stopListening = removeOnSignal(() => tempDir);
      const bar = createProgressBar({ quiet: options.quiet ?? false });
      try {
        const { status, communities } = await withStore(context, async (store) => {
          await throwIfStoreHoldsData(store);
          const demo = await loadDemo(store, {
            customers: options.customers,
            seed: options.seed,
            rejectsDir: context.rejectsDir,
            onTempDir: (dir) => (tempDir = dir),
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
          tempDir = undefined;
          bar.stop();
          const truth = demo.generated.truth;
          process.stderr.write(
            `demo store generated (seed ${options.seed}, ${formatCount(options.customers)} customers, ${truth.start} … ${truth.end}) and imported in ${formatDuration(Date.now() - started)}\n`,
          );
          const demoStatus = await getStatus(store);
          const analyses = await runDemoAnalyses(store, { asOf: truth.end, seed: options.seed, config });
          await writeReportFile(store, context, { asOf: truth.end, lang: 'zh-CN', out: reportPath });
          return { status: demoStatus, communities: analyses.communities };
        });
        if (!communities)
          process.stderr.write(
            'too few members with a purchase to group into communities: the report has no communities section\n',
          );
        process.stdout.write(`${renderStatus(status, 'table')}\n\nreport written to ${reportPath}\n`);
      } finally {
        bar.stop();
        stopListening();
      }
    });
}
