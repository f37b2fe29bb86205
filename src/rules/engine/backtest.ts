/**
 * Backtest (回测): a rule replayed over the store's stored history, sending nothing. The whole
 * range is staged at once (enroll.ts stageEnrollments, from nothing), which enrolls exactly the
 * members that day-by-day ticks over the range would: the audience of each occurrence is read at
 * its own day's latest snapshot either way, and re-entry is taken earliest first either way.
 *
 * What the dispatch would then do is modelled from the entries in a few queries: the holdout
 * arm held out; messages refused for consent (skipped); messages due in quiet hours (deferred);
 * caps through a hook engine-dispatch provides (DispatchModel.capped; without it none are
 * counted). Per store month: entered, held out, deferred, capped, skipped, messages by channel,
 * coupons and their face value (coupon_pools, where the coupons module stored them), and the
 * entrants' own purchase rate within the goal window, i.e. what they did without the rule.
 */
import type { Config } from '../../config/config.js';
import { AppError } from '../../errors.js';
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, raw, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { parseDurationMinutes } from '../duration.js';
import type { RuleDefinition } from '../rule-schema.js';
import { getKind } from '../rule-schema.js';
import { getRule } from '../rule-versions.js';
import { findSnapshotDaysFor, needsSnapshot } from './audience.js';
import {
  buildEngineContext,
  buildTestedOccurrences,
  ENTRIES_TABLE,
  type EngineRule,
  getClock,
  listActiveRules,
  stageEnrollments,
} from './enroll.js';
import { isStoreWide } from './occurrences.js';

/** A window of store time, HH:MM to HH:MM (wrapping midnight when start > end). */
export interface QuietWindow {
  readonly start: string;
  readonly end: string;
}

/**
 * What the dispatch would do, as far as a replay models it. Engine-dispatch owns quiet hours
 * and caps; until its config is read here, SMS quiet hours are the issue's default.
 */
export interface DispatchModel {
  readonly quietHours: Readonly<Partial<Record<'sms' | 'email', QuietWindow>>>;
  /**
   * The hook for caps: SQL counting, per entry of ENTRIES_TABLE (column id), the message
   * actions a cap would defer; null when caps are not modelled (they count 0).
   */
  readonly capped: string | null;
}

export const DEFAULT_DISPATCH_MODEL: DispatchModel = {
  quietHours: { sms: { start: '20:00', end: '08:00' } },
  capped: null,
};

export const MESSAGE_CHANNELS_COUNTED = ['sms', 'email', 'webhook', 'notify'] as const;
type CountedChannel = (typeof MESSAGE_CHANNELS_COUNTED)[number];

export interface EntrySummary {
  readonly entered: number;
  readonly held_out: number;
  readonly treatment: number;
  /** Message actions due in their channel's quiet hours (moved to the window's opening). */
  readonly deferred: number;
  /** Message actions a cap would defer (0 when caps are not modelled). */
  readonly capped: number;
  /** Message actions refused for consent (no_consent; marketing SMS to a non-member). */
  readonly skipped: number;
  /** Messages that would go, all channels. */
  readonly messages: number;
  readonly messages_by_channel: Readonly<Record<CountedChannel, number>>;
  readonly coupons: number;
  /** Face value of those coupons, or null where the pool's value is not stored. */
  readonly coupon_value: number | null;
  /** Entrants (both arms) with a purchase within the goal window after the occurrence. */
  readonly goal_purchases: number;
  readonly goal_purchase_rate: number | null;
}

export interface MonthSummary extends EntrySummary {
  /** YYYY-MM in store time, of the occurrence. */
  readonly month: string;
}

interface SummaryRow extends Record<string, string | number | null> {
  month: string;
  entered: number;
  held_out: number;
  treatment: number;
  deferred: number;
  capped: number;
  skipped: number;
  sms: number;
  email: number;
  webhook: number;
  notify: number;
  coupons: number;
  coupon_value: number | null;
  goal_purchases: number;
}

async function hasTable(store: Store, table: string): Promise<boolean> {
  const [row] = await store.query<{ n: number }>(
    sql`SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ${table}`,
  );
  return (row?.n ?? 0) > 0;
}

