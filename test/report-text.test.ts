/**
 * `huiyuan report` in the terminal and its CLI edges, on a generated store imported through the
 * CLI. Every asserted figure is recounted here from the generated CSV files with plain loops:
 * - the as-of day is the day of the last order (timestamps are naive, in the store's zone);
 * - members = customers whose member_since is before the end of that day;
 * - GMV of the last month = Σ paid_amount of its orders in a GMV status (paid, shipped,
 *   completed, refunded; docs/kpis.md);
 * - a purchase = an order of a customer in a GMV status with paid_amount > 0 (docs/rfm.md);
 *   invitation candidates = non-members with two or more purchases; the R × FM grid holds the
 *   members with a purchase.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getLifecycleFlows, getLifecycleSummary } from '../src/analytics/lifecycle/lifecycle.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { loadConfig } from '../src/config/config.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { gatherReportData } from '../src/report/gather-report-data.js';
import { EXAMPLES, makeTempDir, readCsv, runCli } from './helpers.js';

const GMV_STATUSES = new Set(['paid', 'shipped', 'completed', 'refunded']);

let dir: string;
let db: string;
const truth = {
  asOf: '',
  members: 0,
  lastMonthGmvCents: 0n,
  inviteCandidates: 0,
  membersWithPurchase: 0,
  membersAtMonthEnd: (_day: string): number => 0,
};

const cents = (amount: string): bigint => {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
};

beforeAll(() => {
  dir = makeTempDir();
  db = join(dir, 'store.duckdb');
  expect(runCli(['generate', '--out', dir, '--customers', '900', '--seed', '4']).status).toBe(0);
  const kinds = ['customers', 'orders', 'order_lines', 'sessions', 'feedback'];
  for (const kind of kinds) {
    const run = runCli(['--db', db, 'import', join(dir, `${kind}.csv`), '--kind', kind.replace('_', '-')]);
    expect(run.status, run.stderr).toBe(0);
  }

  const customers = readCsv(join(dir, 'customers.csv'));
  const orders = readCsv(join(dir, 'orders.csv'));
  truth.asOf = orders
    .map((o) => o.placed_at!.slice(0, 10))
    .sort()
    .at(-1)!;
  const memberSince = new Map(customers.map((c) => [c.id!, c.member_since ?? '']));
  const isMemberBy = (id: string, day: string): boolean => {
    const since = memberSince.get(id) ?? '';
    return since !== '' && since.slice(0, 10) <= day;
  };
  truth.members = customers.filter((c) => isMemberBy(c.id!, truth.asOf)).length;
  truth.membersAtMonthEnd = (day) => customers.filter((c) => isMemberBy(c.id!, day)).length;
  const month = truth.asOf.slice(0, 7);
  const purchases = new Map<string, number>();
  for (const order of orders) {
    if (!GMV_STATUSES.has(order.status!) || order.placed_at!.slice(0, 10) > truth.asOf) continue;
    if (order.placed_at!.startsWith(month)) truth.lastMonthGmvCents += cents(order.paid_amount!);
    if (order.customer_id && Number(order.paid_amount) > 0)
      purchases.set(order.customer_id, (purchases.get(order.customer_id) ?? 0) + 1);
  }
  truth.inviteCandidates = [...purchases].filter(([id, n]) => n >= 2 && !isMemberBy(id, truth.asOf)).length;
  truth.membersWithPurchase = [...purchases.keys()].filter((id) => isMemberBy(id, truth.asOf)).length;
});

/** The figures of the last KPI row: members and GMV (whole). */
function readLastKpiRow(text: string): { members: number; gmv: number } {
  const line = text.split('\n').find((l) => l.startsWith(truth.asOf.slice(0, 7)));
  const cells = line?.trim().split(/\s{2,}/) ?? [];
  return { members: Number(cells[1]?.replaceAll(',', '')), gmv: Number(cells[2]?.replaceAll(',', '')) };
}

