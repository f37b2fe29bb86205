/** `huiyuan status [--format table|csv|json]` */
import type { Command } from 'commander';
import type { StoreStatus } from '../../analytics/status.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatMoney } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

export function registerStatus(program: Command, getContext: () => CommandContext): void {
  program
    .command('status')
    .description('what is in the store: counts, date range, GMV, last imports')
    .addOption(formatOption())
    .action(async (options: { format: OutputFormat }) => {
      const { getStatus } = await import('../../analytics/status.js');
      const status = await withStore(getContext(), (store) => getStatus(store));
      process.stdout.write(`${renderStatus(status, options.format)}\n`);
    });
}

export function renderStatus(status: StoreStatus, format: OutputFormat): string {
  if (format === 'json') return renderJson(status);
  const money = (amount: string): string => (format === 'table' ? formatMoney(amount) : amount);
  const figures: Table = {
    columns: ['figure', 'value'],
    numeric: new Set(['value']),
    rows: [
      ['customers', status.counts.customers],
      ['members (会员)', status.counts.members],
      ['non-member customers', status.counts.non_member_customers],
      ['orders', status.counts.orders],
      ['guest orders', status.counts.guest_orders],
      ['order lines', status.counts.order_lines],
      ['sessions', status.counts.sessions],
      ['feedback', status.counts.feedback],
      ['first order', status.first_order_at],
      ['last order', status.last_order_at],
      ['GMV', money(status.gmv)],
      ['refunded', money(status.refunded)],
      ['net GMV', money(status.net_gmv)],
    ].map(([figure, value]) => [
      figure ?? '',
      typeof value === 'number' && format === 'table' ? formatCount(value) : (value ?? null),
    ]),
  };
  if (format === 'csv') return renderCsv(figures);
  const imports: Table = {
    columns: ['batch', 'finished', 'kind', 'rows', 'inserted', 'updated', 'unchanged', 'rejected', 'file'],
    numeric: new Set(['batch', 'rows', 'inserted', 'updated', 'unchanged', 'rejected']),
    rows: status.last_imports.map((b) => [
      b.id,
      b.finished_at,
      b.kind,
      formatCount(b.rows_read),
      formatCount(b.inserted),
      formatCount(b.updated),
      formatCount(b.unchanged),
      formatCount(b.rejected),
      b.file,
    ]),
  };
  return [
    `${status.database} (schema v${status.schema_version}, timezone ${status.timezone})`,
    '',
    renderTable(figures),
    '',
    status.last_imports.length ? `last imports:\n${renderTable(imports)}` : describeNoImports(status),
  ].join('\n');
}

/** Only a store with nothing in it is pointed at the demo: demo refuses a store with data. */
function describeNoImports(status: StoreStatus): string {
  const held = Object.values(status.counts).reduce((sum, n) => sum + n, 0);
  return held
    ? 'no imports recorded'
    : 'the store is empty: `huiyuan import FILE`, or the demo in a database of its own (`huiyuan demo --db demo.duckdb`)';
}
