/**
 * Predictions of every customer's future: fits the purchase model (BG/NBD or MBG/NBD) and the
 * Gamma-Gamma spend model on the store's histories up to a calibration day (prepared in
 * DuckDB, fitted in TypeScript), validates them on a holdout period when asked, and writes the
 * per-customer predictions to a temp table for the snapshot. A store with too few repeat buyers
 * gets a plain result saying so, never an exception.
 */
import type { PredictConfig } from '../../config/predict-config.js';
import type { Store } from '../../store/store.js';
import { ParamList, raw, type Query } from '../../store/sql.js';
import {
  computeMedianWaitIfAlive,
  computeConditionalExpectedPurchases,
  computePAlive,
  fitPurchaseModel,
  type ModelFit,
  type PurchaseModel,
  type PurchaseParams,
} from './bgnbd.js';
import { buildClvSchedule, computeDiscountedPurchases } from './clv.js';
import { fitSpendModel, type SpendParams } from './gamma-gamma.js';
import {
  buildCompressedHistoriesQuery,
  buildHistoriesTableQuery,
  buildHistoryCountsQuery,
  buildHoldoutQuery,
  buildSpendHistoriesQuery,
  buildTrackingQuery,
  HISTORIES_TABLE,
  toJsonList,
} from './prepare-customers.js';
import { compareHoldout, trackWeekly, type HoldoutFit, type TrackingWeek } from './validate-holdout.js';

export type TimeUnit = PredictConfig['unit'];
export const UNIT_DAYS: Readonly<Record<TimeUnit, number>> = { days: 1, weeks: 7 };

export interface FitOptions {
  /** Last calibration day, YYYY-MM-DD in the store timezone. */
  readonly calibrationEnd: string;
  /** Last holdout day; validation runs only with it. */
  readonly holdoutEnd?: string;
  readonly config: PredictConfig;
}

export interface TooFewRepeatBuyers {
  readonly status: 'too_few_repeat_buyers';
  readonly calibration_end: string;
  readonly customers: number;
  readonly repeat_buyers: number;
  readonly min_repeat_buyers: number;
}

export interface HoldoutValidation extends HoldoutFit {
  readonly holdout_end: string;
  /** Holdout length in the model's unit. */
  readonly holdout_length: number;
  readonly tracking_origin: string;
  readonly tracking: readonly TrackingWeek[];
}

export interface FittedModels {
  readonly status: 'fitted';
  readonly calibration_end: string;
  readonly model: PurchaseModel;
  readonly unit: TimeUnit;
  readonly customers: number;
  readonly repeat_buyers: number;
  readonly purchase: ModelFit<PurchaseParams>;
  readonly spend: ModelFit<SpendParams>;
  /** Milliseconds: the SQL preparation, and each fit. */
  readonly timings_ms: { readonly prepare: number; readonly purchase: number; readonly spend: number };
  readonly validation: HoldoutValidation | null;
}

export type FitResult = FittedModels | TooFewRepeatBuyers;

interface Lists {
  readonly [key: string]: (string | number)[];
}

const numbers = (values: (string | number)[] | undefined): number[] => (values ?? []).map(Number);

/** Runs a query returning one JSON text of parallel lists, and parses it. */
async function queryLists(store: Store, query: Query): Promise<Record<string, number[] | undefined>> {
  const [row] = await store.query<{ json: string }>(query);
  return JSON.parse(row?.json ?? '{}') as Record<string, number[]>;
}

