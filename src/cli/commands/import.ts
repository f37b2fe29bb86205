/** `huiyuan import FILE... [--kind K] [--max-rejects N] [--quiet]` */
import type { Command } from 'commander';
import { Option } from 'commander';
import { STORE_FORMAT_NAMES } from '../../ingest/formats/index.js';
import { ENTITY_KINDS, type EntityKind } from '../../store/entities.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatDuration, formatRows, parseCount } from '../format.js';
import { createProgressBar } from '../progress.js';

interface ImportCommandOptions {
  readonly kind?: EntityKind;
  readonly format?: string;
  readonly maxRejects: number;
  readonly quiet?: boolean;
}

export function registerImport(program: Command, getContext: () => CommandContext): void {
  program
    .command('import')
    .description(
      'import canonical files (CSV, JSON Lines or Parquet, gzip or not); each file is atomic and idempotent',
    )
    .argument('<files...>', 'files to import, in order')
    .addOption(
      new Option('--kind <kind>', 'what the files hold (default: detected from the header)').choices(
        ENTITY_KINDS,
      ),
    )
    .option(
      '--format <name>',
      `the file's format: canonical, ${STORE_FORMAT_NAMES.join(', ')} (default: detected from the header)`,
    )
    .option('--max-rejects <n>', 'rejected rows allowed per file before it is aborted', parseCount, 0)
    .option('-q, --quiet', 'print only the summary, no progress bar')
    .action(async (files: string[], options: ImportCommandOptions) => {
      const context = getContext();
      const { importFile, formatReject } = await import('../../ingest/import-file.js');
      await withStore(context, async (store) => {
        for (const file of files) {
          const bar = createProgressBar({ quiet: options.quiet ?? false });
          try {
            const result = await importFile(store, file, {
              kind: options.kind,
              format: options.format,
              maxRejects: options.maxRejects,
              rejectsDir: context.rejectsDir,
              onProgress: (p) =>
                bar.update({ label: file, stage: p.stage, percentage: p.percentage, rows: p.rowsProcessed }),
            });
            bar.stop();
            const lines = [
              `${file}: ${result.format} (${result.detectedBy})`,
              `  rows read ${formatCount(result.rowsRead)} · rejected ${formatCount(result.rejected)} · ${formatDuration(result.elapsedMs)} · batch ${result.batchId}`,
              ...result.entities.map(
                (e) =>
                  `  ${e.kind.padEnd(11)} inserted ${formatCount(e.inserted)} · updated ${formatCount(e.updated)} · unchanged ${formatCount(e.unchanged)}`,
              ),
              ...(result.entities.some((e) => e.kind === 'orders')
                ? [
                    `  orders: ${formatRows(result.guestOrders, 'guest order')} · ${formatRows(result.refundedOrders, 'order')} with refunds`,
                  ]
                : []),
              ...result.skipped.map((s) => `  skipped: ${s.reason} (${formatRows(s.rows)})`),
              ...result.rejectsByReason.map(
                (r) => `  rejected: ${r.column}: ${r.reason} (${formatRows(r.rows)})`,
              ),
              ...result.firstRejects.map((row) => `  ${formatReject(file, row)}`),
              ...(result.rejectsFile ? [`  all rejected rows: ${result.rejectsFile}`] : []),
            ];
            process.stdout.write(`${lines.join('\n')}\n`);
          } finally {
            bar.stop();
          }
        }
      });
    });
}
