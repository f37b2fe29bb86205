/**
 * Taobao UserBehavior (Alibaba Tianchi data set 649; Zhu et al. 2018): one row per click of a
 * Taobao user, 2017-11-25 … 2017-12-03 China time. No header:
 * `user_id,item_id,category_id,behavior_type,timestamp`, behaviour pv | cart | fav | buy,
 * timestamp in Unix seconds.
 *
 * Mapping:
 * - A session is a run of one user's events with no gap over 30 minutes between consecutive
 *   events. Every behaviour keeps the session going, as in web analytics (a cart, favourite or
 *   purchase is activity on a page), so a cart, favourite or buy far from any page view is a
 *   session of its own with 0 page views; none is dropped or pinned to a page view by guess.
 * - started_at is the first event (ISO 8601 in UTC, as the timestamps are); duration is last
 *   minus first event; page_views, cart_adds, favourites and purchases count the behaviours;
 *   bounced when the session has exactly one page view (跳失: one page and gone).
 * - One customer per user_id, with nothing but the id (the data has no profile).
 * - Events outside the data's window [1511539200, 1512316800) (the full file has a few from
 *   other years) and unknown behaviours are skipped, counted by reason; blank lines too.
 * - A line whose user_id, behaviour or timestamp is missing or not of its type (a cut line) is
 *   a reject with its line number. item_id and category_id are not read (sessions carry no items).
 */
import { column, type StoreFormat } from './store-format.js';

const COLUMNS = ['user_id', 'item_id', 'category_id', 'behavior_type', 'timestamp'] as const;
const USER_BEHAVIOURS = ['pv', 'cart', 'fav', 'buy'] as const;

/** The official window of the data set: 2017-11-25 00:00 to 2017-12-04 00:00 UTC+8. */
const WINDOW_START = 1_511_539_200;
const WINDOW_END = 1_512_316_800;
const SESSION_GAP_SECONDS = 30 * 60;

const ROW = new RegExp(String.raw`^\d+,\d+,\d+,(${USER_BEHAVIOURS.join('|')}),\d+$`);

/**
 * A line as CSV with exactly five cells: missing cells are empty and surplus ones are kept
 * together in the last, so a cut or garbled line reaches the row checks (and is rejected with
 * its line number) instead of stopping DuckDB's reader.
 */