/** Prepares the histories (temp table predict_histories) and fits both models. */
export async function fitPredictionModels(store: Store, options: FitOptions): Promise<FitResult> {
  const { config } = options;
  const unitDays = UNIT_DAYS[config.unit];
  const prepareOptions = {
    calibrationEnd: options.calibrationEnd,
    countFreeOrders: config.count_free_orders,
  };
  const started = performance.now();
  await store.run(buildHistoriesTableQuery(prepareOptions));
  const [counts] = await store.query<{ customers: number; repeat_buyers: number }>(buildHistoryCountsQuery());
  const customers = counts?.customers ?? 0;
  const repeatBuyers = counts?.repeat_buyers ?? 0;
  if (repeatBuyers < config.min_repeat_buyers) {
    return {
      status: 'too_few_repeat_buyers',
      calibration_end: options.calibrationEnd,
      customers,
      repeat_buyers: repeatBuyers,
      min_repeat_buyers: config.min_repeat_buyers,
    };
  }
  const histories = await queryLists(store, buildCompressedHistoriesQuery());
  const spendRows = await queryLists(store, buildSpendHistoriesQuery());
  const prepared = performance.now();

  const purchase = fitPurchaseModel(config.model, {
    x: Float64Array.from(histories.x ?? []),
    tx: Float64Array.from(histories.tx_days ?? [], (d) => d / unitDays),
    T: Float64Array.from(histories.t_days ?? [], (d) => d / unitDays),
    weight: Float64Array.from(histories.n ?? []),
  });
  const purchaseFitted = performance.now();
  const spendX = spendRows.x ?? [];
  const spend = fitSpendModel({
    x: Float64Array.from(spendX),
    zbar: Float64Array.from(spendRows.repeat_amount ?? [], (amount, i) => amount / (spendX[i] ?? 1)),
    weight: Float64Array.from(spendRows.n ?? []),
  });
  const spendFitted = performance.now();

  let validation: HoldoutValidation | null = null;
  if (options.holdoutEnd) {
    validation = await validateOnHoldout(store, {
      ...prepareOptions,
      holdoutEnd: options.holdoutEnd,
      model: config.model,
      params: purchase.params,
      unitDays,
    });
  }
  return {
    status: 'fitted',
    calibration_end: options.calibrationEnd,
    model: config.model,
    unit: config.unit,
    customers,
    repeat_buyers: repeatBuyers,
    purchase,
    spend,
    timings_ms: {
      prepare: prepared - started,
      purchase: purchaseFitted - prepared,
      spend: spendFitted - purchaseFitted,
    },
    validation,
  };
}

async function validateOnHoldout(
  store: Store,
  options: {
    calibrationEnd: string;
    holdoutEnd: string;
    countFreeOrders: boolean;
    model: PurchaseModel;
    params: PurchaseParams;
    unitDays: number;
  },
): Promise<HoldoutValidation> {
  const holdoutDays = dayNumber(options.holdoutEnd) - dayNumber(options.calibrationEnd);
  const holdoutLength = holdoutDays / options.unitDays;
  const rows = await queryLists(store, buildHoldoutQuery(options));
  const fit = compareHoldout(
    options.model,
    options.params,
    {
      x: rows.x ?? [],
      txDays: rows.tx_days ?? [],
      tDays: rows.t_days ?? [],
      actual: rows.actual ?? [],
      n: rows.n ?? [],
    },
    holdoutLength,
    options.unitDays,
  );
  const [tracking] = await store.query<Lists & { origin: string }>(buildTrackingQuery(options));
  const origin = tracking?.origin ?? options.calibrationEnd;
  const totalWeeks = Math.ceil((dayNumber(options.holdoutEnd) - dayNumber(origin) + 1) / 7);
  return {
    ...fit,
    holdout_end: options.holdoutEnd,
    holdout_length: holdoutLength,
    tracking_origin: origin,
    tracking: trackWeekly(
      options.model,
      options.params,
      {
        births: numbers(tracking?.births),
        birthCounts: numbers(tracking?.birth_counts),
        weeks: numbers(tracking?.weeks),
        weekCounts: numbers(tracking?.week_counts),
        totalWeeks,
      },
      options.unitDays,
    ),
  };
}

/** Days since 1970-01-01 of a YYYY-MM-DD day. */
function dayNumber(day: string): number {
  return (
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000
  );
}

export const PREDICTIONS_TABLE = 'customer_predictions';

export interface PredictCustomersOptions {
  /** The as-of day: histories up to its end calibrate the models; predictions look forward from it. */
  readonly asOf: string;
  readonly config: PredictConfig;
}

export type PredictCustomersResult = (FittedModels & { readonly predicted: number }) | TooFewRepeatBuyers;

/** Waits longer than this many days are reported as no expected next order. */
const MAX_WAIT_DAYS = 36_525;

