/**
 * One tick of the rule engine (`huiyuan rules run`, and the HTTP server's scheduler later):
 * enroll the new trigger occurrences, dispatch what is due, then deliver the outbox. Each step
 * commits on its own, so a crash between them loses nothing: the next tick picks up where this
 * one stopped (enrollment is idempotent by its unique key, dispatch by the enrollment's state,
 * delivery by the outbox row's status). The tick returns data; the CLI only renders it.
 */
import type { Config } from '../../config/config.js';
import { raw, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { type DispatchResult, dispatchDue } from './dispatch.js';
import { runOrRollBack } from './dry-run.js';
import type { DeliverySummary } from '../../delivery/deliver-pending.js';
import { enroll, type RuleEnrollResult } from './enroll.js';

/** Sends the pending outbox rows due at the clock (the delivery module's deliverPending, bound). */
export type Deliverer = (store: Store, clock: string) => Promise<DeliverySummary>;

export interface TickOptions {
  /** The instant of the tick, ISO 8601; see getTickClock. */
  readonly clock: string;
  /** Compute and report everything, keep nothing, send nothing. */
  readonly dryRun: boolean;
  /** How the outbox is sent; without it the rows stay pending for a later delivery. */
  readonly deliver?: Deliverer;
}

/** Per rule, what the tick did. */
export interface TickRuleCounts {
  readonly rule_id: string;
  /** Trigger occurrences read since the rule's cursor. */
  readonly occurrences: number;
  readonly entered: number;
  /** Out of the audience at entry or at send time. */
  readonly not_in_audience: number;
  readonly held_out: number;
  /** Deferred by quiet hours or a cap: still waiting. */
  readonly deferred: number;
  /** Enrollments skipped: too late, or no coupon (pool empty, budget spent). */
  readonly skipped: number;
  /** Message actions not sent for want of consent. */
  readonly no_consent: number;
  /** Outbox rows this tick's dispatch queued (message, webhook, notify). */
  readonly queued: number;
  /** Actions done at dispatch (coupon, tag, benefit, export). */
  readonly applied: number;
  /** Outbox rows the receivers took (sent) or refused for good (failed) in this tick's delivery. */
  readonly sent: number;
  readonly failed: number;
}

export interface TickResult {
  readonly clock: string;
  readonly dry_run: boolean;
  readonly rules: TickRuleCounts[];
  readonly dispatch: DispatchResult;
  /** What the delivery step did, or null when it did not run (a dry run, or no deliverer). */
  readonly deliveries: DeliverySummary | null;
}

/**
 * The tick's clock: now, or with `asOf` (YYYY-MM-DD) the end of that day in store time, i.e.
 * the instant the next day starts (everything before it counts).
 * @example await getTickClock(store, '2026-10-31') // '2026-10-31T16:00:00.000Z' in Asia/Shanghai
 */
export async function getTickClock(store: Store, asOf?: string): Promise<string> {
  if (asOf === undefined) return new Date().toISOString();
  const [row] = await store.query<{ clock: string }>(
    sql`SELECT strftime((${asOf}::DATE + 1)::TIMESTAMP::TIMESTAMPTZ AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') AS clock`,
  );
  return row?.clock ?? '';
}

/** enroll → dispatchDue → deliver, at one clock. */
export async function runTick(store: Store, config: Config, options: TickOptions): Promise<TickResult> {
  const { clock, dryRun } = options;
  const steps = async () => ({
    entered: (await enroll(store, config, { clock, dryRun })).rules,
    dispatch: await dispatchDue(store, config, { clock, dryRun }),
  });
  // A dry run holds both steps in one rolled-back transaction, so dispatch sees what enroll
  // would have written; a real tick lets each step commit on its own (and the list files be
  // written after their rows are committed).
  const { entered, dispatch } = dryRun ? await runOrRollBack(store, true, steps) : await steps();
  let outcome: { deliveries: DeliverySummary; byRule: Map<string, { sent: number; failed: number }> } | null =
    null;
  if (!dryRun && options.deliver) outcome = await deliverAndCount(store, clock, options.deliver);
  return {
    clock,
    dry_run: dryRun,
    rules: mergeCounts(entered, dispatch, outcome?.byRule ?? new Map()),
    dispatch,
    deliveries: outcome?.deliveries ?? null,
  };
}

/** Delivers, and reads back per rule which of the rows pending before are now sent or failed. */
async function deliverAndCount(
  store: Store,
  clock: string,
  deliver: Deliverer,
): Promise<{ deliveries: DeliverySummary; byRule: Map<string, { sent: number; failed: number }> }> {
  await store.run(
    raw(
      `CREATE OR REPLACE TEMP TABLE tick_pending AS SELECT id, rule_id FROM rule_deliveries WHERE status = 'pending'`,
    ),
  );
  const deliveries = await deliver(store, clock);
  const rows = await store.query<{ rule_id: string; sent: number; failed: number }>(
    raw(`SELECT t.rule_id, count(*) FILTER (d.status = 'sent')::INTEGER AS sent,
        count(*) FILTER (d.status = 'failed')::INTEGER AS failed
      FROM tick_pending t JOIN rule_deliveries d ON d.id = t.id
      WHERE d.status <> 'pending' GROUP BY t.rule_id`),
  );
  await store.run(raw('DROP TABLE IF EXISTS tick_pending'));
  return {
    deliveries,
    byRule: new Map(rows.map((row) => [row.rule_id, { sent: row.sent, failed: row.failed }])),
  };
}

function mergeCounts(
  entered: readonly RuleEnrollResult[],
  dispatch: DispatchResult,
  delivered: ReadonlyMap<string, { sent: number; failed: number }>,
): TickRuleCounts[] {
  const ids = [
    ...new Set([
      ...entered.map((r) => r.rule_id),
      ...dispatch.rules.map((r) => r.rule_id),
      ...delivered.keys(),
    ]),
  ].sort();
  // A rule the tick found nothing for is left out: the lines say what happened.
  return ids
    .map((id) => {
      const e = entered.find((r) => r.rule_id === id);
      const d = dispatch.rules.find((r) => r.rule_id === id);
      const sent = delivered.get(id);
      return {
        rule_id: id,
        occurrences: e?.occurrences ?? 0,
        entered: e?.entered ?? 0,
        not_in_audience: (e?.not_in_audience ?? 0) + (d?.not_in_audience ?? 0),
        held_out: d?.held_out ?? 0,
        deferred: (d?.deferred_quiet_hours ?? 0) + (d?.deferred_cap ?? 0),
        skipped: (d?.skipped_late ?? 0) + (d?.pool_empty ?? 0) + (d?.budget_spent ?? 0),
        no_consent: d?.no_consent ?? 0,
        queued: d?.queued ?? 0,
        applied: d?.applied ?? 0,
        sent: sent?.sent ?? 0,
        failed: sent?.failed ?? 0,
      };
    })
    .filter((counts) => Object.values(counts).some((value) => typeof value === 'number' && value > 0));
}