describe('huiyuan report (text)', () => {
  it('reports as of the day of the last order, with the members and GMV recounted from the files', () => {
    const run = runCli(['--db', db, 'report', '--lang', 'en']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`As of the end of ${truth.asOf}`);
    const row = readLastKpiRow(run.stdout);
    expect(row.members).toBe(truth.members);
    expect(row.gmv).toBe(Math.round(Number(truth.lastMonthGmvCents) / 100));
  });

  it('counts the invitation candidates as the files do', () => {
    const run = runCli(['--db', db, 'report', '--lang', 'en']);
    const lines = run.stdout.split('\n');
    const invite = lines[lines.indexOf('== Invitation candidates') + 1] ?? '';
    expect(Number(invite.split(/\s/)[0]?.replaceAll(',', ''))).toBe(truth.inviteCandidates);
  });

  it('says why the alerts and the profile comparison are missing before monitor and refresh ran, with no figure', () => {
    const run = runCli(['--db', db, 'report', '--lang', 'en']);
    expect(run.stdout).toContain(
      `== Open alerts\nthe daily monitor has not run up to ${truth.asOf}: run \`huiyuan monitor\``,
    );
    expect(run.stdout).toContain(
      `== Loyal against churned members\nno snapshot of ${truth.asOf} is stored: run \`huiyuan refresh --as-of ${truth.asOf}\``,
    );
  });

  it('writes the report in zh-CN by default', () => {
    const run = runCli(['--db', db, 'report']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`截至 ${truth.asOf} 日终`);
    expect(readLastKpiRow(run.stdout).members).toBe(truth.members);
  });

  it('an earlier --as-of counts only the members who had joined by then', () => {
    const day = `${truth.asOf.slice(0, 7)}-01`;
    const run = runCli(['--db', db, 'report', '--lang', 'en', '--as-of', day]);
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith(day.slice(0, 7)));
    expect(
      Number(
        line
          ?.trim()
          .split(/\s{2,}/)[1]
          ?.replaceAll(',', ''),
      ),
    ).toBe(truth.membersAtMonthEnd(day));
  });
});

