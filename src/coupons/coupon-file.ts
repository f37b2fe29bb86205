/**
 * Reads a file of coupon codes the platform issued (a Taobao 优惠券 batch, Shopify's bulk discount
 * codes) into checked rows. A coupon file is small (a batch is thousands of codes, rarely a
 * million), so it is read whole here, with one clear line for the first bad cell: file, line,
 * column, what was expected and what was found.
 *
 * Columns are found by header name, English or zh-CN (COUPON_FILE_COLUMNS); only `code` is
 * required. A column the file lacks, or an empty cell, takes the file's default from the
 * command's flags (--value, --min-spend, --valid-from, --valid-until). The text is UTF-8 (a
 * byte-order mark dropped) or, failing that, GB18030 as Taobao writes it.
 */
import { readFileSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { AppError } from '../errors.js';
import { parseCsvHeader, splitCsvLine } from '../ingest/read-file.js';

/** The canonical columns of a coupon file and the header names each is known by. */
export const COUPON_FILE_COLUMNS = {
  code: [
    'code',
    'coupon_code',
    'discount code',
    'discount_code',
    '券码',
    '优惠券码',
    '优惠码',
    '券号',
    '兑换码',
  ],
  value: ['value', 'amount', 'face_value', '面额', '面值', '优惠金额', '金额'],
  min_spend: [
    'min_spend',
    'minimum_spend',
    'minimum purchase',
    'minimum requirement',
    '使用门槛',
    '门槛',
    '最低消费',
    '满',
  ],
  valid_from: [
    'valid_from',
    'starts at',
    'starts_at',
    'start',
    '开始时间',
    '生效时间',
    '有效期开始',
    '开始日期',
  ],
  valid_until: [
    'valid_until',
    'ends at',
    'ends_at',
    'end',
    '结束时间',
    '失效时间',
    '有效期结束',
    '截止日期',
    '结束日期',
  ],
} as const;
export type CouponFileColumn = keyof typeof COUPON_FILE_COLUMNS;

/** Per-file defaults for what a column does not say. */
export interface CouponDefaults {
  /** Face value in the shop currency, e.g. '20' or '20.00'. */
  readonly value?: string;
  readonly minSpend?: string;
  /** Days YYYY-MM-DD, inclusive, in store time. */
  readonly validFrom?: string;
  readonly validUntil?: string;
}

/** One code as checked: money as exact decimal text, days as YYYY-MM-DD. */
export interface CouponRow {
  readonly line: number;
  readonly code: string;
  readonly value: string;
  readonly min_spend: string;
  readonly valid_from: string | null;
  readonly valid_until: string | null;
}

/** A code: letters, digits, - and _, up to 64 (what Taobao and Shopify codes are made of). */
const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * An amount such as 20, 20.5 or ¥20.00 (also `20元`), as exact text with two decimals; null when
 * it is not one. Money is never rounded: three decimals are refused.
 */
export function parseMoney(text: string): string | null {
  const match = /^[¥￥$]?\s*(\d{1,15})(?:\.(\d{1,2}))?\s*元?$/.exec(text.trim());
  if (!match) return null;
  return `${BigInt(match[1] ?? '0').toString()}.${(match[2] ?? '').padEnd(2, '0')}`;
}

/** A day YYYY-MM-DD from `2026-11-30`, `2026/11/30` or a date-time on that day; null when none. */
export function parseCouponDay(text: string): string | null {
  const match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?.*)?$/.exec(text.trim());
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return date.toISOString().slice(0, 10);
}

/** Checks the per-file defaults (the flags), naming the flag that is wrong. */
export function checkCouponDefaults(defaults: CouponDefaults): CouponDefaults {
  const money = (flag: string, text: string | undefined): string | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseMoney(text);
    if (parsed === null)
      throw new AppError('BAD_ARGUMENT', `${flag} expects an amount such as 20 or 19.90, found '${text}'`);
    return parsed;
  };
  const day = (flag: string, text: string | undefined): string | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseCouponDay(text);
    if (parsed === null)
      throw new AppError('BAD_ARGUMENT', `${flag} expects a day such as 2026-12-31, found '${text}'`);
    return parsed;
  };
  const checked = {
    value: money('--value', defaults.value),
    minSpend: money('--min-spend', defaults.minSpend),
    validFrom: day('--valid-from', defaults.validFrom),
    validUntil: day('--valid-until', defaults.validUntil),
  };
  if (checked.value !== undefined && Number(checked.value) <= 0)
    throw new AppError('BAD_ARGUMENT', `--value must be more than 0, found '${defaults.value}'`);
  if (checked.validFrom && checked.validUntil && checked.validUntil < checked.validFrom)
    throw new AppError(
      'BAD_ARGUMENT',
      `--valid-until ${checked.validUntil} is before --valid-from ${checked.validFrom}`,
    );
  return checked;
}

