/**
 * Preview (预览): who would enter a rule now — the occurrences since its cursor (or since the
 * start of the clock's day, for a rule that never ran) staged as a tick would stage them, and
 * nothing written. It gives the count, a sample, the treatment/holdout split, and how many
 * messages consent, quiet hours and caps would stop (backtest.ts summarizeEntries models the
 * dispatch; caps through the DispatchModel hook engine-dispatch provides).
 */
import type { Config } from '../../config/config.js';
import { raw, sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';
import { getRule } from '../rule-versions.js';
import {
  addUpMonths,
  DEFAULT_DISPATCH_MODEL,
  type DispatchModel,
  type EntrySummary,
  summarizeEntries,
} from './backtest.js';
import {
  buildEngineContext,
  ENTRIES_TABLE,
  type EngineRule,
  getClock,
  getDayStart,
  listDaysWithoutSnapshot,
  stageEnrollments,
} from './enroll.js';

export interface PreviewEntry {
  readonly customer_id: string;
  readonly occurrence_key: string;
  readonly occurred_at: string;
  readonly arm: 'treatment' | 'holdout';
}

export interface PreviewResult {
  readonly rule_id: string;
  readonly version: number;
  readonly status: string;
  /** The range a tick now would read, ISO instants. */
  readonly from: string;
  readonly to: string;
  readonly occurrences: number;
  readonly entered: number;
  readonly treatment: number;
  readonly holdout: number;
  readonly not_in_audience: number;
  /** Of the treatment's messages: refused for consent, deferred by quiet hours, deferred by caps (null: not modelled). */
  readonly stopped: {
    readonly no_consent: number;
    readonly quiet_hours: number;
    readonly caps: number | null;
  };
  readonly messages: EntrySummary['messages_by_channel'];
  readonly sample: readonly PreviewEntry[];
  readonly days_without_snapshot: readonly string[];
}

export interface PreviewOptions {
  /** The clock as `--as-of D` sets it (default now). */
  readonly asOf?: string;
  readonly sampleSize?: number;
  readonly model?: DispatchModel;
}

/** Who would enter `id` at the clock, computed as a tick would and written nowhere. */
export async function previewRule(
  store: Store,
  config: Pick<Config, 'tiers' | 'tags' | 'channels' | 'rules'>,
  id: string,
  options: PreviewOptions = {},
): Promise<PreviewResult> {
  const detail = await getRule(store, id);
  const rule: EngineRule = {
    id,
    version: detail.version,
    status: detail.status,
    definition: detail.definition,
  };
  const clock = await getClock(store, options.asOf);
  const [cursor] = await store.query<{ ticked_to: string }>(
    sql`SELECT strftime(ticked_to AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ticked_to FROM rule_cursors WHERE rule_id = ${id}`,
  );
  const from =
    cursor && cursor.ticked_to < clock ? cursor.ticked_to : cursor ? clock : await getDayStart(store, clock);
  const context = await buildEngineContext(store, config, rule.definition);
  const staged = await stageEnrollments(store, rule, context, { from, to: clock, clock, prior: 'stored' });
  const model = options.model ?? DEFAULT_DISPATCH_MODEL;
  const totals = addUpMonths(await summarizeEntries(store, rule.definition, model));
  const sample = await store.query<PreviewEntry & Record<string, string>>(
    raw(`SELECT customer_id, occurrence_key, strftime(occurred_at, '%Y-%m-%d %H:%M:%S') AS occurred_at, arm
      FROM ${ENTRIES_TABLE} ORDER BY occurred_at, customer_id LIMIT ${Math.max(0, Math.floor(options.sampleSize ?? 10))}`),
  );
  return {
    rule_id: id,
    version: rule.version,
    status: rule.status,
    from,
    to: clock,
    occurrences: staged.occurrences,
    entered: staged.entered,
    treatment: totals.treatment,
    holdout: totals.held_out,
    not_in_audience: staged.not_in_audience,
    stopped: {
      no_consent: totals.skipped,
      quiet_hours: totals.deferred,
      caps: model.capped === null ? null : totals.capped,
    },
    messages: totals.messages_by_channel,
    sample,
    days_without_snapshot: from < clock ? await listDaysWithoutSnapshot(store, from, clock) : [],
  };
}
