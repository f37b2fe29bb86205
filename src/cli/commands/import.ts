/** `huiyuan import FILE... [--kind K] [--max-rejects N] [--quiet]` */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ENTITY_KINDS, type EntityKind } from '../../store/entities.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatDuration, formatRows, parseCount } from '../format.js';
import { createProgressBar } from '../progress.js';

interface ImportCommandOptions {
  readonly kind?: EntityKind;
  readonly maxRejects: number;
  readonly quiet?: boolean;
}

export function registerImport(program: Command, getContext: () => CommandContext): void {
  program
    .command('import')
    .description('import canonical files (CSV, JSON Lines or Parquet, gzip or not); each file is atomic and idempotent')
    .argument('<files...>', 'files to import, in order')
    .addOption(new Option('--kind <kind>', 'what the files hold (default: detected from the header)').choices(ENTITY_KINDS))
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
              maxRejects: options.maxRejects,
              rejectsDir: context.rejectsDir,
              onProgress: (p) => bar.update({ label: file, stage: p.stage, percentage: p.percentage, rows: p.rowsProcessed }),
            });
            bar.stop();
            const lines = [
              `${file}: ${result.format} → ${result.kind} (${result.detectedBy})`,
              `  rows read ${formatCount(result.rowsRead)} · inserted ${formatCount(result.inserted)} · updated ${formatCount(result.updated)} · unchanged ${formatCount(result.unchanged)} · rejected ${formatCount(result.rejected)}`,
              ...result.rejectsByReason.map((r) => `  rejected: ${r.column}: ${r.reason} (${formatRows(r.rows)})`),
              ...result.firstRejects.map((row) => `  ${formatReject(file, row)}`),
              ...(result.rejectsFile ? [`  all rejected rows: ${result.rejectsFile}`] : []),
              `  batch ${result.batchId} · ${formatDuration(result.elapsedMs)}`,
            ];
            process.stdout.write(`${lines.join('\n')}\n`);
          } finally {
            bar.stop();
          }
        }
      });
    });
}