/**
 * Per store month of ENTRIES_TABLE (a staging's entries): what dispatch would decide, the
 * coupons and the goal purchases, in one query.
 */
export async function summarizeEntries(
  store: Store,
  definition: RuleDefinition,
  model: DispatchModel = DEFAULT_DISPATCH_MODEL,
): Promise<MonthSummary[]> {
  const params = new ParamList();
  const marketing = definition.category === 'marketing';
  const channelOf = (action: RuleDefinition['actions'][number]): CountedChannel | null =>
    'message' in action
      ? action.message.channel
      : 'webhook' in action
        ? 'webhook'
        : 'notify' in action
          ? 'notify'
          : null;
  const messageActions = definition.actions.map(channelOf).filter((c): c is CountedChannel => c !== null);
  // Consent per channel (dispatch checks the same): marketing email needs email consent, marketing
  // SMS sms consent and a member; every message needs somewhere to go.
  const consent: Record<CountedChannel, string> = {
    sms: marketing
      ? 'c.sms_consent IS TRUE AND c.member_since IS NOT NULL AND c.member_since <= e.due_at AND c.phone IS NOT NULL'
      : 'c.phone IS NOT NULL',
    email: marketing ? 'c.email_consent IS TRUE AND c.email IS NOT NULL' : 'c.email IS NOT NULL',
    webhook: 'TRUE',
    notify: 'TRUE',
  };
  const quiet = (channel: CountedChannel): string => {
    const window = channel === 'sms' || channel === 'email' ? model.quietHours[channel] : undefined;
    if (!window) return 'FALSE';
    const start = `${params.add(window.start)}::TIME`;
    const end = `${params.add(window.end)}::TIME`;
    // In store time: the session's TimeZone.
    const t = 'e.due_at::TIMESTAMP::TIME';
    return window.start > window.end
      ? `(${t} >= ${start} OR ${t} < ${end})`
      : `(${t} >= ${start} AND ${t} < ${end})`;
  };
  const treated = "e.arm = 'treatment'";
  const sum = (expression: string): string => `count(*) FILTER (WHERE ${expression})::INTEGER`;
  const sendable = (channel: CountedChannel) => `${treated} AND ${consent[channel]}`;
  const perChannel = (channel: CountedChannel): string =>
    messageActions
      .filter((c) => c === channel)
      .map(() => sum(sendable(channel)))
      .join(' + ') || '0';
  const deferred =
    messageActions.map((channel) => sum(`${sendable(channel)} AND ${quiet(channel)}`)).join(' + ') || '0';
  const skipped =
    messageActions.map((channel) => sum(`${treated} AND NOT (${consent[channel]})`)).join(' + ') || '0';
  const coupon = definition.actions.find((action) => 'coupon' in action);
  const pool = coupon && 'coupon' in coupon ? coupon.coupon.pool : null;
  const poolValue =
    pool !== null && (await hasTable(store, 'coupon_pools'))
      ? `(SELECT value::DOUBLE FROM coupon_pools WHERE name = ${params.add(pool)})`
      : 'NULL::DOUBLE';
  const within = parseDurationMinutes(definition.goal.within) ?? 14 * 24 * 60;
  const statuses = GMV_STATUSES.map((status) => params.add(status)).join(', ');
  const rows = await store.query<SummaryRow>({
    sql: `WITH goal AS (
        SELECT e.id, bool_or(o.id IS NOT NULL) AS bought
        FROM ${ENTRIES_TABLE} e LEFT JOIN orders o ON o.customer_id = e.customer_id
          AND o.status IN (${statuses}) AND o.paid_amount > 0
          AND o.placed_at > e.occurred_at AND o.placed_at <= e.occurred_at + to_minutes(${params.add(within)}::BIGINT)
        GROUP BY e.id
      )
      SELECT strftime(e.occurred_at, '%Y-%m') AS month,
        count(*)::INTEGER AS entered,
        ${sum("e.arm = 'holdout'")} AS held_out,
        ${sum(treated)} AS treatment,
        ${deferred} AS deferred,
        ${model.capped === null ? '0' : `sum((${model.capped}))::INTEGER`} AS capped,
        ${skipped} AS skipped,
        ${perChannel('sms')} AS sms, ${perChannel('email')} AS email,
        ${perChannel('webhook')} AS webhook, ${perChannel('notify')} AS notify,
        ${pool === null ? '0' : sum(treated)} AS coupons,
        ${pool === null ? 'NULL::DOUBLE' : `${sum(treated)} * ${poolValue}`} AS coupon_value,
        ${sum('g.bought')} AS goal_purchases
      FROM ${ENTRIES_TABLE} e JOIN customers c ON c.id = e.customer_id JOIN goal g ON g.id = e.id
      GROUP BY ALL ORDER BY month`,
    params: params.values,
  });
  return rows.map((row) => toSummary(row));
}

