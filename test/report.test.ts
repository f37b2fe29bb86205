/**
 * The HTML report in a real browser: Debian's Chromium (/usr/bin/chromium, which .ci/run
 * installs) driven headless by playwright-core. For a demo store, in both languages, with the
 * alerts and profile sections filled from fixtures and then missing, the page must load with no
 * console error, no page error and no request leaving the file, and every chart must have drawn
 * something: its canvas holds coloured pixels (series are drawn in colour; axes and text are
 * grey), and its ECharts instance holds series data. Outside CI a machine without Chromium skips;
 * in CI its absence fails with the reason.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCommunities, saveCommunities } from '../src/analytics/communities/communities.js';
import { loadConfig } from '../src/config/config.js';
import { loadDemo, runDemoAnalyses } from '../src/demo/load-demo.js';
import { REPORT_CHART_IDS } from '../src/report/build-report-charts.js';
import { gatherReportData, type ReportSources } from '../src/report/gather-report-data.js';
import { buildReportSources } from '../src/report/report-sources.js';
import type { ReportAlert, ReportComparison, ReportData } from '../src/report/report-data.js';
import { REPORT_LANGS, type ReportLang } from '../src/report/report-labels.js';
import { readEchartsSource, renderHtml } from '../src/report/render-html.js';
import { openTempStore, type TempStore } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);

/** A message that tries to be markup: it must reach the page as text. */
const HOSTILE = '<img src=x onerror="window.__injected=1"></td><script>window.__injected=2</script>';

const ALERTS: ReportAlert[] = [
  {
    check: 'stepped',
    check_name: { en: 'stepped check', zh: '阶梯式检查' },
    subject: 'gold',
    severity: 'critical',
    message: `tier Gold breaks the steps ${HOSTILE}`,
    // A store's own tier name may be anything; zh-CN renders it from the figures.
    figures: {
      tier: 'gold',
      members: 300,
      member_share: 0.15,
      value_share: 0.2,
      contribution_rate: 1.33,
      below_tier: HOSTILE,
      below_contribution_rate: 1.5,
    },
    first_seen: '2026-10-20',
    last_seen: '2026-10-31',
    days: 12,
  },
  {
    check: 'activity',
    check_name: { en: 'activity', zh: '活跃度' },
    subject: 'page_views',
    severity: 'warning',
    message: 'page views 31% below the trailing average',
    figures: { value: 2100, baseline: 3050, scale: 190, score: -5, baseline_days: 28 },
    first_seen: '2026-10-30',
    last_seen: '2026-10-31',
    days: 2,
  },
];

const COMPARISON: ReportComparison = {
  a: { name: { en: 'loyal members', zh: '忠诚会员' }, members: 700 },
  b: { name: { en: 'churned members', zh: '流失会员' }, members: 4_700 },
  rows: [
    { attribute: 'generation', value: '90后', share_a: 0.42, share_b: 0.21, lift: 2, significant: true },
    { attribute: 'gender', value: 'male', share_a: 0.3, share_b: 0.5, lift: 0.6, significant: true },
    { attribute: 'big_region', value: '华东', share_a: 0.35, share_b: 0.3, lift: 1.17, significant: false },
    { attribute: 'big_region', value: null, share_a: 0.1, share_b: 0.09, lift: 1.11, significant: false },
    { attribute: 'power_band', value: 'high', share_a: 0.2, share_b: 0, lift: null, significant: true },
  ],
  lines: [
    { en: `Loyal members are 90后 twice as often ${HOSTILE}`, zh: '忠诚会员中90后的比例是流失会员的 2 倍' },
  ],
};

const FIXTURE_SOURCES: ReportSources = {
  getOpenAlerts: () => Promise.resolve(ALERTS),
  getProfileComparison: () => Promise.resolve(COMPARISON),
};

interface ChartCheck {
  readonly id: string;
  readonly canvases: number;
  readonly coloured: number;
  readonly seriesData: number;
}

interface PageCheck {
  readonly errors: string[];
  readonly requests: string[];
  readonly charts: ChartCheck[];
  readonly injected: unknown;
  readonly alertsText: string;
  readonly dataAsOf: string;
}

