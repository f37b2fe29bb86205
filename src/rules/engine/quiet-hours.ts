/**
 * Quiet hours (免打扰时段) per channel, in store time: an action due inside a channel's window
 * waits for the window's end. The clock is one instant for a whole dispatch, so which channels
 * are quiet, and until when, is worked out once per dispatch, not per member.
 */
import type { DispatchChannel, RulesConfig } from '../../config/rules-config.js';
import { sql } from '../../store/sql.js';
import type { Store } from '../../store/store.js';

export interface QuietWindow {
  readonly start: string;
  readonly end: string;
}

/**
 * When a window that holds the local time `HH:MM:SS` opens again, as days after today (0 or 1),
 * or null when the time is outside the window. A window whose end is earlier than its start runs
 * over midnight (20:00–08:00 holds 23:10 until 08:00 tomorrow and 06:30 until 08:00 today).
 * @example findQuietEnd({ start: '20:00', end: '08:00' }, '21:15:00') // 1: tomorrow at 08:00
 */
export function findQuietEnd(window: QuietWindow, time: string): 0 | 1 | null {
  const start = `${window.start}:00`;
  const end = `${window.end}:00`;
  if (start < end) return time >= start && time < end ? 0 : null;
  if (time >= start) return 1;
  return time < end ? 0 : null;
}

/** A channel quiet at the clock: the instant its window ends, and the window as configured. */
export interface QuietChannel {
  readonly channel: DispatchChannel;
  /** ISO instant, e.g. 2026-10-02T00:00:00.000Z (08:00 in Asia/Shanghai). */
  readonly opens_at: string;
  readonly window: QuietWindow;
}

/** The channels in quiet hours at the clock, each with when its window ends. */
export async function findQuietChannels(
  store: Store,
  quietHours: RulesConfig['quiet_hours'],
  clock: string,
): Promise<QuietChannel[]> {
  const [local] = await store.query<{ day: string; time: string }>(
    sql`SELECT strftime(${clock}::TIMESTAMPTZ, '%Y-%m-%d') AS day, strftime(${clock}::TIMESTAMPTZ, '%H:%M:%S') AS time`,
  );
  if (!local) return [];
  const quiet: QuietChannel[] = [];
  for (const [channel, window] of Object.entries(quietHours) as [
    DispatchChannel,
    QuietWindow | undefined,
  ][]) {
    if (!window) continue;
    const days = findQuietEnd(window, local.time);
    if (days === null) continue;
    // The window's end in store time, as an instant (the session's TimeZone is the store's).
    const [row] = await store.query<{ opens_at: string }>(
      sql`SELECT strftime((${local.day}::DATE + ${days}::INTEGER + ${window.end}::TIME)::TIMESTAMP::TIMESTAMPTZ AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.000Z') AS opens_at`,
    );
    if (row) quiet.push({ channel, opens_at: row.opens_at, window });
  }
  return quiet;
}
