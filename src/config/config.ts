/**
 * The store's configuration: schema, defaults and loading. Environment variables and config
 * files are read here and nowhere else; everything below the CLI receives a resolved Config.
 *
 * Resolution: database = --db, else $HUIYUAN_DB, else ./huiyuan.duckdb. Config file = --config,
 * else huiyuan.config.json beside the database (optional). A bad file names the field, what
 * was expected and what was found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RFM_SEGMENT_MAP, findSegmentMapProblems, RFM_SEGMENTS } from '../domain/rfm-segments.js';
import { AppError } from '../errors.js';
import { lifecycleConfigSchema } from './lifecycle-config.js';
import { predictConfigSchema } from './predict-config.js';
import { channelsConfigSchema, rulesConfigSchema } from './rules-config.js';
import { monitorConfigSchema } from './monitor-config.js';
import { tagsConfigSchema } from './tags-config.js';
import { tiersConfigSchema } from './tiers-config.js';

function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const RFM_SCORINGS = ['quintiles', 'breakpoints'] as const;
export const RFM_FREQUENCIES = ['orders', 'order_days'] as const;
export const RFM_MONETARIES = ['net', 'gross'] as const;
/** Whom the member analyses count: auto = members when the store has any, else every customer. */
export const POPULATION_SETTINGS = ['auto', 'members', 'all_customers'] as const;
export type PopulationSetting = (typeof POPULATION_SETTINGS)[number];
/** The languages of plain-language output (report, profile, wanted). */
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const ascendingCuts = z
  .array(z.number())
  .length(4, { message: 'expected 4 ascending numbers' })
  .refine((cuts) => cuts.every((cut, index) => index === 0 || cut > (cuts[index - 1] ?? cut)), {
    message: 'expected 4 strictly ascending numbers',
  });

const score = z.number().int().min(1).max(5);
const scoreRange = z.union(
  [
    score,
    z
      .tuple([score, score])
      .refine(([low, high]) => low <= high, { message: 'expected a range [low, high] with low ≤ high' }),
  ],
  {
    message: 'expected a score 1–5 or a range [low, high] of scores',
  },
);
const cellRange = z.strictObject({ r: scoreRange, fm: scoreRange });

const segmentMapSchema = z
  .partialRecord(z.enum(RFM_SEGMENTS), z.array(cellRange))
  .superRefine((map, context) => {
    const problems = findSegmentMapProblems(map);
    if (problems.length) context.addIssue({ code: 'custom', message: problems.join('; ') });
  });

const rfmSchema = z
  .strictObject({
    scoring: z
      .enum(RFM_SCORINGS)
      .default('quintiles')
      .describe("Scores 1–5 by quintiles of the scored customers, or by the store's breakpoints."),
    breakpoints: z
      .strictObject({
        recency_days: ascendingCuts,
        frequency: ascendingCuts,
        monetary: ascendingCuts.refine(
          (cuts) => cuts.every((cut) => Math.abs(cut * 100 - Math.round(cut * 100)) < 1e-6),
          {
            message: 'expected amounts with at most two decimals',
          },
        ),
      })
      .optional()
      .describe(
        'Four ascending cut points per measure; a value equal to a cut point goes to the bin below it.',
      ),
    weights: z
      .strictObject({
        r: z.number().nonnegative().default(1),
        f: z.number().nonnegative().default(1),
        m: z.number().nonnegative().default(1),
      })
      .refine((w) => w.r + w.f + w.m > 0, { message: 'expected at least one weight above 0' })
      .default({ r: 1, f: 1, m: 1 })
      .describe('Weights of the total score (wR·R + wF·F + wM·M) / (wR + wF + wM).'),
    frequency: z
      .enum(RFM_FREQUENCIES)
      .default('orders')
      .describe('Frequency counts purchases, or distinct purchase days.'),
    monetary: z
      .enum(RFM_MONETARIES)
      .default('net')
      .describe('Monetary is paid minus refunded (net), or paid (gross).'),
    segments: segmentMapSchema
      .default(DEFAULT_RFM_SEGMENT_MAP)
      .describe('Segment → cells of the R × FM grid; must cover the 25 cells exactly once.'),
  })
  .superRefine((rfm, context) => {
    if (rfm.scoring === 'breakpoints' && !rfm.breakpoints)
      context.addIssue({
        code: 'custom',
        path: ['breakpoints'],
        message: 'expected breakpoints { recency_days, frequency, monetary } when scoring is breakpoints',
      });
  });

