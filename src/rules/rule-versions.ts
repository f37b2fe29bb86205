/**
 * Rules stored as versioned data. A rule's definition (everything it says but its status) is
 * kept as immutable versions: applying a changed definition adds version n+1, applying the same
 * one adds nothing, and no version row is ever updated. Whether a rule runs (draft, active,
 * paused) is state beside it with its own history, so pausing and enabling never split the
 * members of one version in two (docs/rules.md).
 *
 * Functions return data; the CLI renders it.
 */
import { createHash } from 'node:crypto';
import { closest } from 'fastest-levenshtein';
import type { Config } from '../config/config.js';
import { AppError } from '../errors.js';
import { getPoolNames } from '../coupons/coupon-pools.js';
import { sql } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { type ParsedRule, readRuleFiles, throwProblems } from './rule-file.js';
import {
  buildRuleSchema,
  describeIssue,
  getKind,
  type RuleContext,
  type RuleDefinition,
  type RuleStatus,
  type TriggerKind,
} from './rule-schema.js';

/** JSON with every object's keys sorted: one text per definition, whatever order it was written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The sha256 (hex) of a definition's canonical JSON. */
export function hashDefinition(definition: RuleDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

/** What a rule is checked against in this store: the config's tiers and channels, the stored communities. */
export async function getRuleContext(store: Store, config: Config): Promise<RuleContext> {
  const rows = await store.query<{ community: number }>(
    sql`SELECT DISTINCT community FROM communities
      WHERE as_of = (SELECT max(as_of) FROM communities) ORDER BY community`,
  );
  return {
    vocabulary: {
      tiers: config.tiers.levels,
      communities: rows.length ? rows.map((row) => row.community) : null,
    },
    webhooks: Object.keys(config.channels.webhooks),
    defaultHoldout: config.rules.holdout,
    unsubscribeText: config.channels.sms.unsubscribe_text,
    couponPools: await getPoolNames(store),
  };
}

export const APPLY_RESULTS = ['created', 'changed', 'unchanged'] as const;
export type ApplyResult = (typeof APPLY_RESULTS)[number];

export interface AppliedRule {
  readonly id: string;
  readonly name: string;
  readonly result: ApplyResult;
  readonly version: number;
  /** The version before, or null for a new rule. */
  readonly previous_version: number | null;
  readonly status: RuleStatus;
  /** The status before, or null for a new rule. */
  readonly previous_status: RuleStatus | null;
  readonly file: string;
  readonly line: number;
}

interface RuleRow {
  readonly id: string;
  readonly name: string;
  readonly status: RuleStatus;
  readonly current_version: number;
  readonly hash: string;
}

/**
 * Reads, checks and stores the rules of the files, all or none: any problem in any file throws
 * one AppError listing every problem as `file:line:column: message`, and nothing is stored.
 */
export async function applyRuleFiles(
  store: Store,
  files: readonly string[],
  context: RuleContext,
): Promise<AppliedRule[]> {
  const { rules, problems } = await readRuleFiles(files, context);
  if (problems.length) throwProblems(problems);
  return applyRules(store, rules);
}

/** Stores checked rules in one transaction: a new version only where the definition changed. */
export async function applyRules(store: Store, rules: readonly ParsedRule[]): Promise<AppliedRule[]> {
  return store.transaction(async () => {
    const results: AppliedRule[] = [];
    for (const rule of rules) results.push(await applyRule(store, rule));
    return results;
  });
}

async function applyRule(store: Store, rule: ParsedRule): Promise<AppliedRule> {
  const { definition } = rule;
  const hash = hashDefinition(definition);
  const [current] = await store.query<RuleRow & Record<string, string | number>>(
    sql`SELECT r.id, r.name, r.status, r.current_version, v.hash
      FROM rules r JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
      WHERE r.id = ${definition.id}`,
  );
  const where = { file: rule.file, line: rule.line };
  if (!current) {
    const status = rule.status ?? 'draft';
    await insertVersion(store, definition, 1, hash);
    await store.run(
      sql`INSERT INTO rules VALUES (${definition.id}, ${definition.name}, ${status}, 1, now(), now())`,
    );
    await recordStatus(store, definition.id, null, status, 1, 'apply');
    return {
      id: definition.id,
      name: definition.name,
      result: 'created',
      version: 1,
      previous_version: null,
      status,
      previous_status: null,
      ...where,
    };
  }
  const changed = current.hash !== hash;
  const version = changed ? current.current_version + 1 : current.current_version;
  const status = rule.status ?? current.status;
  if (changed) await insertVersion(store, definition, version, hash);
  if (status !== current.status)
    await recordStatus(store, definition.id, current.status, status, version, 'apply');
  if (changed || status !== current.status)
    await store.run(
      sql`UPDATE rules SET name = ${definition.name}, status = ${status}, current_version = ${version},
        updated_at = now() WHERE id = ${definition.id}`,
    );
  return {
    id: definition.id,
    name: definition.name,
    result: changed || status !== current.status ? 'changed' : 'unchanged',
    version,
    previous_version: current.current_version,
    status,
    previous_status: current.status,
    ...where,
  };
}

async function insertVersion(
  store: Store,
  definition: RuleDefinition,
  version: number,
  hash: string,
): Promise<void> {
  await store.run(
    sql`INSERT INTO rule_versions VALUES (${definition.id}, ${version}, ${JSON.stringify(definition)}, ${hash}, now())`,
  );
}

async function recordStatus(
  store: Store,
  id: string,
  from: RuleStatus | null,
  to: RuleStatus,
  version: number,
  source: 'apply' | 'enable' | 'pause',
): Promise<void> {
  await store.run(
    sql`INSERT INTO rule_status_changes VALUES (${id}, now(), ${from}, ${to}, ${version}, ${source})`,
  );
}

/** Times are shown to the second in store time (the session's TimeZone). */
export interface RuleSummary {
  readonly id: string;
  readonly name: string;
  readonly status: RuleStatus;
  readonly version: number;
  readonly trigger: TriggerKind;
  readonly category: RuleDefinition['category'];
  readonly priority: number;
  readonly holdout: number;
  readonly audience: string;
  readonly actions: readonly string[];
  readonly updated_at: string;
}

interface StoredRuleRow extends Record<string, string | number> {
  readonly id: string;
  readonly name: string;
  readonly status: RuleStatus;
  readonly version: number;
  readonly definition: string;
  readonly hash: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** Every stored rule at its current version, by id. */
export async function listRules(store: Store): Promise<RuleSummary[]> {
  const rows = await store.query<StoredRuleRow>(
    sql`SELECT r.id, r.name, r.status, r.current_version AS version, v.definition::VARCHAR AS definition,
        v.hash, strftime(v.created_at, '%Y-%m-%d %H:%M:%S') AS created_at, strftime(r.updated_at, '%Y-%m-%d %H:%M:%S') AS updated_at
      FROM rules r JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
      ORDER BY r.id`,
  );
  return rows.map((row) => {
    const definition = JSON.parse(row.definition) as RuleDefinition;
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      version: row.version,
      trigger: getKind<TriggerKind>(definition.trigger),
      category: definition.category,
      priority: definition.priority,
      holdout: definition.holdout,
      audience: definition.audience,
      actions: definition.actions.map((action) => getKind(action)),
      updated_at: row.updated_at,
    };
  });
}

export interface RuleVersion {
  readonly version: number;
  readonly hash: string;
  readonly created_at: string;
}

export interface RuleStatusChange {
  readonly changed_at: string;
  readonly from_status: RuleStatus | null;
  readonly to_status: RuleStatus;
  readonly version: number;
  readonly source: 'apply' | 'enable' | 'pause';
}

export interface RuleDetail {
  readonly id: string;
  readonly name: string;
  readonly status: RuleStatus;
  readonly current_version: number;
  /** The version shown: the current one unless asked for another. */
  readonly version: number;
  readonly hash: string;
  readonly created_at: string;
  readonly definition: RuleDefinition;
  readonly versions: readonly RuleVersion[];
  readonly status_changes: readonly RuleStatusChange[];
}

/** A rule at its current version or the one asked for, with its version and status history. */
export async function getRule(store: Store, id: string, version?: number): Promise<RuleDetail> {
  const [rule] = await store.query<RuleRow & Record<string, string | number>>(
    sql`SELECT id, name, status, current_version, '' AS hash FROM rules WHERE id = ${id}`,
  );
  if (!rule) throw await unknownRule(store, id);
  const versions = await store.query<RuleVersion & StoredRuleRow>(
    sql`SELECT version, hash, definition::VARCHAR AS definition, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_at
      FROM rule_versions WHERE rule_id = ${id} ORDER BY version`,
  );
  const wanted = version ?? rule.current_version;
  const shown = versions.find((v) => v.version === wanted);
  if (!shown)
    throw new AppError(
      'BAD_ARGUMENT',
      `rule '${id}' has no version ${wanted}; its versions are 1–${rule.current_version}`,
    );
  const statusChanges = await store.query<RuleStatusChange & Record<string, string | number | null>>(
    sql`SELECT strftime(c.changed_at, '%Y-%m-%d %H:%M:%S') AS changed_at, from_status, to_status, version, source
      FROM rule_status_changes c WHERE rule_id = ${id} ORDER BY c.changed_at, c.version`,
  );
  return {
    id: rule.id,
    name: rule.name,
    status: rule.status,
    current_version: rule.current_version,
    version: shown.version,
    hash: shown.hash,
    created_at: shown.created_at,
    definition: JSON.parse(shown.definition) as RuleDefinition,
    versions: versions.map((v) => ({ version: v.version, hash: v.hash, created_at: v.created_at })),
    status_changes: statusChanges,
  };
}

export interface ExportedRule {
  readonly status: RuleStatus;
  readonly definition: RuleDefinition;
}

/** The current definition and status of one rule or of all, to write back as a rule file. */
export async function exportRules(store: Store, id?: string): Promise<ExportedRule[]> {
  if (id !== undefined) {
    const rule = await getRule(store, id);
    return [{ status: rule.status, definition: rule.definition }];
  }
  const rows = await store.query<StoredRuleRow>(
    sql`SELECT r.status, v.definition::VARCHAR AS definition
      FROM rules r JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
      ORDER BY r.id`,
  );
  return rows.map((row) => ({
    status: row.status,
    definition: JSON.parse(row.definition) as RuleDefinition,
  }));
}

export interface StatusChangeResult {
  readonly id: string;
  readonly version: number;
  readonly status: RuleStatus;
  readonly previous_status: RuleStatus;
  readonly changed: boolean;
}

/**
 * Enables (active) or pauses a rule. Enabling checks the current version again against the
 * store as it is now (an endpoint removed from the config since, a tier renamed), so a rule
 * never starts running with a name the store no longer has.
 */
export async function setRuleStatus(
  store: Store,
  id: string,
  status: 'active' | 'paused',
  context: RuleContext,
): Promise<StatusChangeResult> {
  const rule = await getRule(store, id);
  if (status === 'active') {
    const result = buildRuleSchema(context).safeParse(rule.definition);
    if (!result.success) {
      const [issue] = result.error.issues;
      throw new AppError(
        'BAD_CONFIG',
        `rule '${id}' version ${rule.version} no longer fits this store: ${issue?.path.join('.') ?? ''}: ${issue ? describeIssue(issue, rule.definition) : 'invalid'}; fix it and apply it again`,
      );
    }
  }
  if (rule.status === status)
    return { id, version: rule.current_version, status, previous_status: rule.status, changed: false };
  await store.transaction(async () => {
    await recordStatus(
      store,
      id,
      rule.status,
      status,
      rule.current_version,
      status === 'active' ? 'enable' : 'pause',
    );
    await store.run(sql`UPDATE rules SET status = ${status}, updated_at = now() WHERE id = ${id}`);
  });
  return { id, version: rule.current_version, status, previous_status: rule.status, changed: true };
}

async function unknownRule(store: Store, id: string): Promise<AppError> {
  const ids = (await store.query<{ id: string }>(sql`SELECT id FROM rules ORDER BY id`)).map((row) => row.id);
  const hint = ids.length
    ? `; did you mean '${closest(id, ids)}'? (\`huiyuan rules list\`)`
    : '; no rules are stored yet (`huiyuan rules apply FILE`)';
  return new AppError('BAD_ARGUMENT', `no rule '${id}'${hint}`);
}
