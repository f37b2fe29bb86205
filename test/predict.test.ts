/**
 * Predictions on the demo store, on a planted MBG/NBD store, on Online Retail and through the
 * CLI. The demo store (the `huiyuan demo` defaults: 20,000 customers, seed 11) is drawn from
 * BG/NBD and Gamma-Gamma with known parameters, recorded in the generator_truth table; a BG/NBD
 * fit must hold each true parameter inside its 95% interval (estimate ± 1.96 standard errors).
 * MBG/NBD is the default. `predict.model: auto` keeps the model with the lower holdout error,
 * checked against the error computed here from the planted purchases. A store with few repeat
 * buyers gets a plain message, and bad flags and days are named.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionalExpectedPurchases, type PurchaseModel } from '../src/analytics/predict/bgnbd.js';
import {
  fitPredictionModels,
  predictCustomers,
  type FitOptions,
  type FittedModels,
} from '../src/analytics/predict/predict.js';
import type { Store } from '../src/store/store.js';
import { DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED } from '../src/cli/commands/demo.js';
import { configSchema } from '../src/config/config.js';
import { loadDemo } from '../src/demo/load-demo.js';
import { raw, sql } from '../src/store/sql.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { importFile } from '../src/ingest/import-file.js';
import { EXAMPLES, makeTempDir, openTempStore, runCli, SHARED_DATA, type TempStore } from './helpers.js';

async function fitOrThrow(store: Store, options: FitOptions): Promise<FittedModels> {
  const result = await fitPredictionModels(store, options);
  if (result.status !== 'fitted') throw new Error('expected a fit');
  return result;
}

interface Truth {
  end: string;
  purchase: { unit: 'weeks'; r: number; alpha: number; a: number; b: number };
  spend: { p: number; q: number; gamma: number };
}

describe('predictions on the demo store', () => {
  let temp: TempStore;
  let truth: Truth;
  let fit: FittedModels;
  // The demo is drawn from BG/NBD, so its truth is checked with BG/NBD (the default is MBG/NBD).
  const config = { ...configSchema.parse({}).predict, model: 'bgnbd' as const };

  beforeAll(async () => {
    temp = await openTempStore();
    await loadDemo(temp.store, {
      customers: DEFAULT_DEMO_CUSTOMERS,
      seed: DEFAULT_DEMO_SEED,
      rejectsDir: join(temp.dir, 'rejects'),
    });
    const [row] = await temp.store.query<{ truth: string }>(
      raw('SELECT truth::VARCHAR AS truth FROM generator_truth'),
    );
    truth = JSON.parse(row!.truth) as Truth;
    fit = await fitOrThrow(temp.store, {
      calibrationEnd: truth.end,
      config: { ...config, unit: truth.purchase.unit },
    });
  }, 120_000);
  afterAll(async () => {
    await temp.cleanup();
  });

  it('holds the true BG/NBD parameters inside the fitted 95% intervals', () => {
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      const estimate = fit.purchase.params[name];
      const se = fit.purchase.standardErrors[name];
      expect(Math.abs(estimate - truth.purchase[name]), `${name} ${estimate} ± ${1.96 * se}`).toBeLessThan(
        1.96 * se,
      );
    }
  });

  it('holds the true Gamma-Gamma parameters inside the fitted 95% intervals', () => {
    for (const name of ['p', 'q', 'gamma'] as const) {
      const estimate = fit.spend.params[name];
      const se = fit.spend.standardErrors[name];
      expect(Math.abs(estimate - truth.spend[name]), `${name} ${estimate} ± ${1.96 * se}`).toBeLessThan(
        1.96 * se,
      );
    }
  });

  it('writes one prediction per customer with a purchase, each a valid probability, count and amount', async () => {
    const result = await predictCustomers(temp.store, { asOf: truth.end, config });
    expect(result.status).toBe('fitted');
    const [summary] = await temp.store.query<{
      n: number;
      buyers: number;
      bad: number;
      after: number;
    }>(
      sql`SELECT count(*)::INTEGER AS n,
          (SELECT count(DISTINCT customer_id)::INTEGER FROM orders
            WHERE customer_id IS NOT NULL AND status IN ('paid', 'shipped', 'completed', 'refunded') AND paid_amount > 0) AS buyers,
          count(*) FILTER (WHERE NOT (p_alive BETWEEN 0 AND 1 AND expected_purchases >= 0 AND expected_spend > 0
            AND clv >= 0 AND clv <= expected_purchases * expected_spend))::INTEGER AS bad,
          count(*) FILTER (WHERE next_order_day > ${truth.end}::DATE)::INTEGER AS after
        FROM customer_predictions`,
    );
    expect(summary!.n).toBe(summary!.buyers);
    expect(summary!.bad).toBe(0);
    expect(summary!.after).toBe(summary!.n);
  });

  it('refresh stores the predictions of every member with a purchase, and P(alive) can decide churn', async () => {
    const full = configSchema.parse({});
    const asOf = truth.end;
    const summary = await refreshSnapshot(temp.store, { asOf, allCustomers: false, config: full });
    expect(summary.predictions).toBe('fitted');
    const [counts] = await temp.store.query<{ buyers: number; predicted: number; bad: number }>(
      sql`SELECT (SELECT count(*) FROM customer_snapshots WHERE as_of = ${asOf}::DATE AND frequency > 0)::INTEGER AS buyers,
        (SELECT count(*) FROM customer_prediction_snapshots WHERE as_of = ${asOf}::DATE)::INTEGER AS predicted,
        (SELECT count(*) FROM customer_prediction_snapshots WHERE as_of = ${asOf}::DATE
          AND NOT (p_alive BETWEEN 0 AND 1 AND expected_purchases >= 0 AND clv >= 0))::INTEGER AS bad`,
    );
    expect(counts?.buyers).toBeGreaterThan(5000);
    expect(counts?.predicted).toBe(counts?.buyers);
    expect(counts?.bad).toBe(0);
    const [fitRow] = await temp.store.query<{ status: string; model: string; r: number }>(
      sql`SELECT status, model, (purchase_params->'params'->>'r')::DOUBLE AS r FROM prediction_snapshots WHERE as_of = ${asOf}::DATE`,
    );
    const mbgnbd = await fitPredictionModels(temp.store, { calibrationEnd: asOf, config: full.predict });
    expect(fitRow?.status).toBe('fitted');
    expect(fitRow?.model).toBe('mbgnbd');
    expect(mbgnbd.status === 'fitted' && fitRow?.r).toBeCloseTo(
      mbgnbd.status === 'fitted' ? mbgnbd.purchase.params.r : 0,
      6,
    );

    // With churn judged by P(alive), a member with a purchase is churned exactly when P(alive) < 0.4.
    const byPAlive = {
      ...full,
      lifecycle: { ...full.lifecycle, churn_rule: 'p_alive' as const },
      predict: { ...full.predict, churn_p_alive: 0.4 },
    };
    await refreshSnapshot(temp.store, { asOf, allCustomers: false, config: byPAlive });
    const [agreement] = await temp.store.query<{ churned: number; low: number; mismatched: number }>(
      sql`SELECT count(*) FILTER (WHERE s.stage = 'churned')::INTEGER AS churned,
          count(*) FILTER (WHERE p.p_alive < 0.4)::INTEGER AS low,
          count(*) FILTER (WHERE (s.stage = 'churned') <> (p.p_alive < 0.4))::INTEGER AS mismatched
        FROM customer_snapshots s JOIN customer_prediction_snapshots p USING (as_of, customer_id)
        WHERE s.as_of = ${asOf}::DATE`,
    );
    expect(agreement?.low).toBeGreaterThan(100);
    expect(agreement?.churned).toBe(agreement?.low);
    expect(agreement?.mismatched).toBe(0);
    const [rule] = await temp.store.query<{ rule: string }>(
      sql`SELECT stage_rule AS rule FROM customer_snapshots WHERE as_of = ${asOf}::DATE AND stage = 'churned' LIMIT 1`,
    );
    expect(rule?.rule).toMatch(/^P\(alive\) 0\.\d+ < 0\.4$/);
  }, 60_000);

  it('fits MBG/NBD by default: a one-time buyer of long ago is likely gone, as its formula gives by hand', async () => {
    const defaults = configSchema.parse({}).predict;
    expect(defaults.model).toBe('mbgnbd');
    const result = await predictCustomers(temp.store, { asOf: truth.end, config: defaults });
    if (result.status !== 'fitted') throw new Error('expected a fit');
    expect(result.model).toBe('mbgnbd');
    // The customer whose only purchase day is the longest ago.
    const [oldest] = await temp.store.query<{ customer_id: string; t_days: number; p_alive: number }>(
      raw(`SELECT h.customer_id, h.t_days, p.p_alive FROM predict_histories h JOIN customer_predictions p USING (customer_id)
        WHERE h.x = 0 ORDER BY h.t_days DESC, h.customer_id LIMIT 1`),
    );
    // MBG/NBD (Batislam et al. 2007): P(alive | x = 0, T) = 1 / (1 + a/b · ((α + T)/α)^r), T in weeks.
    const { r, alpha, a, b } = result.purchase.params;
    const T = oldest!.t_days / 7;
    const byHand = 1 / (1 + (a / b) * ((alpha + T) / alpha) ** r);
    expect(oldest!.t_days).toBeGreaterThan(600);
    expect(oldest!.p_alive).toBeCloseTo(byHand, 12);
    expect(oldest!.p_alive).toBeLessThan(0.5);
  });

  it('says plainly when there are too few repeat buyers, and leaves an empty predictions table', async () => {
    const result = await predictCustomers(temp.store, {
      asOf: truth.end,
      config: { ...config, min_repeat_buyers: 1_000_000 },
    });
    expect(result.status).toBe('too_few_repeat_buyers');
    const [count] = await temp.store.query<{ n: number }>(
      raw('SELECT count(*)::INTEGER AS n FROM customer_predictions'),
    );
    expect(count!.n).toBe(0);
  });
});

describe('huiyuan predict', () => {
  it('explains that the example store has too few repeat buyers, without a stack trace', () => {
    const dir = makeTempDir();
    const db = join(dir, 'small.duckdb');
    expect(
      runCli(['--db', db, 'import', join(EXAMPLES, 'customers.csv'), join(EXAMPLES, 'orders.csv')]).status,
    ).toBe(0);
    const run = runCli(['--db', db, 'predict']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(
      /too few repeat buyers to fit the models: \d+ of \d+ customers bought again by \d{4}-\d{2}-\d{2}, and at least 100 are needed \(config predict\.min_repeat_buyers\)/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const json = runCli(['--db', db, 'predict', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'too_few_repeat_buyers',
      min_repeat_buyers: 100,
    });
  });

  it('refuses a holdout without a calibration end, or one before it', () => {
    const dir = makeTempDir();
    const db = join(dir, 'empty.duckdb');
    const alone = runCli(['--db', db, 'predict', '--holdout-end', '2026-01-01']);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('--holdout-end needs --calibration-end');
    const before = runCli([
      '--db',
      db,
      'predict',
      '--calibration-end',
      '2026-01-01',
      '--holdout-end',
      '2025-12-31',
    ]);
    expect(before.status).toBe(2);
    expect(before.stderr).toContain('must come after --calibration-end 2026-01-01');
    const model = runCli(['--db', db, 'predict', '--model', 'pareto']);
    expect(model.status).toBe(2);
  });
});

/** mulberry32: a small seeded generator, so the planted store is the same every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gamma(shape, scale 1) by Marsaglia & Tsang (2000), boosted for shape < 1. */
function drawGamma(random: () => number, shape: number): number {
  if (shape < 1) return drawGamma(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const u1 = random();
    const u2 = random();
    const z = Math.sqrt(-2 * Math.log(u1 || 1e-300)) * Math.cos(2 * Math.PI * u2);
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(random() || 1e-300) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

describe('predict.model auto on a planted MBG/NBD store', () => {
  // MBG/NBD truth (weeks): λ ~ Gamma(r 0.9, α 6), p ~ Beta(1.2, 2.5); a customer may drop out at
  // every purchase, the first included. First purchases over the first 26 weeks of 104.
  const CUSTOMERS = 8000;
  const DAYS = 728;
  const START = Date.UTC(2024, 0, 1) / 86_400_000;
  const dayOf = (n: number): string => new Date((START + n) * 86_400_000).toISOString().slice(0, 10);
  let temp: TempStore;
  let purchaseDays: Map<string, number[]>;
  let fit: FittedModels;

  beforeAll(async () => {
    const random = seededRandom(15);
    purchaseDays = new Map();
    const lines = ['id,customer_id,placed_at,status,paid_amount'];
    for (let c = 0; c < CUSTOMERS; c++) {
      const id = `P${String(c).padStart(5, '0')}`;
      const lambda = drawGamma(random, 0.9) / 6 / 7; // per day
      const ga = drawGamma(random, 1.2);
      const p = ga / (ga + drawGamma(random, 2.5));
      let day = Math.floor(random() * 182);
      const days: number[] = [];
      for (;;) {
        if (days.at(-1) !== day) days.push(day);
        if (random() < p) break;
        day += Math.max(1, Math.round(-Math.log(1 - random()) / lambda));
        if (day >= DAYS) break;
      }
      purchaseDays.set(id, days);
      days.forEach((d, k) =>
        lines.push(`${id}-${k},${id},${dayOf(d)} 12:00:00,completed,${(20 + 80 * random()).toFixed(2)}`),
      );
    }
    temp = await openTempStore();
    const file = join(temp.dir, 'orders.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    await importFile(temp.store, file, { kind: 'orders', rejectsDir: join(temp.dir, 'rejects') });
    fit = await fitOrThrow(temp.store, {
      calibrationEnd: dayOf(DAYS - 1),
      config: { ...configSchema.parse({}).predict, model: 'auto' },
    });
  }, 120_000);
  afterAll(async () => {
    await temp.cleanup();
  });

  it('holds out the last quarter of the data and keeps MBG/NBD, the model the store was drawn from', () => {
    const first = Math.min(...[...purchaseDays.values()].map((days) => days[0]!));
    const split = first + Math.floor(0.75 * (DAYS - 1 - first));
    expect(fit.model_selection?.split_day).toBe(dayOf(split));
    expect(fit.model_selection?.holdout_end).toBe(dayOf(DAYS - 1));
    expect(fit.model_selection?.winner).toBe('mbgnbd');
    expect(fit.model).toBe('mbgnbd');
  });

  it('reports each model’s holdout error as the planted purchases give it, and the margin between them', () => {
    const selection = fit.model_selection!;
    const split = Date.parse(`${selection.split_day}T00:00:00Z`) / 86_400_000 - START;
    const holdoutWeeks = (DAYS - 1 - split) / 7;
    // Root mean squared error over the customers who bought by the split: holdout purchase days
    // against each model's conditional expectation at the parameters it was fitted to.
    const errorOf = (model: PurchaseModel): number => {
      let squared = 0;
      let customers = 0;
      for (const days of purchaseDays.values()) {
        const calibration = days.filter((d) => d <= split);
        if (calibration.length === 0) continue;
        const x = calibration.length - 1;
        const tx = (calibration.at(-1)! - calibration[0]!) / 7;
        const T = (split - calibration[0]!) / 7;
        const actual = days.length - calibration.length;
        const expected = computeConditionalExpectedPurchases(
          model,
          selection.params![model],
          holdoutWeeks,
          x,
          tx,
          T,
        );
        squared += (actual - expected) ** 2;
        customers += 1;
      }
      return Math.sqrt(squared / customers);
    };
    const errors = { bgnbd: errorOf('bgnbd'), mbgnbd: errorOf('mbgnbd') };
    expect(selection.errors!.bgnbd).toBeCloseTo(errors.bgnbd, 9);
    expect(selection.errors!.mbgnbd).toBeCloseTo(errors.mbgnbd, 9);
    expect(errors.mbgnbd).toBeLessThan(errors.bgnbd);
    expect(selection.margin).toBeCloseTo(errors.bgnbd / errors.mbgnbd - 1, 9);
  });
});

const ONLINE_RETAIL = join(SHARED_DATA, 'online-retail', 'OnlineRetail.csv.gz');

describe.skipIf(!existsSync(ONLINE_RETAIL) && !process.env.CI)('huiyuan predict on UCI Online Retail', () => {
  let db: string;

  beforeAll(() => {
    db = join(makeTempDir(), 'retail.duckdb');
    const run = runCli(['--db', db, 'import', ONLINE_RETAIL, '--quiet']);
    expect(run.status, run.stderr).toBe(0);
  }, 180_000);

  it('gives every parameter a positive 95% interval, built on the log scale and transformed back', () => {
    const run = runCli(['--db', db, 'predict', '--format', 'csv']);
    expect(run.status, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.split('\n\n')[0]!.trim().split('\n');
    expect(header).toBe('model,parameter,estimate,std_error,ci_low,ci_high');
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      const [model, name, estimate, se, low, high] = row.split(',');
      const [theta, s, lo, hi] = [estimate, se, low, high].map(Number) as [number, number, number, number];
      const label = `${model} ${name}: ${theta} (${lo} … ${hi})`;
      expect(lo, label).toBeGreaterThan(0);
      expect(lo, label).toBeLessThan(theta);
      expect(hi, label).toBeGreaterThan(theta);
      // The Wald interval of log θ, whose standard error is se/θ (delta method).
      expect(Math.log(lo), label).toBeCloseTo(Math.log(theta) - (1.959964 * s) / theta, 5);
      expect(Math.log(hi), label).toBeCloseTo(Math.log(theta) + (1.959964 * s) / theta, 5);
    }
  }, 60_000);

  it('warns about a calibration end after the last purchase, and refuses one far past it', () => {
    // The last invoice of the file is on 2011-12-09.
    const near = runCli(['--db', db, 'predict', '--calibration-end', '2011-12-31', '--format', 'json']);
    expect(near.status, near.stderr).toBe(0);
    expect(near.stderr).toContain(
      'warning: --calibration-end 2011-12-31 is 22 days after the last purchase (2011-12-09): every customer counts as silent since then',
    );
    const far = runCli(['--db', db, 'predict', '--calibration-end', '2030-01-01']);
    expect(far.status).toBe(2);
    expect(far.stderr.trim().split('\n')).toHaveLength(1);
    expect(far.stderr).toContain(
      '--calibration-end 2030-01-01 is 6,598 days after the last purchase (2011-12-09)',
    );
    const holdout = runCli([
      '--db',
      db,
      'predict',
      '--calibration-end',
      '2011-12-20',
      '--holdout-end',
      '2012-03-31',
    ]);
    expect(holdout.status).toBe(2);
    expect(holdout.stderr).toContain('the holdout would hold no purchase to validate on');
  }, 60_000);
});
