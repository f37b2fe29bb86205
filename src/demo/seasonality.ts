/**
 * When the demo store's shoppers buy: the hour-of-day profile every order and visit time is drawn through, and
 * the festivals (双11, 618) and monthly member day (会员日) that pull nearby purchases onto themselves. The pulls
 * move purchases in time without changing how many there are; the generator applies them, this module only
 * lays out which day pulls which.
 */

import { formatDay, getDayIndex, type Calendar } from './calendar.js';

export interface SeasonalPeak {
  name: string;
  month: number;
  day: number;
  /** Purchases this many days or fewer from the peak may move to it. */
  window_days: number;
  /** Probability that such a purchase moves to the peak day. */
  shift_probability: number;
}

export const PEAKS: readonly SeasonalPeak[] = [
  { name: '双11', month: 11, day: 11, window_days: 10, shift_probability: 0.4 },
  { name: '618', month: 6, day: 18, window_days: 10, shift_probability: 0.25 },
];
// 会员日 on the 8th of every month: a short pull (±3 days), weaker than the two national festivals.
export const MEMBER_DAY = { day_of_month: 8, window_days: 3, shift_probability: 0.15 };
// Share of purchases moved to 双11 that land in its first two hours, the midnight rush when presales are paid.
export const DOUBLE_11_MIDNIGHT_SHARE = 0.3;

// Orders and visits per hour of day, Beijing time: a lunch bump and the evening peak at 21:00.
// prettier-ignore
const HOURLY_WEIGHTS = [
  3.0, 1.5, 0.7, 0.4, 0.3, 0.3, 0.6, 1.5, 2.8, 3.8, 4.8, 5.0, 5.2, 5.0, 4.8, 4.8, 4.6, 4.4, 4.5, 5.3, 6.5, 7.5, 7.0, 5.0,
];

// Cumulative hour-of-day distribution, for a monotone map from a uniform fraction to a second of the day.
const HOURLY_CUMULATIVE: Float64Array = (() => {
  const total = HOURLY_WEIGHTS.reduce((sum, weight) => sum + weight, 0);
  const cumulative = new Float64Array(25);
  HOURLY_WEIGHTS.forEach((weight, hour) => {
    cumulative[hour + 1] = (cumulative[hour] ?? 0) + weight / total;
  });
  return cumulative;
})();

/**
 * Second of the day for a fraction u in [0, 1): the inverse of the piecewise-uniform hourly distribution. It is
 * monotone in u, so sorted fractions give sorted times.
 */
export function getSecondOfDay(u: number): number {
  let hour = 0;
  while (hour < 23 && (HOURLY_CUMULATIVE[hour + 1] ?? 1) <= u) hour++;
  const low = HOURLY_CUMULATIVE[hour] ?? 0;
  const high = HOURLY_CUMULATIVE[hour + 1] ?? 1;
  const within = high > low ? (u - low) / (high - low) : 0;
  return hour * 3600 + Math.min(3599, Math.floor(within * 3600));
}

/** Seasonality by day index of the period. */
export interface Seasonality {
  /** The peak day a purchase on this day may move to (−1: none). */
  target: Int32Array;
  /** The probability that it moves. */
  probability: Float64Array;
  double11Days: Set<number>;
  /** 1 on every peak and member day. */
  isSpecialDay: Uint8Array;
  /** The special days as YYYY-MM-DD, in order: the days tier calibration may exclude. */
  specialDays: string[];
}

/**
 * Lays the peaks and member days over the calendar. Each day near a festival pulls towards the nearest one (the
 * stronger at equal distance); member days pull only where no festival does.
 */
export function buildSeasonality(calendar: Calendar): Seasonality {
  const target = new Int32Array(calendar.days).fill(-1);
  const probability = new Float64Array(calendar.days);
  const distance = new Int32Array(calendar.days).fill(1 << 30);
  const double11Days = new Set<number>();
  const memberDays = new Set<number>();
  const special = new Set<number>();
  const firstYear = Number(calendar.startDate.slice(0, 4));
  const lastYear = Number(calendar.endDate.slice(0, 4));
  for (let year = firstYear - 1; year <= lastYear + 1; year++) {
    for (const peak of PEAKS) {
      const peakDay = getDayIndex(calendar, year, peak.month, peak.day);
      if (peakDay < 0 || peakDay >= calendar.days) continue;
      special.add(peakDay);
      if (peak.name === '双11') double11Days.add(peakDay);
      for (let day = peakDay - peak.window_days; day <= peakDay + peak.window_days; day++) {
        if (day < 0 || day >= calendar.days || day === peakDay) continue;
        const gap = Math.abs(day - peakDay);
        // The nearest peak wins; at equal distance the stronger one.
        const current = distance[day] ?? 0;
        if (gap < current || (gap === current && peak.shift_probability > (probability[day] ?? 0))) {
          distance[day] = gap;
          target[day] = peakDay;
          probability[day] = peak.shift_probability;
        }
      }
    }
    for (let month = 1; month <= 12; month++) {
      const memberDay = getDayIndex(calendar, year, month, MEMBER_DAY.day_of_month);
      if (memberDay < 0 || memberDay >= calendar.days) continue;
      special.add(memberDay);
      memberDays.add(memberDay);
    }
  }
  // Member days pull only where no festival does: the festivals' own campaigns dominate their windows.
  for (const memberDay of memberDays) {
    if (target[memberDay] !== -1) continue;
    for (let day = memberDay - MEMBER_DAY.window_days; day <= memberDay + MEMBER_DAY.window_days; day++) {
      if (day < 0 || day >= calendar.days || day === memberDay || target[day] !== -1 || special.has(day))
        continue;
      target[day] = memberDay;
      probability[day] = MEMBER_DAY.shift_probability;
    }
  }
  const sorted = [...special].sort((x, y) => x - y);
  const isSpecialDay = new Uint8Array(calendar.days);
  for (const day of sorted) isSpecialDay[day] = 1;
  return {
    target,
    probability,
    double11Days,
    isSpecialDay,
    specialDays: sorted.map((day) => formatDay(calendar, day)),
  };
}