function toSummary(row: SummaryRow): MonthSummary {
  const messages_by_channel = { sms: row.sms, email: row.email, webhook: row.webhook, notify: row.notify };
  return {
    month: row.month,
    entered: row.entered,
    held_out: row.held_out,
    treatment: row.treatment,
    deferred: row.deferred,
    capped: row.capped,
    skipped: row.skipped,
    messages: row.sms + row.email + row.webhook + row.notify,
    messages_by_channel,
    coupons: row.coupons,
    coupon_value: row.coupon_value,
    goal_purchases: row.goal_purchases,
    goal_purchase_rate: row.entered ? row.goal_purchases / row.entered : null,
  };
}

/** The months added up. */
export function addUpMonths(months: readonly MonthSummary[]): EntrySummary {
  const total = (pick: (m: MonthSummary) => number): number => months.reduce((s, m) => s + pick(m), 0);
  const entered = total((m) => m.entered);
  const goal = total((m) => m.goal_purchases);
  const values = months.map((m) => m.coupon_value);
  return {
    entered,
    held_out: total((m) => m.held_out),
    treatment: total((m) => m.treatment),
    deferred: total((m) => m.deferred),
    capped: total((m) => m.capped),
    skipped: total((m) => m.skipped),
    messages: total((m) => m.messages),
    messages_by_channel: {
      sms: total((m) => m.messages_by_channel.sms),
      email: total((m) => m.messages_by_channel.email),
      webhook: total((m) => m.messages_by_channel.webhook),
      notify: total((m) => m.messages_by_channel.notify),
    },
    coupons: total((m) => m.coupons),
    coupon_value: values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + (v ?? 0), 0),
    goal_purchases: goal,
    goal_purchase_rate: entered ? goal / entered : null,
  };
}

export interface RuleOverlap {
  readonly rule_id: string;
  /** Members entering both rules over the range. */
  readonly members: number;
  /** As a share of this rule's members. */
  readonly share: number | null;
}

/** Days of the range that had no snapshot of their own: the audience read `used` (or nothing). */
export interface SnapshotGap {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** The earlier snapshot the audience was read at, or null: nobody was in it. */
  readonly used: string | null;
}

export interface BacktestResult {
  readonly rule_id: string;
  readonly version: number;
  readonly from: string;
  readonly to: string;
  readonly occurrences: number;
  readonly not_in_audience: number;
  /** Distinct members entering at least once. */
  readonly members: number;
  readonly months: readonly MonthSummary[];
  readonly totals: EntrySummary;
  readonly overlap: readonly RuleOverlap[];
  /** Empty when the rule reads no snapshot (trigger and audience need none). */
  readonly days_lacking_snapshot: readonly SnapshotGap[];
  readonly goal_window: string;
}

export interface BacktestOptions {
  /** First and last day, YYYY-MM-DD, inclusive. */
  readonly from: string;
  readonly to: string;
  readonly model?: DispatchModel;
}

/** Temp table of the members a backtest enrolled (overlap reads it while staging the others). */
const MEMBERS_TABLE = 'hy_backtest_members';

/**
 * Replays a rule (its current version, whatever its status) over [from, to] and reports per
 * month what it would have done. Sends nothing and writes only temp tables.
 * @example await backtestRule(store, config, 'winback-churned', { from: '2025-11-01', to: '2026-10-31' })
 */
