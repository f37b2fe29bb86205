/**
 * The small exact arithmetic around tiers, over a handful of numbers: turning candidate cut
 * points into thresholds (minimums, rising tier by tier), the stepped check, and calendar months.
 * Money is handled in cents (bigint) so thresholds stay exact decimal strings.
 */
import { DEFAULT_MIN_THRESHOLD, type TierConfig } from '../../config/tiers-config.js';

/** Cents of an exact decimal string ("-12.5" → -1250n). */
export function toCents(amount: string): bigint {
  const negative = amount.trim().startsWith('-');
  const [whole = '0', fraction = ''] = amount.trim().replace('-', '').split('.');
  const cents = BigInt(whole || '0') * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -cents : cents;
}

export function centsToString(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  return `${cents < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

const numberToCents = (value: number): bigint => BigInt(Math.round(value * 100));

/**
 * Thresholds t2 … tK from the candidates of a calibration: a tier without a candidate (its quota
 * lies past the last member) starts one cent above the highest value, so no one reaches it yet;
 * each is raised to its tier's minimum (default 0.01) and to the threshold below it, so
 * thresholds never fall tier by tier (an equal threshold leaves the tier below empty).
 */
export function applyMinimums(
  candidates: readonly (string | null)[],
  maxValue: string | null,
  levels: readonly TierConfig[],
): string[] {
  const thresholds: string[] = [];
  let previous: bigint | null = null;
  levels.slice(1).forEach((level, index) => {
    const minimum = numberToCents(level.min_threshold ?? DEFAULT_MIN_THRESHOLD);
    const candidate = candidates[index] ?? null;
    let cents =
      candidate !== null ? toCents(candidate) : maxValue !== null ? toCents(maxValue) + 1n : minimum;
    if (cents < minimum) cents = minimum;
    if (previous !== null && cents < previous) cents = previous;
    previous = cents;
    thresholds.push(centsToString(cents));
  });
  return thresholds;
}

export interface StepInput {
  readonly name_zh: string;
  readonly members: number;
  /** Value share ÷ member share; null when the tier is empty or the total value is not positive. */
  readonly contribution_rate: number | null;
}

export interface StepResult {
  /** Null for the entry tier, which has no tier below it. */
  readonly stepped: boolean | null;
  readonly problem: string | null;
}

/**
 * The stepped check (阶梯式): each tier's contribution rate must be above the rate of the nearest
 * tier below it that has one. A tier without a rate (no members, or no positive total value)
 * breaks the steps too: it is a group that needs action.
 */
export function checkSteps(tiers: readonly StepInput[]): StepResult[] {
  return tiers.map((tier, index): StepResult => {
    if (index === 0) return { stepped: null, problem: null };
    if (tier.contribution_rate === null) {
      const why = tier.members === 0 ? 'it has no members' : 'the total value is not positive';
      return { stepped: false, problem: `tier ${tier.name_zh} breaks the steps: ${why}` };
    }
    const below = tiers
      .slice(0, index)
      .reverse()
      .find((t) => t.contribution_rate !== null);
    if (!below || below.contribution_rate === null) return { stepped: true, problem: null };
    if (tier.contribution_rate > below.contribution_rate) return { stepped: true, problem: null };
    return {
      stepped: false,
      problem: `tier ${tier.name_zh} breaks the steps: contribution ${tier.contribution_rate.toFixed(2)} ≤ ${below.contribution_rate.toFixed(2)} of ${below.name_zh}`,
    };
  });
}

/** YYYY-MM-DD plus whole months; a day past the month's end becomes its last day (08-31 + 6 → 02-28). */
export function addMonths(day: string, months: number): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date, last));
  return target.toISOString().slice(0, 10);
}
