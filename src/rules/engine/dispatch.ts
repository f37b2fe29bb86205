/**
 * Dispatch: what happens when a rule's action is due (docs/rules.md "When an action is due").
 * For every waiting enrollment whose next check has come, set-oriented, in this order:
 *
 * 1. the audience is checked again at send time (a member who bought meanwhile is not sent a
 *    win-back) → `not_in_audience`, skipped;
 * 2. past `rules.max_lateness` after it was due → `skipped_late`, skipped;
 * 3. the holdout arm → `held_out`, done: decided at the moment the action would have gone
 *    (intention to treat);
 * 4. consent per message action (sms_consent / email_consent; marketing SMS only to members)
 *    → `no_consent` for that action, the others go on;
 * 5. quiet hours of a channel the enrollment would use → `deferred_quiet_hours` until the
 *    window ends; marketing caps → `deferred_cap` until the next store day, the member's
 *    higher-priority enrollments taken first;
 * 6. a coupon action takes one code → `pool_empty` / `budget_spent` skips the enrollment (its
 *    messages would carry a code it does not have);
 * 7. message, webhook and notify actions become outbox rows (rule_deliveries, pending) for the
 *    delivery step; coupon, tag, benefit and export actions are written here and decided `sent`.
 *
 * An enrollment's actions go together or wait together (a coupon and the SMS that carries its
 * code are never split). Every decision is logged in rule_decisions with a sentence naming its
 * figures. The clock is the instant of the dispatch; the store day of an instant t is the day
 * that holds t − 1µs, so `--as-of D` (the clock at D + 1, 00:00) counts as day D.
 */