export async function backtestRule(
  store: Store,
  config: Pick<Config, 'tiers' | 'tags' | 'channels' | 'rules'>,
  id: string,
  options: BacktestOptions,
): Promise<BacktestResult> {
  if (options.from > options.to)
    throw new AppError('BAD_ARGUMENT', `--from ${options.from} is after --to ${options.to}`);
  const detail = await getRule(store, id);
  const rule: EngineRule = {
    id,
    version: detail.version,
    status: detail.status,
    definition: detail.definition,
  };
  const start = await getClock(store, dayBefore(options.from));
  const end = await getClock(store, options.to);
  const context = await buildEngineContext(store, config, rule.definition);
  const staged = await stageEnrollments(store, rule, context, {
    from: start,
    to: end,
    clock: end,
    prior: 'none',
  });
  const months = await summarizeEntries(store, rule.definition, options.model);
  await store.run(
    raw(`CREATE OR REPLACE TEMP TABLE ${MEMBERS_TABLE} AS SELECT DISTINCT customer_id FROM ${ENTRIES_TABLE}`),
  );
  const [members] = await store.query<{ n: number }>(
    raw(`SELECT count(*)::INTEGER AS n FROM ${MEMBERS_TABLE}`),
  );
  const memberCount = members?.n ?? 0;
  const overlap: RuleOverlap[] = [];
  for (const other of await listActiveRules(store)) {
    if (other.id === id) continue;
    const both = memberCount === 0 ? 0 : await countMembersEntering(store, config, other, start, end);
    overlap.push({ rule_id: other.id, members: both, share: memberCount ? both / memberCount : null });
  }
  const needs =
    needsSnapshot(context.audience) ||
    isStoreWide(rule.definition.trigger) ||
    ['stage', 'tier', 'segment', 'became'].includes(getKind(rule.definition.trigger)) ||
    ('date' in rule.definition.trigger && rule.definition.trigger.date.field === 'next_purchase');
  return {
    rule_id: id,
    version: rule.version,
    from: options.from,
    to: options.to,
    occurrences: staged.occurrences,
    not_in_audience: staged.not_in_audience,
    members: memberCount,
    months,
    totals: addUpMonths(months),
    overlap,
    days_lacking_snapshot: needs ? await listSnapshotGaps(store, options.from, options.to) : [],
    goal_window: rule.definition.goal.within,
  };
}

/**
 * Members of MEMBERS_TABLE that another rule enrolls at least once in [from, to): any member with
 * an occurrence in its audience enters at least once whatever its re-entry, so the occurrences
 * and the audience are enough (one query).
 */
async function countMembersEntering(
  store: Store,
  config: Pick<Config, 'tiers' | 'tags' | 'channels' | 'rules'>,
  rule: EngineRule,
  from: string,
  to: string,
): Promise<number> {
  const context = await buildEngineContext(store, config, rule.definition);
  const params = new ParamList();
  const snapshotDays = await findSnapshotDaysFor(store, from, to);
  const tested = buildTestedOccurrences(
    rule.definition,
    { ...context, snapshotDays },
    params,
    { from, to, clock: to },
    `SELECT customer_id FROM ${MEMBERS_TABLE}`,
  );
  const [row] = await store.query<{ n: number }>({
    sql: `SELECT count(DISTINCT customer_id)::INTEGER AS n FROM (${tested}) WHERE in_audience`,
    params: params.values,
  });
  return row?.n ?? 0;
}

/** The days of [from, to] without a snapshot of their own, as runs of days with the snapshot they read. */
export async function listSnapshotGaps(store: Store, from: string, to: string): Promise<SnapshotGap[]> {
  return store.query<SnapshotGap & Record<string, string | number | null>>(
    sql`WITH days AS (
        SELECT g.d::DATE AS day FROM generate_series(${from}::DATE, ${to}::DATE, INTERVAL 1 DAY) g(d)
      ),
      mapped AS (SELECT d.day, s.as_of AS used FROM days d ASOF LEFT JOIN (SELECT DISTINCT as_of FROM snapshots) s ON d.day >= s.as_of),
      gaps AS (SELECT day, used, day - row_number() OVER (PARTITION BY used ORDER BY day)::INTEGER AS run FROM mapped WHERE used IS DISTINCT FROM day)
      SELECT min(day)::VARCHAR AS "from", max(day)::VARCHAR AS "to", count(*)::INTEGER AS days, any_value(used)::VARCHAR AS used
      FROM gaps GROUP BY used, run ORDER BY 1`,
  );
}

function dayBefore(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}
