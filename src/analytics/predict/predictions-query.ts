/**
 * Every customer's predictions, set-oriented: one INSERT over the histories table. The closed
 * forms run in SQL per customer (P(alive), E[M | x, z̄]); the parts that need the Gauss
 * hypergeometric series depend on x and T only (bgnbd.ts computeExpectedPurchasesIfAlive), so
 * they are computed in TypeScript once per distinct (x, T) — a few thousand values where a
 * store has hundreds of thousands of distinct histories — and joined in.
 */
import { ParamList, type Query } from '../../store/sql.js';
import type { PurchaseModel, PurchaseParams } from './bgnbd.js';
import type { SpendParams } from './gamma-gamma.js';
import { HISTORIES_TABLE, toJsonList } from './prepare-customers.js';

/** Per distinct (x, T in days) of the histories: what a customer alive at T is expected to do. */
export interface IfAliveByHistory {
  readonly x: ArrayLike<number>;
  readonly tDays: ArrayLike<number>;
  /** Expected repeat purchases over the horizon, if alive. */
  readonly expected: ArrayLike<number>;
  /** Discounted expected purchases over the CLV schedule, if alive. */
  readonly discounted: ArrayLike<number>;
  /** Median wait to the next purchase in whole days, if alive; NaN for none within reach. */
  readonly waitDays: ArrayLike<number>;
}

export interface PredictionsQueryOptions {
  readonly table: string;
  readonly asOf: string;
  readonly model: PurchaseModel;
  readonly purchase: PurchaseParams;
  readonly spend: SpendParams;
  /** Days per model time unit. */
  readonly unitDays: number;
  readonly ifAlive: IfAliveByHistory;
}

/**
 * INSERT INTO `table` (customer_id, p_alive, expected_purchases, expected_spend, clv,
 * next_order_day) for every customer of the histories table.
 */
export function buildPredictionsInsertQuery(options: PredictionsQueryOptions): Query {
  const params = new ParamList();
  const { r, alpha, a, b } = options.purchase;
  const [pr, palpha, pa, pb, unit] = [r, alpha, a, b, options.unitDays].map(
    (value) => `${params.add(value)}::DOUBLE`,
  );
  const { p, q, gamma } = options.spend;
  const [pp, pq, pg] = [p, q, gamma].map((value) => `${params.add(value)}::DOUBLE`);
  const list = (values: ArrayLike<number>, type: string): string =>
    `unnest(${params.add(toJsonList(values))}::JSON::${type}[])`;
  const k = options.model === 'mbgnbd' ? 1 : 0;
  // log odds of having dropped out (FHL 2005 eq. 13; MBG/NBD: b + x in place of b + x − 1).
  const logOdds = `ln(${pa}) - ln(${pb} + h.x - ${1 - k}) + (${pr} + h.x) * (ln(${palpha} + h.t_days / ${unit}) - ln(${palpha} + h.tx_days / ${unit}))`;
  // BG/NBD: no repeat purchase, no chance to have dropped out.
  const dropOdds = k === 0 ? `CASE WHEN h.x > 0 THEN ${logOdds} END` : logOdds;
  // E[M | x, z̄] = p(γ + x z̄)/(px + q − 1) with x z̄ = Σ repeat value; the population mean pγ/(q − 1)
  // without repeat value (undefined, so null, when the fitted q ≤ 1).
  const spendSql = `CASE WHEN x > 0 AND repeat_amount > 0
      THEN ${pp} * (${pg} + repeat_amount) / (${pp} * x + ${pq} - 1)
      WHEN ${pq} > 1 THEN ${pp} * ${pg} / (${pq} - 1) END`;
  const { ifAlive } = options;
  return {
    sql: `INSERT INTO ${options.table}
      WITH if_alive AS (
        SELECT ${list(ifAlive.x, 'INTEGER')} AS x, ${list(ifAlive.tDays, 'INTEGER')} AS t_days,
          ${list(ifAlive.expected, 'DOUBLE')} AS expected, ${list(ifAlive.discounted, 'DOUBLE')} AS discounted,
          ${list(ifAlive.waitDays, 'INTEGER')} AS wait_days
      ),
      odds AS (
        SELECT h.customer_id, h.x, h.repeat_amount, a.expected, a.discounted, a.wait_days, ${dropOdds} AS log_odds
        FROM ${HISTORIES_TABLE} h JOIN if_alive a USING (x, t_days)
      ),
      alive AS (
        -- 1 / (1 + e^odds), written so that e^ never overflows
        SELECT *, CASE WHEN log_odds IS NULL THEN 1
            WHEN log_odds > 0 THEN exp(-log_odds) / (1 + exp(-log_odds))
            ELSE 1 / (1 + exp(log_odds)) END AS p_alive,
          ${spendSql} AS expected_spend
        FROM odds
      )
      SELECT customer_id, p_alive, p_alive * expected, expected_spend, p_alive * discounted * expected_spend,
        ${params.add(options.asOf)}::DATE + wait_days
      FROM alive`,
    params: params.values,
  };
}
