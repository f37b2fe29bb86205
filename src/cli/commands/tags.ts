/**
 * `huiyuan tags [--as-of YYYY-MM-DD] [--all-customers|--members-only] [--customer ID] [--format table|csv|json]`
 *
 * Without --customer: each tag family's distribution over the counted customers (spec section
 * 5). With --customer ID: that customer's tags.
 */
import type { Command } from 'commander';
import type { CustomerTags, TagsSummary } from '../../analytics/tags/tags.js';
import { POWER_BAND_LABELS } from '../../analytics/tags/tags.js';
import type { TagDimension } from '../../analytics/tags/tags-query.js';
import type { TagsConfig } from '../../config/tags-config.js';
import { AppError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { addPopulationOptions, resolveScope } from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, formatPercent, parseDay } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';
const formatPercentOrDash = (share: number | null): string => formatPercent(share, '–');

interface TagsFlags {
  readonly asOf?: string;
  readonly allCustomers?: boolean;
  readonly membersOnly?: boolean;
  readonly customer?: string;
  readonly format: OutputFormat;
}

export interface TagsReportOptions {
  /** Default: the day of the last order in the store. */
  readonly asOf?: string | undefined;
  readonly allCustomers?: boolean | undefined;
  readonly customerId?: string | undefined;
  readonly config: TagsConfig;
}

export type TagsReport =
  | { readonly kind: 'summary'; readonly summary: TagsSummary }
  | {
      readonly kind: 'customer';
      readonly as_of: string;
      readonly population: 'members' | 'all_customers';
      readonly tags: CustomerTags;
    };

/**
 * What `huiyuan tags` prints, as data: the summary, or one customer's tags. Null when the store
 * has no orders and no as-of day was given. A customer who is not counted is a bad argument.
 */
export async function getTagsReport(store: Store, options: TagsReportOptions): Promise<TagsReport | null> {
  const { getCustomerTags, getTagsSummary } = await import('../../analytics/tags/tags.js');
  const { getLastOrderDay } = await import('../../analytics/rfm/rfm.js');
  const asOf = options.asOf ?? (await getLastOrderDay(store));
  if (asOf === null) return null;
  const query = { asOf, allCustomers: options.allCustomers ?? false, config: options.config };
  if (options.customerId === undefined)
    return { kind: 'summary', summary: await getTagsSummary(store, query) };
  const [tags] = await getCustomerTags(store, { ...query, customerId: options.customerId });
  if (!tags) {
    const known = await store.query({
      sql: 'SELECT 1 FROM customers WHERE id = $1',
      params: [options.customerId],
    });
    if (known.length === 0)
      throw new AppError('BAD_ARGUMENT', `no customer with id '${options.customerId}' in the store`);
    throw new AppError(
      'BAD_ARGUMENT',
      `customer '${options.customerId}' is not counted as of ${asOf}: ${
        options.allCustomers
          ? 'no such member or customer with an order by then'
          : 'not a member by then (try --all-customers)'
      }`,
    );
  }
  const population = options.allCustomers ? 'all_customers' : 'members';
  return { kind: 'customer', as_of: asOf, population, tags };
}

export function registerTags(program: Command, getContext: () => CommandContext): void {
  const command = program
    .command('tags')
    .description(
      'behaviour tags (attributes, activity, purchase, emotion) as of the end of a day (default: the day of the last order)',
    )
    .option('--as-of <day>', 'YYYY-MM-DD in the store timezone', parseDay);
  addPopulationOptions(command, 'tag')
    .option('--customer <id>', "print one customer's tags")
    .addOption(formatOption())
    .action(async (flags: TagsFlags) => {
      const context = getContext();
      const report = await withStore(context, async (store) => {
        const { asOf, allCustomers } = await resolveScope(store, context, flags, 'tag');
        return getTagsReport(store, {
          asOf,
          allCustomers,
          customerId: flags.customer,
          config: context.config.tags,
        });
      });
      // Never null: the day is always given.
      if (report === null) throw new AppError('INTERNAL', 'tags came back empty for a given day');
      const text =
        report.kind === 'summary'
          ? renderTagsSummary(report.summary, flags.format)
          : renderCustomerTags(report.as_of, report.tags, flags.format, report.population);
      process.stdout.write(`${text}\n`);
    });
}

const fixed = (value: number | null, digits = 1): string => (value === null ? '–' : value.toFixed(digits));

const DIMENSION_LABELS: Readonly<Record<TagDimension, string>> = {
  gender: 'gender 性别',
  generation: 'generation 年代',
  north_south: 'north/south 南北',
  big_region: 'big region 大区',
  power_band: 'purchasing power 购买力',
  birthday_month: 'birthday month 生日月',
};