/**
 * Fits on everything up to the end of `asOf` and (re)creates the temp table
 * customer_predictions(customer_id, p_alive, expected_purchases, expected_spend, clv,
 * next_order_day) for every customer with a purchase by then; see docs/predict.md. With too
 * few repeat buyers the table is created empty and the result says so.
 */
export async function predictCustomers(
  store: Store,
  options: PredictCustomersOptions,
): Promise<PredictCustomersResult> {
  const { config } = options;
  await store.run(
    raw(`CREATE OR REPLACE TEMP TABLE ${PREDICTIONS_TABLE} (customer_id VARCHAR, p_alive DOUBLE,
      expected_purchases DOUBLE, expected_spend DOUBLE, clv DOUBLE, next_order_day DATE)`),
  );
  const fit = await fitPredictionModels(store, { calibrationEnd: options.asOf, config });
  if (fit.status !== 'fitted') return fit;
  const unitDays = UNIT_DAYS[config.unit];
  const model = config.model;
  const params = fit.purchase.params;
  const histories = await queryLists(store, buildCompressedHistoriesQuery());
  const xs = histories.x ?? [];
  const txs = histories.tx_days ?? [];
  const ts = histories.t_days ?? [];
  const horizon = config.horizon_days / unitDays;
  const schedule = buildClvSchedule({
    horizonDays: config.horizon_days,
    annualDiscountRate: config.annual_discount_rate,
    unitDays,
  });
  const n = xs.length;
  const pAlive = new Float64Array(n);
  const expected = new Float64Array(n);
  const discounted = new Float64Array(n);
  const waitDays = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i] ?? 0;
    const tx = (txs[i] ?? 0) / unitDays;
    const T = (ts[i] ?? 0) / unitDays;
    pAlive[i] = computePAlive(model, params, x, tx, T);
    expected[i] = computeConditionalExpectedPurchases(model, params, horizon, x, tx, T);
    discounted[i] = computeDiscountedPurchases(model, params, schedule, x, tx, T);
    const wait = Math.ceil(computeMedianWaitIfAlive(params, x, T) * unitDays);
    waitDays[i] = wait <= MAX_WAIT_DAYS ? wait : Number.NaN;
  }
  const { p, q, gamma } = fit.spend.params;
  const sqlParams = new ParamList();
  const list = (values: ArrayLike<number>, type: string): string =>
    `unnest(${sqlParams.add(toJsonList(values))}::JSON::${type}[])`;
  const rowsSql = `SELECT ${list(xs, 'INTEGER')} AS x, ${list(txs, 'INTEGER')} AS tx_days,
      ${list(ts, 'INTEGER')} AS t_days, ${list(pAlive, 'DOUBLE')} AS p_alive, ${list(expected, 'DOUBLE')} AS expected_purchases,
      ${list(discounted, 'DOUBLE')} AS discounted_purchases, ${list(waitDays, 'INTEGER')} AS wait_days`;
  const [pp, pq, pg, asOf] = [p, q, gamma, options.asOf].map((value) => sqlParams.add(value));
  // E[M | x, z̄] = p(γ + x z̄)/(px + q − 1) with x z̄ = Σ repeat value; the population mean pγ/(q − 1)
  // without repeat value (undefined, so null, when the fitted q ≤ 1).
  const spendSql = `CASE WHEN h.x > 0 AND h.repeat_amount > 0
      THEN ${pp} * (${pg} + h.repeat_amount) / (${pp} * h.x + ${pq} - 1)
      WHEN ${pq} > 1 THEN ${pp} * ${pg} / (${pq} - 1) END`;
  await store.run({
    sql: `INSERT INTO ${PREDICTIONS_TABLE}
      WITH rows AS (${rowsSql})
      SELECT h.customer_id, r.p_alive, r.expected_purchases, ${spendSql} AS expected_spend,
        r.discounted_purchases * (${spendSql}) AS clv, ${asOf}::DATE + r.wait_days AS next_order_day
      FROM ${HISTORIES_TABLE} h JOIN rows r USING (x, tx_days, t_days)`,
    params: sqlParams.values,
  });
  const [count] = await store.query<{ n: number }>(
    raw(`SELECT count(*)::INTEGER AS n FROM ${PREDICTIONS_TABLE}`),
  );
  return { ...fit, predicted: count?.n ?? 0 };
}
