/**
 * What every analysis command settles before it runs, in one place: the day it runs as of
 * (--as-of, else the day of the last order, checked against the data), whether the store has
 * anything to analyse, and the population it counts (src/analytics/population.ts), announced in
 * one line on stderr.
 *
 * Days after the last order: an analysis as of such a day counts the days since as days without
 * purchases (recency grows, members drift towards churned), which is a real question ("where do
 * we stand if nothing more sells?"), so it runs with a warning. A day after today, in the store's
 * timezone, has not ended: no figure as of its end can be known, so it is refused.
 */
import type { Command } from 'commander';
import {
  describePopulation,
  type Population,
  type ResolvedPopulation,
  resolvePopulation,
} from '../analytics/population.js';
import { AppError } from '../errors.js';
import { raw } from '../store/sql.js';
import type { Store } from '../store/store.js';
import type { CommandContext } from './context.js';

export interface PopulationFlags {
  readonly allCustomers?: boolean | undefined;
  readonly membersOnly?: boolean | undefined;
}

export interface ScopeFlags extends PopulationFlags {
  readonly asOf?: string | undefined;
}

export interface AnalysisScope {
  readonly asOf: string;
  readonly lastOrderDay: string;
  readonly population: ResolvedPopulation;
  /** population.population === 'all_customers', as the analyses' option takes it. */
  readonly allCustomers: boolean;
}

/** Adds --all-customers and --members-only, which override the config's `population`. */
export function addPopulationOptions(command: Command, counts = 'count'): Command {
  return command
    .option('--all-customers', `${counts} every customer with an order, members or not`)
    .option('--members-only', `${counts} members only, even in a store without members`);
}

/** The population a command's flags force, if any. */
export function getPopulationOverride(flags: PopulationFlags): Population | undefined {
  if (flags.allCustomers && flags.membersOnly)
    throw new AppError('BAD_ARGUMENT', 'give either --all-customers or --members-only, not both');
  if (flags.allCustomers) return 'all_customers';
  return flags.membersOnly ? 'members' : undefined;
}

/** Resolves the population for the command's flags and the config, and says it on stderr. */
export async function resolveCommandPopulation(
  store: Store,
  context: CommandContext,
  flags: PopulationFlags,
): Promise<ResolvedPopulation> {
  const population = await resolvePopulation(store, {
    setting: context.config.population,
    override: getPopulationOverride(flags),
  });
  process.stderr.write(`${describePopulation(population)}\n`);
  return population;
}

/**
 * The day of the last order; an AppError EMPTY_STORE when the store has none, so a store
 * without orders ends every analysis command the same way. `verb` says what was asked
 * ("score", "report").
 */
export async function getLastOrderDayOrThrow(store: Store, verb: string): Promise<string> {
  const { getLastOrderDay } = await import('../analytics/rfm/rfm.js');
  const last = await getLastOrderDay(store);
  if (last !== null) return last;
  const [row] = await store.query<{ rows: number }>(
    raw(`SELECT ((SELECT count(*) FROM customers) + (SELECT count(*) FROM sessions)
      + (SELECT count(*) FROM feedback))::INTEGER AS rows`),
  );
  // Only a store with nothing at all is pointed at the demo: demo refuses a store with data.
  const next = row?.rows
    ? 'import the orders (`huiyuan import orders.csv`)'
    : 'import a file (`huiyuan import FILE`), or try the demo in a database of its own (`huiyuan demo --db demo.duckdb`)';
  throw new AppError('EMPTY_STORE', `the store has no orders yet, so there is nothing to ${verb}: ${next}`);
}

/** Today in the store's timezone, YYYY-MM-DD. */
export function getStoreToday(timezone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/**
 * Checks a day an analysis runs as of against the data: an AppError for a day after today
 * (store time), else a warning for a day after the last order, else null.
 */
export function checkAnalysisDay(
  day: string,
  facts: { readonly lastOrderDay: string; readonly today: string; readonly flag: string },
): string | null {
  if (day > facts.today)
    throw new AppError(
      'BAD_ARGUMENT',
      `${facts.flag} ${day} is after today (${facts.today} in the store's timezone): the day has not ended, so no figure as of it can be known`,
    );
  if (day <= facts.lastOrderDay) return null;
  const gap = (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${facts.lastOrderDay}T00:00:00Z`)) / 86_400_000;
  return `warning: ${facts.flag} ${day} is ${gap} day${gap === 1 ? '' : 's'} after the last order (${facts.lastOrderDay}): those days count as days without any purchase`;
}

/** Checks a day flag (when given) against the data and writes its warning, if any, to stderr. */
export function warnAboutDay(
  context: CommandContext,
  day: string | undefined,
  lastOrderDay: string,
  flag = '--as-of',
): void {
  if (day === undefined) return;
  const warning = checkAnalysisDay(day, {
    lastOrderDay,
    today: getStoreToday(context.config.timezone),
    flag,
  });
  if (warning) process.stderr.write(`${warning}\n`);
}

/**
 * The day and population of an analysis: --as-of (checked) or the day of the last order, and
 * the resolved population (said on stderr).
 */
export async function resolveScope(
  store: Store,
  context: CommandContext,
  flags: ScopeFlags,
  verb: string,
): Promise<AnalysisScope> {
  const lastOrderDay = await getLastOrderDayOrThrow(store, verb);
  warnAboutDay(context, flags.asOf, lastOrderDay);
  const population = await resolveCommandPopulation(store, context, flags);
  return {
    asOf: flags.asOf ?? lastOrderDay,
    lastOrderDay,
    population,
    allCustomers: population.population === 'all_customers',
  };
}
