/**
 * Coupon pools (券池): named stocks of codes a rule's coupon action gives out, one code per
 * enrollment (issue.ts). A pool is filled either from a file of codes the platform issued
 * (importCoupons: Taobao 优惠券, Shopify discount codes) or with codes generated here
 * (generateCoupons: crypto-random, from an alphabet without look-alike characters), never both.
 * Every code is unique across pools, so a code names its pool, its value and whom it went to.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { AppError } from '../errors.js';
import { sql } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { suggestName } from '../rules/rule-schema.js';
import { checkCouponDefaults, type CouponDefaults, readCouponFile } from './coupon-file.js';

export const POOL_SOURCES = ['imported', 'generated'] as const;
export type PoolSource = (typeof POOL_SOURCES)[number];

/**
 * The characters of a generated code: digits and capitals without 0/O, 1/I/L, which a member
 * copying a code from an SMS confuses. 31 characters, so 10 of them are 31^10 ≈ 8·10^14 codes.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** Random characters in a generated code (after its prefix). */
export const GENERATED_CODE_LENGTH = 10;
/** The most codes one generate makes: a member week for a million members, with room. */
export const MAX_GENERATED = 5_000_000;

/** A pool name: what a rule's `coupon: {pool}` names. */
const POOL_NAME = /^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,62}$/u;
const PREFIX = /^[A-Z0-9][A-Z0-9_-]{0,15}$/;

function checkPoolName(name: string): void {
  if (!POOL_NAME.test(name))
    throw new AppError(
      'BAD_ARGUMENT',
      `--pool expects a name of letters, digits, -, _ and . (at most 63), e.g. winback-30, found '${name}'`,
    );
}

interface PoolRow {
  readonly name: string;
  readonly source: PoolSource;
  readonly value: string | null;
  readonly min_spend: string | null;
  readonly [key: string]: string | null;
}

async function findPool(store: Store, name: string): Promise<PoolRow | undefined> {
  const [pool] = await store.query<PoolRow>(
    sql`SELECT name, source, value::VARCHAR AS value, min_spend::VARCHAR AS min_spend FROM coupon_pools WHERE name = ${name}`,
  );
  return pool;
}

/** Creates the pool, or checks an existing one is of the same source; the pool's row is touched. */
async function ensurePool(
  store: Store,
  name: string,
  source: PoolSource,
  defaults: CouponDefaults,
  clock: string,
): Promise<boolean> {
  const existing = await findPool(store, name);
  if (existing && existing.source !== source)
    throw new AppError(
      'BAD_ARGUMENT',
      `pool '${name}' holds ${existing.source} codes; ${source === 'imported' ? 'import into' : 'generate into'} another pool (a pool is imported or generated, not both)`,
    );
  if (existing) {
    await store.run(sql`UPDATE coupon_pools SET updated_at = ${clock}::TIMESTAMPTZ WHERE name = ${name}`);
    return false;
  }
  await store.run(
    sql`INSERT INTO coupon_pools VALUES (${name}, ${source}, ${defaults.value ?? null}::DECIMAL(18,2),
      ${defaults.minSpend ?? null}::DECIMAL(18,2), ${defaults.validFrom ?? null}::DATE, ${defaults.validUntil ?? null}::DATE,
      ${clock}::TIMESTAMPTZ, ${clock}::TIMESTAMPTZ)`,
  );
  return true;
}

export interface ImportCouponsOptions extends CouponDefaults {
  readonly pool: string;
  /** When the import happens (ISO instant); default now. */
  readonly clock?: string;
}

export interface ImportCouponsResult {
  readonly pool: string;
  readonly file: string;
  /** True when this import created the pool. */
  readonly created: boolean;
  /** Codes in the file. */
  readonly codes: number;
  readonly added: number;
  /** Codes already in the pool with the same value, minimum spend and validity. */
  readonly unchanged: number;
}

