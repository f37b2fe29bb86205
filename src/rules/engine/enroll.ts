/**
 * Enrollment (入组): the first half of a tick. For each active rule, the trigger occurrences
 * since the rule's cursor are tested against its audience at their day and its re-entry policy,
 * and the members who pass get one row each in rule_enrollments with a unique (rule, member,
 * occurrence) key, a holdout bucket from a hash of member and rule, and their due time. Members
 * with an occurrence outside the audience get a `not_in_audience` decision, so explain can say
 * why. All of it is set-oriented SQL over the range; only `after Nd` re-entry takes one INSERT
 * per round (the earliest qualifying occurrence per member, then the next one N days on).
 *
 * The same staging serves preview and backtest (preview.ts, backtest.ts): they stage into the
 * temp tables and read them instead of writing the enrollments.
 */
import type { Config } from '../../config/config.js';
import { AppError } from '../../errors.js';
import { ParamList, raw, sql, type Query } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { parseDurationMinutes } from '../duration.js';
import type { RuleDefinition } from '../rule-schema.js';
import { getKind } from '../rule-schema.js';
import { getRuleContext } from '../rule-versions.js';
import {
  addTagsAt,
  buildAudienceRelation,
  findSnapshotDaysFor,
  needsSnapshot,
  parseAudience,
  SNAPSHOT_DAYS_SQL,
} from './audience.js';
import { buildOccurrencesQuery, isStoreWide, type OccurrenceContext } from './occurrences.js';

/** A rule as the engine runs it: its current version's definition. */
export interface EngineRule {
  readonly id: string;
  readonly version: number;
  readonly status: string;
  readonly definition: RuleDefinition;
}

/** The rules a tick runs: every active rule at its current version, by id. */
export async function listActiveRules(store: Store, ids?: readonly string[]): Promise<EngineRule[]> {
  const rows = await store.query<{ id: string; version: number; status: string; definition: string }>(
    sql`SELECT r.id, r.current_version AS version, r.status, v.definition::VARCHAR AS definition
      FROM rules r JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
      WHERE r.status = 'active' ORDER BY r.id`,
  );
  return rows
    .filter((row) => ids === undefined || ids.includes(row.id))
    .map((row) => ({ ...row, definition: JSON.parse(row.definition) as RuleDefinition }));
}

/**
 * The clock of a tick, as an ISO instant: now, or with `asOf` (YYYY-MM-DD) the end of that day
 * in store time, i.e. the next day's 00:00 (everything before it has happened).
 */
export async function getClock(store: Store, asOf?: string): Promise<string> {
  const [row] = await store.query<{ clock: string }>(
    asOf === undefined
      ? raw(`SELECT strftime(now() AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS clock`)
      : sql`SELECT strftime((${asOf}::DATE + 1)::TIMESTAMPTZ AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS clock`,
  );
  if (!row) throw new AppError('INTERNAL', 'no clock');
  return row.clock;
}

/** ISO text of an instant the database computes. */
async function toIso(store: Store, expression: Query): Promise<string> {
  const params = new ParamList();
  const text = params.embed(expression);
  const [row] = await store.query<{ at: string }>({
    sql: `SELECT strftime((${text}) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS at`,
    params: params.values,
  });
  if (!row) throw new AppError('INTERNAL', 'no instant');
  return row.at;
}

/** The start of the store day the clock is in (a clock at 00:00 is the end of the day before). */
export function getDayStart(store: Store, clock: string): Promise<string> {
  return toIso(store, sql`date_trunc('day', ${clock}::TIMESTAMPTZ - INTERVAL 1 MICROSECOND)`);
}

/** What the engine needs to read a rule's occurrences and audience in this store. */
export async function buildEngineContext(
  store: Store,
  config: Pick<Config, 'tiers' | 'tags' | 'channels' | 'rules'>,
  definition: RuleDefinition,
): Promise<OccurrenceContext> {
  const { vocabulary } = await getRuleContext(store, config as Config);
  return {
    audience: parseAudience(definition.audience, vocabulary),
    became: 'became' in definition.trigger ? parseAudience(definition.trigger.became, vocabulary) : null,
    tierOrder: config.tiers.levels.map((tier) => tier.id),
    lowRatingMax: config.tags.low_rating_max,
  };
}

