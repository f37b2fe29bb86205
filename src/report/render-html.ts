/**
 * The report as one self-contained HTML file a store manager opens offline: the page's text and
 * tables are written here (every string escaped), the report data and the chart options go in
 * `<script type="application/json">` elements, and Apache ECharts (read from the installed
 * package, inlined) draws the charts with a few lines of plain script. Nothing is fetched.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  buildReportCharts,
  COLORS,
  FONT_FAMILY,
  type ReportChart,
  type ReportChartId,
} from './build-report-charts.js';
import { html, SafeHtml, toInlineScript, toScriptJson } from './html.js';
import { isMissing, type ReportData, type ReportMissing } from './report-data.js';
import {
  describePeriod,
  formatCount,
  formatMoney,
  formatPercent,
  formatRatio,
  formatStoreTime,
} from './report-format.js';
import {
  describeBrokenSteps,
  describeReportAlert,
  describeTimezone,
  label,
  pickText,
  type ReportLabel,
  type ReportLang,
} from './report-labels.js';
import { buildRuleTable, RULES_SECTION } from './report-rules.js';

export interface RenderHtmlOptions {
  readonly lang: ReportLang;
  /** The source of echarts.min.js (readEchartsSource). */
  readonly echartsSource: string;
}

/** The minified ECharts build of the installed `echarts` package. */
export function readEchartsSource(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
}

/**
 * Draws every chart of #report-charts into its container, then marks the page
 * `data-charts="drawn"` (tests and printing wait for it).
 */
const DRAW_SCRIPT = `(function () {
  var charts = JSON.parse(document.getElementById('report-charts').textContent);
  var root = document.documentElement;
  var pending = charts.length;
  var instances = [];
  function done() { if (--pending <= 0) root.setAttribute('data-charts', 'drawn'); }
  if (pending === 0) root.setAttribute('data-charts', 'drawn');
  charts.forEach(function (chart) {
    var element = document.getElementById('chart-' + chart.id);
    var instance = echarts.init(element, null, { renderer: 'canvas' });
    var first = true;
    instance.on('finished', function () { if (first) { first = false; done(); } });
    instance.setOption(chart.option);
    instances.push(instance);
  });
  window.addEventListener('resize', function () {
    instances.forEach(function (instance) { instance.resize(); });
  });
})();`;

