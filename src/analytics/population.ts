/**
 * Whom the member analyses count. Exports from Shopify, UCI Online Retail or CDNOW carry no
 * membership, so a store imported from them has customers but no members: with `population:
 * auto` (the default) the analyses count every customer with an order there, and members
 * wherever the store has any. A command resolves this once, here, and hands the answer to every
 * analysis it runs, so its figures and its population line always agree.
 */
import type { PopulationSetting } from '../config/config.js';
import { raw } from '../store/sql.js';
import type { Store } from '../store/store.js';

export const POPULATIONS = ['members', 'all_customers'] as const;
export type Population = (typeof POPULATIONS)[number];

export interface PopulationChoice {
  /** The config's `population`. */
  readonly setting: PopulationSetting;
  /** --all-customers or --members-only, which win over the setting. */
  readonly override?: Population | undefined;
}

export interface ResolvedPopulation {
  readonly population: Population;
  /** Whether any customer of the store is a member (has member_since), on any day. */
  readonly storeHasMembers: boolean;
  /**
   * What decided it: a flag, the config's setting, auto from the store's content, or (tiers
   * only) the member programme.
   */
  readonly decidedBy: 'flag' | 'config' | 'auto' | 'member_programme';
}

/**
 * Resolves the population: the flag, else the config's setting, else (auto) members when the
 * store has any member and every customer with an order when it has none.
 */
export async function resolvePopulation(store: Store, choice: PopulationChoice): Promise<ResolvedPopulation> {
  const [row] = await store.query<{ has_members: boolean }>(
    raw('SELECT EXISTS (SELECT 1 FROM customers WHERE member_since IS NOT NULL) AS has_members'),
  );
  const storeHasMembers = row?.has_members ?? false;
  if (choice.override) return { population: choice.override, storeHasMembers, decidedBy: 'flag' };
  if (choice.setting !== 'auto') return { population: choice.setting, storeHasMembers, decidedBy: 'config' };
  return { population: storeHasMembers ? 'members' : 'all_customers', storeHasMembers, decidedBy: 'auto' };
}

/**
 * The population tiers count. Tiers are a member programme: in a store with members,
 * non-members never get one, whoever else an analysis counts. In a store without any member,
 * counting all customers means tiering them too, or the tier tables would stay empty.
 */
export function getTierPopulation(resolved: ResolvedPopulation): ResolvedPopulation {
  return resolved.population === 'all_customers' && resolved.storeHasMembers
    ? { ...resolved, population: 'members', decidedBy: 'member_programme' }
    : resolved;
}

/** Whether tiers go to every counted customer (getTierPopulation). */
export function tiersEveryCustomer(resolved: ResolvedPopulation): boolean {
  return getTierPopulation(resolved).population === 'all_customers';
}

/** The one line that says whom the figures count, e.g. "population: all customers (…)". */
export function describePopulation(resolved: ResolvedPopulation): string {
  const whom = resolved.population === 'members' ? 'members' : 'all customers with an order';
  const why = {
    flag: resolved.population === 'members' ? '--members-only' : '--all-customers',
    config: `population: ${resolved.population} in the config`,
    auto: resolved.storeHasMembers
      ? 'the store has members; --all-customers counts every customer'
      : 'the store has no members, so every customer is counted',
    member_programme: 'tiers are a member programme; non-members have none',
  }[resolved.decidedBy];
  const warning =
    resolved.population === 'members' && !resolved.storeHasMembers ? '; the store has no members, so 0' : '';
  return `population: ${whom} (${why}${warning})`;
}