/** One row per (family, tag, value): counts and shares; family figures as rows with no share. */
export function renderTagsSummary(summary: TagsSummary, format: OutputFormat): string {
  if (format === 'json') return renderJson(summary);
  const human = format === 'table';
  const valueName = (dimension: TagDimension, value: string | null): string => {
    if (value === null) return human ? '(unknown)' : '';
    if (dimension === 'power_band' && human && value in POWER_BAND_LABELS)
      return `${value} ${POWER_BAND_LABELS[value as keyof typeof POWER_BAND_LABELS]}`;
    return value;
  };
  const attributes: Table = {
    columns: ['tag', 'value', 'customers', 'share'],
    numeric: new Set(['customers', 'share']),
    rows: Object.entries(summary.attributes).flatMap(([dimension, counts]) =>
      counts.map((c) => [
        human ? DIMENSION_LABELS[dimension as TagDimension] : dimension,
        valueName(dimension as TagDimension, c.value),
        human ? formatCount(c.customers) : c.customers,
        human ? formatPercentOrDash(c.share) : c.share,
      ]),
    ),
  };
  if (format === 'csv') return renderCsv(attributes);
  const { activity: a, purchase: p, emotion: e } = summary;
  const figures: Table = {
    columns: ['family', 'figure', 'value'],
    numeric: new Set(['value']),
    rows: [
      [
        'activity 活跃度',
        `active customers (a session in ${a.window_days} d)`,
        formatCount(a.active_customers),
      ],
      ['', 'mean page views (all counted)', fixed(a.mean_page_views)],
      ['', 'mean sessions (all counted)', fixed(a.mean_sessions, 2)],
      ['', 'mean pages per visit (active)', fixed(a.mean_pages_per_visit)],
      ['', 'mean dwell seconds (active)', fixed(a.mean_dwell_seconds, 0)],
      ['', 'mean bounce rate (active)', formatPercentOrDash(a.mean_bounce_rate)],
      ['purchase 购买行为', 'buyers', formatCount(p.buyers)],
      ['', 'mean purchases (buyers)', fixed(p.mean_purchases, 2)],
      ['', 'mean AOV (buyers)', fixed(p.mean_aov, 2)],
      ['', 'mean items per order (buyers)', fixed(p.mean_items_per_order, 2)],
      ['', 'mean net spend (buyers)', fixed(p.mean_net_spend, 2)],
      [
        '',
        'median own purchase cycle',
        p.median_purchase_cycle_days === null ? '–' : `${fixed(p.median_purchase_cycle_days)} d`,
      ],
      [
        'emotion 情绪',
        `with negative emotion (${e.window_days} d)`,
        `${formatCount(e.negative_customers)} (${formatPercentOrDash(e.negative_share)})`,
      ],
      ['', 'with a refund', formatCount(e.refund_customers)],
      ['', 'with a rejection', formatCount(e.rejection_customers)],
      ['', 'with a complaint', formatCount(e.complaint_customers)],
      ['', 'with a low rating', formatCount(e.low_rating_customers)],
    ],
  };
  const population = summary.population === 'members' ? 'members' : 'all customers';
  return [
    `Tags as of the end of ${summary.as_of}: ${formatCount(summary.customers)} ${population}`,
    '',
    renderTable(attributes),
    '',
    renderTable(figures),
  ].join('\n');
}

const FAMILIES: readonly (readonly [string, readonly (keyof CustomerTags)[]])[] = [
  [
    'attributes 属性',
    [
      'gender',
      'age',
      'generation',
      'birthday_month',
      'province',
      'north_south',
      'big_region',
      'power_band',
      'power_spend',
    ],
  ],
  ['activity 活跃度', ['page_views', 'sessions', 'pages_per_visit', 'avg_dwell_seconds', 'bounce_rate']],
  [
    'purchase 购买行为',
    [
      'purchases',
      'aov',
      'items_per_order',
      'largest_order',
      'net_spend',
      'first_purchase',
      'last_purchase',
      'purchases_per_30_days',
      'purchase_cycle_days',
      'expected_next_purchase',
    ],
  ],
  [
    'emotion 情绪',
    [
      'refunds',
      'last_refund',
      'rejections',
      'last_rejection',
      'complaints',
      'last_complaint',
      'low_ratings',
      'last_low_rating',
      'negative_emotion',
    ],
  ],
];

/** One customer's tags: JSON as one object; table and CSV as family / tag / value rows. */
export function renderCustomerTags(
  asOf: string,
  tags: CustomerTags,
  format: OutputFormat,
  population?: 'members' | 'all_customers',
): string {
  if (format === 'json') return renderJson({ as_of: asOf, ...(population ? { population } : {}), ...tags });
  const human = format === 'table';
  const show = (value: CustomerTags[keyof CustomerTags]): string | number | boolean | null =>
    human && typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(3)) : value;
  const table: Table = {
    columns: ['family', 'tag', 'value'],
    rows: FAMILIES.flatMap(([family, keys]) =>
      keys.map((key, index) => [human && index > 0 ? '' : family, key, show(tags[key])]),
    ),
  };
  if (format === 'csv') return renderCsv(table);
  return [`Tags of ${tags.customer_id} as of the end of ${asOf}`, '', renderTable(table)].join('\n');
}
