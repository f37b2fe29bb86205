/**
 * `huiyuan communities [--as-of YYYY-MM-DD] [--k N|auto] [--seed S] [--members] [--format table|csv|json]`
 * Finds the member communities as of the day and stores them (the community is then a tag).
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { CommunityRun } from '../../analytics/communities/communities.js';
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
    .addOption(formatOption())
    .action(async (flags: CommunitiesFlags) => {
      const { findCommunities, saveCommunities } = await import('../../analytics/communities/communities.js');
      const context = getContext();
      const run = await withStore(context, async (store) => {
        const lastOrderDay = await getLastOrderDayOrThrow(store, 'group');
        warnAboutDay(context, flags.asOf, lastOrderDay);
        const asOf = flags.asOf ?? lastOrderDay;
        const found = await findCommunities(store, {
          asOf,
          k: flags.k,
          seed: flags.seed,
          activityDays: context.config.tags.activity_window_days,
        });
        await saveCommunities(store, found);
        return found;
      });
      process.stdout.write(
        `${flags.members ? renderCommunityMembers(run, flags.format) : renderCommunities(run, flags.format)}\n`,
      );
    });
}

const mean = (value: number | null, digits: number): string => (value === null ? '–' : value.toFixed(digits));

export function renderCommunities(run: CommunityRun, format: OutputFormat): string {
  if (format === 'json') {
    // The member list is --members' job; the summary stays small.
    return renderJson({ ...run, assignments: undefined });
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
    '',
    renderTable(table),
  ].join('\n');
}

export function renderCommunityMembers(run: CommunityRun, format: OutputFormat): string {
  if (format === 'json') return renderJson({ as_of: run.as_of, assignments: run.assignments });
  const table: Table = {
    columns: ['customer_id', 'community'],
    numeric: new Set(['community']),
    rows: run.assignments.map((a) => [a.customer_id, a.community]),
  };
  return format === 'csv' ? renderCsv(table) : renderTable(table);
}
