/**
 * `huiyuan deliveries [--rule ID] [--customer ID] [--status S] [--limit N] [--format]`: the
 * outbox of the rule engine. `id` is the webhook-id that was (or will be) sent.
 */
import { type Command, Option } from 'commander';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../rules/engine/decisions.js';
import type { DeliveryList } from '../../rules/engine/deliveries.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, parsePositive } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface DeliveriesFlags {
  readonly rule?: string;
  readonly customer?: string;
  readonly status?: DeliveryStatus;
  readonly limit: number;
  readonly format: OutputFormat;
}

export function registerDeliveries(program: Command, getContext: () => CommandContext): void {
  program
    .command('deliveries')
    .description("the rule engine's outbox: messages, webhooks and notices with their status and attempts")
    .option('--rule <id>', 'only this rule')
    .option('--customer <id>', 'only this customer')
    .addOption(new Option('--status <status>', 'only this status').choices(DELIVERY_STATUSES))
    .option('--limit <n>', 'list at most this many (newest first); total counts all', parsePositive, 1000)
    .addOption(formatOption())
    .action(async (flags: DeliveriesFlags) => {
      const context = getContext();
      const { listDeliveries } = await import('../../rules/engine/deliveries.js');
      const list = await withStore(context, (store) =>
        listDeliveries(store, context.config.timezone, {
          ...(flags.rule === undefined ? {} : { ruleId: flags.rule }),
          ...(flags.customer === undefined ? {} : { customerId: flags.customer }),
          ...(flags.status === undefined ? {} : { status: flags.status }),
          limit: flags.limit,
        }),
      );
      process.stdout.write(`${renderDeliveries(list, flags.format)}\n`);
    });
}

const COLUMNS = [
  'id',
  'rule_id',
  'customer_id',
  'kind',
  'channel',
  'destination',
  'status',
  'attempts',
  'created_at',
  'sent_at',
  'last_error',
] as const;

export function renderDeliveries(list: DeliveryList, format: OutputFormat): string {
  if (format === 'json') return renderJson(list);
  const table: Table = {
    columns: COLUMNS,
    numeric: new Set(['attempts']),
    rows: list.deliveries.map((row) => COLUMNS.map((column) => row[column])),
  };
  if (format === 'csv') return renderCsv(table);
  if (list.total === 0) return 'No deliveries match.';
  const shown = list.deliveries.length;
  const more = shown < list.total ? ` (the newest ${formatCount(shown)} shown; --limit N for more)` : '';
  return `${renderTable(table)}\n\n${formatCount(list.total)} deliveries${more}`;
}
