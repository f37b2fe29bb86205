/**
 * Scores the store's daily series (daily-metrics-query.ts) day by day against trailing
 * baselines: activity, purchases, emotion and the product-problem signal. Pure: the series in,
 * the conditions out, so a whole back-fill is scored from one query's rows.
 *
 * For day i the baseline is the non-quiet days among the `baseline_days` before it (the day
 * itself left out); a measure is scored only when at least `min_baseline_days` of them have a
 * value. Quiet days are neither scored nor part of any baseline.
 * - Activity (PV, pages per visit, dwell, bounce rate): robust score (x − median) / (1.4826 ·
 *   MAD), the spread floored at 2% of the median and, for the per-visit means, at their sampling
 *   error on the day (the baseline's spread of single visits over √visits; √(p(1 − p)/visits)
 *   for the bounce rate), so a quiet day's few visits are not read as a change; an alert when it reaches z_threshold in the bad direction (PV,
 *   depth and dwell falling, bounce rising). PV is the overall activity: a fall of PV is the
 *   overall fall of spec section 5.
 * - Purchases (GMV and orders falling, AOV either way): the same robust score after dividing each
 *   day by its weekday factor, the weekday's median over the median of all days of the
 *   `weekday_weeks` weeks before the day; the AOV's spread is floored at its sampling error (the
 *   spread of single orders over √orders), since order values are heavy-tailed.
 * - Emotion (refunds, rejections, complaints, low ratings rising): expected count = baseline rate
 *   × the day's exposure, where exposure = orders placed in the `emotion_exposure_days` up to the
 *   day and the baseline rate = the baseline days' events / their exposure; the count score
 *   (x − expected) / √max(expected, 1) must reach z_threshold and the excess emotion_min_excess.
 * - Product problem: the PV score and the sales score (the mean of the GMV and orders scores) at
 *   least divergence_z from 0 in opposite directions.
 */
import type { MonitorConfig } from '../config/monitor-config.js';
import type { DailyMetricsRow } from './daily-metrics-query.js';
import {
  ACTIVITY_METRICS,
  type Condition,
  type DayEvaluation,
  EMOTION_METRICS,
  getSeverity,
  type MonitorCheck,
  PURCHASE_METRICS,
} from './monitor-checks.js';
import {
  computeCountScore,
  computeMedian,
  computeRobustScore,
  computeWeekdayFactors,
} from './robust-stats.js';

const RELATIVE_FLOOR = 0.02;

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

const percentChange = (value: number, baseline: number): string => {
  if (!(baseline !== 0)) return '';
  const change = (value - baseline) / Math.abs(baseline);
  return ` (${change >= 0 ? '+' : '−'}${Math.abs(change * 100).toFixed(0)}%)`;
};

/** The series of one measure as numbers, NaN where a day has no value. */
function getValues(
  series: readonly DailyMetricsRow[],
  pick: (row: DailyMetricsRow) => number | null,
): Float64Array {
  return Float64Array.from(series, (row) => {
    const value = pick(row);
    return value === null ? Number.NaN : value;
  });
}

interface Scored {
  readonly value: number;
  readonly baseline: number;
  readonly scale: number;
  readonly score: number;
  readonly baselineDays: number;
}

/**
 * Scores the days from `firstIndex` on (the rows before it only serve as baselines).
 * @param quiet 1 for each row that is a quiet day
 */
