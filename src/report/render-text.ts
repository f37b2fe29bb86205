/**
 * The report in a terminal: the same sections as the HTML, each in a few lines of figures
 * (the HTML has the charts). One language per run, from the same dictionary.
 */
import stringWidth from 'string-width';
import { KPI_RATE_LABELS } from '../analytics/kpis/kpi-labels.js';
import { isMissing, type ReportData } from './report-data.js';
import { describePeriod, formatCount, formatMoney, formatPercent, formatRatio } from './report-format.js';
import {
  describeBrokenSteps,
  describeReportAlert,
  describeTimezone,
  label,
  pickText,
  type ReportLang,
} from './report-labels.js';
import { buildRuleTable, RULES_SECTION } from './report-rules.js';

/** Months of KPIs listed in the terminal, the latest last. */
export const TEXT_KPI_MONTHS = 6;

// Widths in terminal columns: a Chinese character takes two.
const padEnd = (text: string, width: number): string =>
  text + ' '.repeat(Math.max(0, width - stringWidth(text)));
const padStart = (text: string, width: number): string =>
  ' '.repeat(Math.max(0, width - stringWidth(text))) + text;

/** Rows of cells as aligned columns: the first left-aligned, the others right-aligned. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? padEnd(cell, widths[i] ?? 0) : padStart(cell, widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function renderText(data: ReportData, lang: ReportLang): string {
  const t = (key: Parameters<typeof label>[0], values?: Readonly<Record<string, string | number>>): string =>
    label(key, lang, values);
  const out: string[] = [];
  const heading = (text: string): void => {
    out.push('', `== ${text}`);
  };
  out.push(
    t('title'),
    t('subtitle', { day: data.as_of, timezone: describeTimezone(data, lang), database: data.store.database }),
  );

  heading(t('section_kpis'));
  const rate = (name: keyof typeof KPI_RATE_LABELS): string =>
    lang === 'en' ? KPI_RATE_LABELS[name].name : KPI_RATE_LABELS[name].zh;
  out.push(
    ...columns([
      [
        '',
        t('series_members'),
        t('series_gmv'),
        t('series_net_gmv'),
        rate('activation_rate'),
        rate('churn_rate'),
        rate('member_repurchase_rate'),
        rate('member_gmv_share'),
      ],
      ...data.kpis
        .slice(-TEXT_KPI_MONTHS)
        .map((p) => [
          describePeriod(p),
          formatCount(p.members),
          formatMoney(p.gmv, true),
          formatMoney(p.net_gmv, true),
          formatPercent(p.activation_rate.rate),
          formatPercent(p.churn_rate.rate),
          formatPercent(p.member_repurchase_rate.rate),
          formatPercent(p.member_gmv_share.rate),
        ]),
    ]),
  );

  heading(t('section_tiers'));
  const tiers = data.tiers;
  out.push(
    ...columns([
      [
        '',
        t('col_threshold'),
        t('col_members'),
        t('col_member_share'),
        t('col_value_share'),
        t('col_contribution'),
        '',
      ],
      ...tiers.tiers.map((tier) => [
        lang === 'en' ? tier.name : tier.name_zh,
        tier.threshold === null ? '–' : `≥ ${formatMoney(tier.threshold)}`,
        formatCount(tier.members),
        formatPercent(tier.member_share),
        formatPercent(tier.value_share),
        formatRatio(tier.contribution_rate),
        tier.stepped === null ? '' : tier.stepped ? '✓' : '✗',
      ]),
    ]),
    `${t('card_stepped')}: ${t(tiers.stepped ? 'stepped_ok' : 'stepped_broken')}`,
    t('tiers_note', {
      day: tiers.calibration.calibrated_on,
      provisional: tiers.calibration.stored ? '' : t('tiers_provisional'),
      months: tiers.contribution_months,
    }),
    ...describeBrokenSteps(tiers, lang).map((line) => `  ${line}`),
  );

  heading(t('section_rfm'));
  const segments = [...data.rfm.segments].sort((a, b) => b.customers - a.customers);
  out.push(
    segments.map((s) => `${pickText(s.name, lang)} ${formatCount(s.customers)}`).join(' · '),
    t(data.rfm.source === 'snapshot' ? 'rfm_from_snapshot' : 'rfm_computed'),
  );

  heading(t('section_lifecycle'));
  out.push(
    data.lifecycle.stages.map((s) => `${pickText(s.name, lang)} ${formatCount(s.customers)}`).join(' · '),
  );

  heading(t('section_cohorts'));
  const cohorts = data.cohorts.filter((c) => c.size > 0);
  out.push(
    ...columns(
      cohorts.map((c) => [
        `${c.cohort} (${formatCount(c.size)})`,
        ...c.months.slice(1, 7).map((m) => formatPercent(m.share)),
      ]),
    ),
  );

  heading(t('section_alerts'));
  const alerts = data.alerts;
  if (isMissing(alerts)) out.push(pickText(alerts.missing, lang));
  else if (alerts.length === 0) out.push(t('no_alerts'));
  else
    out.push(
      ...alerts.map((a) => {
        const text = describeReportAlert(a, tiers, lang);
        return `${t(a.severity === 'critical' ? 'severity_critical' : 'severity_warning')}  ${pickText(a.check_name, lang)}  ${text.subject}: ${text.message} (${a.first_seen}, ${a.days})`;
      }),
    );

  heading(t('section_profiles'));
  const comparison = data.profile_comparison;
  if (isMissing(comparison)) out.push(pickText(comparison.missing, lang));
  else
    out.push(
      `${pickText(comparison.a.name, lang)} (${formatCount(comparison.a.members)}) / ${pickText(comparison.b.name, lang)} (${formatCount(comparison.b.members)})`,
      ...comparison.lines.map((line) => `- ${pickText(line, lang)}`),
    );

  heading(t('section_communities'));
  const run = data.communities;
  if (isMissing(run)) out.push(pickText(run.missing, lang));
  else
    out.push(
      t(run.source === 'stored' ? 'communities_note_stored' : 'communities_note_computed', {
        k: run.k,
        day: run.as_of,
        members: formatCount(run.members),
      }),
      ...run.communities.map(
        (c) =>
          `${t('community', { n: c.community })}: ${formatCount(c.members)} (${formatPercent(c.share)}) ${pickText(c.description, lang)}`,
      ),
    );

  heading(t('section_invite'));
  out.push(`${formatCount(data.invite_candidates)}  ${t('invite_note', { day: data.as_of })}`);

  if (data.rules.length) {
    heading(pickText(RULES_SECTION.title, lang));
    out.push(pickText(RULES_SECTION.note, lang));
    for (const rule of data.rules) {
      const table = buildRuleTable(rule, lang);
      out.push('', table.title, ...columns([table.columns, ...table.rows]), ...table.lines);
    }
  }
  return out.join('\n');
}
