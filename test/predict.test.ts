/**
 * Predictions on the demo store and through the CLI. The demo store (the `huiyuan demo`
 * defaults: 20,000 customers, seed 11) is drawn from BG/NBD and Gamma-Gamma with known
 * parameters, recorded in the generator_truth table; the fit must hold each true parameter
 * inside its 95% interval (estimate ± 1.96 standard errors). A store with few repeat buyers
 * gets a plain message, and bad flags are named.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fitPredictionModels,
  predictCustomers,
  type FittedModels,
} from '../src/analytics/predict/predict.js';
import { DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED } from '../src/cli/commands/demo.js';
import { configSchema } from '../src/config/config.js';
import { loadDemo } from '../src/demo/load-demo.js';
import { raw, sql } from '../src/store/sql.js';
import { refreshSnapshot } from '../src/analytics/refresh/refresh.js';
import { EXAMPLES, makeTempDir, openTempStore, runCli, type TempStore } from './helpers.js';

interface Truth {
  end: string;
  purchase: { unit: 'weeks'; r: number; alpha: number; a: number; b: number };
  spend: { p: number; q: number; gamma: number };
}

describe('predictions on the demo store', () => {
  let temp: TempStore;
  let truth: Truth;
  let fit: FittedModels;
  const config = configSchema.parse({}).predict;

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
    const result = await fitPredictionModels(temp.store, {
      calibrationEnd: truth.end,
      config: { ...config, unit: truth.purchase.unit },
    });
    if (result.status !== 'fitted') throw new Error('expected a fit');
    fit = result;
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
    const [fitRow] = await temp.store.query<{ status: string; r: number }>(
      sql`SELECT status, (purchase_params->'params'->>'r')::DOUBLE AS r FROM prediction_snapshots WHERE as_of = ${asOf}::DATE`,
    );
    expect(fitRow?.status).toBe('fitted');
    expect(fitRow?.r).toBeCloseTo(fit.purchase.params.r, 6);

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
