/**
 * `huiyuan import FILE... [--kind K] [--store-format NAME] [--max-rejects N] [--format table|csv|json] [--quiet]`
 *
 * `--store-format` names the input's format. `--format` is the output format, as on every
 * other command; for scripts written before `--store-format` existed, `--format NAME` with a
 * store format name (or `canonical`) still names the input's format.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { AppError } from '../../errors.js';
import { STORE_FORMAT_NAMES } from '../../ingest/formats/index.js';
import type { ImportResult } from '../../ingest/import-file.js';
import { ENTITY_KINDS, type EntityKind } from '../../store/entities.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatDuration, formatRows, parseCount } from '../format.js';
import { OUTPUT_FORMATS, type OutputFormat, renderCsv, renderJson } from '../output.js';
import { createProgressBar } from '../progress.js';

/** What `--store-format` takes: the canonical layout or a store's export. */
const INPUT_FORMATS = ['canonical', ...STORE_FORMAT_NAMES] as const;

interface ImportCommandOptions {
  readonly kind?: EntityKind;
  readonly storeFormat?: string;
  readonly format?: string;
  readonly maxRejects: number;
  readonly quiet?: boolean;
}

/** Splits `--format` into the output format and, for the old spelling, the input's format. */
export function resolveImportFormats(options: {
  readonly storeFormat?: string | undefined;
  readonly format?: string | undefined;
}): { output: OutputFormat; input: string | undefined } {
  const { format, storeFormat } = options;
  if (format === undefined) return { output: 'table', input: storeFormat };
  if ((OUTPUT_FORMATS as readonly string[]).includes(format)) {
    return { output: format as OutputFormat, input: storeFormat };
  }
  if ((INPUT_FORMATS as readonly string[]).includes(format)) {
    if (storeFormat !== undefined && storeFormat !== format) {
      throw new AppError(
        'BAD_ARGUMENT',
        `--format ${format} and --store-format ${storeFormat} disagree; give the input's format once, with --store-format`,
      );
    }
    return { output: 'table', input: format };
  }
  throw new AppError(
    'BAD_ARGUMENT',
    `unknown --format '${format}': the output format is one of ${OUTPUT_FORMATS.join(', ')}; the input's format is --store-format ${INPUT_FORMATS.join('|')}`,
  );
}

export function registerImport(program: Command, getContext: () => CommandContext): void {
  program
    .command('import')
    .description(
      "import canonical files (CSV, JSON Lines or Parquet, gzip or not) or a store's exports; each file is atomic and idempotent",
    )
    .argument('<files...>', 'files to import, in order')
    .addOption(
      new Option('--kind <kind>', 'what the files hold (default: detected from the header)').choices(
        ENTITY_KINDS,
      ),
    )
    .addOption(
      new Option('--store-format <name>', "the files' format (default: detected from the header)").choices(
        INPUT_FORMATS,
      ),
    )
    .option(
      '--format <format>',
      `output format: ${OUTPUT_FORMATS.join(', ')} (default: table); a store format name here still means --store-format`,
    )
    .option('--max-rejects <n>', 'rejected rows allowed per file before it is aborted', parseCount, 0)
    .option('-q, --quiet', 'print only the summary, no progress bar')
    .action(async (files: string[], options: ImportCommandOptions) => {
      const formats = resolveImportFormats(options);
      const context = getContext();
      const { importFile, formatReject } = await import('../../ingest/import-file.js');
      const results: ImportResult[] = [];
      await withStore(context, async (store) => {
        for (const file of files) {
          const bar = createProgressBar({ quiet: (options.quiet ?? false) || formats.output !== 'table' });
          try {
            const result = await importFile(store, file, {
              kind: options.kind,
              format: formats.input,
              maxRejects: options.maxRejects,
              rejectsDir: context.rejectsDir,
              onProgress: (p) =>
                bar.update({ label: file, stage: p.stage, percentage: p.percentage, rows: p.rowsProcessed }),
            });
            bar.stop();
            results.push(result);
            if (formats.output === 'table') {
              process.stdout.write(`${describeResult(file, result, formatReject).join('\n')}\n`);
            }
          } finally {
            bar.stop();
          }
        }
      });
      if (formats.output === 'json') process.stdout.write(`${renderJson(results.map(toJson))}\n`);
      if (formats.output === 'csv') process.stdout.write(`${renderCsv(toTable(results))}\n`);
    });
}

function describeResult(
  file: string,
  result: ImportResult,
  formatReject: (file: string, row: ImportResult['firstRejects'][number]) => string,
): string[] {
  return [
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
    ...result.rejectsByReason.map((r) => `  rejected: ${r.column}: ${r.reason} (${formatRows(r.rows)})`),
    ...result.firstRejects.map((row) => `  ${formatReject(file, row)}`),
    ...(result.rejectsFile ? [`  all rejected rows: ${result.rejectsFile}`] : []),
  ];
}

/** One object per file, with snake_case keys as `status --format json` writes them. */
function toJson(result: ImportResult): Record<string, unknown> {
  return {
    file: result.file,
    format: result.format,
    detected_by: result.detectedBy,
    batch_id: result.batchId,
    content_hash: result.contentHash,
    rows_read: result.rowsRead,
    rejected: result.rejected,
    entities: result.entities.map((e) => ({
      kind: e.kind,
      inserted: e.inserted,
      updated: e.updated,
      unchanged: e.unchanged,
    })),
    guest_orders: result.guestOrders,
    refunded_orders: result.refundedOrders,
    skipped: result.skipped,
    rejects_by_reason: result.rejectsByReason,
    rejects_file: result.rejectsFile,
    elapsed_ms: result.elapsedMs,
  };
}

/** One row per file and entity. */
function toTable(results: readonly ImportResult[]): Parameters<typeof renderCsv>[0] {
  return {
    columns: [
      'file',
      'format',
      'batch_id',
      'rows_read',
      'rejected',
      'kind',
      'inserted',
      'updated',
      'unchanged',
    ],
    rows: results.flatMap((r) =>
      r.entities.map((e) => [
        r.file,
        r.format,
        r.batchId,
        r.rowsRead,
        r.rejected,
        e.kind,
        e.inserted,
        e.updated,
        e.unchanged,
      ]),
    ),
  };
}
