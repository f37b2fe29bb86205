/**
 * External signals (外部信号): something that happened outside the store that rules may act on,
 * e.g. 降温 (a cold snap) in 华北 and 东北. `huiyuan signal NAME` records one; a rule with
 * `trigger: {signal: NAME}` enrolls its audience, limited to the signal's provinces and regions
 * when it names any (occurrences.ts). Checked where it enters: an unknown province or region, or
 * data that is not JSON, is one clear error and nothing is stored.
 */
import { randomBytes } from 'node:crypto';
import { BIG_REGIONS, NORTH_SOUTH, normalizeProvince } from '../domain/regions.js';
import { AppError } from '../errors.js';
import { sql } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { suggestName } from './rule-schema.js';

export interface SignalInput {
  readonly name: string;
  /** Province names in any spelling normalizeProvince reads (浙江, 浙江省, Zhejiang). */
  readonly provinces?: readonly string[];
  /** Big regions (华北 …) or halves (北方, 南方; north, south). */
  readonly regions?: readonly string[];
  /** JSON text stored with the signal, e.g. '{"drop_c": 8}'. */
  readonly data?: string;
  /** When it happened: YYYY-MM-DD[ HH:MM[:SS]] in store time, or ISO 8601 with an offset (default now). */
  readonly at?: string;
}

export interface RecordedSignal {
  readonly id: string;
  readonly name: string;
  readonly provinces: readonly string[];
  readonly regions: readonly string[];
  readonly data: unknown;
  readonly occurred_at: string;
}

const REGION_WORDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries([...BIG_REGIONS, ...NORTH_SOUTH].map((region) => [region, region])),
  north: '北方',
  south: '南方',
};

const INSTANT = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Checks a signal's input; the one error names the flag and the value. */
export function checkSignal(input: SignalInput): {
  name: string;
  provinces: string[];
  regions: string[];
  data: string | null;
  at: string | null;
} {
  const name = input.name.trim();
  if (name === '' || name.length > 64)
    throw new AppError('BAD_ARGUMENT', `a signal name is 1–64 characters, e.g. 降温, found '${input.name}'`);
  const provinces = (input.provinces ?? []).map((text) => {
    const province = normalizeProvince(text);
    if (province === undefined)
      throw new AppError('BAD_ARGUMENT', `--provinces: no province '${text}' (e.g. 浙江, 黑龙江, Beijing)`);
    return province;
  });
  const regions = (input.regions ?? []).map((text) => {
    const region = REGION_WORDS[text.trim().toLowerCase()] ?? REGION_WORDS[text.trim()];
    if (region === undefined)
      throw new AppError(
        'BAD_ARGUMENT',
        `--regions: no region '${text}'${suggestName(text, Object.keys(REGION_WORDS))} (regions: ${[...BIG_REGIONS, ...NORTH_SOUTH].join(', ')})`,
      );
    return region;
  });
  let data: string | null = null;
  if (input.data !== undefined) {
    try {
      data = JSON.stringify(JSON.parse(input.data));
    } catch (error) {
      throw new AppError(
        'BAD_ARGUMENT',
        `--data is not JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const at = input.at?.trim() ?? null;
  if (at !== null && !INSTANT.test(at))
    throw new AppError(
      'BAD_ARGUMENT',
      `--at: expected YYYY-MM-DD, 'YYYY-MM-DD HH:MM' in store time or an ISO 8601 instant, found '${input.at}'`,
    );
  return { name, provinces: [...new Set(provinces)], regions: [...new Set(regions)], data, at };
}

/** Records a signal after checking it; returns it as stored (occurred_at in store time). */
export async function recordSignal(store: Store, input: SignalInput): Promise<RecordedSignal> {
  const checked = checkSignal(input);
  const id = `sig_${randomBytes(12).toString('hex')}`;
  const list = (values: readonly string[]): string => JSON.stringify(values);
  const [row] = await store
    .query<{ occurred_at: string | null }>(
      sql`SELECT strftime(${checked.at}::TIMESTAMPTZ, '%Y-%m-%d %H:%M:%S') AS occurred_at`,
    )
    .catch((error: unknown) => {
      throw new AppError('BAD_ARGUMENT', `--at: not a time: '${input.at}'`, { cause: error });
    });
  if (checked.at !== null && row?.occurred_at === null)
    throw new AppError('BAD_ARGUMENT', `--at: not a time: '${input.at}'`);
  await store.run(
    sql`INSERT INTO signals VALUES (${id}, ${checked.name}, from_json(${list(checked.provinces)}, '["VARCHAR"]'),
      from_json(${list(checked.regions)}, '["VARCHAR"]'), ${checked.data}::JSON, coalesce(${checked.at}::TIMESTAMPTZ, now()), now())`,
  );
  const [stored] = await store.query<{ occurred_at: string }>(
    sql`SELECT strftime(occurred_at, '%Y-%m-%d %H:%M:%S') AS occurred_at FROM signals WHERE id = ${id}`,
  );
  return {
    id,
    name: checked.name,
    provinces: checked.provinces,
    regions: checked.regions,
    data: checked.data === null ? null : (JSON.parse(checked.data) as unknown),
    occurred_at: stored?.occurred_at ?? '',
  };
}
