/**
 * Predictions of every customer's future: fits the purchase model (BG/NBD or MBG/NBD) and the
 * Gamma-Gamma spend model on the store's histories up to a calibration day (prepared in
 * DuckDB, fitted in TypeScript), validates them on a holdout period when asked, and writes the
 * per-customer predictions to a temp table for the snapshot. A store with too few repeat buyers
 * gets a plain result saying so, never an exception.
 */
import type { PredictConfig } from '../../config/predict-config.js';
import { AppError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { raw, type Query } from '../../store/sql.js';
import {
  computeExpectedPurchasesIfAlive,
  computeMedianWaitIfAlive,
  fitPurchaseModel,
  type ModelFit,
  type PurchaseHistories,
  type PurchaseModel,
  type PurchaseParams,
} from './bgnbd.js';
import { buildClvSchedule, computeDiscountedPurchasesIfAlive } from './clv.js';
import { fitSpendModel, type SpendParams } from './gamma-gamma.js';
import { getLocalDays, type LocalDays } from '../facts/local-day.js';
import { buildPredictionsInsertQuery } from './predictions-query.js';
import {
  buildCompressedHistoriesQuery,
  buildDistinctXTQuery,
  buildHistoriesFromFactsQuery,
  buildHistoriesTableQuery,
  buildHistoryCountsQuery,
  buildHoldoutQuery,
  buildPurchaseSpanQuery,
  buildSpendHistoriesQuery,
  buildTrackingQuery,
  type PrepareOptions,
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
  /** How the store's timestamps fall into local days, when the caller already knows. */
  readonly localDays?: LocalDays;
  /** Customer facts as of the calibration end to read the histories from (PrepareOptions.factsTable). */
  readonly factsTable?: string;
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

/**
 * How `predict.model: auto` chose: both models fitted on the data up to the split day (the
 * last quarter of the data held out), each one's error on the holdout, and the winner.
 */
export interface ModelSelection {
  /** Last day of the selection's calibration; the holdout runs from the day after to the calibration end. */
  readonly split_day: string;
  readonly holdout_end: string;
  /**
   * Root mean squared error per customer of the holdout purchase days against each model's
   * conditional expectation; null when too few repeat buyers before the split to fit.
   */
  readonly errors: Readonly<Record<PurchaseModel, number>> | null;
  /** Each model's parameters fitted up to the split day (null with the errors). */
  readonly params: Readonly<Record<PurchaseModel, PurchaseParams>> | null;
  readonly winner: PurchaseModel;
  /** The loser's error over the winner's, minus 1 (0.05: the winner's error is 5% lower); null without errors. */
  readonly margin: number | null;
}

export interface FittedModels {
  readonly status: 'fitted';
  readonly calibration_end: string;
  /** The purchase model fitted (under `auto`, the one that won on the holdout). */
  readonly model: PurchaseModel;
  readonly model_selection: ModelSelection | null;
  readonly unit: TimeUnit;
  readonly customers: number;
  readonly repeat_buyers: number;
  readonly purchase: ModelFit<PurchaseParams>;
  readonly spend: ModelFit<SpendParams>;
  /** Milliseconds: the SQL preparation, and each fit (the model selection of `auto` apart). */
  readonly timings_ms: {
    readonly select: number;
    readonly prepare: number;
    readonly purchase: number;
    readonly spend: number;
  };
  readonly validation: HoldoutValidation | null;
}

export type FitResult = FittedModels | TooFewRepeatBuyers;

interface Lists {
  readonly [key: string]: (string | number)[];
}

const numbers = (values: (string | number)[] | undefined): number[] => (values ?? []).map(Number);

/** The named columns of a queryNumbers answer (an empty array for a column it lacks). */
function columnsOf<K extends string>(
  columns: Readonly<Record<string, Float64Array>>,
  names: readonly K[],
): Record<K, Float64Array> {
  const picked = {} as Record<K, Float64Array>;
  for (const name of names) picked[name] = columns[name] ?? new Float64Array(0);
  return picked;
}

/** Runs a query returning one JSON text of parallel lists, and parses it. */
async function queryLists(store: Store, query: Query): Promise<Record<string, number[] | undefined>> {
  const [row] = await store.query<{ json: string }>(query);
  return JSON.parse(row?.json ?? '{}') as Record<string, number[]>;
}

/**
 * Prepares the histories (temp table predict_histories) and fits both models. With
 * `model: 'auto'` the purchase model is first chosen on a holdout (selectPurchaseModel).
 */
export async function fitPredictionModels(store: Store, options: FitOptions): Promise<FitResult> {
  const { config } = options;
  const unitDays = UNIT_DAYS[config.unit];
  const started = performance.now();
  const prepareOptions = {
    calibrationEnd: options.calibrationEnd,
    countFreeOrders: config.count_free_orders,
    localDays: options.localDays ?? (await getLocalDays(store, options.holdoutEnd ?? options.calibrationEnd)),
  };
  const selection =
    config.model === 'auto'
      ? await selectPurchaseModel(store, {
          ...prepareOptions,
          unitDays,
          minRepeatBuyers: config.min_repeat_buyers,
        })
      : null;
  const model = selection?.winner ?? (config.model === 'auto' ? 'mbgnbd' : config.model);
  const selected = performance.now();
  const data = await prepareHistories(
    store,
    { ...prepareOptions, ...(options.factsTable !== undefined ? { factsTable: options.factsTable } : {}) },
    unitDays,
  );
  if (data.repeatBuyers < config.min_repeat_buyers) {
    return {
      status: 'too_few_repeat_buyers',
      calibration_end: options.calibrationEnd,
      customers: data.customers,
      repeat_buyers: data.repeatBuyers,
      min_repeat_buyers: config.min_repeat_buyers,
    };
  }
  const spendRows = columnsOf(await store.queryNumbers(buildSpendHistoriesQuery()), [
    'x',
    'repeat_amount',
    'n',
  ]);
  const prepared = performance.now();

  const purchase = fitPurchaseModel(model, data.histories);
  const purchaseFitted = performance.now();
  const spend = fitSpendModel({
    x: spendRows.x,
    zbar: spendRows.repeat_amount.map((amount, i) => amount / (spendRows.x[i] ?? 1)),
    weight: spendRows.n,
  });
  const spendFitted = performance.now();

  let validation: HoldoutValidation | null = null;
  if (options.holdoutEnd) {
    validation = await validateOnHoldout(store, {
      ...prepareOptions,
      holdoutEnd: options.holdoutEnd,
      model,
      params: purchase.params,
      unitDays,
    });
  }
  return {
    status: 'fitted',
    calibration_end: options.calibrationEnd,
    model,
    model_selection: selection,
    unit: config.unit,
    customers: data.customers,
    repeat_buyers: data.repeatBuyers,
    purchase,
    spend,
    timings_ms: {
      select: selected - started,
      prepare: prepared - selected,
      purchase: purchaseFitted - prepared,
      spend: spendFitted - purchaseFitted,
    },
    validation,
  };
}

interface PreparedHistories {
  readonly customers: number;
  readonly repeatBuyers: number;
  /** The compressed histories in the model's unit (empty below the repeat buyers needed). */
  readonly histories: PurchaseHistories;
}

/** (Re)creates the histories table up to the calibration end and reads its distinct histories. */
async function prepareHistories(
  store: Store,
  options: PrepareOptions,
  unitDays: number,
): Promise<PreparedHistories> {
  const { factsTable } = options;
  await store.run(
    factsTable !== undefined && !options.countFreeOrders
      ? buildHistoriesFromFactsQuery({ ...options, factsTable })
      : buildHistoriesTableQuery(options),
  );
  const [counts] = await store.query<{ customers: number; repeat_buyers: number }>(buildHistoryCountsQuery());
  const histories = columnsOf(await store.queryNumbers(buildCompressedHistoriesQuery()), [
    'x',
    'tx_days',
    't_days',
    'n',
  ]);
  return {
    customers: counts?.customers ?? 0,
    repeatBuyers: counts?.repeat_buyers ?? 0,
    histories: {
      x: histories.x,
      tx: histories.tx_days.map((d) => d / unitDays),
      T: histories.t_days.map((d) => d / unitDays),
      weight: histories.n,
    },
  };
}

/**
 * `predict.model: auto`: holds out the last quarter of the data (from the first purchase day to
 * the calibration end), fits BG/NBD and MBG/NBD on the rest, and keeps the one whose conditional
 * expectations miss the holdout purchase days by less (root mean squared error per customer:
 * the models predict means, and an absolute error would reward predicting the median, 0, for
 * most customers). Leaves the histories table at the split; the caller prepares it again.
 */
export async function selectPurchaseModel(
  store: Store,
  options: PrepareOptions & { readonly unitDays: number; readonly minRepeatBuyers: number },
): Promise<ModelSelection> {
  const span = await getPurchaseSpan(store, { ...options, lastDay: options.calibrationEnd });
  const end = dayNumber(options.calibrationEnd);
  const start = span.first ? dayNumber(span.first) : end;
  const splitDay = dayString(start + Math.floor(0.75 * (end - start)));
  const split = { ...options, calibrationEnd: splitDay };
  const data = await prepareHistories(store, split, options.unitDays);
  if (data.repeatBuyers < options.minRepeatBuyers || splitDay >= options.calibrationEnd) {
    return {
      split_day: splitDay,
      holdout_end: options.calibrationEnd,
      errors: null,
      params: null,
      winner: 'mbgnbd',
      margin: null,
    };
  }
  const rows = await queryLists(store, buildHoldoutQuery({ ...split, holdoutEnd: options.calibrationEnd }));
  const holdoutRows = {
    x: rows.x ?? [],
    txDays: rows.tx_days ?? [],
    tDays: rows.t_days ?? [],
    actual: rows.actual ?? [],
    n: rows.n ?? [],
  };
  const holdoutLength = (end - dayNumber(splitDay)) / options.unitDays;
  const fits = {
    bgnbd: fitPurchaseModel('bgnbd', data.histories).params,
    mbgnbd: fitPurchaseModel('mbgnbd', data.histories).params,
  };
  const errorOf = (model: PurchaseModel): number =>
    compareHoldout(model, fits[model], holdoutRows, holdoutLength, options.unitDays).root_mean_squared_error;
  const errors = { bgnbd: errorOf('bgnbd'), mbgnbd: errorOf('mbgnbd') };
  const winner: PurchaseModel = errors.mbgnbd <= errors.bgnbd ? 'mbgnbd' : 'bgnbd';
  const [won, lost] = winner === 'mbgnbd' ? [errors.mbgnbd, errors.bgnbd] : [errors.bgnbd, errors.mbgnbd];
  return {
    split_day: splitDay,
    holdout_end: options.calibrationEnd,
    errors,
    params: fits,
    winner,
    margin: won > 0 ? lost / won - 1 : 0,
  };
}

export interface PurchaseSpan {
  readonly first: string | null;
  readonly last: string | null;
}

/** The first and last purchase days (of the data up to `lastDay`, or of all of it). */
export async function getPurchaseSpan(
  store: Store,
  options: { readonly countFreeOrders: boolean; readonly lastDay?: string },
): Promise<PurchaseSpan> {
  const [row] = await store.query<{ first: string | null; last: string | null }>(
    buildPurchaseSpanQuery(options),
  );
  return { first: row?.first ?? null, last: row?.last ?? null };
}

/**
 * Checks a calibration (and holdout) end against the purchases the store holds, and returns
 * the warnings to show. A calibration end after the last purchase takes every customer as
 * silent since then: warned. Refused (BAD_ARGUMENT) where the fit would mean nothing: a
 * calibration end before the first purchase, one further past the last purchase than the whole
 * history is long (the models would extrapolate a silence longer than anything they saw), or a
 * holdout that starts after the last purchase (no purchase to validate on).
 */
export function checkCalibrationEnd(
  span: PurchaseSpan,
  options: { readonly calibrationEnd: string; readonly holdoutEnd?: string },
): string[] {
  const { first, last } = span;
  const { calibrationEnd, holdoutEnd } = options;
  if (first === null || last === null) return [];
  if (calibrationEnd < first)
    throw new AppError(
      'BAD_ARGUMENT',
      `--calibration-end ${calibrationEnd} is before the first purchase (${first}): there is nothing to fit`,
    );
  const warnings: string[] = [];
  const past = dayNumber(calibrationEnd) - dayNumber(last);
  if (past > 0) {
    const history = dayNumber(last) - dayNumber(first);
    if (past > history)
      throw new AppError(
        'BAD_ARGUMENT',
        `--calibration-end ${calibrationEnd} is ${past.toLocaleString('en-US')} days after the last purchase (${last}), longer than the whole history (${first} … ${last}): the fit would mean nothing; use a day up to ${last}`,
      );
    if (holdoutEnd)
      throw new AppError(
        'BAD_ARGUMENT',
        `--calibration-end ${calibrationEnd} is after the last purchase (${last}): the holdout would hold no purchase to validate on`,
      );
    warnings.push(
      `warning: --calibration-end ${calibrationEnd} is ${past.toLocaleString('en-US')} days after the last purchase (${last}): every customer counts as silent since then`,
    );
  } else if (holdoutEnd && holdoutEnd > last) {
    warnings.push(
      `warning: --holdout-end ${holdoutEnd} is after the last purchase (${last}): the days after it count as days without purchases`,
    );
  }
  return warnings;
}

async function validateOnHoldout(
  store: Store,
  options: PrepareOptions & {
    holdoutEnd: string;
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

/** The YYYY-MM-DD day of a day number. */
function dayString(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

export const PREDICTIONS_TABLE = 'customer_predictions';

export interface PredictCustomersOptions {
  /** The as-of day: histories up to its end calibrate the models; predictions look forward from it. */
  readonly asOf: string;
  readonly config: PredictConfig;
  readonly localDays?: LocalDays;
  /** As in FitOptions. */
  readonly factsTable?: string;
}

export type PredictCustomersResult =
  | (FittedModels & {
      readonly predicted: number;
      /** Milliseconds from the fit to every customer's predictions written. */
      readonly predict_ms: number;
    })
  | TooFewRepeatBuyers;

/** Waits longer than this many days are reported as no expected next order. */
const MAX_WAIT_DAYS = 36_525;

/**
 * Fits on everything up to the end of `asOf` and (re)creates the temp table
 * customer_predictions(customer_id, p_alive, expected_purchases, expected_spend, clv,
 * next_order_day) for every customer with a purchase by then; see docs/predict.md. One fit; the
 * predictions are one INSERT over the histories (predictions-query.ts). With too few repeat
 * buyers the table is created empty and the result says so.
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
  const { asOf, ...passed } = options;
  const fit = await fitPredictionModels(store, { ...passed, calibrationEnd: asOf });
  if (fit.status !== 'fitted') return fit;
  const started = performance.now();
  const unitDays = UNIT_DAYS[config.unit];
  const params = fit.purchase.params;
  const { x: xs, t_days: ts } = columnsOf(await store.queryNumbers(buildDistinctXTQuery()), ['x', 't_days']);
  const horizon = config.horizon_days / unitDays;
  const schedule = buildClvSchedule({
    horizonDays: config.horizon_days,
    annualDiscountRate: config.annual_discount_rate,
    unitDays,
  });
  const n = xs.length;
  const expected = new Float64Array(n);
  const discounted = new Float64Array(n);
  const waitDays = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i] ?? 0;
    const T = (ts[i] ?? 0) / unitDays;
    expected[i] = computeExpectedPurchasesIfAlive(fit.model, params, horizon, x, T);
    discounted[i] = computeDiscountedPurchasesIfAlive(fit.model, params, schedule, x, T);
    const wait = Math.ceil(computeMedianWaitIfAlive(params, x, T) * unitDays);
    waitDays[i] = wait <= MAX_WAIT_DAYS ? wait : Number.NaN;
  }
  await store.run(
    buildPredictionsInsertQuery({
      table: PREDICTIONS_TABLE,
      asOf: options.asOf,
      model: fit.model,
      purchase: params,
      spend: fit.spend.params,
      unitDays,
      ifAlive: { x: xs, tDays: ts, expected, discounted, waitDays },
    }),
  );
  const [count] = await store.query<{ n: number }>(
    raw(`SELECT count(*)::INTEGER AS n FROM ${PREDICTIONS_TABLE}`),
  );
  return { ...fit, predicted: count?.n ?? 0, predict_ms: performance.now() - started };
}