function toCsvLine(line: string): string {
  const fields = line.trim() === '' ? [] : line.trim().split(',');
  const cells = fields.slice(0, COLUMNS.length - 1);
  if (fields.length >= COLUMNS.length) cells.push(fields.slice(COLUMNS.length - 1).join(' '));
  while (cells.length < COLUMNS.length) cells.push('');
  return cells.map((cell) => (cell.includes('"') ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',');
}

const userId = column('user_id');
const behaviour = column('behavior_type');
const timestamp = column('timestamp');
const isWhole = (cell: string): string => `coalesce(regexp_full_match(${cell}, '[0-9]{1,18}'), false)`;
const malformed = `NOT (${isWhole(userId)} AND ${isWhole(timestamp)} AND ${behaviour} IS NOT NULL)`;
const blank = COLUMNS.map((name) => `${column(name)} IS NULL`).join(' AND ');
const behaviours = `[${USER_BEHAVIOURS.map((b) => `'${b}'`).join(', ')}]`;

const skipReason = `CASE
    WHEN ${blank} THEN 'blank line'
    WHEN ${malformed} THEN NULL
    WHEN NOT list_contains(${behaviours}, ${behaviour}) THEN 'unknown behavior_type (not pv, cart, fav or buy)'
    WHEN TRY_CAST(${timestamp} AS BIGINT) NOT BETWEEN ${WINDOW_START} AND ${WINDOW_END - 1}
      THEN 'timestamp outside the data window 2017-11-25 … 2017-12-03 (China time)'
  END`;

/** Unix seconds as ISO 8601 UTC text. */
const isoUtc = (seconds: string): string =>
  `strftime(make_timestamp(${seconds} * 1000000), '%Y-%m-%dT%H:%M:%SZ')`;

/** The events that make sessions: well-formed, known, in the window. */
const events = (staged: string): string =>
  `(SELECT line, ${userId} AS user_id, ${behaviour} AS behaviour, TRY_CAST(${timestamp} AS BIGINT) AS ts
    FROM ${staged} WHERE NOT (${malformed}) AND ${skipReason} IS NULL)`;

/** Each event with its session number within its user: a gap over 30 minutes starts a new one. */
const numberedEvents = (staged: string): string =>
  `(SELECT *, sum(starts) OVER (PARTITION BY user_id ORDER BY ts, line ROWS UNBOUNDED PRECEDING) AS session
    FROM (SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts, line) <= ${SESSION_GAP_SECONDS}
        THEN 0 ELSE 1 END AS starts FROM ${events(staged)}))`;

const count = (name: string): string => `count(*) FILTER (WHERE behaviour = '${name}')`;

export const userBehavior: StoreFormat = {
  name: 'userbehavior',
  title: 'Taobao UserBehavior (Tianchi 649)',
  detect: (sample) => {
    const filled = sample.lines.filter((line) => line.trim() !== '');
    const matching = filled.filter((line) => ROW.test(line.trim())).length;
    return filled.length > 0 && matching >= Math.max(1, Math.ceil(filled.length * 0.8))
      ? 'no header; rows of user_id,item_id,category_id,pv|cart|fav|buy,Unix time (Taobao UserBehavior)'
      : null;
  },
  requiredColumns: COLUMNS,
  headerlessColumns: COLUMNS,
  cleanLine: toCsvLine,
  entities: [
    {
      kind: 'customers',
      provides: ['id'],
      select: (staged) => `SELECT min(line) AS line, user_id AS id FROM ${events(staged)} GROUP BY user_id`,
    },
    {
      kind: 'sessions',
      provides: [
        'customer_id',
        'started_at',
        'page_views',
        'duration_seconds',
        'bounced',
        'cart_adds',
        'favourites',
        'purchases',
      ],
      select: (
        staged,
      ) => `SELECT min(line) AS line, user_id AS customer_id, ${isoUtc('min(ts)')} AS started_at,
          ${count('pv')}::VARCHAR AS page_views, (max(ts) - min(ts))::VARCHAR AS duration_seconds,
          (${count('pv')} = 1)::VARCHAR AS bounced, ${count('cart')}::VARCHAR AS cart_adds,
          ${count('fav')}::VARCHAR AS favourites, ${count('buy')}::VARCHAR AS purchases
        FROM ${numberedEvents(staged)} GROUP BY user_id, session
        UNION ALL
        -- A malformed line becomes a session row that cannot pass the checks, with its own line:
        -- no user (when the id is not a number), its timestamp as written, no page views when
        -- the behaviour is missing.
        SELECT line, CASE WHEN ${isWhole(userId)} THEN ${userId} END AS customer_id,
          CASE WHEN ${isWhole(timestamp)} THEN ${isoUtc(`TRY_CAST(${timestamp} AS BIGINT)`)}
            WHEN TRY_CAST(${timestamp} AS TIMESTAMPTZ) IS NULL THEN ${timestamp} END AS started_at,
          CASE WHEN ${behaviour} IS NOT NULL THEN '0' END AS page_views, '0' AS duration_seconds, 'false' AS bounced,
          '0' AS cart_adds, '0' AS favourites, '0' AS purchases
        FROM ${staged} WHERE ${malformed} AND NOT (${blank})`,
    },
  ],
  skipped: (staged) =>
    `SELECT reason, count(*)::INTEGER AS rows FROM (SELECT ${skipReason} AS reason FROM ${staged})
      WHERE reason IS NOT NULL GROUP BY reason ORDER BY rows DESC`,
};
