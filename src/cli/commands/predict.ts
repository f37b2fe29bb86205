/**
 * `huiyuan predict [--model bgnbd|mbgnbd] [--calibration-end D] [--holdout-end D]
 * [--unit days|weeks] [--format table|csv|json]`
 *
 * Fits the purchase model and the Gamma-Gamma spend model on the histories up to the end of the
 * calibration day and prints their parameters with standard errors, log-likelihoods and fit
 * times; with a holdout, the validation (actual against expected holdout purchases per
 * calibration frequency, the mean absolute error, and weekly cumulative tracking).
 */
import { Option, type Command } from 'commander';
import type { ModelFit } from '../../analytics/predict/bgnbd.js';
import { PURCHASE_MODEL_NAMES, type PurchaseModel } from '../../analytics/predict/purchase-models.js';
import type { FittedModels, ModelSelection, TooFewRepeatBuyers } from '../../analytics/predict/predict.js';
import { PREDICT_MODELS, PREDICT_UNITS, type PredictConfig } from '../../config/predict-config.js';
import { AppError } from '../../errors.js';
import { getLastOrderDayOrThrow } from '../analysis-scope.js';
import { type CommandContext, withStore } from '../context.js';
import { formatCount, parseDay } from '../format.js';
import {
  formatOption,
  type OutputFormat,
  renderCsv,
  renderJson,
  renderTable,
  type Table,
} from '../output.js';

interface PredictFlags {
  readonly model?: PredictConfig['model'];
  readonly calibrationEnd?: string;
  readonly holdoutEnd?: string;
  readonly unit?: PredictConfig['unit'];
  readonly format: OutputFormat;
}

const MODEL_TITLES: Readonly<Record<PurchaseModel, string>> = {
  bgnbd: `${PURCHASE_MODEL_NAMES.bgnbd} (Fader, Hardie & Lee 2005)`,
  mbgnbd: `${PURCHASE_MODEL_NAMES.mbgnbd} (Batislam et al. 2007)`,
};

export function registerPredict(program: Command, getContext: () => CommandContext): void {
  program
    .command('predict')
    .description('fit the purchase (BG/NBD) and spend (Gamma-Gamma) models; validate on a holdout')
    .addOption(
      new Option('--model <model>', 'purchase model (default: config predict.model)').choices(PREDICT_MODELS),
    )
    .option(
      '--calibration-end <day>',
      'last calibration day YYYY-MM-DD (default: the day of the last order)',
      parseDay,
    )
    .option(
      '--holdout-end <day>',
      'last holdout day YYYY-MM-DD: validate on the days after the calibration',
      parseDay,
    )
    .addOption(new Option('--unit <unit>', 'time unit (default: config predict.unit)').choices(PREDICT_UNITS))
    .addOption(formatOption())
    .action(async (flags: PredictFlags) => {
      if (flags.holdoutEnd && !flags.calibrationEnd)
        throw new AppError(
          'BAD_ARGUMENT',
          '--holdout-end needs --calibration-end (the holdout starts the day after it)',
        );
      if (flags.holdoutEnd && flags.calibrationEnd && flags.holdoutEnd <= flags.calibrationEnd)
        throw new AppError(
          'BAD_ARGUMENT',
          `--holdout-end ${flags.holdoutEnd} must come after --calibration-end ${flags.calibrationEnd}`,
        );
      const { checkCalibrationEnd, fitPredictionModels, getPurchaseSpan } =
        await import('../../analytics/predict/predict.js');
      const context = getContext();
      const config: PredictConfig = {
        ...context.config.predict,
        ...(flags.model ? { model: flags.model } : {}),
        ...(flags.unit ? { unit: flags.unit } : {}),
      };
      const result = await withStore(context, async (store) => {
        // An empty store ends as every analysis does (EMPTY_STORE).
        await getLastOrderDayOrThrow(store, 'fit');
        const span = await getPurchaseSpan(store, { countFreeOrders: config.count_free_orders });
        const calibrationEnd = flags.calibrationEnd ?? span.last;
        if (calibrationEnd === null)
          throw new AppError(
            'EMPTY_STORE',
            'the store has no purchases yet (only unpaid or cancelled orders), so there is nothing to fit',
          );
        const warnings = checkCalibrationEnd(span, {
          calibrationEnd,
          ...(flags.holdoutEnd ? { holdoutEnd: flags.holdoutEnd } : {}),
        });
        for (const warning of warnings) process.stderr.write(`${warning}\n`);
        return fitPredictionModels(store, {
          calibrationEnd,
          ...(flags.holdoutEnd ? { holdoutEnd: flags.holdoutEnd } : {}),
          config,
        });
      });
      if (result.status === 'too_few_repeat_buyers') {
        if (flags.format === 'json') process.stdout.write(`${renderJson(result)}\n`);
        process.stderr.write(`${describeTooFew(result)}\n`);
        return;
      }
      process.stdout.write(`${renderPrediction(result, flags.format)}\n`);
    });
}

export function describeTooFew(result: TooFewRepeatBuyers): string {
  return (
    `too few repeat buyers to fit the models: ${formatCount(result.repeat_buyers)} of ${formatCount(result.customers)} ` +
    `customers bought again by ${result.calibration_end}, and at least ${formatCount(result.min_repeat_buyers)} are needed ` +
    `(config predict.min_repeat_buyers); everything else works as before`
  );
}

const fixed = (value: number | null, digits: number): string => (value === null ? '' : value.toFixed(digits));

