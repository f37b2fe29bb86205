/**
 * A rule's trigger occurrences (触发) in a time range, as one SQL relation per trigger kind:
 * (customer_id, occurrence_key, occurred_at, order_id). The key is stable, so reading a range
 * again never makes a second enrollment (the enrollment id hashes it; docs/rules.md has the
 * table). Snapshot-based triggers (stage, tier, segment, became) happen at the last second of
 * their snapshot's day: a day's refresh knows its changes at the day's end. Store-wide triggers
 * (schedule, alert, signal) name no member: they bring everyone in the audience at that moment,
 * so their relation already holds the audience (the others are tested against it in enroll.ts).
 *
 * Every query is set-oriented over the whole range: a day or a year is the same few joins.
 */
import { GMV_STATUSES } from '../../store/entities.js';
import { ParamList, type Query } from '../../store/sql.js';
import type { RuleDefinition, RuleTrigger } from '../rule-schema.js';
import { getKind } from '../rule-schema.js';
import { type Audience, buildAudienceRelation, SNAPSHOT_DAYS_SQL, snapshotDayFilter } from './audience.js';

export interface OccurrenceContext {
  /** The rule's audience: store-wide triggers take their members from it. */
  readonly audience: Audience;
  /** The became condition, parsed (null for other triggers). */
  readonly became: Audience | null;
  /** Tier ids, lowest first (config tiers.levels): what up and down mean. */
  readonly tierOrder: readonly string[];
  /** tags.low_rating_max of the config: a rating at or below it is a low rating. */
  readonly lowRatingMax: number;
  /** The snapshot days the range can read (findSnapshotDaysFor); every one when not given. */
  readonly snapshotDays?: readonly string[];
}

/** The trigger kinds that bring everyone in the audience rather than one member. */
export const STORE_WIDE_TRIGGERS = ['schedule', 'alert', 'signal'] as const;

export function isStoreWide(trigger: RuleTrigger): boolean {
  return (STORE_WIDE_TRIGGERS as readonly string[]).includes(getKind(trigger));
}

/** The instant a snapshot day's changes are known: its last second in store time. */
const dayEnd = (day: string): string => `((${day}) + 1)::TIMESTAMPTZ - INTERVAL 1 SECOND`;

/**
 * The occurrences of a rule's trigger with `from <= occurred_at < to` (instants, ISO text).
 * @example buildOccurrencesQuery(rule, '2026-10-30T16:00:00Z', '2026-10-31T16:00:00Z', context)
 */