/** Temp tables a staging leaves: the occurrences with their audience test, and the entries. */
export const CANDIDATES_TABLE = 'hy_rule_candidates';
export const ENTRIES_TABLE = 'hy_rule_entries';

export interface StageOptions {
  readonly from: string;
  readonly to: string;
  /** SQL-free instant member tags are read at (the clock). */
  readonly clock: string;
  /** `stored`: earlier enrollments of the rule count for re-entry (a tick, a preview); `none`: a replay from nothing (a backtest). */
  readonly prior: 'stored' | 'none';
}

export interface StageResult {
  readonly occurrences: number;
  readonly entered: number;
  readonly not_in_audience: number;
}

/**
 * SQL text of a rule's occurrences in [from, to), each with its store day, the snapshot day its
 * audience is read at (the latest on or before it; null when none) and whether the member is in
 * the audience then: (customer_id, occurrence_key, occurred_at, order_id, day, snapshot_day,
 * in_audience). Store-wide occurrences hold their audience already; `all` needs no snapshot.
 */
export function buildTestedOccurrences(
  definition: RuleDefinition,
  context: OccurrenceContext,
  params: ParamList,
  range: { readonly from: string; readonly to: string; readonly clock: string },
  /** SQL of a relation (customer_id) to keep only its members, applied first (backtest overlap). */
  only?: string,
): string {
  const all = params.embed(buildOccurrencesQuery(definition, range.from, range.to, context));
  const occurrences = only === undefined ? all : `SELECT * FROM (${all}) WHERE customer_id IN (${only})`;
  const tested = !isStoreWide(definition.trigger) && needsSnapshot(context.audience);
  // Feedback rows carry no id: two identical rows are one occurrence.
  const deduped =
    getKind(definition.trigger) === 'feedback'
      ? `SELECT * FROM occ QUALIFY row_number() OVER (PARTITION BY customer_id, occurrence_key ORDER BY occurred_at) = 1`
      : 'SELECT * FROM occ';
  const audience = tested
    ? buildAudienceRelation(context.audience, params, {
        days: context.snapshotDays ?? {
          sql: 'SELECT DISTINCT snapshot_day AS as_of FROM mapped WHERE snapshot_day IS NOT NULL',
        },
        tagsAt: addTagsAt(context.audience, params, range.clock),
      })
    : null;
  return `WITH occ AS (${occurrences}),
    mapped AS (
      SELECT o.*, o.occurred_at::DATE AS day, s.as_of AS snapshot_day
      FROM (${deduped}) o ASOF LEFT JOIN (${SNAPSHOT_DAYS_SQL}) s ON o.occurred_at::DATE >= s.as_of
    )${audience ? `, audience AS (${audience})` : ''}
    SELECT m.customer_id, m.occurrence_key, m.occurred_at, m.order_id, m.day, m.snapshot_day,
      ${audience ? 'a.customer_id IS NOT NULL' : 'TRUE'} AS in_audience
    FROM mapped m ${audience ? 'LEFT JOIN audience a ON a.as_of = m.snapshot_day AND a.customer_id = m.customer_id' : ''}`;
}

/**
 * Stages a rule's enrollments for occurrences in [from, to) into ENTRIES_TABLE (id, customer_id,
 * occurrence_key, occurred_at, order_id, bucket, arm, due_at) and the tested occurrences into
 * CANDIDATES_TABLE (with in_audience, day, snapshot_day). Writes nothing else.
 */