describe('the report data', () => {
  it('places every member with a purchase on the R × FM grid, computed and then from the snapshot', async () => {
    const config = loadConfig({ dbFlag: db, env: {}, cwd: dir });
    const open = () => DuckDBStore.open({ path: db, timezone: config.timezone });
    let store = await open();
    const computed = await gatherReportData(store, { config });
    await store.close();
    expect(computed?.rfm.source).toBe('computed');
    expect(computed?.rfm.scored).toBe(truth.membersWithPurchase);
    expect((computed?.rfm.scored ?? 0) + (computed?.rfm.no_purchase ?? 0)).toBe(truth.members);

    expect(runCli(['--db', db, 'refresh']).status).toBe(0);
    store = await open();
    const stored = await gatherReportData(store, { config });
    await store.close();
    expect(stored?.rfm.source).toBe('snapshot');
    expect(stored?.rfm.scored).toBe(truth.membersWithPurchase);
  });

  it('the lifecycle flows of the last month carry every member at its end exactly once', async () => {
    const config = loadConfig({ dbFlag: db, env: {}, cwd: dir });
    const store = await DuckDBStore.open({ path: db, timezone: config.timezone });
    const data = await gatherReportData(store, { config });
    await store.close();
    const life = data!.lifecycle;
    expect(life.to_day).not.toBeNull();
    const total = life.flows.reduce((sum, flow) => sum + flow.customers, 0);
    expect(total).toBe(truth.membersAtMonthEnd(life.to_day!));
    // No flow is both a stay and listed twice: (from, to) pairs are unique.
    const pairs = life.flows.map((f) => `${f.from_stage}>${f.to_stage}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('reads the stages and flows from the stored month-end snapshots as the month-by-month flows compute them', async () => {
    const copy = join(dir, 'snapshots.duckdb');
    copyFileSync(db, copy);
    const config = loadConfig({ dbFlag: copy, env: {}, cwd: dir });
    const store = await DuckDBStore.open({ path: copy, timezone: config.timezone });
    try {
      const computed = (await gatherReportData(store, { config }))!.lifecycle;
      const { from_day, to_day, month } = computed;
      if (!from_day || !to_day || !month) throw new Error('the store has no month ended');
      for (const day of [from_day, to_day, truth.asOf])
        await refreshSnapshot(store, { asOf: day, allCustomers: false, config });
      const stored = (await gatherReportData(store, { config }))!.lifecycle;
      expect(stored).toEqual(computed);
      const flows = await getLifecycleFlows(store, {
        from: from_day.slice(0, 7),
        to: month,
        config: config.lifecycle,
      });
      const [previous, current] = flows.months;
      for (const flow of current?.flows ?? []) expect(stored.flows).toContainEqual({ ...flow });
      const stays = stored.flows.filter((f) => f.from_stage === f.to_stage);
      for (const stay of stays) {
        const left = (current?.flows ?? [])
          .filter((f) => f.from_stage === stay.from_stage)
          .reduce((sum, f) => sum + f.customers, 0);
        expect(stay.customers).toBe((previous?.stages[stay.to_stage] ?? 0) - left);
      }
      const summary = await getLifecycleSummary(store, { asOf: truth.asOf, config: config.lifecycle });
      expect(stored.stages.map((s) => s.customers)).toEqual(summary.stages.map((s) => s.customers));
    } finally {
      await store.close();
    }
  });
});

describe('huiyuan report --out', () => {
  it('writes one self-contained HTML file that loads nothing from elsewhere', () => {
    const out = join(dir, 'report.html');
    const run = runCli(['--db', db, 'report', '--lang', 'en', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(out);
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>\s*<html lang="en">/);
    // Everything outside the four inline scripts: no link, image, import or url to fetch.
    const scripts = [...page.matchAll(/<script\b([^>]*)>[\s\S]*?<\/script>/g)];
    expect(scripts.map((m) => m[1])).toEqual([
      ' type="application/json" id="report-data"',
      ' type="application/json" id="report-charts"',
      '',
      '',
    ]);
    const outside = page.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');
    expect(/<link\b|<img\b|<iframe\b|@import|url\(|src=|https?:/i.test(outside)).toBe(false);
    expect(scripts[2]?.[0].includes('echarts')).toBe(true);
  });

  it('refuses an unknown language and a folder that does not exist', () => {
    const lang = runCli(['--db', db, 'report', '--lang', 'fr']);
    expect(lang.status).toBe(2);
    expect(lang.stderr).toContain("expected one of zh-CN, en, found 'fr'");
    const missing = join(dir, 'no-such-folder', 'report.html');
    const out = runCli(['--db', db, 'report', '--out', missing]);
    expect(out.status).toBe(4);
    expect(out.stderr).toContain('does not exist');
    expect(existsSync(missing)).toBe(false);
  });

  it('says there is nothing to report for a store without orders, exit 8', () => {
    const empty = join(makeTempDir(), 'empty.duckdb');
    expect(runCli(['--db', empty, 'import', join(EXAMPLES, 'customers.csv')]).status).toBe(0);
    const run = runCli(['--db', empty, 'report']);
    expect(run.status).toBe(8);
    expect(run.stderr).toContain('no orders yet');
  });
});

// Last: it refreshes and monitors the shared store, which the tests above expect untouched.
describe('with the daily work done', () => {
  it('after refresh and monitor, compares the loyal and churned members of the snapshot and lists the open alerts', async () => {
    expect(runCli(['--db', db, 'refresh', '--as-of', truth.asOf]).status).toBe(0);
    expect(runCli(['--db', db, 'monitor', '--as-of', truth.asOf]).status).toBe(0);
    const store = await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' });
    const [counts] = await store.query<{ loyal: number; churned: number; open: number }>({
      sql: `SELECT (SELECT count(*) FROM customer_snapshots WHERE as_of = $1::DATE AND stage = 'loyal')::INTEGER AS loyal,
          (SELECT count(*) FROM customer_snapshots WHERE as_of = $1::DATE AND stage = 'churned')::INTEGER AS churned,
          (SELECT count(*) FROM alerts WHERE first_seen <= $1::DATE
            AND (resolved_on IS NULL OR resolved_on > $1::DATE))::INTEGER AS open`,
      params: [truth.asOf],
    });
    await store.close();
    const run = runCli(['--db', db, 'report', '--lang', 'en']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `== Loyal against churned members\nloyal members (${counts!.loyal.toLocaleString('en-US')}) / churned members (${counts!.churned.toLocaleString('en-US')})`,
    );
    if (counts!.open === 0)
      expect(run.stdout).toContain('== Open alerts\nNo alert is open at the end of the day.');
    else expect(run.stdout).not.toContain('the daily monitor has not run');
  });
});
