/**
 * `huiyuan coupons import FILE --pool NAME [--value V] [--min-spend M] [--valid-from D] [--valid-until D]` ·
 * `coupons generate --pool NAME --count N --value V [--min-spend M] [--valid-from D] [--valid-until D] [--prefix P]` ·
 * `coupons list` · `coupons codes --pool NAME [--status free|issued|all]` ·
 * `coupons redemptions [--rule ID] [--from D] [--to D]`
 *
 * Coupon pools (券池) for the rules' coupon action (docs/rules.md, Coupons). The functions in
 * src/coupons/ return data; this file only renders it.
 */
import { type Command, Option } from 'commander';
import type {
  CodeRow,
  CodeState,
  GenerateCouponsResult,
  ImportCouponsResult,
  PoolSummary,
} from '../../coupons/coupon-pools.js';
import type { Redemptions } from '../../coupons/redemptions.js';
import { type CommandContext, withStore } from '../context.js';
import {
  checkDayRange,
  formatCount,
  formatMoney,
  formatPercent,
  parseDay,
  parsePositive,
} from '../format.js';
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

interface TermsFlags {
  readonly value?: string;
  readonly minSpend?: string;
  readonly validFrom?: string;
  readonly validUntil?: string;
}

const addTerms = (command: Command, valueHelp: string): Command =>
  command
    .option('--value <amount>', valueHelp)
    .option('--min-spend <amount>', 'minimum order to use a code (使用门槛), e.g. 199; default 0')
    .option('--valid-from <day>', 'first day a code is valid, YYYY-MM-DD (store time)', parseDay)
    .option('--valid-until <day>', 'last day a code is valid, YYYY-MM-DD (store time)', parseDay);

export function registerCoupons(program: Command, getContext: () => CommandContext): void {
  const coupons = program
    .command('coupons')
    .description('coupon pools (券池) for the rules’ coupon action: import, generate, list, redemptions');

  addTerms(
    coupons
      .command('import')
      .description(
        'load codes the platform issued (Taobao 优惠券, Shopify discount codes) from a CSV into a pool, all or none; importing the same file again adds nothing',
      )
      .argument(
        '<file>',
        'CSV with a code column (code/券码) and value, min_spend, valid_from, valid_until where known',
      )
      .requiredOption('--pool <name>', 'the pool to load, e.g. winback-30'),
    'face value where the file has no value column (or an empty cell), e.g. 30',
  )
    .addOption(formatOption())
    .action(async (file: string, flags: FormatFlags & TermsFlags & { readonly pool: string }) => {
      const { importCoupons } = await import('../../coupons/coupon-pools.js');
      const result = await withStore(getContext(), (store) => importCoupons(store, file, flags));
      process.stdout.write(`${renderImported(result, flags.format)}\n`);
    });

  addTerms(
    coupons
      .command('generate')
      .description(
        'add unique crypto-random codes to a pool (alphabet without 0/O/1/I/L), e.g. for Shopify’s bulk code import',
      )
      .requiredOption('--pool <name>', 'the pool, e.g. member-week-20')
      .requiredOption('--count <n>', 'codes to add', parsePositive)
      .option('--prefix <text>', 'written before the 10 random characters, e.g. VIP-'),
    'face value of every code, e.g. 20 (required)',
  )
    .addOption(formatOption())
    .action(
      async (
        flags: FormatFlags &
          TermsFlags & { readonly pool: string; readonly count: number; readonly prefix?: string },
      ) => {
        const { generateCoupons } = await import('../../coupons/coupon-pools.js');
        const { AppError } = await import('../../errors.js');
        const { value } = flags;
        if (value === undefined)
          throw new AppError('BAD_ARGUMENT', 'coupons generate needs --value (face value)');
        const result = await withStore(getContext(), (store) => generateCoupons(store, { ...flags, value }));
        process.stdout.write(`${renderGenerated(result, flags.format)}\n`);
      },
    );

  coupons
    .command('list')
    .description('every pool with its codes, issued and left (free and still valid today)')
    .option('--as-of <day>', 'count what is left on this day (default today)', parseDay)
    .addOption(formatOption())
    .action(async (flags: FormatFlags & { readonly asOf?: string }) => {
      const { listPools } = await import('../../coupons/coupon-pools.js');
      const pools = await withStore(getContext(), (store) => listPools(store, flags.asOf));
      process.stdout.write(`${renderPools(pools, flags.format)}\n`);
    });

  coupons
    .command('codes')
    .description(
      'the codes of a pool, e.g. --status free --format csv to load generated codes into the platform',
    )
    .requiredOption('--pool <name>', 'the pool')
    .addOption(
      new Option('--status <state>', 'which codes').choices(['free', 'issued', 'all']).default('all'),
    )
    .addOption(formatOption())
    .action(async (flags: FormatFlags & { readonly pool: string; readonly status: CodeState }) => {
      const { listCodes } = await import('../../coupons/coupon-pools.js');
      const codes = await withStore(getContext(), (store) => listCodes(store, flags.pool, flags.status));
      process.stdout.write(`${renderCodes(codes, flags.format)}\n`);
    });

  coupons
    .command('redemptions')
    .description(
      'issued codes redeemed (核销) by a paid order placed after issue, per rule: count, face value and order value',
    )
    .option('--rule <id>', 'only codes this rule issued')
    .option('--from <day>', 'orders placed from this day (with --to)', parseDay)
    .option('--to <day>', 'orders placed up to this day, inclusive', parseDay)
    .addOption(formatOption())
    .action(
      async (
        flags: FormatFlags & { readonly rule?: string; readonly from?: string; readonly to?: string },
      ) => {
        checkDayRange(flags);
        const { getRedemptions } = await import('../../coupons/redemptions.js');
        const result = await withStore(getContext(), (store) =>
          getRedemptions(store, {
            ...(flags.rule === undefined ? {} : { ruleId: flags.rule }),
            ...(flags.from === undefined ? {} : { from: flags.from }),
            ...(flags.to === undefined ? {} : { to: flags.to }),
          }),
        );
        process.stdout.write(`${renderRedemptions(result, flags.format)}\n`);
      },
    );
}