export function buildOccurrencesQuery(
  definition: Pick<RuleDefinition, 'trigger'>,
  from: string,
  to: string,
  context: OccurrenceContext,
): Query {
  const params = new ParamList();
  const f = `${params.add(from)}::TIMESTAMPTZ`;
  const t = `${params.add(to)}::TIMESTAMPTZ`;
  const inRange = (instant: string): string => `${instant} >= ${f} AND ${instant} < ${t}`;
  const trigger = definition.trigger;
  const snapshotDays = context.snapshotDays ?? { sql: SNAPSHOT_DAYS_SQL };
  const onDays = (column: string): string => snapshotDayFilter(column, snapshotDays, params);
  const sqlText = ((): string => {
    if ('order' in trigger) {
      const statuses = GMV_STATUSES.map((s) => params.add(s)).join(', ');
      return `SELECT customer_id, 'order:' || id AS occurrence_key, placed_at AS occurred_at, id AS order_id
        FROM orders WHERE status IN (${statuses}) AND paid_amount > 0 AND customer_id IS NOT NULL
          AND ${inRange('placed_at')}`;
    }
    if ('feedback' in trigger) {
      const kinds = trigger.feedback.filter((k) => k !== 'low_rating').map((k) => params.add(k));
      const tests = [
        ...(kinds.length ? [`kind IN (${kinds.join(', ')})`] : []),
        ...(trigger.feedback.includes('low_rating')
          ? [`(kind = 'rating' AND rating <= ${params.add(context.lowRatingMax)}::INTEGER)`]
          : []),
      ];
      // Feedback rows carry no id of their own: kind, order and time name one.
      return `SELECT customer_id,
          'feedback:' || kind || ':' || coalesce(order_id, '-') || ':' || epoch_ms(created_at)::VARCHAR AS occurrence_key,
          created_at AS occurred_at, NULL::VARCHAR AS order_id
        FROM feedback WHERE customer_id IS NOT NULL AND (${tests.join(' OR ')}) AND ${inRange('created_at')}`;
    }
    if ('joined' in trigger)
      return `SELECT id AS customer_id, 'joined' AS occurrence_key, member_since AS occurred_at, NULL::VARCHAR AS order_id
        FROM customers WHERE member_since IS NOT NULL AND ${inRange('member_since')}`;
    if ('stage' in trigger) {
      const from =
        trigger.stage.from === undefined ? '' : `AND from_stage = ${params.add(trigger.stage.from)}`;
      return `SELECT customer_id, 'stage:' || changed_on::VARCHAR AS occurrence_key, ${dayEnd('changed_on')} AS occurred_at,
          NULL::VARCHAR AS order_id
        FROM stage_changes WHERE to_stage = ${params.add(trigger.stage.to)} ${from}
          AND changed_on BETWEEN ${f}::DATE - 1 AND ${t}::DATE AND ${inRange(dayEnd('changed_on'))}`;
    }
    if ('tier' in trigger) {
      const order = `[${context.tierOrder.map((id) => params.add(id)).join(', ')}]::VARCHAR[]`;
      const rank = (column: string): string => `coalesce(list_position(${order}, ${column}), 0)`;
      const change = {
        up: `${rank('to_tier')} > ${rank('from_tier')}`,
        down: `${rank('to_tier')} < ${rank('from_tier')}`,
        any: 'from_tier IS DISTINCT FROM to_tier',
      }[trigger.tier.change];
      const to = trigger.tier.to === undefined ? '' : `AND to_tier = ${params.add(trigger.tier.to)}`;
      return `SELECT customer_id, 'tier:' || changed_on::VARCHAR AS occurrence_key, ${dayEnd('changed_on')} AS occurred_at,
          NULL::VARCHAR AS order_id
        FROM tier_changes WHERE ${change} ${to}
          AND changed_on BETWEEN ${f}::DATE - 1 AND ${t}::DATE AND ${inRange(dayEnd('changed_on'))}`;
    }
    // The snapshot days whose end falls in the range, each with the store's snapshot before it:
    // the first snapshot ever has none, so it is no change (it would be everyone).
    const snapshotSteps = `SELECT day, prev FROM (
        SELECT as_of AS day, lag(as_of) OVER (ORDER BY as_of) AS prev FROM (${SNAPSHOT_DAYS_SQL}))
      WHERE prev IS NOT NULL AND ${inRange(dayEnd('day'))}`;
    if ('segment' in trigger) {
      const enter = params.add(trigger.segment.enter);
      return `WITH steps AS (${snapshotSteps})
        SELECT s.customer_id, 'segment:' || d.day::VARCHAR AS occurrence_key, ${dayEnd('d.day')} AS occurred_at,
          NULL::VARCHAR AS order_id
        FROM steps d JOIN customer_snapshots s ON s.as_of = d.day AND s.segment = ${enter} AND ${onDays('s.as_of')}
        LEFT JOIN (SELECT * FROM customer_snapshots WHERE ${onDays('as_of')}) q ON q.as_of = d.prev AND q.customer_id = s.customer_id
        WHERE q.segment IS DISTINCT FROM ${enter}`;
    }
    if ('became' in trigger) {
      if (context.became === null) throw new Error('a became trigger needs its parsed condition');
      // Member tags as they stood at the end of each snapshot's day.
      const relation = (): string =>
        buildAudienceRelation(context.became as Audience, params, {
          days: snapshotDays,
          tagsAt: '(as_of + 1)::TIMESTAMPTZ',
        });
      return `WITH steps AS (${snapshotSteps}),
        now_true AS (${relation()}),
        before_true AS (${relation()})
        SELECT n.customer_id, 'became:' || d.day::VARCHAR AS occurrence_key, ${dayEnd('d.day')} AS occurred_at,
          NULL::VARCHAR AS order_id
        FROM steps d JOIN now_true n ON n.as_of = d.day
        LEFT JOIN before_true b ON b.as_of = d.prev AND b.customer_id = n.customer_id
        WHERE b.customer_id IS NULL`;
    }
    // The store days the range touches (a date fires at its day's `at`).
    const days = `SELECT g.d::DATE AS day FROM generate_series(${f}::DATE, ${t}::DATE, INTERVAL 1 DAY) g(d)`;
    if ('date' in trigger) {
      const offset = params.add(Number.parseInt(trigger.date.offset, 10));
      const at = params.add(trigger.date.at);
      const occurred = `(x.day + ${at}::TIME)::TIMESTAMPTZ`;
      // The anchor: the day the offset counts from (a birthday three days before: offset -3d).
      const fired = `SELECT day, day - ${offset}::INTEGER AS anchor, ${occurred} AS occurred_at FROM (${days}) x
        WHERE ${inRange(occurred)}`;
      const key = `'date:${trigger.date.field}:' || d.day::VARCHAR`;
      if (trigger.date.field === 'next_purchase')
        // The expected day of the latest snapshot on or before the firing day: the prediction's
        // where one is stored, else the purchase-cycle tag's.
        return `WITH fired AS (${fired}),
          mapped AS (SELECT d.*, s.as_of AS snapshot_day FROM fired d ASOF JOIN (${SNAPSHOT_DAYS_SQL}) s ON d.day >= s.as_of)
          SELECT t.customer_id, ${key} AS occurrence_key, d.occurred_at, NULL::VARCHAR AS order_id
          FROM mapped d JOIN customer_day_tags t ON t.as_of = d.snapshot_day AND ${onDays('t.as_of')}
          LEFT JOIN customer_prediction_snapshots p ON p.as_of = t.as_of AND p.customer_id = t.customer_id
          WHERE coalesce(p.next_order_day, t.expected_next_purchase) = d.anchor`;
      const source = trigger.date.field === 'birthday' ? 'c.birthday' : 'c.member_since::DATE';
      // A 29 February is kept on 28 February in other years.
      return `WITH fired AS (${fired})
        SELECT c.id AS customer_id, ${key} AS occurrence_key, d.occurred_at, NULL::VARCHAR AS order_id
        FROM fired d JOIN customers c ON month(${source}) = month(d.anchor)
          AND (day(${source}) = day(d.anchor)
            OR (month(d.anchor) = 2 AND day(d.anchor) = 28 AND day(${source}) = 29 AND NOT (year(d.anchor) % 4 = 0 AND (year(d.anchor) % 100 <> 0 OR year(d.anchor) % 400 = 0))))
        WHERE ${source} IS NOT NULL ${trigger.date.field === 'member_since' ? `AND ${source} < d.anchor AND c.member_since < d.occurred_at` : ''}`;
    }
    // Store-wide: instants (occurred_at, occurrence_key, day), then everyone in the audience then.
    let instants: string;
    let places = '';
    if ('schedule' in trigger) {
      const s = trigger.schedule;
      const times = 'cron' in s && s.cron !== undefined ? cronTimes(s.cron) : null;
      const filter =
        times !== null
          ? times.dayFilter
          : 'dates' in s && s.dates !== undefined
            ? `x.day::VARCHAR IN (${s.dates.map((d) => params.add(d)).join(', ')})`
            : 'monthly' in s && s.monthly !== undefined
              ? `day(x.day) IN (${s.monthly.map((d) => params.add(d)).join(', ')})`
              : 'annual' in s && s.annual !== undefined
                ? `strftime(x.day, '%m-%d') IN (${s.annual.map((d) => params.add(d)).join(', ')})`
                : 'FALSE';
      const clock =
        times === null
          ? `(SELECT ${params.add('at' in s ? s.at : '10:00')}::TIME AS tod)`
          : `(SELECT make_time(h, m, 0) AS tod FROM unnest([${times.hours.join(',')}]) a(h), unnest([${times.minutes.join(',')}]) b(m))`;
      instants = `SELECT occurred_at, 'schedule:' || strftime(occurred_at, '%Y-%m-%dT%H:%M') AS occurrence_key, day FROM (
          SELECT (x.day + c.tod)::TIMESTAMPTZ AS occurred_at, x.day FROM (${days}) x, ${clock} c WHERE ${filter})
        WHERE ${inRange('occurred_at')}`;
    } else if ('alert' in trigger) {
      instants = `SELECT ${dayEnd('first_seen')} AS occurred_at, 'alert:' || id AS occurrence_key, first_seen AS day
        FROM alerts WHERE check_name = ${params.add(trigger.alert.check)} AND ${inRange(dayEnd('first_seen'))}`;
    } else {
      instants = `SELECT occurred_at, 'signal:' || id AS occurrence_key, occurred_at::DATE AS day, provinces, regions
        FROM signals WHERE name = ${params.add(trigger.signal)} AND ${inRange('occurred_at')}`;
      places = `AND ((len(i.provinces) = 0 AND len(i.regions) = 0) OR list_contains(i.provinces, a.province)
        OR list_contains(i.regions, a.big_region) OR list_contains(i.regions, a.north_south))`;
    }
    const audience = buildAudienceRelation(context.audience, params, {
      days: snapshotDays,
      tagsAt: `${t}`,
      withPlaces: 'signal' in trigger,
    });
    return `WITH instants AS (${instants}),
      mapped AS (SELECT i.*, s.as_of AS snapshot_day FROM instants i ASOF JOIN (${SNAPSHOT_DAYS_SQL}) s ON i.day >= s.as_of),
      audience AS (${audience})
      SELECT a.customer_id, i.occurrence_key, i.occurred_at, NULL::VARCHAR AS order_id
      FROM mapped i JOIN audience a ON a.as_of = i.snapshot_day ${places}`;
  })();
  return { sql: sqlText, params: params.values };
}