/**
 * Loads a file of platform codes into a pool, all or nothing. Importing the same file again adds
 * nothing (its codes are unchanged). A code already in another pool, or in this pool with another
 * value, minimum spend or validity, refuses the whole file naming its line: a code's terms are
 * what the platform issued, and a member may already hold it.
 *
 * @example await importCoupons(store, 'shopify-codes.csv', { pool: 'winback-30', value: '30' })
 */
export async function importCoupons(
  store: Store,
  path: string,
  options: ImportCouponsOptions,
): Promise<ImportCouponsResult> {
  checkPoolName(options.pool);
  const defaults = checkCouponDefaults(options);
  const rows = readCouponFile(path, defaults);
  const clock = options.clock ?? new Date().toISOString();
  const file = resolve(path);
  return store.transaction(async () => {
    const created = await ensurePool(store, options.pool, 'imported', defaults, clock);
    const fileRows = sql`SELECT * FROM (SELECT unnest(json_transform(${JSON.stringify(rows)},
      '[{"line":"INTEGER","code":"VARCHAR","value":"DECIMAL(18,2)","min_spend":"DECIMAL(18,2)","valid_from":"DATE","valid_until":"DATE"}]'),
      recursive := true))`;
    const [conflict] = await store.query<{
      line: number;
      code: string;
      pool: string;
      value: string;
      min_spend: string;
      valid_from: string | null;
      valid_until: string | null;
      file_terms: string;
    }>({
      sql: `SELECT f.line, f.code, c.pool, c.value::VARCHAR AS value, c.min_spend::VARCHAR AS min_spend,
          c.valid_from::VARCHAR AS valid_from, c.valid_until::VARCHAR AS valid_until,
          f.value::VARCHAR || ', min spend ' || f.min_spend::VARCHAR || ', valid ' || coalesce(f.valid_from::VARCHAR, 'any day')
            || ' to ' || coalesce(f.valid_until::VARCHAR, 'no end') AS file_terms
        FROM (${fileRows.sql}) f JOIN coupon_pool_codes c ON upper(c.code) = upper(f.code)
        WHERE c.pool <> $2 OR c.code <> f.code OR c.value <> f.value OR c.min_spend <> f.min_spend
          OR c.valid_from IS DISTINCT FROM f.valid_from OR c.valid_until IS DISTINCT FROM f.valid_until
        ORDER BY f.line LIMIT 1`,
      params: [...fileRows.params, options.pool],
    });
    if (conflict) {
      const where = `${path}:${conflict.line} column code`;
      if (conflict.pool !== options.pool)
        throw new AppError(
          'BAD_FILE',
          `${where}: code '${conflict.code}' is already in pool '${conflict.pool}'`,
        );
      throw new AppError(
        'BAD_FILE',
        `${where}: code '${conflict.code}' is already in pool '${conflict.pool}' as ${conflict.value}, min spend ${conflict.min_spend}, valid ${conflict.valid_from ?? 'any day'} to ${conflict.valid_until ?? 'no end'}; the file says ${conflict.file_terms}`,
      );
    }
    const before = await countPoolCodes(store, options.pool);
    await store.run({
      sql: `INSERT INTO coupon_pool_codes (code, pool, value, min_spend, valid_from, valid_until, added_at)
        SELECT f.code, $2, f.value, f.min_spend, f.valid_from, f.valid_until, $3::TIMESTAMPTZ
        FROM (${fileRows.sql}) f WHERE NOT EXISTS (SELECT 1 FROM coupon_pool_codes c WHERE c.code = f.code)`,
      params: [...fileRows.params, options.pool, clock],
    });
    const added = (await countPoolCodes(store, options.pool)) - before;
    return { pool: options.pool, file, created, codes: rows.length, added, unchanged: rows.length - added };
  });
}