export function renderImported(result: ImportCouponsResult, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const table: Table = {
    columns: ['pool', 'codes', 'added', 'unchanged', 'file'],
    numeric: new Set(['codes', 'added', 'unchanged']),
    rows: [[result.pool, result.codes, result.added, result.unchanged, result.file]],
  };
  if (format === 'csv') return renderCsv(table);
  return `${renderTable(table)}\n\n${result.created ? `pool ${result.pool} created; ` : ''}${formatCount(result.added)} codes added, ${formatCount(result.unchanged)} already in the pool`;
}

export function renderGenerated(result: GenerateCouponsResult, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const table: Table = {
    columns: ['pool', 'generated', 'codes'],
    numeric: new Set(['generated', 'codes']),
    rows: [[result.pool, result.generated, result.codes]],
  };
  if (format === 'csv') return renderCsv(table);
  return `${renderTable(table)}\n\n${formatCount(result.generated)} codes generated${result.created ? ` into the new pool ${result.pool}` : ''}; list them with \`huiyuan coupons codes --pool ${result.pool} --format csv\``;
}

export function renderPools(pools: readonly PoolSummary[], format: OutputFormat): string {
  if (format === 'json') return renderJson({ pools });
  const human = format === 'table';
  const money = (amount: string | null): string | null =>
    amount !== null && human ? formatMoney(amount) : amount;
  const table: Table = {
    columns: ['pool', 'source', 'value', 'min_spend', 'valid_until', 'codes', 'issued', 'left', 'expired'],
    numeric: new Set(['value', 'min_spend', 'codes', 'issued', 'left', 'expired']),
    rows: pools.map((pool) => [
      pool.pool,
      pool.source,
      human && pool.value === null ? 'varies' : money(pool.value),
      human && pool.min_spend === null ? 'varies' : money(pool.min_spend),
      pool.valid_until,
      pool.codes,
      pool.issued,
      pool.left,
      pool.expired,
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  if (pools.length === 0)
    return 'no coupon pools yet: `huiyuan coupons import FILE --pool NAME` or `coupons generate`';
  return renderTable(table);
}

export function renderCodes(codes: readonly CodeRow[], format: OutputFormat): string {
  if (format === 'json') return renderJson({ total: codes.length, codes });
  const columns = [
    'code',
    'value',
    'min_spend',
    'valid_from',
    'valid_until',
    'customer_id',
    'rule_id',
    'issued_at',
  ] as const;
  const table: Table = {
    columns,
    numeric: new Set(['value', 'min_spend']),
    rows: codes.map((code) => columns.map((column) => code[column] ?? null)),
  };
  return format === 'csv' ? renderCsv(table) : renderTable(table);
}

export function renderRedemptions(result: Redemptions, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const human = format === 'table';
  const table: Table = {
    columns: ['rule_id', 'pool', 'issued', 'redemptions', 'redemption_rate', 'face_value', 'order_value'],
    numeric: new Set(['issued', 'redemptions', 'redemption_rate', 'face_value', 'order_value']),
    rows: result.rules.map((rule) => [
      rule.rule_id,
      rule.pool,
      rule.issued,
      rule.redemptions,
      human ? formatPercent(rule.redemption_rate) : rule.redemption_rate,
      human ? formatMoney(rule.face_value) : rule.face_value,
      human ? formatMoney(rule.order_value) : rule.order_value,
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  if (result.rules.length === 0) return 'no coupon has been issued yet';
  return `${renderTable(table)}\n\n${formatCount(result.redemptions)} redeemed: face value ${formatMoney(result.face_value)}, order value ${formatMoney(result.order_value)}`;
}
