/**
 * Explain (解释): why one member did or did not enter a rule at a clock. It lists the member's
 * trigger occurrences in the range a tick would read, the value of each audience predicate at
 * the latest snapshot on or before the day (and whether it holds), the re-entry state (earlier
 * enrollments) and every decision the engine logged about the member for the rule.
 */
import {
  buildSegmentCondition,
  EVERYONE,
  formatCondition,
  type SegmentCondition,
} from '../../analytics/profiles/segment-spec.js';
import type { Config } from '../../config/config.js';
import { ParamList, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { getRule } from '../rule-versions.js';
import { addTagsAt, buildAudienceRelation, findSnapshotDay, needsSnapshot } from './audience.js';
import { buildEngineContext, getClock, getDayStart } from './enroll.js';
import { buildOccurrencesQuery, isStoreWide } from './occurrences.js';

export interface PredicateValue {
  /** The condition in the grammar's canonical text, e.g. `stage:churned` or `age>=30`. */
  readonly predicate: string;
  /** The member's value of the field it tests (a tag: whether it is held), or null when unknown. */
  readonly value: string | number | boolean | null;
  readonly holds: boolean;
}

export interface ExplainResult {
  readonly rule_id: string;
  readonly version: number;
  readonly customer_id: string;
  readonly from: string;
  readonly to: string;
  readonly audience: string;
  /** The snapshot the audience was read at, or null when none is on or before the day. */
  readonly snapshot_day: string | null;
  /** Whether the member is in that snapshot at all. */
  readonly in_snapshot: boolean;
  readonly predicates: readonly PredicateValue[];
  readonly in_audience: boolean;
  readonly occurrences: readonly { occurrence_key: string; occurred_at: string }[];
  readonly enrollments: readonly {
    id: string;
    occurrence_key: string;
    occurred_at: string;
    version: number;
    arm: string;
    state: string;
  }[];
  readonly decisions: readonly { decided_at: string; decision: string; detail: string | null }[];
  /** One sentence: entered, or the first reason it did not. */
  readonly verdict: string;
}

/** The SQL of the value a condition tests, over the joined snapshot row. */
function valueSql(condition: SegmentCondition, params: ParamList, tagsAt: string): string {
  switch (condition.kind) {
    case 'stage':
    case 'tier':
    case 'segment':
    case 'community':
      return `${condition.kind}::VARCHAR`;
    case 'tag':
      return buildSegmentCondition({ text: '', conditions: [condition], notes: [] }, params, null, tagsAt);
    case 'text':
    case 'boolean':
    case 'number':
      return condition.field;
  }
}

/**
 * Why `customerId` did or did not enter rule `id` by the clock (`asOf` as `--as-of` sets it).
 * @example await explainMember(store, config, 'winback-churned', 'C0000042', { asOf: '2026-10-31' })
 */
export async function explainMember(
  store: Store,
  config: Pick<Config, 'tiers' | 'tags' | 'channels' | 'rules'>,
  id: string,
  customerId: string,
  options: { readonly asOf?: string } = {},
): Promise<ExplainResult> {
  const detail = await getRule(store, id);
  const clock = await getClock(store, options.asOf);
  const from = await getDayStart(store, clock);
  const [dayRow] = await store.query<{ day: string }>(
    sql`SELECT (${clock}::TIMESTAMPTZ - INTERVAL 1 MICROSECOND)::DATE::VARCHAR AS day`,
  );
  const day = dayRow?.day ?? '';
  const context = await buildEngineContext(store, config, detail.definition);
  const snapshotDay = await findSnapshotDay(store, day);
  const conditions = context.audience.spec.conditions;
  let inSnapshot = false;
  let predicates: PredicateValue[] = [];
  if (snapshotDay !== null) {
    const params = new ParamList();
    const tagsAt = addTagsAt(context.audience, params, clock);
    const columns = conditions.map((condition, index) => {
      const holds = buildSegmentCondition(
        { text: '', conditions: [condition], notes: [] },
        params,
        context.audience.communityTag,
        tagsAt,
      );
      return `${valueSql(condition, params, tagsAt)} AS v${index}, (${holds}) AS h${index}`;
    });
    const relation = buildAudienceRelation({ ...context.audience, spec: EVERYONE }, params, {
      days: [snapshotDay],
      tagsAt,
      withFields: true,
    });
    const [row] = await store.query({
      sql: `SELECT TRUE AS found${columns.map((c) => `, ${c}`).join('')}
        FROM (${relation}) WHERE customer_id = ${params.add(customerId)}`,
      params: params.values,
    });
    inSnapshot = row !== undefined;
    predicates = conditions.map((condition, index) => {
      const value = row?.[`v${index}`];
      return {
        predicate: formatCondition(condition),
        value:
          value === undefined || value === null
            ? null
            : typeof value === 'bigint'
              ? Number(value)
              : (value as string | number | boolean),
        holds: row?.[`h${index}`] === true,
      };
    });
  } else
    predicates = conditions.map((condition) => ({
      predicate: formatCondition(condition),
      value: null,
      holds: false,
    }));
  const inAudience = !needsSnapshot(context.audience) || (inSnapshot && predicates.every((p) => p.holds));
  const occurrenceQuery = buildOccurrencesQuery(detail.definition, from, clock, context);
  const params = new ParamList();
  const occurrences = await store.query<{ occurrence_key: string; occurred_at: string }>({
    sql: `SELECT occurrence_key, strftime(occurred_at, '%Y-%m-%d %H:%M:%S') AS occurred_at
      FROM (${params.embed(occurrenceQuery)}) WHERE customer_id = ${params.add(customerId)} ORDER BY occurred_at`,
    params: params.values,
  });
  const enrollments = await store.query<
    ExplainResult['enrollments'][number] & Record<string, string | number>
  >(
    sql`SELECT id, occurrence_key, strftime(occurred_at, '%Y-%m-%d %H:%M:%S') AS occurred_at, version, arm, state
      FROM rule_enrollments WHERE rule_id = ${id} AND customer_id = ${customerId} ORDER BY occurred_at`,
  );
  const decisions = await store.query<ExplainResult['decisions'][number] & Record<string, string | null>>(
    sql`SELECT strftime(decided_at, '%Y-%m-%d %H:%M:%S') AS decided_at, decision, detail
      FROM rule_decisions WHERE rule_id = ${id} AND customer_id = ${customerId} ORDER BY decided_at, decision`,
  );
  const keys = new Set(enrollments.map((e) => e.occurrence_key));
  const failing = predicates.filter((p) => !p.holds).map((p) => `${p.predicate} (is ${String(p.value)})`);
  const storeWide = isStoreWide(detail.definition.trigger);
  const verdict = occurrences.some((o) => keys.has(o.occurrence_key))
    ? `entered on ${occurrences.find((o) => keys.has(o.occurrence_key))?.occurrence_key ?? ''}`
    : !inAudience
      ? snapshotDay === null
        ? `not in the audience: no snapshot on or before ${day}`
        : !inSnapshot
          ? `not in the audience: not in the snapshot of ${snapshotDay}`
          : `not in the audience at the snapshot of ${snapshotDay}: ${failing.join(', ')}`
      : occurrences.length === 0
        ? storeWide
          ? `in the audience, but the ${Object.keys(detail.definition.trigger)[0] ?? ''} trigger did not fire between ${from} and ${clock}`
          : `in the audience, but no ${Object.keys(detail.definition.trigger)[0] ?? ''} occurrence between ${from} and ${clock}`
        : enrollments.length > 0
          ? `in the audience with an occurrence, but re-entry ${detail.definition.re_entry} keeps them out (last entered ${enrollments.at(-1)?.occurred_at ?? ''})`
          : 'in the audience with an occurrence: the next tick enrolls them';
  return {
    rule_id: id,
    version: detail.version,
    customer_id: customerId,
    from,
    to: clock,
    audience: context.audience.spec.text,
    snapshot_day: snapshotDay,
    in_snapshot: inSnapshot,
    predicates,
    in_audience: inAudience,
    occurrences,
    enrollments,
    decisions,
    verdict,
  };
}
