/**
 * `huiyuan signal NAME [--provinces …] [--regions …] [--data JSON] [--at INSTANT]`
 *
 * Records an external signal (外部信号), e.g. 降温 in 华北 and 东北; rules with
 * `trigger: {signal: NAME}` enroll their audience on their next tick (docs/rules.md).
 */
import type { Command } from 'commander';
import type { RecordedSignal } from '../../rules/signals.js';
import { type CommandContext, withStore } from '../context.js';
import { formatOption, type OutputFormat, renderCsv, renderJson, type Table } from '../output.js';

const splitList = (value: string): string[] =>
  value
    .split(/[,，、]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');

interface SignalFlags {
  readonly provinces?: string[];
  readonly regions?: string[];
  readonly data?: string;
  readonly at?: string;
  readonly format: OutputFormat;
}

export function registerSignal(program: Command, getContext: () => CommandContext): void {
  program
    .command('signal')
    .description(
      'record an external signal (外部信号), e.g. 降温 in 华北,东北, for rules with trigger signal',
    )
    .argument('<name>', 'the signal name a rule names, e.g. 降温 or cold_snap')
    .option('--provinces <list>', 'provinces it concerns, comma-separated, e.g. 黑龙江,吉林', splitList)
    .option(
      '--regions <list>',
      'regions it concerns: 华北 东北 华东 华中 华南 西南 西北, 北方 or 南方',
      splitList,
    )
    .option('--data <json>', 'JSON stored with the signal, e.g. \'{"drop_c": 8}\'')
    .option(
      '--at <instant>',
      "when it happened: YYYY-MM-DD, 'YYYY-MM-DD HH:MM' in store time, or ISO 8601 (default now)",
    )
    .addOption(formatOption())
    .action(async (name: string, flags: SignalFlags) => {
      const { checkSignal, recordSignal } = await import('../../rules/signals.js');
      const input = {
        name,
        ...(flags.provinces ? { provinces: flags.provinces } : {}),
        ...(flags.regions ? { regions: flags.regions } : {}),
        ...(flags.data !== undefined ? { data: flags.data } : {}),
        ...(flags.at !== undefined ? { at: flags.at } : {}),
      };
      checkSignal(input); // before the store is opened: a bad flag is the one error
      const signal = await withStore(getContext(), (store) => recordSignal(store, input));
      process.stdout.write(`${renderSignal(signal, flags.format)}\n`);
    });
}

export function renderSignal(signal: RecordedSignal, format: OutputFormat): string {
  if (format === 'json') return renderJson(signal);
  const table: Table = {
    columns: ['id', 'name', 'provinces', 'regions', 'occurred_at', 'data'],
    rows: [
      [
        signal.id,
        signal.name,
        signal.provinces.join(' '),
        signal.regions.join(' '),
        signal.occurred_at,
        signal.data === null ? '' : JSON.stringify(signal.data),
      ],
    ],
  };
  if (format === 'csv') return renderCsv(table);
  const where = [...signal.provinces, ...signal.regions];
  return `signal ${signal.name} recorded (${signal.id}) at ${signal.occurred_at}${where.length ? ` for ${where.join(', ')}` : ' everywhere'}`;
}
