/**
 * BG/NBD and MBG/NBD formulas at fixed parameters against published figures
 * (../shared/data/reference_numbers.md A2: Hardie's Excel sheet as quoted by lifetimes, BTYD 2.4.3),
 * the analytic gradient against finite differences, and a fit that recovers parameters from a
 * sample drawn here from the model itself. The fit on the real CDNOW data is in
 * test/formats/cdnow-predict.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  computeConditionalExpectedPurchases,
  computeExpectedPurchases,
  computeMedianWaitIfAlive,
  computePAlive,
  computePurchaseLogLikelihood,
  fitPurchaseModel,
  PURCHASE_MODELS,
  type PurchaseHistories,
} from './bgnbd.js';

/** FHL 2005's CDNOW estimates as printed in the paper. */
const PAPER = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/** BTYD walkthrough §4.2 estimates. */
const BTYD = { r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 };

describe('BG/NBD at published parameters', () => {
  it("gives E[X(t)] of Hardie's Excel sheet to 3 decimals (at the unrounded estimates, as lifetimes tests it)", () => {
    const ts = [0.1429, 1, 3, 31.8571, 32, 78];
    const published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    ts.forEach((t, i) => expect(computeExpectedPurchases('bgnbd', BTYD, t)).toBeCloseTo(published[i]!, 3));
  });

  it("gives BTYD's E[X(52)] = 1.444004", () => {
    expect(computeExpectedPurchases('bgnbd', BTYD, 52)).toBeCloseTo(1.444004, 4);
  });

  it("gives Hardie's conditional expectation 1.226 for (x 2, t_x 30.43, T 38.86) over 39 weeks", () => {
    expect(computeConditionalExpectedPurchases('bgnbd', PAPER, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it("gives BTYD's customer 1516: CET(52) 25.75659 and P(alive) 0.9688523", () => {
    expect(computeConditionalExpectedPurchases('bgnbd', BTYD, 52, 26, 30.85714, 31)).toBeCloseTo(25.75659, 3);
    expect(computePAlive('bgnbd', BTYD, 26, 30.85714, 31)).toBeCloseTo(0.9688523, 5);
  });

  it("gives BTYD's increasing-frequency paradox (t_x 20, T 39, 52 weeks)", () => {
    const published = [0.3474606, 0.04283391, 0.004158973, 0.0003583685];
    [10, 15, 20, 25].forEach((x, i) => {
      const value = computeConditionalExpectedPurchases('bgnbd', BTYD, 52, x, 20, 39);
      expect(Math.abs(value / published[i]! - 1)).toBeLessThan(1e-3);
    });
  });

  it('holds a customer without repeat purchases alive with certainty, unlike MBG/NBD', () => {
    expect(computePAlive('bgnbd', PAPER, 0, 0, 30)).toBe(1);
    // MBG/NBD, x = 0: 1 / (1 + a/b · ((α+T)/α)^r), worked by hand.
    const p = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
    const byHand = 1 / (1 + (0.891 / 1.614) * ((6.183 + 30) / 6.183) ** 0.525);
    expect(computePAlive('mbgnbd', p, 0, 0, 30)).toBeCloseTo(byHand, 12);
  });

  it('puts the median wait of an alive customer where the Lomax survival is ½', () => {
    const wait = computeMedianWaitIfAlive(PAPER, 3, 20);
    expect(((PAPER.alpha + 20) / (PAPER.alpha + 20 + wait)) ** (PAPER.r + 3)).toBeCloseTo(0.5, 12);
  });
});

/** A small sample drawn from BG/NBD with a seeded generator (mulberry32). */
function simulate(n: number, seed: number, dropAtFirst: boolean): PurchaseHistories {
  let state = seed;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Gamma by Marsaglia–Tsang (with the shape < 1 boost), Beta as a ratio of gammas.
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const gamma = (shape: number): number => {
    if (shape < 1) return gamma(shape + 1) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = normal();
      const v = (1 + c * z) ** 3;
      if (v > 0 && Math.log(1 - uniform()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  const truth = { r: 0.8, alpha: 6, a: 0.9, b: 2.5 };
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lambda = gamma(truth.r) / truth.alpha;
    const ga = gamma(truth.a);
    const p = ga / (ga + gamma(truth.b));
    T[i] = 20 + 30 * uniform();
    let t = 0;
    let alive = !(dropAtFirst && uniform() < p);
    while (alive) {
      t += -Math.log(1 - uniform()) / lambda;
      if (t > (T[i] ?? 0)) break;
      x[i] = (x[i] ?? 0) + 1;
      tx[i] = t;
      if (uniform() < p) alive = false;
    }
  }
  return { x, tx, T, weight: new Float64Array(n).fill(1) };
}

describe('fitting', () => {
  it.each(PURCHASE_MODELS)('%s: the analytic gradient equals central differences', (model) => {
    const data = simulate(300, 1, model === 'mbgnbd');
    const at = { r: 0.7, alpha: 5, a: 1.1, b: 2 };
    const gradient = new Float64Array(4);
    computePurchaseLogLikelihood(model, at, data, gradient);
    (['r', 'alpha', 'a', 'b'] as const).forEach((name, i) => {
      const h = 1e-6 * at[name];
      const up = computePurchaseLogLikelihood(model, { ...at, [name]: at[name] + h }, data);
      const down = computePurchaseLogLikelihood(model, { ...at, [name]: at[name] - h }, data);
      expect(gradient[i]).toBeCloseTo((up - down) / (2 * h), 4);
    });
  });

  it('compresses identical rows into weights without changing the log-likelihood', () => {
    const data = simulate(200, 2, false);
    const doubled: PurchaseHistories = {
      x: Float64Array.from([...data.x, ...data.x]),
      tx: Float64Array.from([...data.tx, ...data.tx]),
      T: Float64Array.from([...data.T, ...data.T]),
      weight: new Float64Array(400).fill(1),
    };
    const weighted = { ...data, weight: new Float64Array(200).fill(2) };
    expect(computePurchaseLogLikelihood('bgnbd', PAPER, weighted)).toBeCloseTo(
      computePurchaseLogLikelihood('bgnbd', PAPER, doubled),
      8,
    );
  });

  it('recovers the parameters a sample was drawn from within their 95% intervals', () => {
    const fit = fitPurchaseModel('bgnbd', simulate(4000, 7, false));
    expect(fit.converged).toBe(true);
    const truth = { r: 0.8, alpha: 6, a: 0.9, b: 2.5 };
    for (const name of ['r', 'alpha', 'a', 'b'] as const)
      expect(Math.abs(fit.params[name] - truth[name]), name).toBeLessThan(1.96 * fit.standardErrors[name]);
  });
});