export function scoreDailySeries(
  series: readonly DailyMetricsRow[],
  firstIndex: number,
  quiet: Uint8Array,
  config: MonitorConfig,
): DayEvaluation[] {
  const activity = ACTIVITY_METRICS.map(({ metric, bad }) => ({
    metric,
    bad,
    values: getValues(series, (row) => row[metric]),
  }));
  const gmv = getValues(series, (row) => row.gmv);
  const orders = getValues(series, (row) => row.orders);
  const aov = Float64Array.from(series, (row) => (row.orders > 0 ? row.gmv / row.orders : Number.NaN));
  const purchases = PURCHASE_METRICS.map(({ metric, bad }) => ({
    metric,
    bad,
    values: metric === 'gmv' ? gmv : metric === 'orders' ? orders : aov,
  }));
  const weekdays = Int8Array.from(series, (row) => row.weekday);
  // exposure[i] = orders placed in the emotion_exposure_days up to day i.
  const exposure = new Float64Array(series.length);
  let running = 0;
  for (let i = 0; i < series.length; i++) {
    running += orders[i] ?? 0;
    if (i >= config.emotion_exposure_days) running -= orders[i - config.emotion_exposure_days] ?? 0;
    exposure[i] = running;
  }

  /** The non-quiet indices among the `length` days before day i. */
  const trailing = (i: number, length: number): number[] => {
    const indices: number[] = [];
    for (let j = Math.max(0, i - length); j < i; j++) if (quiet[j] !== 1) indices.push(j);
    return indices;
  };

  /**
   * The sampling error of a per-visit or per-order mean on day i: the spread of single visits
   * (orders) over the baseline days, over √(the day's visits). A day with few visits or orders
   * is noisier than the spread of daily means says when single values are heavy-tailed.
   */
  const samplingError = (metric: string, i: number, baseline: readonly number[], median: number): number => {
    const row = series[i];
    if (!row) return 0;
    const pooled = (
      count: (r: DailyMetricsRow) => number,
      sum: (r: DailyMetricsRow) => number,
      squares: (r: DailyMetricsRow) => number,
      n: number,
    ): number => {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (const j of baseline) {
        const r = series[j];
        if (!r) continue;
        s0 += count(r);
        s1 += sum(r);
        s2 += squares(r);
      }
      if (s0 < 2 || n < 1) return 0;
      return Math.sqrt(Math.max(0, (s2 - (s1 * s1) / s0) / (s0 - 1)) / n);
    };
    switch (metric) {
      case 'pages_per_visit':
        return pooled(
          (r) => r.sessions,
          (r) => r.page_views,
          (r) => r.pv_squares,
          row.sessions,
        );
      case 'dwell_seconds':
        return pooled(
          (r) => r.sessions,
          (r) => (r.dwell_seconds ?? 0) * r.sessions,
          (r) => r.dwell_squares,
          row.sessions,
        );
      case 'bounce_rate':
        return row.sessions > 0 && median > 0 && median < 1
          ? Math.sqrt((median * (1 - median)) / row.sessions)
          : 0;
      case 'aov':
        return pooled(
          (r) => r.orders,
          (r) => r.gmv,
          (r) => r.gmv_squares,
          row.orders,
        );
      default:
        return 0;
    }
  };

  const scoreAt = (
    metric: string,
    values: Float64Array,
    i: number,
    baseline: readonly number[],
    factors?: Float64Array,
  ): Scored | null => {
    const factor = (j: number): number => (factors ? (factors[weekdays[j] ?? 0] ?? 1) : 1);
    const usable = baseline
      .map((j) => (values[j] ?? Number.NaN) / factor(j))
      .filter((value) => Number.isFinite(value));
    const value = (values[i] ?? Number.NaN) / factor(i);
    if (usable.length < config.min_baseline_days || !Number.isFinite(value)) return null;
    const median = computeMedian(usable);
    const floor = Math.max(
      RELATIVE_FLOOR * Math.abs(median),
      samplingError(metric, i, baseline, median) / factor(i),
    );
    const result = computeRobustScore(value, usable, floor);
    return {
      value: values[i] ?? Number.NaN,
      // The baseline in the day's own terms: the weekday's expected value.
      baseline: result.median * factor(i),
      scale: result.scale * factor(i),
      score: result.score,
      baselineDays: usable.length,
    };
  };

  const evaluations: DayEvaluation[] = [];
  for (let i = firstIndex; i < series.length; i++) {
    const day = series[i]?.day ?? '';
    if (quiet[i] === 1) {
      evaluations.push({ day, checks: [], conditions: [] });
      continue;
    }
    const checks = new Set<MonitorCheck>();
    const conditions: Condition[] = [];
    const baseline = trailing(i, config.baseline_days);
    const raise = (check: MonitorCheck, subject: string, scored: Scored, digits: number, unit = ''): void => {
      conditions.push({
        day,
        check,
        subject,
        severity: getSeverity(scored.score, config.critical_z),
        score: round(scored.score, 2),
        message: `${subject} ${round(scored.value, digits)}${unit} against a baseline of ${round(scored.baseline, digits)}${unit}${percentChange(scored.value, scored.baseline)}, robust score ${scored.score.toFixed(1)}`,
        figures: {
          value: round(scored.value, 4),
          baseline: round(scored.baseline, 4),
          scale: round(scored.scale, 4),
          score: round(scored.score, 2),
          baseline_days: scored.baselineDays,
        },
      });
    };
    const isBad = (score: number, bad: number): boolean =>
      bad === 0 ? Math.abs(score) >= config.z_threshold : bad * score >= config.z_threshold;

    let pageViews: Scored | null = null;
    for (const { metric, bad, values } of activity) {
      const scored = scoreAt(metric, values, i, baseline);
      if (metric === 'page_views') {
        // A store without browsing data has nothing to say about activity.
        if (scored === null || !(scored.baseline > 0)) break;
        pageViews = scored;
        checks.add('activity');
      }
      if (scored && isBad(scored.score, bad))
        raise('activity', metric, scored, metric === 'bounce_rate' ? 3 : 1);
    }

    const weeks = trailing(i, 7 * config.weekday_weeks);
    let sales: Scored | null = null;
    let orderCount: Scored | null = null;
    for (const { metric, bad, values } of purchases) {
      const factors = computeWeekdayFactors(
        weeks.map((j) => values[j] ?? Number.NaN),
        weeks.map((j) => weekdays[j] ?? 0),
      );
      const scored = scoreAt(metric, values, i, baseline, factors);
      if (metric === 'gmv') {
        if (scored === null || !(scored.baseline > 0)) break;
        sales = scored;
        checks.add('purchases');
      }
      if (metric === 'orders') orderCount = scored;
      if (scored && isBad(scored.score, bad)) raise('purchases', metric, scored, 2);
    }

    if (baseline.length >= config.min_baseline_days) {
      const baseExposure = baseline.reduce((sum, j) => sum + (exposure[j] ?? 0), 0);
      const todayExposure = exposure[i] ?? 0;
      if (baseExposure > 0 && todayExposure > 0) {
        checks.add('emotion');
        for (const metric of EMOTION_METRICS) {
          const events = baseline.reduce((sum, j) => sum + (series[j]?.[metric] ?? 0), 0);
          const expected = (events / baseExposure) * todayExposure;
          const observed = series[i]?.[metric] ?? 0;
          const score = computeCountScore(observed, expected);
          if (score >= config.z_threshold && observed - expected >= config.emotion_min_excess)
            conditions.push({
              day,
              check: 'emotion',
              subject: metric,
              severity: getSeverity(score, config.critical_z),
              score: round(score, 2),
              message: `${metric} ${observed} against ${round(expected, 1)} expected from the baseline rate${percentChange(observed, expected)}, count score ${score.toFixed(1)}`,
              figures: {
                value: observed,
                expected: round(expected, 4),
                rate_per_order: round(events / baseExposure, 6),
                exposure_orders: todayExposure,
                score: round(score, 2),
              },
            });
        }
      }
    }

    if (pageViews && sales && orderCount) {
      checks.add('product_problem');
      const d = config.divergence_z;
      // Purchase amount is read from GMV and orders together: a small store's daily GMV swings
      // with a few large orders, its order count far less.
      const salesScore = (sales.score + orderCount.score) / 2;
      const subject =
        pageViews.score >= d && salesScore <= -d
          ? 'activity_up_sales_down'
          : pageViews.score <= -d && salesScore >= d
            ? 'activity_down_sales_up'
            : null;
      if (subject !== null) {
        const score = Math.min(Math.abs(pageViews.score), Math.abs(salesScore));
        conditions.push({
          day,
          check: 'product_problem',
          subject,
          severity: getSeverity(score, config.critical_z),
          score: round(score, 2),
          message: `page views ${round(pageViews.value, 0)}${percentChange(pageViews.value, pageViews.baseline)} (score ${pageViews.score.toFixed(1)}) while GMV ${round(sales.value, 2)}${percentChange(sales.value, sales.baseline)} and orders ${orderCount.value}${percentChange(orderCount.value, orderCount.baseline)} (score ${salesScore.toFixed(1)}): look at the products`,
          figures: {
            page_views: round(pageViews.value, 0),
            page_views_baseline: round(pageViews.baseline, 1),
            page_views_score: round(pageViews.score, 2),
            gmv: round(sales.value, 2),
            gmv_baseline: round(sales.baseline, 2),
            gmv_score: round(sales.score, 2),
            orders: orderCount.value,
            orders_baseline: round(orderCount.baseline, 1),
            orders_score: round(orderCount.score, 2),
            sales_score: round(salesScore, 2),
          },
        });
      }
    }
    evaluations.push({ day, checks: [...checks], conditions });
  }
  return evaluations;
}
