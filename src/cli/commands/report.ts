/**
 * `huiyuan report [--as-of YYYY-MM-DD] [--lang zh-CN|en] [--out report.html]`
 * One self-contained HTML file for the store manager (opens offline), or without --out a
 * compact text version on the terminal.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { ReportSources } from '../../report/gather-report-data.js';
import { REPORT_LANGS, type ReportLang } from '../../report/report-labels.js';
import { AppError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { resolveScope } from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { parseDay } from '../format.js';

interface ReportFlags {
  readonly asOf?: string;
  /** Default: the config's `lang`. */
  readonly lang?: ReportLang;
  readonly out?: string;
}

/** Commander parser for --lang. */
export function parseReportLang(value: string): ReportLang {
  const lang = REPORT_LANGS.find((l) => l.toLowerCase() === value.trim().toLowerCase());
  if (!lang) throw new InvalidArgumentError(`expected one of ${REPORT_LANGS.join(', ')}, found '${value}'`);
  return lang;
}

/** The sections from other modules: the monitor's open alerts, loyal against churned members. */
export async function getReportSources(context: CommandContext): Promise<ReportSources> {
  const { buildReportSources } = await import('../../report/report-sources.js');
  return buildReportSources(context.config);
}

/** Checks that the file can be written where asked: its folder exists and it is not a folder. */
function checkOutPath(out: string): string {
  const path = resolve(out);
  if (!existsSync(dirname(path)))
    throw new AppError('FILE_NOT_FOUND', `--out ${out}: the folder ${dirname(path)} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new AppError('BAD_ARGUMENT', `--out ${out} is a folder, not a file`);
  return path;
}

/**
 * Gathers the report and writes it as HTML to `out`; false for a store without orders. Shared
 * with `huiyuan demo`, which ends by writing one.
 */
export async function writeReportFile(
  store: Store,
  context: CommandContext,
  options: { readonly asOf?: string; readonly lang: ReportLang; readonly out: string },
): Promise<boolean> {
  const { gatherReportData } = await import('../../report/gather-report-data.js');
  const { readEchartsSource, renderHtml } = await import('../../report/render-html.js');
  const data = await gatherReportData(store, {
    ...(options.asOf ? { asOf: options.asOf } : {}),
    config: context.config,
    sources: await getReportSources(context),
  });
  if (data === null) return false;
  writeFileSync(options.out, renderHtml(data, { lang: options.lang, echartsSource: readEchartsSource() }));
  return true;
}

export function registerReport(program: Command, getContext: () => CommandContext): void {
  program
    .command('report')
    .description(
      'the store manager’s report as of a day (default: the last order): one self-contained HTML file with --out, else text',
    )
    .option('--as-of <day>', 'YYYY-MM-DD in the store timezone', parseDay)
    .option(
      '--lang <lang>',
      `language: ${REPORT_LANGS.join(' or ')} (default: the config's lang)`,
      parseReportLang,
    )
    .option('--out <file>', 'write the HTML report to this file (e.g. report.html)')
    .action(async (flags: ReportFlags) => {
      const context = getContext();
      const lang = flags.lang ?? context.config.lang;
      const out = flags.out === undefined ? undefined : checkOutPath(flags.out);
      const checkScope = async (store: Store): Promise<void> => {
        await resolveScope(store, context, { asOf: flags.asOf }, 'report');
      };
      if (out !== undefined) {
        await withStore(context, async (store) => {
          await checkScope(store);
          await writeReportFile(store, context, {
            ...(flags.asOf ? { asOf: flags.asOf } : {}),
            lang,
            out,
          });
        });
        process.stdout.write(`report written to ${out}\n`);
        return;
      }
      const { gatherReportData } = await import('../../report/gather-report-data.js');
      const { renderText } = await import('../../report/render-text.js');
      const sources = await getReportSources(context);
      const data = await withStore(context, async (store) => {
        await checkScope(store);
        return gatherReportData(store, {
          ...(flags.asOf ? { asOf: flags.asOf } : {}),
          config: context.config,
          sources,
        });
      });
      // Never null: checkScope refused a store without orders.
      if (data === null) throw new AppError('INTERNAL', 'the report came back empty for a store with orders');
      process.stdout.write(`${renderText(data, lang)}\n`);
    });
}