/** `count` distinct codes of GENERATED_CODE_LENGTH characters of CODE_ALPHABET after `prefix`. */
export function generateCodes(count: number, prefix = ''): string[] {
  const codes = new Set<string>();
  // Rejection sampling: a byte ≥ 248 (8 × 31) is dropped, so every character is equally likely.
  const limit = 256 - (256 % CODE_ALPHABET.length);
  while (codes.size < count) {
    const bytes = randomBytes((count - codes.size) * GENERATED_CODE_LENGTH * 2);
    let code = prefix;
    for (const byte of bytes) {
      if (byte >= limit) continue;
      code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (code.length === prefix.length + GENERATED_CODE_LENGTH) {
        codes.add(code);
        if (codes.size === count) break;
        code = prefix;
      }
    }
  }
  return [...codes];
}

export interface GenerateCouponsOptions {
  readonly pool: string;
  readonly count: number;
  /** Face value, e.g. '20'. */
  readonly value: string;
  readonly minSpend?: string;
  readonly validFrom?: string;
  readonly validUntil?: string;
  /** Written before the random part, e.g. 'VIP-' (capitals, digits, - and _). */
  readonly prefix?: string;
  readonly clock?: string;
}

export interface GenerateCouponsResult {
  readonly pool: string;
  readonly created: boolean;
  readonly generated: number;
  /** Codes of the pool after it. */
  readonly codes: number;
}

/**
 * Adds `count` new codes to a generated pool (a new pool, or more of the same one: the same value
 * and minimum spend). Codes are crypto-random and unique against every stored code; all are
 * written in one transaction.
 */
export async function generateCoupons(
  store: Store,
  options: GenerateCouponsOptions,
): Promise<GenerateCouponsResult> {
  checkPoolName(options.pool);
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > MAX_GENERATED)
    throw new AppError(
      'BAD_ARGUMENT',
      `--count expects a whole number from 1 to ${MAX_GENERATED}, found ${options.count}`,
    );
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !PREFIX.test(prefix))
    throw new AppError(
      'BAD_ARGUMENT',
      `--prefix expects capitals, digits, - and _ (at most 16), e.g. VIP-, found '${prefix}'`,
    );
  const defaults = checkCouponDefaults(options);
  const value = defaults.value;
  if (value === undefined) throw new AppError('BAD_ARGUMENT', 'generated codes need a face value: --value');
  const minSpend = defaults.minSpend ?? '0.00';
  const clock = options.clock ?? new Date().toISOString();
  return store.transaction(async () => {
    const existing = await findPool(store, options.pool);
    if (
      existing &&
      existing.source === 'generated' &&
      (existing.value !== value || existing.min_spend !== minSpend)
    )
      throw new AppError(
        'BAD_ARGUMENT',
        `pool '${options.pool}' gives ${existing.value} off a minimum spend of ${existing.min_spend}; generate ${value} off ${minSpend} into another pool`,
      );
    const created = await ensurePool(store, options.pool, 'generated', { ...defaults, minSpend }, clock);
    const before = await countPoolCodes(store, options.pool);
    let codes = before;
    // A collision with a stored code is all but impossible at 31^10; if one happens, the missing
    // codes are drawn again.
    while (codes - before < options.count) {
      const drawn = generateCodes(options.count - (codes - before), prefix);
      await store.run(
        sql`INSERT INTO coupon_pool_codes (code, pool, value, min_spend, valid_from, valid_until, added_at)
          SELECT code, ${options.pool}, ${value}::DECIMAL(18,2), ${minSpend}::DECIMAL(18,2),
            ${defaults.validFrom ?? null}::DATE, ${defaults.validUntil ?? null}::DATE, ${clock}::TIMESTAMPTZ
          FROM (SELECT unnest(string_split(${drawn.join(',')}, ',')) AS code) n
          WHERE NOT EXISTS (SELECT 1 FROM coupon_pool_codes c WHERE c.code = n.code)`,
      );
      codes = await countPoolCodes(store, options.pool);
    }
    return { pool: options.pool, created, generated: codes - before, codes };
  });
}

