/**
 * Taobao UserBehavior: a fixture written in the real layout (no header, Unix seconds), then the
 * real 4,321-line head of the Tianchi file from ../shared/data. The expected sessions come from
 * a plain sessionization of the raw lines done here: per user in time order, a new session when
 * the gap to the previous event is over 30 minutes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { sampleFile, STORE_FORMATS } from '../../src/ingest/formats/index.js';
import { importFile, type ImportResult } from '../../src/ingest/import-file.js';
import { inspectFile } from '../../src/ingest/inspect-file.js';
import { raw } from '../../src/store/sql.js';
import type { Store } from '../../src/store/store.js';
import {
  EXAMPLES,
  fingerprint,
  makeTempDir,
  openTempStore,
  readCsv,
  ROOT,
  SHARED_DATA,
  type TempStore,
} from '../helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'userbehavior');
const FIXTURE = join(FIXTURES, 'UserBehavior_head.csv');
const DAMAGED = join(FIXTURES, 'UserBehavior_damaged.csv');
const REAL = join(SHARED_DATA, 'taobao-userbehavior', 'UserBehavior_head4321.csv.gz');
const available = existsSync(REAL);
// Skipped only outside CI: in CI (which has the shared data) a missing file must fail, not pass quietly.
const skipReal = !available && !process.env.CI;
if (skipReal) console.warn(`skipped: ${REAL} is not here (the shared data folder is absent)`);

/** 2017-11-25 00:00 and 2017-12-04 00:00 China time: the data set's window. */
const WINDOW = [1_511_539_200, 1_512_316_800] as const;

interface RawEvent {
  readonly line: number;
  readonly user: string;
  readonly behaviour: string;
  readonly ts: number;
}

interface Session {
  customer: string;
  startedMs: number;
  pageViews: number;
  durationSeconds: number;
  bounced: boolean;
  cartAdds: number;
  favourites: number;
  purchases: number;
}

function readEvents(text: string): RawEvent[] {
  return text
    .split('\n')
    .map((line, index) => ({ fields: line.split(','), line: index + 1 }))
    .filter(({ fields }) => fields.length === 5)
    .map(({ fields, line }) => ({ line, user: fields[0]!, behaviour: fields[3]!, ts: Number(fields[4]) }));
}

const inWindow = (event: RawEvent): boolean => event.ts >= WINDOW[0] && event.ts < WINDOW[1];

/** Sessions of the events: per user, by time, a new one after a gap of more than 30 minutes. */
function sessionize(events: readonly RawEvent[]): Session[] {
  const byUser = new Map<string, RawEvent[]>();
  for (const event of events) byUser.set(event.user, [...(byUser.get(event.user) ?? []), event]);
  const sessions: Session[] = [];
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.ts - b.ts || a.line - b.line);
    let current: { first: number; last: number; counts: Record<string, number> } | null = null;
    const close = (): void => {
      if (!current) return;
      const pv = current.counts.pv ?? 0;
      sessions.push({
        customer: user,
        startedMs: current.first * 1000,
        pageViews: pv,
        durationSeconds: current.last - current.first,
        bounced: pv === 1,
        cartAdds: current.counts.cart ?? 0,
        favourites: current.counts.fav ?? 0,
        purchases: current.counts.buy ?? 0,
      });
    };
    for (const event of list) {
      if (!current || event.ts - current.last > 30 * 60) {
        close();
        current = { first: event.ts, last: event.ts, counts: {} };
      }
      current.last = event.ts;
      current.counts[event.behaviour] = (current.counts[event.behaviour] ?? 0) + 1;
    }
    close();
  }
  return sortSessions(sessions);
}

const sortSessions = (sessions: Session[]): Session[] =>
  sessions.sort((a, b) => a.customer.localeCompare(b.customer) || a.startedMs - b.startedMs);

async function storedSessions(store: Store): Promise<Session[]> {
  const rows = await store.query<Record<string, string | number | boolean>>(
    raw(`SELECT customer_id, epoch_ms(started_at)::DOUBLE AS started, page_views::INTEGER AS pv, duration_seconds::INTEGER AS duration,
        bounced, cart_adds::INTEGER AS cart, favourites::INTEGER AS fav, purchases::INTEGER AS buy FROM sessions`),
  );
  return sortSessions(
    rows.map((row) => ({
      customer: String(row.customer_id),
      startedMs: Number(row.started),
      pageViews: Number(row.pv),
      durationSeconds: Number(row.duration),
      bounced: Boolean(row.bounced),
      cartAdds: Number(row.cart),
      favourites: Number(row.fav),
      purchases: Number(row.buy),
    })),
  );
}

