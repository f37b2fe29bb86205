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
import { loadDemo } from '../src/demo/load-demo.js';
import { REPORT_CHART_IDS } from '../src/report/build-report-charts.js';
import { gatherReportData, type ReportSources } from '../src/report/gather-report-data.js';
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
