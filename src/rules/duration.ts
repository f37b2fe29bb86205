/**
 * Durations as rules write them: a whole number and a unit, `30m`, `12h`, `3d`, `2w`, or a sum
 * such as `1d12h`. They are kept as minutes and written back in the largest unit that divides
 * them exactly (`2w` and `14d` are the same wait, written `14d`), so two spellings of one rule
 * hash alike.
 */

const UNIT_MINUTES = { w: 7 * 24 * 60, d: 24 * 60, h: 60, m: 1 } as const;
type Unit = keyof typeof UNIT_MINUTES;

const DURATION = /^(\d+[wdhm])+$/;
const PART = /(\d+)([wdhm])/g;

/** Minutes of a duration text, or null when it is not one (`3 days`, `-3d`, `3x`). */
export function parseDurationMinutes(text: string): number | null {
  const compact = text.trim().toLowerCase();
  if (!DURATION.test(compact)) return null;
  let minutes = 0;
  for (const [, count, unit] of compact.matchAll(PART)) minutes += Number(count) * UNIT_MINUTES[unit as Unit];
  return minutes;
}

/** The canonical text of a number of minutes: `4320` → `3d`, `2160` → `36h`, `90` → `90m`. */
export function formatDuration(minutes: number): string {
  if (minutes % UNIT_MINUTES.d === 0) return `${minutes / UNIT_MINUTES.d}d`;
  if (minutes % UNIT_MINUTES.h === 0) return `${minutes / UNIT_MINUTES.h}h`;
  return `${minutes}m`;
}

export const DURATION_EXAMPLES = '30m, 12h, 3d, 2w or 1d12h';