export async function stageEnrollments(
  store: Store,
  rule: Pick<EngineRule, 'id' | 'definition'>,
  context: OccurrenceContext,
  options: StageOptions,
): Promise<StageResult> {
  const { definition } = rule;
  const params = new ParamList();
  const days = await findSnapshotDaysFor(store, options.from, options.to);
  const tested = buildTestedOccurrences(definition, { ...context, snapshotDays: days }, params, options);
  const ruleId = params.add(rule.id);
  await store.run({
    sql: `CREATE OR REPLACE TEMP TABLE ${CANDIDATES_TABLE} AS
      SELECT 'enr_' || substr(sha256(${ruleId} || '|' || customer_id || '|' || occurrence_key), 1, 24) AS id, *
      FROM (${tested})`,
    params: params.values,
  });
  const [counts] = await store.query<{ occurrences: number; not_in_audience: number }>(
    raw(`SELECT count(*)::INTEGER AS occurrences, count(*) FILTER (WHERE NOT in_audience)::INTEGER AS not_in_audience
      FROM ${CANDIDATES_TABLE}`),
  );
  if (options.prior === 'stored')
    await store.run(
      sql`DELETE FROM hy_rule_candidates WHERE id IN (SELECT id FROM rule_enrollments WHERE rule_id = ${rule.id})`,
    );
  await store.run(
    raw(`CREATE OR REPLACE TEMP TABLE hy_rule_staged AS
      SELECT id, customer_id, occurrence_key, occurred_at, order_id FROM ${CANDIDATES_TABLE} WHERE FALSE`),
  );
  const prior =
    options.prior === 'stored'
      ? `(SELECT customer_id, occurred_at FROM rule_enrollments WHERE rule_id = $1
          UNION ALL SELECT customer_id, occurred_at FROM hy_rule_staged)`
      : '(SELECT customer_id, occurred_at FROM hy_rule_staged)';
  const priorParams = options.prior === 'stored' ? [rule.id] : [];
  const pick = (where: string, extra: readonly (string | number)[] = []): Query => ({
    sql: `INSERT INTO hy_rule_staged SELECT id, customer_id, occurrence_key, occurred_at, order_id
      FROM ${CANDIDATES_TABLE} c WHERE in_audience AND id NOT IN (SELECT id FROM hy_rule_staged) AND ${where}
      QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY occurred_at, occurrence_key) = 1`,
    params: [...priorParams, ...extra],
  });
  const reEntry = definition.re_entry;
  if (reEntry === 'every')
    await store.run(
      raw(`INSERT INTO hy_rule_staged SELECT id, customer_id, occurrence_key, occurred_at, order_id
        FROM ${CANDIDATES_TABLE} WHERE in_audience`),
    );
  else if (reEntry === 'once') await store.run(pick(`customer_id NOT IN (SELECT customer_id FROM ${prior})`));
  else {
    const minutes = parseDurationMinutes(reEntry.replace(/^after\s+/, ''));
    if (minutes === null) throw new AppError('INTERNAL', `re_entry '${reEntry}' is not a duration`);
    const n = `$${priorParams.length + 1}`;
    const round = pick(
      `NOT EXISTS (SELECT 1 FROM ${prior} e WHERE e.customer_id = c.customer_id
        AND e.occurred_at > c.occurred_at - to_minutes(${n}::BIGINT) AND e.occurred_at < c.occurred_at + to_minutes(${n}::BIGINT))`,
      [minutes],
    );
    // Greedy, earliest first: each round takes every member's next occurrence N days on.
    for (let staged = -1; ;) {
      await store.run(round);
      const [row] = await store.query<{ n: number }>(
        raw('SELECT count(*)::INTEGER AS n FROM hy_rule_staged'),
      );
      if ((row?.n ?? 0) === staged) break;
      staged = row?.n ?? 0;
    }
  }
  const wait = definition.wait === undefined ? 0 : (parseDurationMinutes(definition.wait) ?? 0);
  const entryParams = new ParamList();
  const id = entryParams.add(rule.id);
  await store.run({
    sql: `CREATE OR REPLACE TEMP TABLE ${ENTRIES_TABLE} AS
      SELECT s.*, b.bucket, CASE WHEN b.bucket < ${entryParams.add(definition.holdout)}::DOUBLE THEN 'holdout' ELSE 'treatment' END AS arm,
        s.occurred_at + to_minutes(${entryParams.add(wait)}::BIGINT) AS due_at
      FROM hy_rule_staged s,
        LATERAL (SELECT ('0x' || substr(sha256(${id} || ':' || s.customer_id), 1, 8))::UBIGINT / 4294967296.0 AS bucket) b`,
    params: entryParams.values,
  });
  const [entered] = await store.query<{ n: number }>(
    raw(`SELECT count(*)::INTEGER AS n FROM ${ENTRIES_TABLE}`),
  );
  return {
    occurrences: counts?.occurrences ?? 0,
    entered: entered?.n ?? 0,
    not_in_audience: counts?.not_in_audience ?? 0,
  };
}