import { dirname, resolve } from 'node:path';
import { LIFECYCLE_STAGE_LABELS } from '../../analytics/lifecycle/lifecycle-stages.js';
import type { SegmentVocabulary } from '../../analytics/profiles/segment-spec.js';
import type { Config } from '../../config/config.js';
import { ParamList, type Query, raw, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { parseDurationMinutes } from '../duration.js';
import { getKind, type RuleAction, type RuleDefinition } from '../rule-schema.js';
import { getRuleContext } from '../rule-versions.js';
import { writeAudienceListFile } from './audience-list-file.js';
import { buildCapBreach } from './caps.js';
import type { Decision } from './decisions.js';
import { runOrRollBack } from './dry-run.js';
import { findQuietChannels, type QuietChannel } from './quiet-hours.js';
import { buildTemplateSql, PLACEHOLDER_COLUMNS, type Placeholder } from './render.js';
import { issueCoupons } from '../../coupons/issue.js';
import { buildAudienceQuery, needsSnapshot, parseAudience } from './audience.js';

export interface DispatchOptions {
  /** The instant of the dispatch, ISO 8601 (e.g. 2026-10-02T00:00:00.000Z). */
  readonly clock: string;
  /** Compute and report everything, write nothing (no rows, no list files). */
  readonly dryRun: boolean;
}

/** Per rule, what one dispatch decided. */
export interface DispatchRuleCounts {
  readonly rule_id: string;
  /** Enrollments whose next check had come. */
  readonly due: number;
  readonly not_in_audience: number;
  readonly skipped_late: number;
  readonly held_out: number;
  readonly deferred_quiet_hours: number;
  readonly deferred_cap: number;
  /** Message actions not sent for want of consent (or of a phone or email). */
  readonly no_consent: number;
  readonly pool_empty: number;
  readonly budget_spent: number;
  /** Outbox rows written pending (message, webhook, notify). */
  readonly queued: number;
  /** Actions done here (coupon, tag, benefit, export), each decided `sent`. */
  readonly applied: number;
}

export interface AudienceListFile {
  readonly list: string;
  readonly format: 'csv' | 'xlsx';
  readonly path: string;
  readonly members: number;
}

export interface DispatchResult {
  readonly clock: string;
  readonly dry_run: boolean;
  readonly rules: DispatchRuleCounts[];
  /** The audience lists an export action added to, rewritten whole (none in a dry run). */
  readonly lists: AudienceListFile[];
}

/** One (rule, version) with due enrollments: what its definition says, as dispatch needs it. */
interface DueVersion {
  readonly ruleId: string;
  readonly version: number;
  readonly definition: RuleDefinition;
  readonly count: (channel: 'sms' | 'email' | 'webhook' | 'notify') => number;
  readonly couponIndex: number | null;
}

const DUE = 'dispatch_due';
const PLAN = 'dispatch_plan';
const FACTS = 'dispatch_facts';

/** Decisions that end an enrollment without its actions. */
const SKIPPING: readonly Decision[] = ['not_in_audience', 'skipped_late', 'pool_empty', 'budget_spent'];

/**
 * Dispatches every due enrollment of the active rules at the clock (see the module comment).
 * Two dispatches at one clock decide nothing twice: what went is done, what waits waits until
 * after the clock.
 */
export async function dispatchDue(
  store: Store,
  config: Config,
  options: DispatchOptions,
): Promise<DispatchResult> {
  const clock = options.clock;
  const touched: { list: string; format: 'csv' | 'xlsx' }[] = [];
  const rules = await runOrRollBack(store, options.dryRun, () =>
    dispatchInTransaction(store, config, clock, touched),
  );
  const lists: AudienceListFile[] = [];
  if (!options.dryRun)
    for (const list of touched) {
      const folder = resolve(dirname(config.databasePath), config.rules.lists_dir);
      lists.push(await writeAudienceListFile(store, list.list, list.format, folder));
    }
  return { clock, dry_run: options.dryRun, rules, lists };
}

async function dispatchInTransaction(
  store: Store,
  config: Config,
  clock: string,
  touched: { list: string; format: 'csv' | 'xlsx' }[],
): Promise<DispatchRuleCounts[]> {
  const versions = await findDueVersions(store, clock);
  if (versions.length === 0) return [];
  const [{ day, snapshot } = { day: '', snapshot: null }] = await store.query<{
    day: string;
    snapshot: string | null;
  }>(
    sql`SELECT strftime((${clock}::TIMESTAMPTZ - INTERVAL 1 MICROSECOND)::DATE, '%Y-%m-%d') AS day,
      (SELECT strftime(max(as_of), '%Y-%m-%d') FROM snapshots
        WHERE as_of <= (${clock}::TIMESTAMPTZ - INTERVAL 1 MICROSECOND)::DATE) AS snapshot`,
  );
  await store.run(buildDueTableQuery(versions, clock));
  const { vocabulary } = await getRuleContext(store, config);
  for (const due of versions) await recheckAudience(store, due, vocabulary, day, clock);
  const quiet = await findQuietChannels(store, config.rules.quiet_hours, clock);
  await store.run(buildPlanQuery(config, clock, day, snapshot, quiet));
  await takeCoupons(store, versions, clock);
  await store.run(buildFactsQuery(config, versions, day));
  for (const due of versions)
    for (const [index, action] of due.definition.actions.entries())
      await writeAction(store, due, index, action, clock, touched);
  await store.run({
    sql: `INSERT INTO rule_decisions
      SELECT id, rule_id, version, customer_id, $1::TIMESTAMPTZ, outcome,
        CASE WHEN outcome IN ('pool_empty', 'budget_spent') THEN coupon_index END, NULL, detail
      FROM ${PLAN} WHERE outcome <> 'go'`,
    params: [clock],
  });
  await store.run({
    sql: `UPDATE rule_enrollments e SET
        state = CASE WHEN p.outcome IN (${SKIPPING.map((d) => `'${d}'`).join(', ')}) THEN 'skipped'
          WHEN p.outcome IN ('deferred_quiet_hours', 'deferred_cap') THEN 'waiting' ELSE 'done' END,
        next_check_at = coalesce(p.next_check_at, e.next_check_at)
      FROM ${PLAN} p WHERE e.id = p.id`,
    params: [],
  });
  const counts = await countDecisions(store, clock);
  for (const table of [DUE, PLAN, FACTS]) await store.run(raw(`DROP TABLE IF EXISTS ${table}`));
  return counts;
}

/** The (rule, version) pairs of active rules with an enrollment whose next check has come. */
async function findDueVersions(store: Store, clock: string): Promise<DueVersion[]> {
  const rows = await store.query<{ rule_id: string; version: number; definition: string }>(
    sql`SELECT e.rule_id, e.version, any_value(v.definition)::VARCHAR AS definition
      FROM rule_enrollments e
      JOIN rules r ON r.id = e.rule_id AND r.status = 'active'
      JOIN rule_versions v ON v.rule_id = e.rule_id AND v.version = e.version
      WHERE e.state = 'waiting' AND e.next_check_at < ${clock}::TIMESTAMPTZ
      GROUP BY e.rule_id, e.version
      ORDER BY e.rule_id, e.version`,
  );
  return rows.map((row) => {
    const definition = JSON.parse(row.definition) as RuleDefinition;
    const channels = definition.actions.map((action) => channelOf(action));
    const couponIndex = definition.actions.findIndex((action) => 'coupon' in action);
    return {
      ruleId: row.rule_id,
      version: row.version,
      definition,
      count: (channel) => channels.filter((c) => c === channel).length,
      couponIndex: couponIndex < 0 ? null : couponIndex,
    };
  });
}

/** The channel an action goes out by, or null for the actions written here. */
function channelOf(action: RuleAction): 'sms' | 'email' | 'webhook' | 'notify' | null {
  if ('message' in action) return action.message.channel;
  if ('webhook' in action) return 'webhook';
  if ('notify' in action) return 'notify';
  return null;
}

/** DUE: the enrollments whose next check has come, with what their rule version says. */
function buildDueTableQuery(versions: readonly DueVersion[], clock: string): Query {
  const params = new ParamList();
  const at = params.add(clock);
  const values = versions
    .map(
      (v) =>
        `(${params.add(v.ruleId)}, ${params.add(v.version)}::INTEGER, ${params.add(v.definition.priority)}::INTEGER,
        ${params.add(v.definition.category)}, ${params.add(v.definition.audience)}, ${params.add(v.definition.holdout)}::DOUBLE,
        ${params.add(v.count('sms'))}::INTEGER, ${params.add(v.count('email'))}::INTEGER,
        ${params.add(v.count('webhook'))}::INTEGER, ${params.add(v.count('notify'))}::INTEGER,
        ${params.add(v.couponIndex)}::INTEGER)`,
    )
    .join(', ');
  return {
    sql: `CREATE OR REPLACE TEMP TABLE ${DUE} AS
      SELECT e.id, e.rule_id, e.version, e.customer_id, e.occurred_at, e.due_at, e.arm, e.bucket, e.order_id,
        v.priority, v.category, v.audience, v.holdout, v.sms_n, v.email_n, v.webhook_n, v.notify_n, v.coupon_index,
        TRUE AS in_audience
      FROM rule_enrollments e
      JOIN (VALUES ${values}) v(rule_id, version, priority, category, audience, holdout, sms_n, email_n, webhook_n, notify_n, coupon_index)
        ON v.rule_id = e.rule_id AND v.version = e.version
      WHERE e.state = 'waiting' AND e.next_check_at < ${at}::TIMESTAMPTZ`,
    params: params.values,
  };
}

/** Marks the members of DUE no longer in their rule's audience at send time. */
async function recheckAudience(
  store: Store,
  due: DueVersion,
  vocabulary: SegmentVocabulary,
  day: string,
  clock: string,
): Promise<void> {
  const parsed = parseAudience(due.definition.audience, vocabulary, day);
  if (!needsSnapshot(parsed)) return;
  const params = new ParamList();
  const audience = params.embed(buildAudienceQuery(parsed, day, clock));
  await store.run({
    sql: `UPDATE ${DUE} SET in_audience = customer_id IN (${audience})
      WHERE rule_id = ${params.add(due.ruleId)} AND version = ${params.add(due.version)}::INTEGER`,
    params: params.values,
  });
}

/**
 * PLAN: per due enrollment its outcome — a whole-enrollment decision, or `go` — with the
 * sentence saying why and, when deferred, the next check.
 */
function buildPlanQuery(
  config: Config,
  clock: string,
  day: string,
  snapshot: string | null,
  quiet: readonly QuietChannel[],
): Query {
  const params = new ParamList();
  const at = params.add(clock);
  const today = `${params.add(day)}::DATE`;
  const maxLateness = config.rules.max_lateness;
  const lateMinutes = params.add(parseDurationMinutes(maxLateness) ?? 0);
  const uses: Record<QuietChannel['channel'], string> = {
    sms: 'sms_go',
    email: 'email_go',
    webhook: 'webhook_n > 0',
    notify: 'notify_n > 0',
  };
  const quietUntil = quiet.length
    ? `greatest(${quiet.map((q) => `CASE WHEN ${uses[q.channel]} THEN ${params.add(q.opens_at)}::TIMESTAMPTZ END`).join(', ')})`
    : 'NULL::TIMESTAMPTZ';
  const quietWindows = quiet.length
    ? `concat_ws(', ', ${quiet.map((q) => `CASE WHEN ${uses[q.channel]} THEN ${params.add(`${q.channel} ${q.window.start}–${q.window.end}`)} END`).join(', ')})`
    : `''`;
  const breach = buildCapBreach(config.rules.caps, params);
  const snapshotText = snapshot === null ? `no snapshot on or before ${day}` : `the snapshot of ${snapshot}`;
  return {
    sql: `CREATE OR REPLACE TEMP TABLE ${PLAN} AS
    WITH facts AS (
      SELECT d.*, c.phone, c.email, coalesce(c.sms_consent, FALSE) AS sms_consent,
        coalesce(c.email_consent, FALSE) AS email_consent,
        coalesce(c.member_since < ${at}::TIMESTAMPTZ, FALSE) AS is_member
      FROM ${DUE} d LEFT JOIN customers c ON c.id = d.customer_id
    ),
    consent AS (
      -- Service messages (a benefit owed, a notice) need an address, not marketing consent.
      SELECT *,
        sms_n > 0 AND phone IS NOT NULL AND (category = 'service' OR (sms_consent AND is_member)) AS sms_go,
        email_n > 0 AND email IS NOT NULL AND (category = 'service' OR email_consent) AS email_go,
        CASE WHEN NOT in_audience THEN 'not_in_audience'
          WHEN ${at}::TIMESTAMPTZ - due_at > INTERVAL (${lateMinutes}) MINUTE THEN 'skipped_late'
          WHEN arm = 'holdout' THEN 'held_out' END AS settled
      FROM facts
    ),
    quiet AS (SELECT *, ${quietUntil} AS quiet_until, ${quietWindows} AS quiet_windows FROM consent),
    counted AS (
      -- Marketing messages already in the outbox (not failed) per member, by store day.
      SELECT customer_id,
        count(*) FILTER (channel = 'sms' AND day = ${today})::INTEGER AS sms_day,
        count(*) FILTER (channel = 'sms')::INTEGER AS sms_week,
        count(*) FILTER (channel = 'email' AND day = ${today})::INTEGER AS email_day,
        count(*) FILTER (channel = 'email')::INTEGER AS email_week,
        count(*) FILTER (day = ${today})::INTEGER AS overall_day,
        count(*)::INTEGER AS overall_week
      FROM (
        SELECT customer_id, channel, (created_at - INTERVAL 1 MICROSECOND)::DATE AS day FROM rule_deliveries
        WHERE category = 'marketing' AND channel IN ('sms', 'email') AND status <> 'failed'
          AND customer_id IN (SELECT customer_id FROM ${DUE})
      ) WHERE day BETWEEN ${today} - 6 AND ${today}
      GROUP BY customer_id
    ),
    own AS (
      SELECT q.*, coalesce(k.sms_day, 0) AS sms_day, coalesce(k.sms_week, 0) AS sms_week,
        coalesce(k.email_day, 0) AS email_day, coalesce(k.email_week, 0) AS email_week,
        coalesce(k.overall_day, 0) AS overall_day, coalesce(k.overall_week, 0) AS overall_week,
        CASE WHEN sms_go THEN sms_n ELSE 0 END AS sms_own,
        CASE WHEN email_go THEN email_n ELSE 0 END AS email_own
      FROM quiet q LEFT JOIN counted k USING (customer_id)
    ),
    ranked AS (
      -- Higher priority first, then the earlier due: what goes before this one for the member.
      SELECT id, ${breach} AS cap_breach FROM (
        SELECT *, sms_own + email_own AS overall_own,
          coalesce(sum(sms_own) OVER w, 0) AS sms_before,
          coalesce(sum(email_own) OVER w, 0) AS email_before,
          coalesce(sum(sms_own + email_own) OVER w, 0) AS overall_before
        FROM own WHERE category = 'marketing' AND settled IS NULL AND quiet_until IS NULL
        WINDOW w AS (PARTITION BY customer_id ORDER BY priority DESC, due_at, id
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
      )
    )
    SELECT o.id, o.rule_id, o.version, o.customer_id, o.occurred_at, o.due_at, o.order_id, o.priority,
      o.category, o.coupon_index, o.phone, o.email, o.sms_consent, o.email_consent, o.is_member,
      o.sms_go, o.email_go,
      CASE WHEN o.settled IS NOT NULL THEN o.settled
        WHEN o.quiet_until IS NOT NULL THEN 'deferred_quiet_hours'
        WHEN r.cap_breach IS NOT NULL THEN 'deferred_cap' ELSE 'go' END AS outcome,
      CASE o.settled
        WHEN 'not_in_audience' THEN format('not in the audience {} at send time ({})', o.audience, ${params.add(snapshotText)}::VARCHAR)
        WHEN 'skipped_late' THEN format('due {} and not sent within the max lateness of {}', strftime(o.due_at, '%Y-%m-%d %H:%M'), ${params.add(maxLateness)}::VARCHAR)
        WHEN 'held_out' THEN format('held out: bucket {} is below the holdout share {}', round(o.bucket, 4), o.holdout)
        ELSE CASE WHEN o.quiet_until IS NOT NULL
          THEN format('quiet hours ({}): deferred to {}', o.quiet_windows, strftime(o.quiet_until, '%Y-%m-%d %H:%M'))
          ELSE r.cap_breach END
      END AS detail,
      CASE WHEN o.settled IS NOT NULL THEN NULL
        WHEN o.quiet_until IS NOT NULL THEN o.quiet_until
        WHEN r.cap_breach IS NOT NULL THEN (${today} + 1)::TIMESTAMPTZ END AS next_check_at
    FROM own o LEFT JOIN ranked r USING (id)`,
    params: params.values,
  };
}

/**
 * Takes one coupon code for each going enrollment of a rule with a coupon action, higher
 * priority rules first; an enrollment left without a code is skipped with the reason.
 */
async function takeCoupons(store: Store, versions: readonly DueVersion[], clock: string): Promise<void> {
  const withCoupon = versions
    .filter((v) => v.couponIndex !== null)
    .sort((a, b) => b.definition.priority - a.definition.priority);
  for (const due of withCoupon) {
    const action = due.definition.actions[due.couponIndex ?? -1];
    if (!action || !('coupon' in action)) continue;
    const enrollments = sql`SELECT id AS enrollment_id, customer_id,
        row_number() OVER (ORDER BY due_at, id) AS position
      FROM dispatch_plan WHERE outcome = 'go' AND rule_id = ${due.ruleId} AND version = ${due.version}::INTEGER`;
    const result = await issueCoupons(store, {
      ruleId: due.ruleId,
      pool: action.coupon.pool,
      ...(action.coupon.per_day === undefined ? {} : { perDay: action.coupon.per_day }),
      ...(action.coupon.total === undefined ? {} : { total: action.coupon.total }),
      clock,
      enrollments,
    });
    if (result.pool_empty + result.budget_spent === 0) continue;
    const reason: Decision = result.budget_spent > 0 ? 'budget_spent' : 'pool_empty';
    const detail =
      reason === 'pool_empty'
        ? `coupon pool ${action.coupon.pool} is empty: ${result.issued} codes given this time, ${result.pool_empty} members without one`
        : `the coupon budget of rule ${due.ruleId} is spent: ${result.issued} codes given this time, ${result.budget_spent} members without one`;
    await store.run(
      sql`UPDATE dispatch_plan SET outcome = ${reason}, detail = ${detail}
        WHERE outcome = 'go' AND rule_id = ${due.ruleId} AND version = ${due.version}::INTEGER
          AND id NOT IN (SELECT enrollment_id FROM coupon_codes WHERE enrollment_id IS NOT NULL)`,
    );
  }
}

/**
 * FACTS: per going enrollment the values its messages may name, one VARCHAR column per
 * placeholder (render.ts), with the tier and stage in the store's language.
 */
function buildFactsQuery(config: Config, versions: readonly DueVersion[], day: string): Query {
  const params = new ParamList();
  const zh = config.lang === 'zh-CN';
  const tiers = config.tiers.levels
    .map(
      (t) =>
        `(${params.add(t.id)}, ${params.add(zh ? t.name_zh : t.name)}, ${params.add(JSON.stringify(t.benefits))})`,
    )
    .join(', ');
  const stages = Object.entries(LIFECYCLE_STAGE_LABELS)
    .map(([id, label]) => `(${params.add(id)}, ${params.add(zh ? label.zh : label.name)})`)
    .join(', ');
  const hasCoupon = versions.some((v) => v.couponIndex !== null);
  const snapshotDay = params.add(day);
  const coupon = (column: string, text: string): string => (hasCoupon ? text.replace('$', column) : 'NULL');
  // Every placeholder the rule schema knows has its column here (the Record type says so).
  const columns: Record<Placeholder, string> = {
    name: 'c.name',
    tier: 'tl.label',
    stage: 'sl.label',
    province: 'c.province',
    city: 'c.city',
    coupon_code: coupon('cc.code', '$'),
    coupon_value: coupon('cc.value', '$'),
    coupon_min_spend: coupon('cc.min_spend', '$'),
    coupon_valid_until: coupon('cc.valid_until', 'CAST($ AS DATE)'),
    order_id: 'p.order_id',
    order_amount: 'o.paid_amount',
  };
  const selected = Object.entries(columns).map(
    ([name, expression]) => `(${expression})::VARCHAR AS "${name}"`,
  );
  return {
    sql: `CREATE OR REPLACE TEMP TABLE ${FACTS} AS
      WITH snap AS (
        SELECT customer_id, tier, stage FROM customer_snapshots
        WHERE as_of = (SELECT max(as_of) FROM snapshots WHERE as_of <= ${snapshotDay}::DATE)
          AND customer_id IN (SELECT customer_id FROM ${PLAN} WHERE outcome = 'go')
      )
      SELECT p.id, ${selected.join(', ')}, s.tier AS tier_id, tl.benefits AS tier_benefits
      FROM ${PLAN} p
      LEFT JOIN customers c ON c.id = p.customer_id
      LEFT JOIN snap s ON s.customer_id = p.customer_id
      LEFT JOIN (VALUES ${tiers}) tl(id, label, benefits) ON tl.id = s.tier
      LEFT JOIN (VALUES ${stages}) sl(id, label) ON sl.id = s.stage
      ${hasCoupon ? 'LEFT JOIN coupon_codes cc ON cc.enrollment_id = p.id' : ''}
      LEFT JOIN (SELECT id, any_value(paid_amount) AS paid_amount FROM orders
        WHERE id IN (SELECT order_id FROM ${PLAN} WHERE outcome = 'go') GROUP BY id) o ON o.id = p.order_id
      WHERE p.outcome = 'go'`,
    params: params.values,
  };
}

/** What every statement of one action shares: the clock, the going enrollments, the action. */
interface ActionParams {
  readonly at: string;
  readonly going: string;
  readonly index: string;
}

/** Writes one action of one rule version for its going enrollments, with its decisions. */
async function writeAction(
  store: Store,
  due: DueVersion,
  index: number,
  action: RuleAction,
  clock: string,
  touched: { list: string; format: 'csv' | 'xlsx' }[],
): Promise<void> {
  // One parameter list per statement: each statement binds exactly the values it names.
  const run = (write: (params: ParamList, common: ActionParams) => string): Promise<void> => {
    const params = new ParamList();
    // Added when a statement first names them: DuckDB refuses a value bound to no placeholder.
    const once = (make: () => string): (() => string) => {
      let text: string | undefined;
      return () => (text ??= make());
    };
    const at = once(() => `${params.add(clock)}::TIMESTAMPTZ`);
    const going = once(
      () =>
        `p.outcome = 'go' AND p.rule_id = ${params.add(due.ruleId)} AND p.version = ${params.add(due.version)}::INTEGER`,
    );
    const actionIndex = once(() => `${params.add(index)}::INTEGER`);
    const common: ActionParams = {
      get at() {
        return at();
      },
      get going() {
        return going();
      },
      get index() {
        return actionIndex();
      },
    };
    const text = write(params, common);
    return store.run({ sql: text, params: params.values });
  };
  const decide = (
    decision: Decision,
    channel: string | null,
    detail: (params: ParamList) => string,
    where = 'TRUE',
  ) =>
    run(
      (params, c) => `INSERT INTO rule_decisions
        SELECT p.id, p.rule_id, p.version, p.customer_id, ${c.at}, '${decision}', ${c.index},
          ${params.add(channel)}::VARCHAR, ${detail(params)}
        FROM ${PLAN} p LEFT JOIN ${FACTS} f ON f.id = p.id WHERE ${c.going} AND ${where}`,
    );
  // The outbox id is the idempotency key and the webhook-id the receiver sees. No upsert: an
  // enrollment is dispatched once, in one transaction with its state, and DuckDB checks an
  // upsert row by row against a table that already holds rows (minutes at 100k rows).
  const outbox = (
    channel: string,
    destination: (params: ParamList) => string,
    payload: (params: ParamList) => string,
    where = 'TRUE',
  ) =>
    run(
      (params, c) => `INSERT INTO rule_deliveries
        SELECT 'msg_' || substr(sha256(p.id || '|' || ${c.index}::VARCHAR), 1, 24), p.id, p.rule_id, p.version,
          p.customer_id, ${c.index}, ${params.add(getKind(action))}, ${params.add(channel)}, p.category,
          ${destination(params)}, ${payload(params)}, 'pending', 0, ${c.at}, ${c.at}, NULL, NULL
        FROM ${PLAN} p JOIN ${FACTS} f ON f.id = p.id WHERE ${c.going} AND ${where}`,
    );
  // Rendered from the facts' columns (f), never the plan's: order_id is in both.
  const rendered = (template: string, params: ParamList): string => buildTemplateSql(template, params, 'f');

  if ('message' in action) {
    const { channel, template, subject } = action.message;
    const go = channel === 'sms' ? 'p.sms_go' : 'p.email_go';
    const to = channel === 'sms' ? 'p.phone' : 'p.email';
    await outbox(
      channel,
      () => to,
      (params) =>
        subject === undefined
          ? `json_object('text', ${rendered(template, params)}, 'to', ${to})`
          : `json_object('text', ${rendered(template, params)}, 'subject', ${rendered(subject, params)}, 'to', ${to})`,
      go,
    );
    const why =
      channel === 'sms'
        ? `CASE WHEN p.phone IS NULL THEN 'no phone number on file'
            WHEN NOT p.sms_consent THEN 'no SMS consent (sms_consent)'
            ELSE 'marketing SMS goes only to members: not a member' END`
        : `CASE WHEN p.email IS NULL THEN 'no email address on file' ELSE 'no email consent (email_consent)' END`;
    await decide('no_consent', channel, () => why, `NOT ${go}`);
    return;
  }
  if ('webhook' in action) {
    const { endpoint } = action.webhook;
    await outbox(
      'webhook',
      (params) => `${params.add(endpoint)}::VARCHAR`,
      (params) => `json_object('type', 'rule.action', 'rule_id', p.rule_id, 'version', p.version,
        'enrollment_id', p.id, 'customer_id', p.customer_id,
        'occurred_at', strftime(p.occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'),
        'action', json(${params.add(JSON.stringify(action))}),
        'data', json_object(${PLACEHOLDER_COLUMNS.map((name) => `'${name}', f."${name}"`).join(', ')}))`,
    );
    return;
  }
  if ('notify' in action) {
    const { text } = action.notify;
    await outbox(
      'robot',
      () => 'NULL',
      (params) => `json_object('text', ${rendered(text, params)})`,
    );
    return;
  }
  if ('coupon' in action) {
    const { pool } = action.coupon;
    await decide(
      'sent',
      null,
      (params) => `format('coupon {} from pool {}', f.coupon_code, ${params.add(pool)}::VARCHAR)`,
    );
    return;
  }
  if ('tag' in action) {
    const { add, remove } = action.tag;
    const tag = add ?? remove ?? '';
    if (add !== undefined)
      await run(
        (params, c) => `INSERT INTO member_tags
          SELECT p.customer_id, ${params.add(tag)}, ${c.at}, NULL, min(p.id) FROM ${PLAN} p
          WHERE ${c.going} AND NOT EXISTS (SELECT 1 FROM member_tags t
            WHERE t.customer_id = p.customer_id AND t.tag = ${params.add(tag)} AND t.removed_at IS NULL)
          GROUP BY p.customer_id`,
      );
    else
      await run(
        (params, c) => `UPDATE member_tags SET removed_at = ${c.at}
          WHERE tag = ${params.add(tag)} AND removed_at IS NULL
            AND customer_id IN (SELECT p.customer_id FROM ${PLAN} p WHERE ${c.going})`,
      );
    const verb = add !== undefined ? 'added' : 'removed';
    await decide('sent', null, (params) => `format('tag {} ${verb}', ${params.add(tag)}::VARCHAR)`);
    return;
  }
  if ('benefit' in action) {
    await run(
      (_, c) => `INSERT INTO member_benefits
        SELECT p.id, p.customer_id, p.order_id, f.tier_id, f.tier_benefits::JSON, ${c.at}
        FROM ${PLAN} p JOIN ${FACTS} f ON f.id = p.id WHERE ${c.going} AND p.order_id IS NOT NULL`,
    );
    await decide(
      'sent',
      null,
      () => `format('benefit of tier {} recorded against order {}', coalesce(f.tier_id, 'none'), p.order_id)`,
    );
    return;
  }
  const { list, format } = action.export;
  await run(
    (params, c) => `INSERT INTO audience_list_members
      SELECT ${params.add(list)}, p.customer_id, p.id, ${c.at} FROM ${PLAN} p WHERE ${c.going}`,
  );
  await decide(
    'sent',
    null,
    (params) => `format('added to the audience list {}', ${params.add(list)}::VARCHAR)`,
  );
  if (!touched.some((t) => t.list === list)) touched.push({ list, format });
}

/** Per rule, the decisions and outbox rows this dispatch wrote (read back inside its transaction). */
async function countDecisions(store: Store, clock: string): Promise<DispatchRuleCounts[]> {
  const rows = await store.query<Record<keyof DispatchRuleCounts, number> & { rule_id: string }>({
    sql: `WITH due AS (SELECT rule_id, count(*)::INTEGER AS due FROM ${PLAN} GROUP BY rule_id),
      decided AS (
        SELECT d.rule_id,
          count(*) FILTER (decision = 'not_in_audience')::INTEGER AS not_in_audience,
          count(*) FILTER (decision = 'skipped_late')::INTEGER AS skipped_late,
          count(*) FILTER (decision = 'held_out')::INTEGER AS held_out,
          count(*) FILTER (decision = 'deferred_quiet_hours')::INTEGER AS deferred_quiet_hours,
          count(*) FILTER (decision = 'deferred_cap')::INTEGER AS deferred_cap,
          count(*) FILTER (decision = 'no_consent')::INTEGER AS no_consent,
          count(*) FILTER (decision = 'pool_empty')::INTEGER AS pool_empty,
          count(*) FILTER (decision = 'budget_spent')::INTEGER AS budget_spent,
          count(*) FILTER (decision = 'sent')::INTEGER AS applied
        FROM rule_decisions d
        WHERE d.decided_at = $1::TIMESTAMPTZ AND d.enrollment_id IN (SELECT id FROM ${PLAN})
        GROUP BY d.rule_id
      ),
      queued AS (
        SELECT rule_id, count(*)::INTEGER AS queued FROM rule_deliveries
        WHERE created_at = $1::TIMESTAMPTZ AND enrollment_id IN (SELECT id FROM ${PLAN} WHERE outcome = 'go')
        GROUP BY rule_id
      )
      SELECT due.rule_id, due.due, ${[
        'not_in_audience',
        'skipped_late',
        'held_out',
        'deferred_quiet_hours',
        'deferred_cap',
        'no_consent',
        'pool_empty',
        'budget_spent',
        'applied',
      ]
        .map((c) => `coalesce(decided.${c}, 0) AS ${c}`)
        .join(', ')}, coalesce(queued.queued, 0) AS queued
      FROM due LEFT JOIN decided USING (rule_id) LEFT JOIN queued USING (rule_id)
      ORDER BY due.rule_id`,
    params: [clock],
  });
  return rows.map((row) => ({
    rule_id: row.rule_id,
    due: row.due,
    not_in_audience: row.not_in_audience,
    skipped_late: row.skipped_late,
    held_out: row.held_out,
    deferred_quiet_hours: row.deferred_quiet_hours,
    deferred_cap: row.deferred_cap,
    no_consent: row.no_consent,
    pool_empty: row.pool_empty,
    budget_spent: row.budget_spent,
    queued: row.queued,
    applied: row.applied,
  }));
}