/** The file's text: UTF-8 (without a byte-order mark), else GB18030 (Taobao's exports). */
function decodeText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('FILE_NOT_FOUND', `${path}: no such file`, { cause: error });
    throw new AppError('BAD_FILE', `${path}: cannot read it (${code ?? String(error)})`, { cause: error });
  }
  for (const encoding of ['utf-8', 'gb18030']) {
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch {
      // not this encoding; try the next
    }
  }
  throw new AppError('BAD_ENCODING', `${path}: not text in UTF-8 or GB18030`);
}

/**
 * Reads and checks every row of a coupon file. The first bad cell throws one AppError
 * `FILE:LINE column NAME: expected …, found '…'`; a code written twice names both lines.
 */
export function readCouponFile(path: string, defaults: CouponDefaults): CouponRow[] {
  const lines = decodeText(path).split(/\r?\n/);
  const header = parseCsvHeader(lines[0] ?? '');
  const names = header.names.map((name) => name.trim().toLowerCase());
  const index = {} as Record<CouponFileColumn, number>;
  for (const [column, aliases] of Object.entries(COUPON_FILE_COLUMNS) as [
    CouponFileColumn,
    readonly string[],
  ][])
    index[column] = names.findIndex((name) => aliases.includes(name));
  if (index.code < 0)
    throw new AppError(
      'BAD_HEADER',
      `${path}:1: no code column (expected one of: ${COUPON_FILE_COLUMNS.code.join(', ')}); found ${header.names.join(', ') || 'an empty line'}`,
    );
  if (index.value < 0 && defaults.value === undefined)
    throw new AppError(
      'BAD_HEADER',
      `${path}:1: no value column (${COUPON_FILE_COLUMNS.value.join(', ')}): add one, or give every code the same value with --value`,
    );

  const rows: CouponRow[] = [];
  const seen = new Map<string, number>();
  lines.forEach((text, offset) => {
    if (offset === 0 || text.trim() === '') return;
    const line = offset + 1;
    const cells = splitCsvLine(text, header.delimiter);
    const where = (column: string): string => `${path}:${line} column ${column}`;
    const cell = (column: CouponFileColumn): string | undefined => {
      const value = index[column] < 0 ? undefined : cells[index[column]]?.trim();
      return value === '' ? undefined : value;
    };
    const code = cell('code');
    if (code === undefined) throw new AppError('BAD_FILE', `${where('code')}: is required but empty`);
    if (!CODE_PATTERN.test(code))
      throw new AppError(
        'BAD_FILE',
        `${where('code')}: expected a code of letters, digits, - and _ (at most 64), found '${code}'`,
      );
    const key = code.toUpperCase();
    const earlier = seen.get(key);
    if (earlier !== undefined)
      throw new AppError('BAD_FILE', `${where('code')}: code '${code}' is also on line ${earlier}`);
    seen.set(key, line);
    const money = (column: 'value' | 'min_spend', fallback: string | undefined): string | undefined => {
      const written = cell(column);
      if (written === undefined) return fallback;
      const parsed = parseMoney(written);
      if (parsed === null)
        throw new AppError(
          'BAD_FILE',
          `${where(column)}: expected an amount such as 20 or 19.90 (at most 2 decimals), found '${written}'`,
        );
      return parsed;
    };
    const day = (column: 'valid_from' | 'valid_until', fallback: string | undefined): string | null => {
      const written = cell(column);
      if (written === undefined) return fallback ?? null;
      const parsed = parseCouponDay(written);
      if (parsed === null)
        throw new AppError(
          'BAD_FILE',
          `${where(column)}: expected a day such as 2026-12-31, found '${written}'`,
        );
      return parsed;
    };
    const value = money('value', defaults.value);
    if (value === undefined)
      throw new AppError('BAD_FILE', `${where('value')}: is empty and no --value was given`);
    if (Number(value) <= 0)
      throw new AppError('BAD_FILE', `${where('value')}: must be more than 0, found '${value}'`);
    const validFrom = day('valid_from', defaults.validFrom);
    const validUntil = day('valid_until', defaults.validUntil);
    if (validFrom !== null && validUntil !== null && validUntil < validFrom)
      throw new AppError(
        'BAD_FILE',
        `${where('valid_until')}: ${validUntil} is before valid_from ${validFrom}`,
      );
    rows.push({
      line,
      code,
      value,
      min_spend: money('min_spend', defaults.minSpend) ?? '0.00',
      valid_from: validFrom,
      valid_until: validUntil,
    });
  });
  if (rows.length === 0) throw new AppError('BAD_FILE', `${path}: no codes below the header`);
  return rows;
}
