/**
 * The import stores sessions in time order, whatever the file's order, so that a scan of a
 * trailing window (the activity tags) can skip the row groups before it by their min/max.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFile } from '../src/ingest/import-file.js';
import { raw } from '../src/store/sql.js';
import { openTempStore, type TempStore } from './helpers.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await openTempStore();
});
afterEach(() => temp.cleanup());

/** started_at of the stored sessions in storage (rowid) order. */
async function storedTimes(): Promise<string[]> {
  const rows = await temp.store.query<{ t: string }>(
    raw(`SELECT strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS t FROM sessions ORDER BY rowid`),
  );
  return rows.map((row) => row.t);
}

describe('import storage order', () => {
  it('stores sessions listed customer by customer by month, then by customer, on a first import and on a later one', async () => {
    const header =
      'customer_id,anonymous_id,started_at,page_views,duration_seconds,bounced,cart_adds,favourites,purchases';
    const first = join(temp.dir, 'sessions-1.csv');
    writeFileSync(
      first,
      [
        header,
        'C1,,2024-05-03T10:00:00Z,3,60,,0,0,0',
        'C1,,2024-01-09T10:00:00Z,2,30,,0,0,0',
        'C2,,2024-03-01T10:00:00Z,1,5,,0,0,0',
        'C2,,2024-02-01T10:00:00Z,4,90,,0,0,0',
        'C2,,2024-01-05T10:00:00Z,1,10,,0,0,0',
      ].join('\n'),
    );
    await importFile(temp.store, first, { kind: 'sessions', rejectsDir: join(temp.dir, 'rejects') });
    // January's sessions first, C1's before C2's (by customer within a month), then the later months.
    expect(await storedTimes()).toEqual([
      '2024-01-09 10:00',
      '2024-01-05 10:00',
      '2024-02-01 10:00',
      '2024-03-01 10:00',
      '2024-05-03 10:00',
    ]);
    const later = join(temp.dir, 'sessions-2.csv');
    writeFileSync(
      later,
      [header, 'C3,,2024-06-02T10:00:00Z,1,5,,0,0,0', 'C1,,2024-06-01T10:00:00Z,2,30,,0,0,0'].join('\n'),
    );
    await importFile(temp.store, later, { kind: 'sessions', rejectsDir: join(temp.dir, 'rejects') });
    expect((await storedTimes()).slice(-2)).toEqual(['2024-06-01 10:00', '2024-06-02 10:00']);
  });
});
