/**
 * The one way an instant (a TIMESTAMPTZ) is written in JSON: ISO 8601 in the store's timezone
 * with its offset, e.g. 2026-12-05T03:26:08+08:00, so a reader never guesses the zone and a
 * store manager reads the store's own clock.
 */

/** The instant as YYYY-MM-DDTHH:MM:SS±HH:MM in `timeZone` (whole seconds). */
export function formatInstant(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  // longOffset is "GMT+08:00", or plain "GMT" at offset zero.
  const offset = part('timeZoneName').replace('GMT', '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}

/** SQL selecting a TIMESTAMPTZ expression as epoch milliseconds, for formatInstant. */
export function selectEpochMs(expression: string): string {
  return `epoch_ms(${expression})::DOUBLE`;
}
