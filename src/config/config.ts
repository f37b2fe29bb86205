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
import { AppError } from '../errors.js';

function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

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
});

export type StoreConfig = z.infer<typeof configSchema>;

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
    sources.dbFlag ?? sources.env.HUIYUAN_DB ?? DEFAULT_DATABASE_FILE,
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
      `${configPath}: unknown field '${issue.keys.join("', '")}'${where}; known fields: ${Object.keys(configSchema.shape).join(', ')}`,
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