/**
 * Run in the page (plain JS, the test has no DOM types): per chart container, its canvases, the
 * coloured pixels on them, and the data points its ECharts instance holds ('-' is ECharts' empty).
 */
const CHART_CHECK = `[...document.querySelectorAll('[data-chart]')].map((element) => {
  const canvases = [...element.querySelectorAll('canvas')];
  let coloured = 0;
  for (const canvas of canvases) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < pixels.length; i += 4) {
      const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2], a = pixels[i + 3];
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
    }
  }
  const series = echarts.getInstanceByDom(element).getOption().series;
  const seriesData = series.reduce((sum, s) => sum + (s.data || []).filter((d) => d !== '-').length, 0);
  return { id: element.getAttribute('data-chart'), canvases: canvases.length, coloured, seriesData };
})`;

let temp: TempStore;
let browser: Browser | undefined;
let withFixtures: ReportData;
let withoutSources: ReportData;
let echartsSource: string;

async function openReport(data: ReportData, lang: ReportLang, name: string): Promise<PageCheck> {
  const file = join(temp.dir, `${name}-${lang}.html`);
  writeFileSync(file, renderHtml(data, { lang, echartsSource }));
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  const url = pathToFileURL(file).href;
  await page.route('**/*', (route) => {
    const asked = route.request().url();
    if (asked === url) return route.continue();
    requests.push(asked);
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector('html[data-charts="drawn"]', { timeout: 20_000 });
  const charts = await page.evaluate<ChartCheck[]>(CHART_CHECK);
  const check: PageCheck = {
    errors,
    requests,
    charts,
    injected: await page.evaluate('window.__injected'),
    alertsText: (await page.textContent('#alerts')) ?? '',
    dataAsOf: await page.evaluate<string>(
      "JSON.parse(document.getElementById('report-data').textContent).as_of",
    ),
  };
  await page.close();
  return check;
}

describe.skipIf(!available && !process.env.CI)('the HTML report in Chromium', () => {
  beforeAll(async () => {
    if (!available)
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install -y chromium); .ci/run does so on CI`,
      );
    temp = await openTempStore();
    await loadDemo(temp.store, { customers: 1500, seed: 5, rejectsDir: join(temp.dir, 'rejects') });
    const config = loadConfig({ dbFlag: join(temp.dir, 'test.duckdb'), env: {}, cwd: temp.dir });
    withoutSources = (await gatherReportData(temp.store, { config }))!;
    // A stored run, as `huiyuan communities` leaves it, so the cards read the stored path.
    await saveCommunities(
      temp.store,
      await findCommunities(temp.store, { asOf: withoutSources.as_of, k: 3, seed: 1, activityDays: 30 }),
    );
    withFixtures = (await gatherReportData(temp.store, { config, sources: FIXTURE_SOURCES }))!;
    echartsSource = readEchartsSource();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await temp?.cleanup();
  });

  for (const lang of REPORT_LANGS) {
    it(`draws every chart, with no console or page error, in ${lang}`, async () => {
      const page = await openReport(withFixtures, lang, 'fixtures');
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.charts.map((c) => c.id).sort()).toEqual([...REPORT_CHART_IDS].sort());
      for (const chart of page.charts) {
        expect(chart.canvases, chart.id).toBeGreaterThan(0);
        expect(chart.coloured, `${chart.id} has no coloured pixel`).toBeGreaterThan(500);
        expect(chart.seriesData, chart.id).toBeGreaterThan(0);
      }
      expect(page.dataAsOf).toBe(withFixtures.as_of);
    });

    it(`shows store text as text, never as markup, in ${lang}`, async () => {
      const page = await openReport(withFixtures, lang, 'fixtures');
      expect(page.injected).toBeUndefined();
      expect(page.alertsText).toContain(HOSTILE);
    });

    it(`says the missing sections are not available, and still draws the rest, in ${lang}`, async () => {
      const page = await openReport(withoutSources, lang, 'missing');
      expect(page.errors).toEqual([]);
      expect(page.alertsText).toContain(lang === 'en' ? 'Not available yet' : '暂不可用');
      expect(page.charts.map((c) => c.id)).not.toContain('profile-lift');
      for (const chart of page.charts) {
        expect(chart.coloured, chart.id).toBeGreaterThan(500);
        expect(chart.seriesData, chart.id).toBeGreaterThan(0);
      }
    });
  }
});

/**
 * Words a zh-CN reader may meet in Latin letters: the RFM letters, the trade's abbreviations, the
 * offset of the store time. Ids (C0000042, O000000123) and the database's own file name are the
 * store's names, not words, and pass too.
 */
const LATIN_ALLOWED = new Set(['RFM', 'R', 'F', 'M', 'FM', 'GMV', 'AOV', 'PV', 'UTC']);
const LATIN_WORD = /[A-Za-z][A-Za-z0-9_.:-]*/g;

function findLatinWords(text: string, database: string): string[] {
  return [...text.matchAll(LATIN_WORD)]
    .map((match) => match[0].replace(/[.:-]+$/, ''))
    .filter((word) => !LATIN_ALLOWED.has(word) && !/^[A-Z]\d{5,}$/.test(word) && word !== database);
}

/** The texts a chart draws on its canvas: axis and series names, category labels, label templates. */
function collectChartTexts(option: unknown, key = ''): string[] {
  if (Array.isArray(option)) return option.flatMap((item) => collectChartTexts(item, key));
  if (option !== null && typeof option === 'object')
    return Object.entries(option).flatMap(([k, v]) => collectChartTexts(v, k));
  if (typeof option === 'string' && ['data', 'name', 'formatter', 'text'].includes(key))
    return [option.replace(/\{[^}]*\}/g, '')];
  return [];
}

describe.skipIf(!available && !process.env.CI)(
  'the zh-CN report of a demo store, as a reader sees it',
  () => {
    let text: string;
    let chartTexts: string[];
    let database: string;
    let dir: TempStore;
    let zhBrowser: Browser | undefined;

    beforeAll(async () => {
      if (!available) throw new Error(`Chromium is missing at ${CHROMIUM}`);
      dir = await openTempStore();
      const config = loadConfig({ dbFlag: join(dir.dir, 'test.duckdb'), env: {}, cwd: dir.dir });
      // The demo's own anomalies (an outage and a refund wave at its end), with a tier break and a
      // complaint spike planted beside them, so the open alerts hold four kinds of check.
      await loadDemo(dir.store, {
        customers: 10_000,
        seed: 11,
        rejectsDir: join(dir.dir, 'rejects'),
        anomalies: { complaintSpikes: ['2026-10-31'] },
      });
      const analyses = await runDemoAnalyses(dir.store, { asOf: '2026-10-31', seed: 11, config });
      expect(analyses.communities).toBe(true);
      const data = (await gatherReportData(dir.store, { config, sources: buildReportSources(config) }))!;
      database = data.store.database;
      const alerts = data.alerts as ReportAlert[];
      expect(alerts.map((a) => `${a.check}:${a.subject}`)).toEqual(
        expect.arrayContaining(['activity:page_views', 'emotion:refunds', 'emotion:complaints']),
      );
      expect('missing' in data.profile_comparison).toBe(false);
      expect('missing' in data.communities).toBe(false);
      const file = join(dir.dir, 'demo-zh-CN.html');
      writeFileSync(file, renderHtml(data, { lang: 'zh-CN', echartsSource: readEchartsSource() }));
      zhBrowser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const page = await zhBrowser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('html[data-charts="drawn"]', { timeout: 20_000 });
      text = await page.evaluate<string>('document.body.innerText');
      chartTexts = collectChartTexts(
        await page.evaluate<unknown>("JSON.parse(document.getElementById('report-charts').textContent)"),
      );
      await page.close();
    }, 240_000);

    afterAll(async () => {
      await zhBrowser?.close();
      await dir?.cleanup();
    });

    it('has no Latin word outside the allowlist in its visible text', () => {
      expect(findLatinWords(text, database)).toEqual([]);
    });

    it('has no Latin word outside the allowlist on its charts', () => {
      expect(findLatinWords(chartTexts.join(' '), database)).toEqual([]);
    });

    it('gives its time in store time with the offset', () => {
      expect(text).toMatch(/生成于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+8\)/);
      expect(text).toContain('店铺时区 UTC+8');
    });
  },
);
