/**
 * `huiyuan rules run [--as-of D] [--dry-run]`: one tick of the rule engine (docs/rules.md
 * "When an action is due"). src/rules/engine/tick.ts does the work; this file renders it.
 */
import type { Command } from 'commander';
import { formatInstant } from '../../domain/instant.js';
import { AppError } from '../../errors.js';
import type { TickResult } from '../../rules/engine/tick.js';
import { getStoreToday } from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, parseDay } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface RunFlags {
  readonly asOf?: string;
  readonly dryRun?: boolean;
  readonly format: OutputFormat;
}

export function registerRulesRun(rules: Command, getContext: () => CommandContext): void {
  rules
    .command('run')
    .description(
      'one tick: enroll the new trigger occurrences, dispatch what is due (audience again, consent, quiet hours, caps, coupons), deliver the outbox',
    )
    .option(
      '--as-of <day>',
      'run at the end of this store day (YYYY-MM-DD), for stores working from exports',
      parseDay,
    )
    .option('--dry-run', 'compute and print everything; keep nothing and send nothing')
    .addOption(formatOption())
    .action(async (flags: RunFlags) => {
      const context = getContext();
      const { config } = context;
      const today = getStoreToday(config.timezone);
      if (flags.asOf !== undefined && flags.asOf > today)
        throw new AppError(
          'BAD_ARGUMENT',
          `--as-of ${flags.asOf} is after today (${today} in the store's timezone): a tick runs at the end of a day that has ended`,
        );
      const result = await withStore(context, async (store) => {
        const { getTickClock, runTick } = await import('../../rules/engine/tick.js');
        const { deliverPending } = await import('../../delivery/deliver-pending.js');
        const { listActiveRules } = await import('../../rules/engine/enroll.js');
        const { checkRuleChannels } = await import('../../delivery/channel-senders.js');
        const { resolveChannelSecrets } = await import('../../config/channel-secrets.js');
        // Before anything is written: a rule the config cannot send by is one line, not a tick
        // that enrolls members and then stops at delivery. A dry run sends nothing: no check.
        if (!flags.dryRun)
          await checkRuleChannels(
            config.channels,
            resolveChannelSecrets(config.channels, process.env),
            (await listActiveRules(store)).map((rule) => ({ id: rule.id, actions: rule.definition.actions })),
          );
        const clock = await getTickClock(store, flags.asOf);
        return runTick(store, config, {
          clock,
          dryRun: flags.dryRun ?? false,
          deliver: (tickStore, at) => deliverPending(tickStore, config, process.env, { clock: new Date(at) }),
        });
      });
      process.stdout.write(`${renderTick(result, flags.format, config.timezone)}\n`);
    });
}

const COLUMNS = [
  'rule_id',
  'occurrences',
  'entered',
  'not_in_audience',
  'held_out',
  'deferred',
  'skipped',
  'no_consent',
  'queued',
  'applied',
  'sent',
  'failed',
] as const;

export function renderTick(result: TickResult, format: OutputFormat, timeZone: string): string {
  const clock = formatInstant(new Date(result.clock), timeZone);
  if (format === 'json')
    return renderJson({
      clock,
      dry_run: result.dry_run,
      rules: result.rules,
      deliveries: result.deliveries,
      lists: result.dispatch.lists,
    });
  const table: Table = {
    columns: COLUMNS,
    numeric: new Set(COLUMNS.slice(1)),
    rows: result.rules.map((rule) => COLUMNS.map((column) => rule[column])),
  };
  if (format === 'csv') return renderCsv(table);
  const lines = [
    `${result.dry_run ? 'Dry run (nothing kept, nothing sent)' : 'Tick'} at ${clock}`,
    result.rules.length ? renderTable(table) : 'No rule had anything to do.',
  ];
  if (result.deliveries)
    lines.push(
      `Delivered: ${formatCount(result.deliveries.sent)} sent, ${formatCount(result.deliveries.failed)} failed, ${formatCount(result.deliveries.retrying)} to retry.`,
    );
  for (const list of result.dispatch.lists)
    lines.push(`Audience list ${list.list}: ${formatCount(list.members)} members in ${list.path}`);
  return lines.join('\n\n');
}
