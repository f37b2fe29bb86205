/**
 * `huiyuan communities [--as-of YYYY-MM-DD] [--k N|auto] [--seed S] [--members] [--format table|csv|json]`
 * `huiyuan communities --history`
 * Finds the member communities as of the day and stores them (the community is then a tag); says
 * which run it replaces in use, and lists the stored runs with --history.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { CommunityRun, StoredCommunityRun } from '../../analytics/communities/communities.js';
import { getLastOrderDayOrThrow, warnAboutDay } from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatPercent, parseCount, parseDay } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface CommunitiesFlags {
  readonly asOf?: string;
  readonly k: number | 'auto';
  readonly seed: number;
  readonly members?: boolean;
  readonly history?: boolean;
  readonly format: OutputFormat;
}

export const MAX_COMMUNITIES = 20;

/** Commander parser for --k: a whole number 2–20 or `auto`. */
export function parseCommunityCount(value: string): number | 'auto' {
  const text = value.trim();
  if (text === 'auto') return 'auto';
  if (!/^\d+$/.test(text) || Number(text) < 2 || Number(text) > MAX_COMMUNITIES)
    throw new InvalidArgumentError(
      `expected a whole number from 2 to ${MAX_COMMUNITIES} or 'auto', found '${value}'`,
    );
  return Number(text);
}

export function registerCommunities(program: Command, getContext: () => CommandContext): void {
  program
    .command('communities')
    .description(
      'group members with a purchase into communities (群落) of shared buying behaviour, describe and store them',
    )
    .option(
      '--as-of <day>',
      'YYYY-MM-DD in the store timezone (default: the day of the last order)',
      parseDay,
    )
    .option(
      '--k <n>',
      "number of communities, or 'auto' (2–8 by the silhouette)",
      parseCommunityCount,
      'auto',
    )
    .option('--seed <s>', 'random seed; the same seed gives the same communities', parseCount, 1)
    .option('--members', 'list every member with their community')
    .option(
      '--history',
      'list the stored runs, the ones in use and the earlier ones kept, and compute nothing',
    )
    .addOption(formatOption())
    .action(async (flags: CommunitiesFlags) => {
      const communities = await import('../../analytics/communities/communities.js');
      const context = getContext();
      if (flags.history) {
        const runs = await withStore(context, (store) => communities.getCommunityRuns(store));
        process.stdout.write(`${renderCommunityRuns(runs, flags.format)}\n`);
        return;
      }
      const outcome = await withStore(context, async (store) => {
        const lastOrderDay = await getLastOrderDayOrThrow(store, 'group');
        warnAboutDay(context, flags.asOf, lastOrderDay);
        const asOf = flags.asOf ?? lastOrderDay;
        const { result, saved } = await communities.runCommunities(store, {
          asOf,
          k: flags.k,
          seed: flags.seed,
          activityDays: context.config.tags.activity_window_days,
        });
        const members =
          flags.members && result.status === 'found'
            ? await store.query<CommunityMember>(communities.buildCommunityTagQuery(asOf))
            : [];
        return { result, saved, members };
      });
      const { result, saved, members } = outcome;
      if (result.status === 'too_few_members') {
        // Not an error: the store is fine, it only has too few buyers for groups to mean anything.
        process.stdout.write(
          `${flags.format === 'json' ? renderJson(result) : communities.describeTooFewMembers(result).en}\n`,
        );
        return;
      }
      if (saved?.replaces) process.stderr.write(`${describeReplacedRun(saved.run, saved.replaces)}\n`);
      process.stdout.write(
        `${flags.members ? renderCommunityMembers(result.as_of, members, flags.format) : renderCommunities(result, flags.format)}\n`,
      );
    });
}

interface CommunityMember {
  readonly customer_id: string;
  readonly community: number;
  [key: string]: string | number;
}

/** The one line saying which run a new run replaces in use, and that it is kept. */
export function describeReplacedRun(run: number, replaced: StoredCommunityRun): string {
  const what = `run ${replaced.run} (as of ${replaced.as_of}, k = ${replaced.k}, stored ${replaced.created_at})`;
  return replaced.replaced_by === null
    ? `run ${run} replaces ${what} as the communities profiles, member and the report use; ${what.split(' (')[0]} stays stored for its day (huiyuan communities --history)`
    : `run ${run} replaces ${what} as the communities of ${replaced.as_of} that profiles, member and the report use; ${what.split(' (')[0]} is kept in the history (huiyuan communities --history)`;
}