interface CronTimes {
  readonly hours: readonly number[];
  readonly minutes: readonly number[];
  /** SQL over x.day: the month, day-of-month and day-of-week fields. */
  readonly dayFilter: string;
}

/** The values a cron field allows (the schema checked it: numbers, *, ranges, lists, steps). */
function expandCronField(field: string, min: number, max: number): number[] {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) continue;
    const start = match[1] === '*' ? min : Number(match[2]);
    const end = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] ? max : start;
    const step = match[4] ? Number(match[4]) : 1;
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * A five-field cron expression as hours, minutes and a day filter. As in cron, when both the
 * day of month and the day of week are restricted, a day matching either fires.
 */
export function cronTimes(expression: string): CronTimes {
  const [minute = '*', hour = '*', dom = '*', month = '*', dow = '*'] = expression.trim().split(/\s+/);
  const months = expandCronField(month, 1, 12);
  const doms = expandCronField(dom, 1, 31);
  const dows = [...new Set(expandCronField(dow, 0, 7).map((d) => d % 7))];
  const domTest = `day(x.day) IN (${doms.join(',')})`;
  const dowTest = `dayofweek(x.day) IN (${dows.join(',')})`;
  const dayTest =
    dom !== '*' && dow !== '*'
      ? `(${domTest} OR ${dowTest})`
      : dom !== '*'
        ? domTest
        : dow !== '*'
          ? dowTest
          : 'TRUE';
  return {
    hours: expandCronField(hour, 0, 23),
    minutes: expandCronField(minute, 0, 59),
    dayFilter: `month(x.day) IN (${months.join(',')}) AND ${dayTest}`,
  };
}