function parameterRows<P extends object>(
  modelName: string,
  fit: ModelFit<P>,
  human: boolean,
): (string | number | null)[][] {
  const byName = (values: P): Record<string, number> => values as Record<string, number>;
  return Object.entries(byName(fit.params)).map(([name, estimate]) => {
    const se = byName(fit.standardErrors)[name] ?? Number.NaN;
    // On the log scale the fit runs on, so a positive parameter's interval stays positive.
    const low = byName(fit.intervals.low)[name] ?? Number.NaN;
    const high = byName(fit.intervals.high)[name] ?? Number.NaN;
    return human
      ? [
          modelName,
          name,
          estimate.toPrecision(6),
          se.toPrecision(4),
          `${low.toPrecision(4)} … ${high.toPrecision(4)}`,
        ]
      : [modelName, name, estimate, se, low, high];
  });
}

export function renderPrediction(result: FittedModels, format: OutputFormat): string {
  if (format === 'json') return renderJson(result);
  const human = format === 'table';
  const parameters: Table = {
    columns: [
      'model',
      'parameter',
      'estimate',
      'std_error',
      human ? '95% interval' : 'ci_low',
      ...(human ? [] : ['ci_high']),
    ],
    numeric: new Set(['estimate', 'std_error']),
    rows: [
      ...parameterRows(result.model, result.purchase, human),
      ...parameterRows('gamma-gamma', result.spend, human),
    ],
  };
  const validation = result.validation;
  const bins: Table | null = validation && {
    columns: ['calibration_x', 'customers', 'actual_mean', 'expected_mean'],
    numeric: new Set(['customers', 'actual_mean', 'expected_mean']),
    rows: validation.bins.map((b) =>
      human
        ? [b.bin, formatCount(b.customers), fixed(b.actual_mean, 4), fixed(b.expected_mean, 4)]
        : [b.bin, b.customers, b.actual_mean, b.expected_mean],
    ),
  };
  const tracking: Table | null = validation && {
    columns: ['week', 'actual', 'expected', 'actual_cumulative', 'expected_cumulative'],
    numeric: new Set(['week', 'actual', 'expected', 'actual_cumulative', 'expected_cumulative']),
    rows: validation.tracking.map((w) =>
      human
        ? [w.week, w.actual, fixed(w.expected, 2), w.actual_cumulative, fixed(w.expected_cumulative, 2)]
        : [w.week, w.actual, w.expected, w.actual_cumulative, w.expected_cumulative],
    ),
  };
  if (format === 'csv')
    return [parameters, bins, tracking]
      .filter((t): t is Table => t !== null)
      .map(renderCsv)
      .join('\n\n');
  const { purchase, spend, timings_ms: ms } = result;
  const lines = [
    `${MODEL_TITLES[result.model]} and Gamma-Gamma (Fader & Hardie 2013), calibrated on purchase days up to the end of ${result.calibration_end}, time unit ${result.unit}`,
    `${formatCount(result.customers)} customers, ${formatCount(result.repeat_buyers)} repeat buyers · data prep ${ms.prepare.toFixed(0)} ms`,
    ...(result.model_selection ? [describeSelection(result.model_selection, ms.select)] : []),
    '',
    renderTable(parameters),
    '',
    describeFit(result.model, purchase, ms.purchase),
    describeFit('gamma-gamma', spend, ms.spend),
  ];
  if (validation && bins && tracking) {
    lines.push(
      '',
      `holdout ${result.calibration_end} … ${validation.holdout_end} (${validation.holdout_length.toFixed(2)} ${result.unit}): mean holdout purchase days per calibration repeat count`,
      renderTable(bins),
      `total actual ${formatCount(validation.actual_total)} · expected ${validation.expected_total.toFixed(1)} · mean absolute error per customer ${validation.mean_absolute_error.toFixed(4)}`,
      '',
      `weekly repeat purchase days since ${validation.tracking_origin}, cumulative`,
      renderTable(tracking),
    );
  }
  return lines.join('\n');
}

/** One line: which model `auto` kept, on which holdout, and by how much. */
export function describeSelection(selection: ModelSelection, ms: number): string {
  const winner = MODEL_TITLES[selection.winner];
  const holdout = `the holdout ${selection.split_day} … ${selection.holdout_end} (the last quarter of the data)`;
  if (!selection.errors || selection.margin === null)
    return `model auto: too few repeat buyers before ${selection.split_day} to compare on ${holdout}, so ${winner}, the default`;
  const loser: PurchaseModel = selection.winner === 'mbgnbd' ? 'bgnbd' : 'mbgnbd';
  return (
    `model auto: ${winner} won on ${holdout}: holdout error (RMSE per customer) ${selection.errors[selection.winner].toFixed(4)} ` +
    `against ${selection.errors[loser].toFixed(4)} for ${MODEL_TITLES[loser]}, ${(selection.margin * 100).toFixed(1)}% higher · selection ${ms.toFixed(0)} ms`
  );
}

function describeFit<P>(name: string, fit: ModelFit<P>, ms: number): string {
  const converged = fit.converged ? 'converged' : 'NOT converged';
  return `${name}: log-likelihood ${fit.logLikelihood.toFixed(4)} over ${formatCount(fit.customers)} customers (${formatCount(fit.rows)} distinct rows) · ${converged} in ${fit.iterations} iterations · ${fit.startsAgreeing}/${fit.starts} starts agree · fit ${ms.toFixed(1)} ms`;
}