/** A constant of this file, so it goes into the page as it is (escaping would break its quotes). */
const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: ${FONT_FAMILY}; color: #1c2733; background: #f4f6f9; line-height: 1.5; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
.muted { color: #66727f; font-size: 13px; margin: 2px 0; }
nav { margin: 14px 0 6px; font-size: 13px; }
nav a { color: #1f6fb2; margin-right: 12px; text-decoration: none; }
section { background: #fff; border-radius: 8px; padding: 18px 22px; margin: 16px 0; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
h2 { margin: 0 0 8px; font-size: 19px; }
h3 { margin: 16px 0 4px; font-size: 15px; color: #34404c; }
.note { color: #4b5763; font-size: 13px; margin: 4px 0 8px; }
.chart { width: 100%; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
.card { border: 1px solid #e2e7ee; border-radius: 8px; padding: 12px 14px; background: #fbfcfe; }
.card .figure { font-size: 22px; font-weight: 600; }
.card .what { font-size: 12.5px; color: #5a6672; }
.good { color: ${COLORS.good}; } .bad { color: ${COLORS.bad}; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }
/* Short columns never wrap (a two-character word or a date broken one character a line); the message takes the rest. */
td.short, th.short { white-space: nowrap; width: 1%; }
td.subject { min-width: 7em; }
td.message { min-width: 18em; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e8ecf1; text-align: left; vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.missing { color: #7a5b00; background: #fff8e1; border: 1px solid #f3e2a6; border-radius: 6px; padding: 10px 12px; font-size: 13.5px; }
.community h3 { margin-top: 0; }
.big { font-size: 40px; font-weight: 700; color: #1f6fb2; }
ul.findings { margin: 6px 0; padding-left: 20px; font-size: 13.5px; }
footer { color: #7b8794; font-size: 12px; text-align: center; margin-top: 24px; }
@media (max-width: 820px) { .two { grid-template-columns: 1fr; } }
@media print { body { background: #fff; } section { box-shadow: none; break-inside: avoid; } nav { display: none; } }
`;

const SECTIONS = [
  ['headline', 'headline'],
  ['kpis', 'section_kpis'],
  ['tiers', 'section_tiers'],
  ['rfm', 'section_rfm'],
  ['lifecycle', 'section_lifecycle'],
  ['cohorts', 'section_cohorts'],
  ['alerts', 'section_alerts'],
  ['profiles', 'section_profiles'],
  ['communities', 'section_communities'],
  ['invite', 'section_invite'],
] as const satisfies readonly (readonly [string, ReportLabel])[];

interface Page {
  readonly data: ReportData;
  readonly lang: ReportLang;
  readonly charts: ReadonlyMap<ReportChartId, ReportChart>;
}

const t = (page: Page, key: ReportLabel, values?: Readonly<Record<string, string | number>>): string =>
  label(key, page.lang, values);

function chartBlock(page: Page, id: ReportChartId, title: ReportLabel): SafeHtml {
  const chart = page.charts.get(id);
  if (!chart) return html``;
  return html`<div class="chart-block">
    <h3>${t(page, title)}</h3>
    <div class="chart" id="chart-${id}" data-chart="${id}" style="height:${chart.height}px"></div>
  </div>`;
}

function missingBlock(page: Page, missing: ReportMissing): SafeHtml {
  return html`<p class="missing">${pickText(missing.missing, page.lang)}</p>`;
}

function card(figure: string, what: string, tone?: 'good' | 'bad'): SafeHtml {
  return html`<div class="card">
    <div class="figure${tone ? ` ${tone}` : ''}">${figure}</div>
    <div class="what">${what}</div>
  </div>`;
}

function renderHeadline(page: Page): SafeHtml {
  const { data } = page;
  const last = data.kpis.at(-1);
  const period = last ? describePeriod(last) : '';
  const alerts = data.alerts;
  const cards: SafeHtml[] = [];
  if (last) {
    cards.push(
      card(formatCount(last.members), t(page, 'card_members')),
      card(formatCount(last.new_members), t(page, 'card_new_members', { period })),
      card(formatMoney(last.gmv, true), t(page, 'card_gmv', { period })),
      card(formatPercent(last.member_gmv_share.rate), t(page, 'card_member_gmv_share', { period })),
      card(formatPercent(last.churn_rate.rate), t(page, 'card_churn')),
      card(formatPercent(last.member_repurchase_rate.rate), t(page, 'card_repurchase', { period })),
    );
  }
  cards.push(
    card(
      t(page, data.tiers.stepped ? 'stepped_ok' : 'stepped_broken'),
      t(page, 'card_stepped'),
      data.tiers.stepped ? 'good' : 'bad',
    ),
    card(formatCount(data.invite_candidates), t(page, 'card_invite')),
    card(
      isMissing(alerts) ? t(page, 'not_available') : formatCount(alerts.length),
      t(page, 'card_alerts'),
      isMissing(alerts) ? undefined : alerts.some((a) => a.severity === 'critical') ? 'bad' : undefined,
    ),
  );
  return html`<section id="headline">
    <h2>${t(page, 'headline')}</h2>
    <div class="cards">${cards}</div>
  </section>`;
}

function renderKpis(page: Page): SafeHtml {
  const { data } = page;
  const last = data.kpis.at(-1);
  const note = last?.partial
    ? t(page, 'kpis_note', { day: data.as_of, partial: last.period })
    : t(page, 'kpis_note_full', { day: data.as_of });
  return html`<section id="kpis">
    <h2>${t(page, 'section_kpis')}</h2>
    <p class="note">${note}</p>
    ${chartBlock(page, 'kpi-money', 'chart_kpi_money')} ${chartBlock(page, 'kpi-rates', 'chart_kpi_rates')}
  </section>`;
}

function renderTiers(page: Page): SafeHtml {
  const { data, lang } = page;
  const report = data.tiers;
  const note = t(page, 'tiers_note', {
    day: report.calibration.calibrated_on,
    provisional: report.calibration.stored ? '' : t(page, 'tiers_provisional'),
    months: report.contribution_months,
  });
  const rows = report.tiers.map(
    (tier) =>
      html`<tr>
        <td>${lang === 'en' ? tier.name : tier.name_zh}</td>
        <td class="n">
          ${tier.threshold === null ? t(page, 'entry_tier') : `≥ ${formatMoney(tier.threshold)}`}
        </td>
        <td class="n">${formatCount(tier.members)}</td>
        <td class="n">${formatPercent(tier.member_share)}</td>
        <td class="n">${formatPercent(tier.value_share)}</td>
        <td class="n">${formatRatio(tier.contribution_rate)}</td>
        <td class="${tier.stepped === false ? 'bad' : 'good'}">
          ${tier.stepped === null ? '–' : tier.stepped ? '✓' : '✗'}
        </td>
      </tr>`,
  );
  const broken = describeBrokenSteps(report, lang).map((line) => html`<li class="bad">${line}</li>`);
  return html`<section id="tiers">
    <h2>${t(page, 'section_tiers')}</h2>
    <p class="note">${note}</p>
    <div class="two">
      ${chartBlock(page, 'tier-pyramid', 'chart_tier_pyramid')}${chartBlock(page, 'tier-steps', 'chart_tier_steps')}
    </div>
    <table>
      <thead>
        <tr>
          <th>${t(page, 'col_tier')}</th>
          <th class="n">${t(page, 'col_threshold')}</th>
          <th class="n">${t(page, 'col_members')}</th>
          <th class="n">${t(page, 'col_member_share')}</th>
          <th class="n">${t(page, 'col_value_share')}</th>
          <th class="n">${t(page, 'col_contribution')}</th>
          <th>${t(page, 'col_stepped')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    ${
      broken.length
        ? html`<ul class="findings">
            ${broken}
          </ul>`
        : html``
    }
  </section>`;
}

function renderRfm(page: Page): SafeHtml {
  const { rfm } = page.data;
  const note = t(page, 'rfm_note', {
    no_purchase: formatCount(rfm.no_purchase),
    source: t(page, rfm.source === 'snapshot' ? 'rfm_from_snapshot' : 'rfm_computed'),
  });
  const rows = rfm.segments.map(
    (s) =>
      html`<tr>
        <td>${pickText(s.name, page.lang)}</td>
        <td class="n">${formatCount(s.customers)}</td>
        <td class="n">${formatPercent(rfm.scored ? s.customers / rfm.scored : null)}</td>
      </tr>`,
  );
  return html`<section id="rfm">
    <h2>${t(page, 'section_rfm')}</h2>
    <p class="note">${note}</p>
    ${chartBlock(page, 'rfm-grid', 'chart_rfm')}
    <table>
      <thead>
        <tr>
          <th>RFM</th>
          <th class="n">${t(page, 'col_members')}</th>
          <th class="n">${t(page, 'col_share')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </section>`;
}

function renderLifecycle(page: Page): SafeHtml {
  const { data } = page;
  const life = data.lifecycle;
  const rows = life.stages.map(
    (s) =>
      html`<tr>
        <td>${pickText(s.name, page.lang)}</td>
        <td class="n">${formatCount(s.customers)}</td>
        <td class="n">${formatPercent(s.share)}</td>
      </tr>`,
  );
  const note =
    life.from_day && life.to_day
      ? t(page, 'lifecycle_note', { day: data.as_of, from: life.from_day, to: life.to_day })
      : t(page, 'lifecycle_no_flows');
  return html`<section id="lifecycle">
    <h2>${t(page, 'section_lifecycle')}</h2>
    <p class="note">${note}</p>
    <table>
      <thead>
        <tr>
          <th>${t(page, 'col_stage')}</th>
          <th class="n">${t(page, 'col_members')}</th>
          <th class="n">${t(page, 'col_share')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    ${chartBlock(page, 'lifecycle-flows', 'chart_lifecycle')}
  </section>`;
}

function renderCohorts(page: Page): SafeHtml {
  return html`<section id="cohorts">
    <h2>${t(page, 'section_cohorts')}</h2>
    <p class="note">${t(page, 'cohorts_note')}</p>
    ${chartBlock(page, 'cohorts', 'chart_cohorts')}
  </section>`;
}

function renderAlerts(page: Page): SafeHtml {
  const alerts = page.data.alerts;
  let body: SafeHtml;
  if (isMissing(alerts)) body = missingBlock(page, alerts);
  else if (alerts.length === 0) body = html`<p class="note">${t(page, 'no_alerts')}</p>`;
  else {
    const rows = alerts.map((a) => {
      const text = describeReportAlert(a, page.data.tiers, page.lang);
      return html`<tr>
        <td class="short${a.severity === 'critical' ? ' bad' : ''}">
          ${t(page, a.severity === 'critical' ? 'severity_critical' : 'severity_warning')}
        </td>
        <td class="short">${pickText(a.check_name, page.lang)}</td>
        <td class="subject">${text.subject}</td>
        <td class="message">${text.message}</td>
        <td class="short">${a.first_seen}</td>
        <td class="short n">${formatCount(a.days)}</td>
      </tr>`;
    });
    body = html`<table>
      <thead>
        <tr>
          <th class="short">${t(page, 'col_severity')}</th>
          <th class="short">${t(page, 'col_check')}</th>
          <th>${t(page, 'col_subject')}</th>
          <th>${t(page, 'col_message')}</th>
          <th class="short">${t(page, 'col_since')}</th>
          <th class="short n">${t(page, 'col_days')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
  }
  return html`<section id="alerts">
    <h2>${t(page, 'section_alerts')}</h2>
    ${body}
  </section>`;
}

function renderProfiles(page: Page): SafeHtml {
  const comparison = page.data.profile_comparison;
  let body: SafeHtml;
  if (isMissing(comparison)) body = missingBlock(page, comparison);
  else {
    const note = t(page, 'profiles_note', {
      a: pickText(comparison.a.name, page.lang),
      a_members: formatCount(comparison.a.members),
      b: pickText(comparison.b.name, page.lang),
      b_members: formatCount(comparison.b.members),
    });
    const lines = comparison.lines.map((line) => html`<li>${pickText(line, page.lang)}</li>`);
    body = html`<p class="note">${note}</p>
      ${
        lines.length
          ? html`<ul class="findings">
              ${lines}
            </ul>`
          : html``
      }
      ${chartBlock(page, 'profile-lift', 'chart_profiles')}`;
  }
  return html`<section id="profiles">
    <h2>${t(page, 'section_profiles')}</h2>
    ${body}
  </section>`;
}

const fixed = (value: number | null, digits: number): string =>
  value === null ? '–' : value.toFixed(digits);

function renderCommunities(page: Page): SafeHtml {
  const run = page.data.communities;
  let body: SafeHtml;
  if (isMissing(run)) body = missingBlock(page, run);
  else {
    const note = t(page, run.source === 'stored' ? 'communities_note_stored' : 'communities_note_computed', {
      k: run.k,
      day: run.as_of,
      members: formatCount(run.members),
    });
    const cards = run.communities.map(
      (c) =>
        html`<div class="card community">
          <h3>${t(page, 'community', { n: c.community })}</h3>
          <div class="figure">
            ${formatCount(c.members)} <span class="what">(${formatPercent(c.share)})</span>
          </div>
          <p>${pickText(c.description, page.lang)}</p>
          <div class="what">
            ${t(page, 'community_purchases')} ${fixed(c.purchases, 1)} · ${t(page, 'community_spend')}
            ${fixed(c.net_spend, 0)} · ${t(page, 'community_aov')} ${fixed(c.aov, 0)} ·
            ${t(page, 'community_recency')} ${fixed(c.recency_days, 0)}
          </div>
        </div>`,
    );
    body = html`<p class="note">${note}</p>
      <div class="cards">${cards}</div>`;
  }
  return html`<section id="communities">
    <h2>${t(page, 'section_communities')}</h2>
    ${body}
  </section>`;
}

function renderInvite(page: Page): SafeHtml {
  return html`<section id="invite">
    <h2>${t(page, 'section_invite')}</h2>
    <div class="big">${formatCount(page.data.invite_candidates)}</div>
    <p class="note">${t(page, 'invite_note', { day: page.data.as_of })}</p>
  </section>`;
}

function renderRules(page: Page): SafeHtml {
  if (page.data.rules.length === 0) return html``;
  const tables = page.data.rules.map((rule) => {
    const table = buildRuleTable(rule, page.lang);
    return html`<h3>${table.title}</h3>
      <table>
        <thead>
          <tr>
            ${table.columns.map((column, i) => html`<th class="${i ? 'n' : ''}">${column}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${table.rows.map(
            (row) =>
              html`<tr>
                ${row.map((cell, i) => html`<td class="${i ? 'n' : ''}">${cell}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
      ${table.lines.map((line) => html`<p class="note">${line}</p>`)}`;
  });
  return html`<section id="rules">
    <h2>${pickText(RULES_SECTION.title, page.lang)}</h2>
    <p class="note">${pickText(RULES_SECTION.note, page.lang)}</p>
    ${tables}
  </section>`;
}

/** The whole page. */
export function renderHtml(data: ReportData, options: RenderHtmlOptions): string {
  const { lang } = options;
  const charts = buildReportCharts(data, lang);
  const page: Page = { data, lang, charts: new Map(charts.map((chart) => [chart.id, chart])) };
  const nav = [
    ...SECTIONS.map(([id, key]) => html`<a href="#${id}">${t(page, key)}</a>`),
    ...(data.rules.length ? [html`<a href="#rules">${pickText(RULES_SECTION.title, lang)}</a>`] : []),
  ];
  const document = html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${t(page, 'title')} · ${data.as_of}</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <header>
            <h1>${t(page, 'title')}</h1>
            <p class="muted">
              ${t(page, 'subtitle', {
                day: data.as_of,
                timezone: describeTimezone(data, lang),
                database: data.store.database,
              })}
            </p>
            <p class="muted">
              ${t(page, 'generated', { time: formatStoreTime(data.generated_at, data.store.timezone) })}
            </p>
          </header>
          <nav>${nav}</nav>
          ${renderHeadline(page)} ${renderKpis(page)} ${renderTiers(page)} ${renderRfm(page)}
          ${renderLifecycle(page)} ${renderCohorts(page)} ${renderAlerts(page)} ${renderProfiles(page)}
          ${renderCommunities(page)} ${renderInvite(page)} ${renderRules(page)}
          <footer>${t(page, 'footer')}</footer>
        </main>
        <script type="application/json" id="report-data">
          ${toScriptJson(data)}
        </script>
        <script type="application/json" id="report-charts">
          ${toScriptJson(charts)}
        </script>
        <script>
          ${toInlineScript(options.echartsSource)};
        </script>
        <script>
          ${toInlineScript(DRAW_SCRIPT)};
        </script>
      </body>
    </html> `;
  return document.text;
}