export function renderCommunityRuns(runs: readonly StoredCommunityRun[], format: OutputFormat): string {
  if (format === 'json') return renderJson(runs);
  const latestDay = runs
    .filter((r) => r.replaced_by === null)
    .reduce((day, r) => (r.as_of > day ? r.as_of : day), '');
  const table: Table = {
    columns: ['run', 'as_of', 'k', 'members', 'seed', 'chosen_by', 'silhouette', 'created_at', 'status'],
    numeric: new Set(['run', 'k', 'members', 'seed', 'silhouette']),
    rows: runs.map((r) => [
      r.run,
      r.as_of,
      r.k,
      format === 'table' ? formatCount(r.members) : r.members,
      r.seed,
      r.chosen_by ?? '',
      r.silhouette === null ? '' : format === 'table' ? r.silhouette.toFixed(3) : r.silhouette,
      r.created_at,
      r.replaced_by !== null
        ? `replaced by run ${r.replaced_by}`
        : r.as_of === latestDay
          ? 'in use'
          : 'stored for its day',
    ]),
  };
  if (format === 'csv') return renderCsv(table);
  if (runs.length === 0) return 'no communities are stored yet: run `huiyuan communities`';
  return [
    'Community runs, newest first: "in use" is the run profiles, member and the report read; a run another run of its day replaced is kept whole',
    '',
    renderTable(table),
  ].join('\n');
}

const mean = (value: number | null, digits: number): string => (value === null ? '–' : value.toFixed(digits));

export function renderCommunities(run: CommunityRun, format: OutputFormat): string {
  if (format === 'json') {
    // The scale and centres are how members are assigned; the summary stays readable without them.
    return renderJson({ ...run, scale: undefined, centres: undefined });
  }
  const human = format === 'table';
  const numbers = [
    'community',
    'members',
    'share',
    'purchases',
    'net_spend',
    'aov',
    'recency_days',
    'discount_share',
    'refund_share',
  ];
  const table: Table = {
    columns: [...numbers, 'description', '描述'],
    numeric: new Set(numbers),
    rows: run.communities.map((c) => {
      const f = c.features;
      return [
        c.community,
        human ? formatCount(c.members) : c.members,
        human ? formatPercent(c.share) : c.share,
        human ? mean(f.purchases.mean, 1) : f.purchases.mean,
        human ? mean(f.net_spend.mean, 2) : f.net_spend.mean,
        human ? mean(f.aov.mean, 2) : f.aov.mean,
        human ? mean(f.recency_days.mean, 0) : f.recency_days.mean,
        human ? formatPercent(f.discount_share.mean, '–') : f.discount_share.mean,
        human ? formatPercent(f.refund_share.mean, '–') : f.refund_share.mean,
        c.description_en,
        c.description_zh,
      ];
    }),
  };
  if (format === 'csv') return renderCsv(table);
  const how =
    run.chosen_by === 'silhouette'
      ? `k = ${run.k} by the silhouette (${run.silhouettes.map((s) => `${s.k}: ${s.silhouette.toFixed(3)}`).join(', ')})`
      : `k = ${run.k} as given`;
  return [
    `Member communities (群落) as of the end of ${run.as_of}: ${formatCount(run.members)} members with a purchase, seed ${run.seed}`,
    `${how}; stored as the community tag of ${run.as_of} (means per member below; description = features ≥ 0.5 sd from the average)`,
    run.fitted_on < run.members
      ? `centres fitted on a seeded sample of ${formatCount(run.fitted_on)} members, then every member assigned to the nearest`
      : `centres fitted on all ${formatCount(run.members)} members`,
    '',
    renderTable(table),
  ].join('\n');
}

export function renderCommunityMembers(
  asOf: string,
  members: readonly CommunityMember[],
  format: OutputFormat,
): string {
  if (format === 'json')
    return renderJson({
      as_of: asOf,
      assignments: members.map((m) => ({ customer_id: m.customer_id, community: m.community })),
    });
  const table: Table = {
    columns: ['customer_id', 'community'],
    numeric: new Set(['community']),
    rows: members.map((m) => [m.customer_id, m.community]),
  };
  return format === 'csv' ? renderCsv(table) : renderTable(table);
}