export interface EnrollOptions {
  /** The tick's clock, an ISO instant (getClock). */
  readonly clock: string;
  /** Compute everything, write nothing. */
  readonly dryRun?: boolean;
  /** Only these rules (default: every active rule). */
  readonly ruleIds?: readonly string[];
}

/** What one tick's enrollment did for one rule. */
export interface RuleEnrollResult {
  readonly rule_id: string;
  readonly version: number;
  /** The range read, [from, to), ISO instants; from = to when the clock read nothing new. */
  readonly from: string;
  readonly to: string;
  readonly occurrences: number;
  readonly entered: number;
  readonly treatment: number;
  readonly holdout: number;
  readonly not_in_audience: number;
  /** Days of the range with no snapshot on or before them (their audience was empty), when the rule needs one. */
  readonly days_without_snapshot: readonly string[];
}

export interface EnrollResult {
  readonly clock: string;
  readonly dry_run: boolean;
  readonly rules: readonly RuleEnrollResult[];
}

/**
 * Enrolls every active rule's new occurrences in [cursor, clock) and moves the cursors to the
 * clock; a rule's first tick reads from the start of the clock's own store day. A clock at or
 * before a rule's cursor reads nothing, so two ticks at one clock enroll nothing new. Each rule
 * is one transaction: its enrollments, decisions and cursor are kept together or not at all.
 * @example await enroll(store, config, { clock: await getClock(store, '2026-10-31') })
 */
export async function enroll(
  store: Store,
  config: Pick<Config, 'tiers' | 'tags' | 'channels' | 'rules'>,
  options: EnrollOptions,
): Promise<EnrollResult> {
  const { clock } = options;
  const rules = await listActiveRules(store, options.ruleIds);
  const dayStart = await getDayStart(store, clock);
  const results: RuleEnrollResult[] = [];
  for (const rule of rules) {
    const [cursor] = await store.query<{ ticked_to: string; behind: boolean }>(
      sql`SELECT strftime(ticked_to AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ticked_to,
          ticked_to < ${clock}::TIMESTAMPTZ AS behind
        FROM rule_cursors WHERE rule_id = ${rule.id}`,
    );
    const from = cursor?.ticked_to ?? dayStart;
    const empty = {
      rule_id: rule.id,
      version: rule.version,
      occurrences: 0,
      entered: 0,
      treatment: 0,
      holdout: 0,
      not_in_audience: 0,
      days_without_snapshot: [],
    };
    if (cursor && !cursor.behind) {
      results.push({ ...empty, from, to: from });
      continue;
    }
    const context = await buildEngineContext(store, config, rule.definition);
    const work = async (): Promise<RuleEnrollResult> => {
      const staged = await stageEnrollments(store, rule, context, {
        from,
        to: clock,
        clock,
        prior: 'stored',
      });
      const [arms] = await store.query<{ treatment: number; holdout: number }>(
        raw(`SELECT count(*) FILTER (WHERE arm = 'treatment')::INTEGER AS treatment,
            count(*) FILTER (WHERE arm = 'holdout')::INTEGER AS holdout FROM ${ENTRIES_TABLE}`),
      );
      const missing =
        needsSnapshot(context.audience) || isStoreWide(rule.definition.trigger)
          ? await listDaysWithoutSnapshot(store, from, clock)
          : [];
      if (!options.dryRun) await writeEnrollments(store, rule, context, clock);
      return {
        ...empty,
        from,
        to: clock,
        occurrences: staged.occurrences,
        entered: staged.entered,
        treatment: arms?.treatment ?? 0,
        holdout: arms?.holdout ?? 0,
        not_in_audience: staged.not_in_audience,
        days_without_snapshot: missing,
      };
    };
    results.push(options.dryRun ? await work() : await store.transaction(work));
  }
  return { clock, dry_run: options.dryRun === true, rules: results };
}