function totals(sessions: readonly Session[]): Record<string, number> {
  const sum = (pick: (s: Session) => number): number => sessions.reduce((total, s) => total + pick(s), 0);
  return {
    sessions: sessions.length,
    pv: sum((s) => s.pageViews),
    cart: sum((s) => s.cartAdds),
    fav: sum((s) => s.favourites),
    buy: sum((s) => s.purchases),
  };
}

describe('userbehavior fixture', () => {
  let temp: TempStore;
  let store: Store;
  let files: string;
  const options = (): { rejectsDir: string } => ({ rejectsDir: join(temp.dir, 'rejects') });
  const events = readEvents(readFileSync(FIXTURE, 'utf8'));

  beforeEach(async () => {
    temp = await openTempStore();
    store = temp.store;
    files = makeTempDir();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('is detected with no --format, gzipped or not, by this format alone', async () => {
    const gz = join(files, 'UserBehavior.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(FIXTURE)));
    for (const path of [FIXTURE, gz, DAMAGED]) {
      const sample = sampleFile(await inspectFile(path));
      expect(
        STORE_FORMATS.filter((format) => format.detect(sample) !== null).map((format) => format.name),
      ).toEqual(['userbehavior']);
    }
  });

  it('claims no canonical file and no Online Retail file', async () => {
    const format = STORE_FORMATS.find((f) => f.name === 'userbehavior')!;
    for (const kind of ['customers', 'orders', 'order-lines', 'sessions', 'feedback']) {
      expect(format.detect(sampleFile(await inspectFile(join(EXAMPLES, `${kind}.csv`))))).toBeNull();
    }
    const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
    const line =
      '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom';
    expect(
      format.detect({ header: header.split(','), lines: [header, line], fileName: 'OnlineRetail.csv' }),
    ).toBeNull();
  });

  it('makes the sessions a plain 30-minute sessionization of the in-window events gives', async () => {
    const result = await importFile(store, FIXTURE, options());
    expect(result.format).toBe('userbehavior');
    expect(result.rowsRead).toBe(events.length);
    expect(result.rejected).toBe(0);
    expect(await storedSessions(store)).toEqual(sessionize(events.filter(inWindow)));
  });

  it('splits a session after a gap of more than 30 minutes, not at exactly 30', async () => {
    await importFile(store, FIXTURE, options());
    // By hand: user 1000004 views pages at +0, +29 min, +58 min, +88 min (exactly 30 later),
    // then +30 min 1 s (a new session) and twice more, then a cart a minute later.
    const rows = await store.query<{ pv: number; cart: number }>(
      raw(
        `SELECT page_views::INTEGER AS pv, cart_adds::INTEGER AS cart FROM sessions WHERE customer_id = '1000004' ORDER BY started_at`,
      ),
    );
    expect(rows).toEqual([
      { pv: 4, cart: 0 },
      { pv: 3, cart: 1 },
    ]);
  });

  it('gives a purchase far from any page view a session of its own with no page views, not a bounce', async () => {
    await importFile(store, FIXTURE, options());
    // By hand: user 100 viewed one page on 11-27 at 11:00 (China time) and bought ten hours later.
    const rows = await store.query<{ started: string; pv: number; buy: number; bounced: boolean }>(
      raw(`SELECT strftime(started_at AT TIME ZONE 'Asia/Shanghai', '%Y-%m-%d %H:%M:%S') AS started, page_views::INTEGER AS pv,
          purchases::INTEGER AS buy, bounced FROM sessions WHERE customer_id = '100' ORDER BY started_at`),
    );
    expect(rows).toEqual([
      { started: '2017-11-27 11:00:05', pv: 1, buy: 0, bounced: true },
      { started: '2017-11-27 21:00:05', pv: 0, buy: 1, bounced: false },
    ]);
  });

  it('reads the Unix seconds as UTC whatever the store timezone', async () => {
    const newYork = await openTempStore('America/New_York');
    try {
      await importFile(newYork.store, FIXTURE, { rejectsDir: join(newYork.dir, 'rejects') });
      expect(await storedSessions(newYork.store)).toEqual(sessionize(events.filter(inWindow)));
    } finally {
      await newYork.cleanup();
    }
  });

  it('skips and counts the events outside the window, one customer per user', async () => {
    const result = await importFile(store, FIXTURE, options());
    const outside = events.filter((event) => !inWindow(event)).length;
    expect(outside).toBe(2); // by hand: one from September, one at 2017-12-04 00:00:00 China time
    expect(result.skipped).toEqual([
      { reason: 'timestamp outside the data window 2017-11-25 … 2017-12-03 (China time)', rows: outside },
    ]);
    const users = new Set(events.filter(inWindow).map((event) => event.user));
    const customers = await store.query<{ id: string }>(raw(`SELECT id FROM customers ORDER BY id`));
    expect(customers.map((row) => row.id)).toEqual([...users].sort());
  });

  it('re-importing the file changes nothing', async () => {
    await importFile(store, FIXTURE, options());
    const before = await fingerprint(store, ['customers', 'sessions']);
    const again = await importFile(store, FIXTURE, options());
    expect(again.inserted + again.updated).toBe(0);
    expect(await fingerprint(store, ['customers', 'sessions'])).toBe(before);
  });

  describe('a damaged file (line 13 cut off, line 11 an unknown behaviour, line 5 a cut timestamp)', () => {
    it('is refused whole by default, naming line 13', async () => {
      const before = await fingerprint(store);
      const error = await importFile(store, DAMAGED, options()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('TOO_MANY_REJECTS');
      expect((error as AppError).message).toMatch(/1 of 15 rows rejected \(allowed: 0\)/);
      expect((error as AppError).details.join('\n')).toMatch(
        /UserBehavior_damaged\.csv:13 sessions column page_views: is required but empty/,
      );
      expect(await fingerprint(store)).toBe(before);
    });

    it('with --max-rejects 1 keeps the rest, skipping the unknown behaviour and the out-of-window time', async () => {
      const result = await importFile(store, DAMAGED, { ...options(), maxRejects: 1 });
      expect(result.rejected).toBe(1);
      expect([...new Set(readCsv(result.rejectsFile!).map((row) => row.line))]).toEqual(['13']);
      expect(Object.fromEntries(result.skipped.map((s) => [s.reason, s.rows]))).toEqual({
        'unknown behavior_type (not pv, cart, fav or buy)': 1,
        'timestamp outside the data window 2017-11-25 … 2017-12-03 (China time)': 1,
      });
      const kept = readEvents(readFileSync(DAMAGED, 'utf8')).filter(
        (event) => inWindow(event) && ['pv', 'cart', 'fav', 'buy'].includes(event.behaviour),
      );
      expect(await storedSessions(store)).toEqual(sessionize(kept));
    });
  });
});

describe.skipIf(skipReal)('userbehavior on the real head sample', () => {
  let temp: TempStore;
  let result: ImportResult;
  let events: RawEvent[];

  beforeAll(async () => {
    events = readEvents(gunzipSync(readFileSync(REAL)).toString('utf8'));
    temp = await openTempStore();
    result = await importFile(temp.store, REAL, { rejectsDir: join(temp.dir, 'rejects') });
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('the raw file has the README figures', () => {
    const count = (behaviour: string): number =>
      events.filter((event) => event.behaviour === behaviour).length;
    expect([events.length, count('pv'), count('cart'), count('fav'), count('buy')]).toEqual([
      4_321, 3_926, 190, 128, 77,
    ]);
    expect(new Set(events.map((event) => event.user)).size).toBe(43);
    expect(events.filter((event) => !inWindow(event))).toHaveLength(1);
  });

  it('is detected with no flags and skips the one event outside the window', () => {
    expect(result.format).toBe('userbehavior');
    expect(result.rowsRead).toBe(4_321);
    expect(result.rejected).toBe(0);
    expect(result.skipped).toEqual([
      { reason: 'timestamp outside the data window 2017-11-25 … 2017-12-03 (China time)', rows: 1 },
    ]);
  });

  it('stores exactly the sessions of an independent sessionization, with every in-window event counted once', async () => {
    const kept = events.filter(inWindow);
    const expected = sessionize(kept);
    const stored = await storedSessions(temp.store);
    expect(stored).toEqual(expected);
    const count = (behaviour: string): number => kept.filter((event) => event.behaviour === behaviour).length;
    expect(totals(stored)).toEqual({
      sessions: expected.length,
      pv: count('pv'),
      cart: count('cart'),
      fav: count('fav'),
      buy: count('buy'),
    });
    // The README's counts less the skipped September event (a page view).
    expect([count('pv'), count('cart'), count('fav'), count('buy')]).toEqual([3_925, 190, 128, 77]);
  });

  it('makes one customer per user', async () => {
    const [row] = await temp.store.query<{ n: number }>(raw(`SELECT count(*)::INTEGER AS n FROM customers`));
    expect(row?.n).toBe(new Set(events.filter(inWindow).map((event) => event.user)).size);
    expect(row?.n).toBe(43);
  });

  it('re-importing the file changes nothing', async () => {
    const before = await fingerprint(temp.store, ['customers', 'sessions']);
    const again = await importFile(temp.store, REAL, { rejectsDir: join(temp.dir, 'rejects') });
    expect(again.inserted + again.updated).toBe(0);
    expect(await fingerprint(temp.store, ['customers', 'sessions'])).toBe(before);
  });
});
