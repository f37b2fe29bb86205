/**
 * `huiyuan rules apply FILE...` · `rules list` · `rules show ID [--version N]` ·
 * `rules export [ID]` · `rules enable ID` · `rules pause ID` · `rules run` (rules-run.ts)
 *
 * Preset conditions (预设条件) as versioned data (docs/rules.md). The functions in src/rules/
 * return data; this file only renders it.
 */
import { type Command, Option } from 'commander';
import type { AppliedRule, RuleDetail, RuleSummary, StatusChangeResult } from '../../rules/rule-versions.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatPercent, parsePositive } from '../format.js';
import { registerRulesRun } from './rules-run.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface FormatFlags {
  readonly format: OutputFormat;
}

export function registerRules(program: Command, getContext: () => CommandContext): void {
  const rules = program
    .command('rules')
    .description('preset conditions (预设条件): rules stored as versioned data (docs/rules.md)');

  rules
    .command('apply')
    .description(
      'check rule files (YAML or JSON: one rule, or a list under rules:) and store them, all or none; prints created / changed / unchanged per rule',
    )
    .argument('<files...>', 'rule files, e.g. examples/rules/*.yaml')
    .addOption(formatOption())
    .action(async (files: string[], flags: FormatFlags) => {
      const context = getContext();
      const versions = await import('../../rules/rule-versions.js');
      const applied = await withStore(context, async (store) =>
        versions.applyRuleFiles(store, files, await versions.getRuleContext(store, context.config)),
      );
      process.stdout.write(`${renderApplied(applied, flags.format)}\n`);
    });

  rules
    .command('list')
    .description('every stored rule at its current version')
    .addOption(formatOption())
    .action(async (flags: FormatFlags) => {
      const { listRules } = await import('../../rules/rule-versions.js');
      const list = await withStore(getContext(), listRules);
      process.stdout.write(`${renderRuleList(list, flags.format)}\n`);
    });

  rules
    .command('show')
    .description(
      'one rule: its definition at the current version (or --version N), its versions and status history',
    )
    .argument('<id>', 'the rule id')
    .option('--version <n>', 'the version to show (default: the current one)', parsePositive)
    .addOption(formatOption())
    .action(async (id: string, flags: FormatFlags & { readonly version?: number }) => {
      const { getRule } = await import('../../rules/rule-versions.js');
      const rule = await withStore(getContext(), (store) => getRule(store, id, flags.version));
      process.stdout.write(`${await renderRuleDetail(rule, flags.format)}\n`);
    });

  rules
    .command('export')
    .description('write the stored rules (or one) as a rule file; applied back, it changes nothing')
    .argument('[id]', 'the rule id (default: every rule)')
    .addOption(new Option('--format <format>', 'file format').choices(['yaml', 'json']).default('yaml'))
    .action(async (id: string | undefined, flags: { readonly format: 'yaml' | 'json' }) => {
      const { exportRules } = await import('../../rules/rule-versions.js');
      const { stringifyRules } = await import('../../rules/rule-file.js');
      const exported = await withStore(getContext(), (store) => exportRules(store, id));
      if (exported.length === 0) {
        process.stderr.write('no rules are stored yet: `huiyuan rules apply FILE`\n');
        return;
      }
      process.stdout.write(`${stringifyRules(exported, flags.format)}\n`);
    });

  for (const [name, status] of [
    ['enable', 'active'],
    ['pause', 'paused'],
  ] as const)
    rules
      .command(name)
      .description(
        name === 'enable'
          ? 'set a rule active (checked again against the store first)'
          : 'pause a rule (its versions and enrollments stay)',
      )
      .argument('<id>', 'the rule id')
      .addOption(formatOption())
      .action(async (id: string, flags: FormatFlags) => {
        const context = getContext();
        const versions = await import('../../rules/rule-versions.js');
        const result = await withStore(context, async (store) =>
          versions.setRuleStatus(store, id, status, await versions.getRuleContext(store, context.config)),
        );
        process.stdout.write(`${renderStatusChange(result, flags.format)}\n`);
      });

  registerRulesRun(rules, getContext);
}

export function renderApplied(applied: readonly AppliedRule[], format: OutputFormat): string {
  if (format === 'json') return renderJson({ rules: applied });
  const table: Table = {
    columns: ['id', 'result', 'version', 'status', 'name', 'file'],
    numeric: new Set(['version']),
    rows: applied.map((rule) => [
      rule.id,
      rule.result,
      rule.version,
      format === 'table' && rule.previous_status !== null && rule.previous_status !== rule.status
        ? `${rule.previous_status} → ${rule.status}`
        : rule.status,
      rule.name,
      `${rule.file}:${rule.line}`,
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  const count = (result: AppliedRule['result']): number => applied.filter((r) => r.result === result).length;
  return `${renderTable(table)}\n\n${formatCount(count('created'))} created, ${formatCount(count('changed'))} changed, ${formatCount(count('unchanged'))} unchanged`;
}

export function renderRuleList(list: readonly RuleSummary[], format: OutputFormat): string {
  if (format === 'json') return renderJson({ rules: list });
  const human = format === 'table';
  const table: Table = {
    columns: [
      'id',
      'name',
      'status',
      'version',
      'trigger',
      'category',
      'priority',
      'holdout',
      'audience',
      'actions',
      'updated_at',
    ],
    numeric: new Set(['version', 'priority', 'holdout']),
    rows: list.map((rule) => [
      rule.id,
      rule.name,
      rule.status,
      rule.version,
      rule.trigger,
      rule.category,
      rule.priority,
      human ? formatPercent(rule.holdout) : rule.holdout,
      rule.audience,
      rule.actions.join(human ? ', ' : ' '),
      rule.updated_at,
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  return list.length
    ? renderTable(table)
    : 'no rules are stored yet: `huiyuan rules apply FILE` (examples in examples/rules/)';
}

export async function renderRuleDetail(rule: RuleDetail, format: OutputFormat): Promise<string> {
  if (format === 'json') return renderJson(rule);
  const versions: Table = {
    columns: ['version', 'hash', 'created_at'],
    numeric: new Set(['version']),
    rows: rule.versions.map((v) => [v.version, v.hash, v.created_at]),
  };
  if (format === 'csv') return renderCsv(versions);
  const { stringifyRules } = await import('../../rules/rule-file.js');
  const statuses: Table = {
    columns: ['changed_at', 'from', 'to', 'version', 'by'],
    numeric: new Set(['version']),
    rows: rule.status_changes.map((c) => [
      c.changed_at,
      c.from_status ?? '–',
      c.to_status,
      c.version,
      c.source,
    ]),
  };
  const which =
    rule.version === rule.current_version
      ? 'current version'
      : `version ${rule.version} of ${rule.current_version}`;
  return [
    `${rule.id} (${rule.name}): ${rule.status}, ${which}, stored ${rule.created_at}`,
    '',
    stringifyRules([{ status: rule.status, definition: rule.definition }], 'yaml'),
    '',
    'versions',
    renderTable(versions),
    '',
    'status history',
    renderTable(statuses),
  ].join('\n');
}

export function renderStatusChange(result: StatusChangeResult, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const table: Table = {
    columns: ['id', 'version', 'previous_status', 'status', 'changed'],
    rows: [[result.id, result.version, result.previous_status, result.status, result.changed]],
  };
  if (format === 'csv') return renderCsv(table);
  return result.changed
    ? `rule ${result.id} (version ${result.version}): ${result.previous_status} → ${result.status}`
    : `rule ${result.id} (version ${result.version}) is already ${result.status}`;
}
