/**
 * The report's sections that come from other modules: the daily monitor's open alerts and the
 * loyal-against-churned profile comparison. Each says plainly what is missing (no monitor run
 * up to the day, no stored snapshot of it) rather than showing an empty section as "nothing".
 */
import { getProfile, getSegmentVocabulary } from '../analytics/profiles/profiles.js';
import { parseSegment } from '../analytics/profiles/segment-spec.js';
import type { Config } from '../config/config.js';
import { AppError } from '../errors.js';
import { getAlertsOnDay } from '../monitor/monitor.js';
import { CHECK_LABELS, type Figures } from '../monitor/monitor-checks.js';
import { sql } from '../store/sql.js';
import type { Store } from '../store/store.js';
import type { ReportSources } from './gather-report-data.js';
import type { ReportAlert, ReportComparison, ReportMissing } from './report-data.js';

async function getOpenAlerts(store: Store, asOf: string): Promise<readonly ReportAlert[] | ReportMissing> {
  const [ran] = await store.query<{ ran: boolean }>(
    sql`SELECT EXISTS (SELECT 1 FROM monitor_days WHERE day <= ${asOf}::DATE) AS ran`,
  );
  if (!ran?.ran)
    return {
      missing: {
        en: `the daily monitor has not run up to ${asOf}: run \`huiyuan monitor\``,
        zh: `每日监控尚未运行到 ${asOf}，暂无预警可看。`,
      },
    };
  return (await getAlertsOnDay(store, asOf)).open.map((alert) => ({
    check: alert.check,
    check_name: { en: CHECK_LABELS[alert.check].name, zh: CHECK_LABELS[alert.check].zh },
    subject: alert.subject,
    severity: alert.severity,
    message: alert.message,
    figures: JSON.parse(alert.figures) as Figures,
    first_seen: alert.first_seen,
    last_seen: alert.last_seen,
    days: alert.days,
  }));
}

async function getLoyalAgainstChurned(
  store: Store,
  asOf: string,
  tiers: Config['tiers']['levels'],
): Promise<ReportComparison | ReportMissing> {
  const [stored] = await store.query<{ population: string }>(
    sql`SELECT population FROM snapshots WHERE as_of = ${asOf}::DATE`,
  );
  if (!stored)
    return {
      missing: {
        en: `no snapshot of ${asOf} is stored: run \`huiyuan refresh --as-of ${asOf}\``,
        zh: `${asOf} 没有已保存的会员快照，暂无法对比。`,
      },
    };
  const vocabulary = await getSegmentVocabulary(store, asOf, tiers);
  try {
    const profile = await getProfile(store, {
      asOf,
      population: stored.population === 'all_customers' ? 'all_customers' : 'members',
      a: parseSegment('stage:loyal', vocabulary),
      b: parseSegment('stage:churned', vocabulary),
      tiers,
      communityTag: vocabulary.communityTag,
    });
    return {
      a: { name: { en: profile.a.name_en, zh: profile.a.name_zh }, members: profile.a.members },
      b: { name: { en: profile.b.name_en, zh: profile.b.name_zh }, members: profile.b.members },
      rows: profile.values.map((v) => ({
        attribute: v.attribute,
        value: v.value,
        share_a: v.a_share,
        share_b: v.b_share,
        lift: v.lift,
        significant: v.significant,
      })),
      lines: profile.findings.map((f) => ({ en: f.text_en, zh: f.text_zh })),
    };
  } catch (error) {
    // A group with no members (no loyal or no churned member on the day) cannot be profiled.
    if (error instanceof AppError && error.code === 'BAD_ARGUMENT')
      return { missing: { en: error.message, zh: '当日忠诚会员或流失会员为空，无法对比。' } };
    throw error;
  }
}

/** Both sources, for gatherReportData. */
export function buildReportSources(config: Pick<Config, 'tiers'>): ReportSources {
  return {
    getOpenAlerts,
    getProfileComparison: (store, asOf) => getLoyalAgainstChurned(store, asOf, config.tiers.levels),
  };
}