export const configSchema = z.strictObject({
  timezone: z
    .string()
    .refine(isTimezone, { message: 'expected an IANA timezone such as Asia/Shanghai' })
    .default('Asia/Shanghai')
    .describe("The store's timezone: naive timestamps are read in it; days and months are cut in it."),
  memory_limit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, { message: 'expected a size such as 2GB' })
    .default('1GB')
    .describe('Memory DuckDB may use before it spills to disk.'),
  population: z
    .enum(POPULATION_SETTINGS)
    .default('auto')
    .describe(
      'Whom the member analyses count: members, every customer with an order (all_customers), or auto: members when the store has any, else every customer.',
    ),
  lang: z
    .enum(LANGUAGES)
    .default('zh-CN')
    .describe('Language of the report, profile and wanted lines when --lang is not given.'),
  rfm: rfmSchema.default(() => rfmSchema.parse({})).describe('RFM scoring and segments.'),
  tiers: tiersConfigSchema
    .default(() => tiersConfigSchema.parse({}))
    .describe('Tier system (spec section 4).'),
  lifecycle: lifecycleConfigSchema
    .default(() => lifecycleConfigSchema.parse({}))
    .describe('Lifecycle stages (spec section 6).'),
  tags: tagsConfigSchema
    .default(() => tagsConfigSchema.parse({}))
    .describe('Behaviour tags (spec section 5).'),
  predict: predictConfigSchema
    .default(() => predictConfigSchema.parse({}))
    .describe('Purchase and spend models: P(alive), expected purchases, CLV (spec sections 5–6).'),
  monitor: monitorConfigSchema
    .default(() => monitorConfigSchema.parse({}))
    .describe('Daily checks and alerts (spec section 10).'),
  rules: rulesConfigSchema
    .default(() => rulesConfigSchema.parse({}))
    .describe('Preset conditions (预设条件, spec section 9): defaults of rules.'),
  channels: channelsConfigSchema
    .default(() => channelsConfigSchema.parse({}))
    .describe('Delivery channels rules may name: webhook endpoints, SMS.'),
});

export type StoreConfig = z.infer<typeof configSchema>;
export type RfmConfig = StoreConfig['rfm'];

export interface Config extends StoreConfig {
  readonly databasePath: string;
  /** The file the config was read from, or null when only defaults apply. */
  readonly configPath: string | null;
}

export interface ConfigSources {
  readonly dbFlag?: string | undefined;
  readonly configFlag?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export const DEFAULT_DATABASE_FILE = 'huiyuan.duckdb';
export const CONFIG_FILE_NAME = 'huiyuan.config.json';

export function loadConfig(sources: ConfigSources): Config {
  const databasePath = resolve(
    sources.cwd,
    // An empty HUIYUAN_DB is unset, as a shell user means it.
    sources.dbFlag ?? (sources.env.HUIYUAN_DB || DEFAULT_DATABASE_FILE),
  );
  const configPath = sources.configFlag
    ? resolve(sources.cwd, sources.configFlag)
    : join(dirname(databasePath), CONFIG_FILE_NAME);
  if (sources.configFlag && !existsSync(configPath)) {
    throw new AppError('FILE_NOT_FOUND', `config file ${configPath} does not exist (from --config)`);
  }
  if (!existsSync(configPath)) return { ...configSchema.parse({}), databasePath, configPath: null };
  return { ...parseConfig(readFileSync(configPath, 'utf8'), configPath), databasePath, configPath };
}

/** Parses and validates a config file's text; errors name the file and the field. */
export function parseConfig(text: string, configPath: string): StoreConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError('BAD_CONFIG', `${configPath} is not valid JSON: ${(error as Error).message}`);
  }
  const result = configSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const where = issue.path.length ? ` in ${issue.path.join('.')}` : '';
    throw new AppError(
      'BAD_CONFIG',
      `${configPath}: unknown field '${issue.keys.join("', '")}'${where}; known fields: ${listKnownFields(issue.path).join(', ')}`,
    );
  }
  const field = issue?.path.join('.') || '(top level)';
  const found = issue ? describeFound(json, issue.path) : '';
  throw new AppError('BAD_CONFIG', `${configPath}: field ${field}: ${issue?.message ?? 'invalid'}${found}`);
}

function describeFound(json: unknown, path: readonly PropertyKey[]): string {
  let value: unknown = json;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined ? '' : `, found ${JSON.stringify(value)}`;
}

/** The field names allowed at a path of the schema (for the unknown-field message). */
function listKnownFields(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = configSchema;
  for (const key of path) {
    const def: z.core.$ZodTypeDef | undefined = schema ? unwrapSchema(schema)._zod.def : undefined;
    if (def?.type === 'object') schema = (def as z.core.$ZodObjectDef).shape[String(key)];
    else if (def?.type === 'array') schema = (def as z.core.$ZodArrayDef).element;
    else if (def?.type === 'record') schema = (def as z.core.$ZodRecordDef).valueType;
    else return [];
  }
  if (!schema) return [];
  const def = unwrapSchema(schema)._zod.def;
  if (def.type === 'object') return Object.keys((def as z.core.$ZodObjectDef).shape);
  if (def.type === 'record') {
    const keys = (def as z.core.$ZodRecordDef).keyType._zod.def;
    if (keys.type === 'enum') return Object.values((keys as z.core.$ZodEnumDef).entries).map(String);
  }
  return [];
}

/** The schema under defaults, optionals and pipes (a preprocess or refine wraps the real shape). */
function unwrapSchema(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def;
    if (
      def.type === 'default' ||
      def.type === 'optional' ||
      def.type === 'nullable' ||
      def.type === 'readonly'
    ) {
      current = (def as z.core.$ZodDefaultDef).innerType;
    } else if (def.type === 'pipe') {
      const pipe = def as z.core.$ZodPipeDef;
      current = pipe.out._zod.def.type === 'transform' ? pipe.in : pipe.out;
    } else {
      return current;
    }
  }
}