/**
 * Writes the staged entries, their decisions, the not-in-audience decisions and the cursor. The
 * entries hold no occurrence already enrolled (stageEnrollments removed them), so a plain INSERT
 * is enough; the table's UNIQUE (rule, member, occurrence) still refuses a duplicate, failing the
 * rule's transaction whole. Not `ON CONFLICT DO NOTHING`: DuckDB checks each row of an upsert
 * against the stored index one by one, 166k rows took 640 s against 3 s for the plain INSERT.
 */
async function writeEnrollments(
  store: Store,
  rule: EngineRule,
  context: OccurrenceContext,
  clock: string,
): Promise<void> {
  const at = (params: ParamList): string => `${params.add(clock)}::TIMESTAMPTZ`;
  let params = new ParamList();
  await store.run({
    sql: `INSERT INTO rule_enrollments
      SELECT id, ${params.add(rule.id)}, ${params.add(rule.version)}::INTEGER, customer_id, occurrence_key, occurred_at,
        ${at(params)}, due_at, due_at, arm, bucket, order_id, 'waiting'
      FROM ${ENTRIES_TABLE}`,
    params: params.values,
  });
  params = new ParamList();
  await store.run({
    sql: `INSERT INTO rule_decisions
      SELECT id, ${params.add(rule.id)}, ${params.add(rule.version)}::INTEGER, customer_id, ${at(params)}, 'entered', NULL, NULL,
        'entered on ' || occurrence_key || ' in the ' || arm || ' arm (bucket ' || round(bucket, 4)::VARCHAR || ')'
      FROM ${ENTRIES_TABLE}`,
    params: params.values,
  });
  params = new ParamList();
  const audience = params.add(context.audience.spec.text);
  await store.run({
    sql: `INSERT INTO rule_decisions
      SELECT id, ${params.add(rule.id)}, ${params.add(rule.version)}::INTEGER, customer_id, ${at(params)}, 'not_in_audience', NULL, NULL,
        CASE WHEN snapshot_day IS NULL THEN 'no snapshot on or before ' || day::VARCHAR || ', so nobody is known to be in the audience ' || ${audience}
          ELSE 'not in the audience ' || ${audience} || ' at the snapshot of ' || snapshot_day::VARCHAR || ' (' || occurrence_key || ')' END
      FROM ${CANDIDATES_TABLE} c WHERE NOT in_audience
        AND NOT EXISTS (SELECT 1 FROM rule_decisions d WHERE d.enrollment_id = c.id AND d.decision = 'not_in_audience')`,
    params: params.values,
  });
  await store.run(sql`INSERT OR REPLACE INTO rule_cursors VALUES (${rule.id}, ${clock}::TIMESTAMPTZ, now())`);
}

/**
 * The store days of [from, to) with no snapshot on or before them, when any: the audience of
 * those days is empty. Days as YYYY-MM-DD.
 */
export async function listDaysWithoutSnapshot(store: Store, from: string, to: string): Promise<string[]> {
  const rows = await store.query<{ day: string }>(
    sql`SELECT g.d::DATE::VARCHAR AS day
      FROM generate_series(${from}::TIMESTAMPTZ::DATE, (${to}::TIMESTAMPTZ - INTERVAL 1 MICROSECOND)::DATE, INTERVAL 1 DAY) g(d)
      WHERE g.d::DATE < coalesce((SELECT min(as_of) FROM snapshots), DATE '9999-12-31') ORDER BY 1`,
  );
  return rows.map((row) => row.day);
}
