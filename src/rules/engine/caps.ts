/**
 * Frequency caps (频次上限) on marketing messages: per member, per channel (sms, email) and over
 * both (overall), per store day and per 7 store days. A message counts once its outbox row exists
 * and has not failed; service rules neither count nor are stopped. Within one dispatch the
 * members' due enrollments are taken in priority order (higher first, then the earlier due), so
 * when rules collide the higher priority goes and the other is deferred to the next day.
 */
import { CAPPED_CHANNELS, type CappedChannel, type RulesConfig } from '../../config/rules-config.js';
import type { ParamList } from '../../store/sql.js';

type CapScope = CappedChannel | 'overall';
const CAP_SCOPES: readonly CapScope[] = [...CAPPED_CHANNELS, 'overall'];
const PERIODS = { day: 'a day', week: 'in 7 days' } as const;

/**
 * A SQL expression naming the first cap an enrollment would break, or NULL when it breaks none.
 * It reads, per scope (sms, email, overall): `<scope>_day` and `<scope>_week`, the member's
 * messages already counted in the day and the week; `<scope>_before`, those going to the
 * member's higher-priority enrollments in this dispatch; `<scope>_own`, this enrollment's.
 */
export function buildCapBreach(caps: RulesConfig['caps'], params: ParamList): string {
  const whens: string[] = [];
  for (const scope of CAP_SCOPES) {
    const cap = caps[scope];
    if (!cap) continue;
    for (const period of ['day', 'week'] as const) {
      const limit = cap[period];
      if (limit === undefined) continue;
      const n = params.add(limit);
      const used = `${scope}_${period} + ${scope}_before`;
      whens.push(
        `WHEN ${scope}_own > 0 AND ${used} + ${scope}_own > ${n}::INTEGER THEN format('{} cap of {} ${PERIODS[period]} reached: {} already counted, {} going to higher-priority rules now', ${params.add(scope)}::VARCHAR, ${n}::INTEGER, ${scope}_${period}, ${scope}_before)`,
      );
    }
  }
  return whens.length ? `CASE ${whens.join(' ')} END` : 'NULL::VARCHAR';
}