/** One pool as `coupons list` shows it. */
export interface PoolSummary {
  readonly pool: string;
  readonly source: PoolSource;
  /** The pool's face value when its codes share one, else null (imported codes may differ). */
  readonly value: string | null;
  readonly min_spend: string | null;
  readonly valid_until: string | null;
  readonly codes: number;
  readonly issued: number;
  /** Not issued and still valid on `day`: what rules can still give. */
  readonly left: number;
  /** Not issued and past their last valid day. */
  readonly expired: number;
  readonly [key: string]: string | number | null;
}

/** Every pool with its codes issued and left on `day` (YYYY-MM-DD, default today in store time). */
export async function listPools(store: Store, day?: string): Promise<PoolSummary[]> {
  return store.query<PoolSummary>(
    sql`WITH on_day AS (SELECT coalesce(${day ?? null}::DATE, current_date) AS day)
      SELECT p.name AS pool, p.source,
        CASE WHEN min(c.value) = max(c.value) THEN min(c.value)::VARCHAR ELSE p.value::VARCHAR END AS value,
        CASE WHEN min(c.min_spend) = max(c.min_spend) THEN min(c.min_spend)::VARCHAR ELSE p.min_spend::VARCHAR END AS min_spend,
        max(c.valid_until)::VARCHAR AS valid_until,
        count(c.code)::INTEGER AS codes,
        count(c.enrollment_id)::INTEGER AS issued,
        count(*) FILTER (WHERE c.code IS NOT NULL AND c.enrollment_id IS NULL
          AND (c.valid_until IS NULL OR c.valid_until >= (SELECT day FROM on_day)))::INTEGER AS "left",
        count(*) FILTER (WHERE c.enrollment_id IS NULL AND c.valid_until < (SELECT day FROM on_day))::INTEGER AS expired
      FROM coupon_pools p LEFT JOIN coupon_codes c ON c.pool = p.name
      GROUP BY p.name, p.source, p.value, p.min_spend ORDER BY p.name`,
  );
}

async function countPoolCodes(store: Store, pool: string): Promise<number> {
  const [row] = await store.query<{ codes: number }>(
    sql`SELECT count(*)::INTEGER AS codes FROM coupon_pool_codes WHERE pool = ${pool}`,
  );
  return row?.codes ?? 0;
}

/** The names of the stored pools, for checking a rule's coupon action. */
export async function getPoolNames(store: Store): Promise<string[]> {
  const rows = await store.query<{ name: string }>(sql`SELECT name FROM coupon_pools ORDER BY name`);
  return rows.map((row) => row.name);
}

export const CODE_STATES = ['free', 'issued', 'all'] as const;
export type CodeState = (typeof CODE_STATES)[number];

/** One code of a pool, as `coupons codes` lists it. */
export interface CodeRow {
  readonly code: string;
  readonly value: string;
  readonly min_spend: string;
  readonly valid_from: string | null;
  readonly valid_until: string | null;
  readonly customer_id: string | null;
  readonly rule_id: string | null;
  readonly issued_at: string | null;
  readonly [key: string]: string | null;
}

/**
 * The codes of a pool (free, issued or all), e.g. to load generated codes into the platform
 * (Shopify's bulk discount-code import) before rules give them out.
 */
export async function listCodes(store: Store, pool: string, state: CodeState): Promise<CodeRow[]> {
  if (!(await findPool(store, pool))) {
    const names = await getPoolNames(store);
    throw new AppError(
      'BAD_ARGUMENT',
      `no coupon pool '${pool}'${suggestName(pool, names)} (pools: ${names.join(', ') || 'none yet'})`,
    );
  }
  return store.query<CodeRow>(
    sql`SELECT code, value::VARCHAR AS value, min_spend::VARCHAR AS min_spend, valid_from::VARCHAR AS valid_from,
        valid_until::VARCHAR AS valid_until, customer_id, rule_id, issued_at::VARCHAR AS issued_at
      FROM coupon_codes WHERE pool = ${pool}
        AND (${state} = 'all' OR (${state} = 'issued') = (enrollment_id IS NOT NULL))
      ORDER BY code`,
  );
}
