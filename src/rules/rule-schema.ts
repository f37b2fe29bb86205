/**
 * What a rule (preset condition, 预设条件) says, checked with zod where it enters. The field
 * names are the ones issue 11 spells out; docs/rules.md explains each in the users' words.
 *
 * The schema is built per store (buildRuleSchema): tier names come from the config, webhook
 * endpoints from the config's channels, communities from the store, so a rule that names what
 * the store does not have is refused when it is applied, not when it first fires. The output is
 * the canonical definition: defaults filled in, names as ids (金卡 → gold), audiences as the
 * segment grammar's canonical text, durations in one spelling. Two spellings of one rule give
 * the same definition, and so the same hash (rule-versions.ts).
 *
 * Every message is one sentence saying what was expected and what was found, with the closest
 * valid name for a typo; rule-file.ts adds the file, line and column.
 */
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { LIFECYCLE_STAGES } from '../analytics/lifecycle/lifecycle-stages.js';
import {
  BOOLEAN_FILTER_FIELDS,
  NUMERIC_FILTER_FIELDS,
  parseSegment,
  SEGMENT_KINDS,
  type SegmentVocabulary,
  TEXT_FILTER_FIELDS,
} from '../analytics/profiles/segment-spec.js';
import { isCalendarDay, isMonthDay } from '../domain/calendar-day.js';
import { NO_PURCHASE, RFM_SEGMENTS } from '../domain/rfm-segments.js';
import { AppError } from '../errors.js';
import { MONITOR_CHECKS } from '../monitor/monitor-checks.js';
import { DURATION_EXAMPLES, formatDuration, parseDurationMinutes } from './duration.js';

export const RULE_STATUSES = ['draft', 'active', 'paused'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

export const RULE_CATEGORIES = ['marketing', 'service'] as const;
export const TRIGGER_KINDS = [
  'order',
  'feedback',
  'joined',
  'stage',
  'tier',
  'segment',
  'became',
  'date',
  'schedule',
  'alert',
  'signal',
] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];
export const ACTION_KINDS = ['coupon', 'message', 'webhook', 'tag', 'benefit', 'notify', 'export'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const FEEDBACK_TRIGGERS = ['complaint', 'refund', 'rejection', 'low_rating'] as const;
export const TIER_CHANGES = ['up', 'down', 'any'] as const;
export const DATE_FIELDS = ['birthday', 'member_since', 'next_purchase'] as const;
export const GOAL_EVENTS = ['purchase'] as const;
export const MESSAGE_CHANNELS = ['sms', 'email'] as const;
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;

/**
 * The fields a message or notice may name, and what a rule needs for each to have a value:
 * a coupon action for the coupon's fields, an order trigger for the order's.
 */
export const PLACEHOLDERS = {
  name: 'always',
  tier: 'always',
  stage: 'always',
  province: 'always',
  city: 'always',
  coupon_code: 'coupon',
  coupon_value: 'coupon',
  coupon_min_spend: 'coupon',
  coupon_valid_until: 'coupon',
  order_id: 'order',
  order_amount: 'order',
} as const satisfies Record<string, 'always' | 'coupon' | 'order'>;
const PLACEHOLDER_NAMES = Object.keys(PLACEHOLDERS) as (keyof typeof PLACEHOLDERS)[];

/** The most a wait, a re-entry interval or a goal window may be: a year. */
const MAX_DAYS = 366;

/** What a rule is checked against: the store's own names. */
export interface RuleContext {
  /** Tiers (lowest first) and the latest stored communities, as the segment grammar takes them. */
  readonly vocabulary: SegmentVocabulary;
  /** Webhook endpoint names in the config (channels.webhooks). */
  readonly webhooks: readonly string[];
  /** rules.holdout of the config. */
  readonly defaultHoldout: number;
  /** channels.sms.unsubscribe_text of the config. */
  readonly unsubscribeText: string;
  /** The store's coupon pools (coupon_pools): what a coupon action may name. */
  readonly couponPools: readonly string[];
}

/** Marks an issue about a key (an unknown field) rather than its value, for the locator. */
export const AT_KEY = 'key';

/** `; did you mean 'order'?` when a name is close enough to a valid one to be a typo. */
export function suggestName(found: string, valid: readonly string[]): string {
  if (valid.length === 0) return '';
  const best = closest(found, [...valid]);
  return distance(found, best) <= Math.max(2, Math.floor(found.length / 2))
    ? `; did you mean '${best}'?`
    : '';
}

/** A value as a message quotes it. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An object with these fields only: an unknown field is an issue at that key, naming the known
 * ones and the closest (zod's strict objects say only "unrecognized key").
 */
function fields<S extends z.ZodRawShape>(what: string, shape: S) {
  const known = Object.keys(shape);
  const object = z.object(shape);
  return z.unknown().transform((input, context): z.output<typeof object> => {
    const value = input === null || input === undefined ? {} : input;
    if (!isPlainObject(value)) {
      context.addIssue({ code: 'custom', message: `expected ${what}, found ${describeFound(input)}`, input });
      return z.NEVER;
    }
    // Unknown fields and the known fields' own problems are all reported, not the first only.
    let failed = false;
    for (const key of Object.keys(value))
      if (!known.includes(key)) {
        failed = true;
        context.addIssue({
          code: 'custom',
          path: [key],
          params: { at: AT_KEY },
          input,
          message: `unknown field '${key}' in ${what}${suggestName(key, known)} (fields: ${known.join(', ')})`,
        });
      }
    const result = object.safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) context.addIssue({ ...toCustomIssue(issue, value) });
      return z.NEVER;
    }
    return failed ? z.NEVER : result.data;
  });
}

/** A name from a closed set; the message lists the set and the closest name. */
function oneOf<const T extends readonly string[]>(what: string, values: T) {
  return z.unknown().transform((input, context): T[number] => {
    if (typeof input === 'string' && (values as readonly string[]).includes(input)) return input;
    context.addIssue({
      code: 'custom',
      input,
      message: `expected ${what} (${values.join(', ')}), found ${describeFound(input)}${typeof input === 'string' ? suggestName(input, values) : ''}`,
    });
    return z.NEVER;
  });
}

/** A stage, tier or RFM segment by id, English name or zh-CN label, as the segment grammar reads it. */
function vocabularyWord(kind: 'stage' | 'tier' | 'segment', vocabulary: SegmentVocabulary) {
  const ids: readonly string[] =
    kind === 'stage'
      ? LIFECYCLE_STAGES
      : kind === 'tier'
        ? vocabulary.tiers.map((tier) => tier.id)
        : [...RFM_SEGMENTS, NO_PURCHASE];
  const what = { stage: 'a lifecycle stage', tier: 'a tier', segment: 'an RFM segment' }[kind];
  return z.unknown().transform((input, context): string => {
    if (typeof input === 'string' && input.trim() !== '' && !/[&:=<>!]/.test(input)) {
      try {
        const [condition] = parseSegment(`${kind}:${input}`, vocabulary).conditions;
        if (condition && condition.kind === kind) return String(condition.value);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
      }
    }
    context.addIssue({
      code: 'custom',
      input,
      message: `expected ${what} (${ids.join(', ')}), found ${describeFound(input)}${typeof input === 'string' ? suggestName(input, ids) : ''}`,
    });
    return z.NEVER;
  });
}

/** A condition in the segment grammar (docs/profiles.md), kept as its canonical text. */
function condition(what: string, vocabulary: SegmentVocabulary, allowEveryone: boolean) {
  return z.unknown().transform((input, context): string => {
    if (typeof input !== 'string') {
      context.addIssue({
        code: 'custom',
        input,
        message: `expected ${what} in the segment grammar, e.g. 'stage:loyal&province=浙江', found ${describeFound(input)}`,
      });
      return z.NEVER;
    }
    // Term by term first, so the message points at the term that is wrong.
    let offset = 0;
    for (const term of input.split('&')) {
      const start = offset + (term.length - term.trimStart().length);
      offset += term.length + 1;
      if (term.trim() === '') continue;
      try {
        parseSegment(term, vocabulary);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        context.addIssue({
          code: 'custom',
          input,
          params: { needle: term.trim(), offset: start },
          message: `${what}: ${error.message.replace(/^segment '[^']*': /, `'${term.trim()}': `)}${suggestTerm(term.trim(), vocabulary)}`,
        });
        return z.NEVER;
      }
    }
    try {
      const spec = parseSegment(input, vocabulary);
      if (!allowEveryone && spec.conditions.length === 0) {
        context.addIssue({ code: 'custom', input, message: `${what} must be a condition, found '${input}'` });
        return z.NEVER;
      }
      return spec.text;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      context.addIssue({ code: 'custom', input, message: `${what}: ${error.message}` });
      return z.NEVER;
    }
  });
}

/** The closest valid word for a wrong audience term: its field, its kind's value, or a bare word. */
function suggestTerm(term: string, vocabulary: SegmentVocabulary): string {
  const ids: Record<string, readonly string[]> = {
    stage: LIFECYCLE_STAGES,
    tier: vocabulary.tiers.map((t) => t.id),
    segment: [...RFM_SEGMENTS, NO_PURCHASE],
  };
  const kind = /^([a-z_]+)\s*:\s*(.+)$/i.exec(term);
  if (kind) {
    const values = ids[kind[1] ?? ''];
    return values ? suggestName(kind[2] ?? '', values) : suggestName(kind[1] ?? '', SEGMENT_KINDS);
  }
  const filter = /^([a-z_]+)\s*(>=|<=|!=|=|>|<)/i.exec(term);
  if (filter) {
    const fields = [...TEXT_FILTER_FIELDS, ...BOOLEAN_FILTER_FIELDS, ...NUMERIC_FILTER_FIELDS];
    return (fields as readonly string[]).includes(filter[1] ?? '')
      ? ''
      : suggestName(filter[1] ?? '', fields);
  }
  return suggestName(term, Object.values(ids).flat());
}

/** A duration `3d`, `12h` … within [min, MAX_DAYS], in its canonical spelling. */
function duration(what: string, minMinutes: number) {
  return z.unknown().transform((input, context): string => {
    const minutes = typeof input === 'string' ? parseDurationMinutes(input) : null;
    const problem =
      minutes === null
        ? `expected ${what} as a duration such as ${DURATION_EXAMPLES}`
        : minutes < minMinutes
          ? `expected ${what} of at least ${formatDuration(minMinutes)}`
          : minutes > MAX_DAYS * 24 * 60
            ? `expected ${what} of at most ${MAX_DAYS}d`
            : null;
    if (problem === null && minutes !== null) return formatDuration(minutes);
    context.addIssue({ code: 'custom', input, message: `${problem ?? ''}, found ${describeFound(input)}` });
    return z.NEVER;
  });
}

/** A signed whole number of days, `-3d`, `0d`, `7d`: when a date trigger fires around its day. */
const dayOffset = z.unknown().transform((input, context): string => {
  const match = typeof input === 'string' ? /^\s*([+-]?)\s*(\S+)\s*$/.exec(input) : null;
  const minutes = match ? parseDurationMinutes(match[2] ?? '') : null;
  if (match && minutes !== null && minutes % (24 * 60) === 0 && minutes <= MAX_DAYS * 24 * 60) {
    const days = minutes / (24 * 60);
    return `${match[1] === '-' && days > 0 ? '-' : ''}${days}d`;
  }
  context.addIssue({
    code: 'custom',
    input,
    message: `expected an offset in whole days within ${MAX_DAYS}d, e.g. -3d (3 days before), 0d or 7d, found ${describeFound(input)}`,
  });
  return z.NEVER;
});

const timeOfDay = z
  .string({ message: 'expected a time of day HH:MM in store time, e.g. 10:00' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time of day HH:MM in store time, e.g. 10:00' });

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

/** What is wrong with a five-field cron expression (numbers, `*`, ranges, lists, steps), or null. */
export function findCronProblem(expression: string): string | null {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    return `expected five fields (minute hour day-of-month month day-of-week), found ${parts.length}`;
  for (const [index, part] of parts.entries()) {
    const field = CRON_FIELDS[index];
    if (!field) return 'expected five fields';
    for (const item of part.split(',')) {
      const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      if (!match) return `${field.name} '${item}' is not a number, range, list or step`;
      const bounds = [match[2], match[3]].filter((n) => n !== undefined).map(Number);
      if (bounds.some((n) => n < field.min || n > field.max))
        return `${field.name} '${item}' is outside ${field.min}–${field.max}`;
      if (bounds.length === 2 && (bounds[0] ?? 0) > (bounds[1] ?? 0))
        return `${field.name} range '${item}' runs backwards`;
      if (match[4] !== undefined && Number(match[4]) === 0) return `${field.name} step '${item}' is zero`;
    }
  }
  return null;
}

/**
 * Exactly one of the given kinds, written as a mapping with one key (`{feedback: [complaint]}`),
 * or the kind alone for one that takes nothing (`order`, `joined`).
 */
function exactlyOne<S extends Record<string, z.ZodType>>(what: string, shapes: S) {
  const kinds = Object.keys(shapes);
  type Output = { [K in keyof S]: { [P in K]: z.output<S[K]> } }[keyof S];
  return z.unknown().transform((input, context): Output => {
    const value = typeof input === 'string' && kinds.includes(input) ? { [input]: null } : input;
    const keys = isPlainObject(value) ? Object.keys(value) : [];
    const [key] = keys;
    if (!isPlainObject(value) || key === undefined || keys.length > 1) {
      const found =
        isPlainObject(value) && keys.length > 1
          ? `${keys.length} (${keys.join(', ')})`
          : describeFound(input);
      context.addIssue({
        code: 'custom',
        input,
        message: `expected exactly one ${what} (${kinds.join(', ')}), found ${found}${typeof input === 'string' ? suggestName(input, kinds) : ''}`,
      });
      return z.NEVER;
    }
    const schema = shapes[key];
    if (schema === undefined) {
      context.addIssue({
        code: 'custom',
        path: [key],
        params: { at: AT_KEY },
        input,
        message: `unknown ${what} '${key}'${suggestName(key, kinds)} (${what}s: ${kinds.join(', ')})`,
      });
      return z.NEVER;
    }
    const result = schema.safeParse(value[key]);
    if (!result.success) {
      for (const issue of result.error.issues)
        context.addIssue({ ...toCustomIssue(issue, value[key]), path: [key, ...issue.path] });
      return z.NEVER;
    }
    return { [key]: result.data } as Output;
  });
}

/** A nested parse's issue carried up: custom issues as they are, zod's own with what was found. */
function toCustomIssue(issue: z.core.$ZodIssue, root: unknown): z.core.$ZodIssueCustom {
  if (issue.code === 'custom') return issue;
  return { code: 'custom', path: issue.path, message: describeIssue(issue, root) };
}

/** One sentence for one of zod's own issues: what was expected, what was found. */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  if (issue.code === 'custom') return issue.message;
  const found = describeFound(valueAt(root, issue.path));
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return issue.message.startsWith('missing') ? issue.message : `${issue.message} (missing)`;
  return `${issue.message}, found ${found}`;
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `missing ${what}` : `expected ${what}`),
});

/** A coupon budget of the rule: a whole number of codes, at least 1. */
const couponBudget = (field: string, what: string) =>
  z.unknown().transform((input, ctx): number => {
    if (typeof input === 'number' && Number.isInteger(input) && input >= 1) return input;
    ctx.addIssue({
      code: 'custom',
      input,
      message: `expected ${field}, a whole number of ${what} of at least 1 (leave it out for no limit), found ${describeFound(input)}`,
    });
    return z.NEVER;
  });

const nameText = (what: string) =>
  z.string(required(what)).regex(/^[\p{L}\p{N}_.-]{1,60}$/u, {
    message: `expected ${what}: letters, digits, _ . or -, at most 60`,
  });

/** The `{name}` placeholders of a text, with their offsets. */
export function findPlaceholders(text: string): { name: string; offset: number }[] {
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((match) => ({ name: match[1] ?? '', offset: match.index }));
}

function template(what: string) {
  return z.string(required(what)).min(1, { message: `expected ${what}, found an empty text` });
}

/** Builds the rule schema for a store; its output is the canonical definition. */
export function buildRuleSchema(context: RuleContext) {
  const { vocabulary } = context;
  const stage = vocabularyWord('stage', vocabulary);
  const tier = vocabularyWord('tier', vocabulary);
  const tierIds = vocabulary.tiers.map((t) => t.id);

  const trigger = exactlyOne('trigger', {
    order: fields('the order trigger', {}),
    feedback: z
      .array(oneOf('a feedback kind', FEEDBACK_TRIGGERS), {
        message: `expected a list of feedback kinds, e.g. [${FEEDBACK_TRIGGERS.join(', ')}]`,
      })
      .min(1, { message: 'expected at least one feedback kind' })
      .transform((kinds) => FEEDBACK_TRIGGERS.filter((kind) => kinds.includes(kind))),
    joined: fields('the joined trigger', {}),
    stage: fields('the stage trigger {from?, to}', { from: stage.optional(), to: stage }).refine(
      (s) => s.from !== s.to,
      { message: 'a stage change goes from one stage to another: from and to are the same', path: ['to'] },
    ),
    tier: fields('the tier trigger {change, to?}', {
      change: oneOf('a tier change', TIER_CHANGES).default('any'),
      to: tier.optional(),
    }).superRefine((t, ctx) => {
      if (t.to === undefined) return;
      const rank = tierIds.indexOf(t.to);
      if ((t.change === 'up' && rank === 0) || (t.change === 'down' && rank === tierIds.length - 1))
        ctx.addIssue({
          code: 'custom',
          path: ['to'],
          message: `no member moves ${t.change} to '${t.to}', the ${rank === 0 ? 'lowest' : 'highest'} tier`,
        });
    }),
    segment: fields('the segment trigger {enter}', { enter: vocabularyWord('segment', vocabulary) }),
    became: condition('the became condition', vocabulary, false),
    date: fields('the date trigger {field, offset, at}', {
      field: oneOf('a date field', DATE_FIELDS),
      offset: dayOffset.default('0d'),
      at: timeOfDay.default('10:00'),
    }),
    schedule: fields('the schedule {dates | monthly | annual | cron, at}', {
      dates: z
        .array(z.string().refine(isCalendarDay, { message: 'expected a day YYYY-MM-DD' }))
        .min(1, { message: 'expected at least one day' })
        .transform((days) => [...new Set(days)].sort())
        .optional(),
      monthly: z
        .array(z.number().int().min(1).max(31), { message: 'expected days of the month 1–31, e.g. [18]' })
        .min(1, { message: 'expected at least one day of the month' })
        .transform((days) => [...new Set(days)].sort((a, b) => a - b))
        .optional(),
      annual: z
        .array(z.string().refine(isMonthDay, { message: 'expected a day of the year MM-DD, e.g. 11-11' }))
        .min(1, { message: 'expected at least one day of the year' })
        .transform((days) => [...new Set(days)].sort())
        .optional(),
      cron: z
        .string({ message: "expected a cron expression, e.g. '0 10 * * 1'" })
        .superRefine((text, ctx) => {
          const problem = findCronProblem(text);
          if (problem) ctx.addIssue({ code: 'custom', message: `cron '${text}': ${problem}` });
        })
        .transform((text) => text.trim().split(/\s+/).join(' '))
        .optional(),
      at: timeOfDay.optional(),
    }).transform((s, ctx) => {
      const given = (['dates', 'monthly', 'annual', 'cron'] as const).filter((k) => s[k] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: `expected exactly one of dates, monthly, annual or cron, found ${given.length ? given.join(', ') : 'none'}`,
        });
        return z.NEVER;
      }
      if (s.cron !== undefined) {
        if (s.at !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['at'],
            message: 'a cron expression sets its own time: leave out at',
          });
          return z.NEVER;
        }
        return { cron: s.cron };
      }
      return { ...s, at: s.at ?? '10:00' };
    }),
    alert: fields('the alert trigger {check}', { check: oneOf('a monitor check', MONITOR_CHECKS) }),
    signal: nameText('a signal name, e.g. 降温 or cold_snap'),
  });

  const placeholderTemplate = (what: string) => template(what);
  const action = exactlyOne('action', {
    coupon: fields('the coupon action {pool, per_day?, total?}', {
      pool: z.unknown().transform((input, ctx): string => {
        if (typeof input === 'string' && context.couponPools.includes(input)) return input;
        const known = context.couponPools.length
          ? `pools: ${context.couponPools.join(', ')}`
          : 'the store has no pool yet: huiyuan coupons import FILE --pool NAME, or coupons generate';
        ctx.addIssue({
          code: 'custom',
          input,
          message: `expected a coupon pool of the store, found ${describeFound(input)}${typeof input === 'string' ? suggestName(input, context.couponPools) : ''} (${known})`,
        });
        return z.NEVER;
      }),
      per_day: couponBudget('per_day', 'codes a day').optional(),
      total: couponBudget('total', 'codes in all').optional(),
    }),
    message: fields('the message action {channel, template, subject?}', {
      channel: oneOf('a message channel', MESSAGE_CHANNELS),
      subject: placeholderTemplate('an email subject').optional(),
      template: placeholderTemplate('a message template'),
    }).superRefine((m, ctx) => {
      if (m.channel === 'email' && m.subject === undefined)
        ctx.addIssue({ code: 'custom', path: ['subject'], message: 'missing subject: an email needs one' });
      if (m.channel === 'sms' && m.subject !== undefined)
        ctx.addIssue({ code: 'custom', path: ['subject'], message: 'a text message has no subject' });
    }),
    webhook: fields('the webhook action {endpoint}', {
      endpoint: z.unknown().transform((input, ctx): string => {
        if (typeof input === 'string' && context.webhooks.includes(input)) return input;
        const known = context.webhooks.length
          ? `endpoints in the config: ${context.webhooks.join(', ')}`
          : 'the config names no endpoint (channels.webhooks)';
        ctx.addIssue({
          code: 'custom',
          input,
          message: `expected a webhook endpoint from the config, found ${describeFound(input)}${typeof input === 'string' ? suggestName(input, context.webhooks) : ''} (${known})`,
        });
        return z.NEVER;
      }),
    }),
    tag: fields('the tag action {add | remove}', {
      add: nameText('a tag name').optional(),
      remove: nameText('a tag name').optional(),
    }).refine((t) => (t.add === undefined) !== (t.remove === undefined), {
      message: 'expected exactly one of add or remove',
    }),
    benefit: fields('the benefit action', {}),
    notify: fields('the notify action {text}', { text: placeholderTemplate('the notice text') }),
    export: fields('the export action {list, format}', {
      list: nameText('an audience list name'),
      format: oneOf('an export format', EXPORT_FORMATS).default('csv'),
    }),
  });

  return fields('a rule', {
    id: z.string(required('id')).regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
      message: 'expected an id of lowercase letters, digits, - and _ (at most 63), e.g. winback-churned',
    }),
    name: z
      .string(required('name'))
      .trim()
      .min(1, { message: 'expected a name, found an empty text' })
      .max(100),
    status: oneOf('a status', RULE_STATUSES).optional(),
    category: oneOf('a category', RULE_CATEGORIES).default('marketing'),
    priority: z
      .number({ message: 'expected a priority, a whole number 0–100 (higher wins)' })
      .int({ message: 'expected a whole number 0–100' })
      .min(0, { message: 'expected a priority 0–100' })
      .max(100, { message: 'expected a priority 0–100' })
      .default(50),
    trigger: trigger,
    audience: condition('the audience', vocabulary, true).default('all'),
    wait: duration('a wait', 1).optional(),
    re_entry: z
      .unknown()
      .transform((input, ctx): string => {
        if (input === 'every' || input === 'once') return input;
        const after = typeof input === 'string' ? /^\s*after\s+(\S+)\s*$/.exec(input) : null;
        const minutes = after ? parseDurationMinutes(after[1] ?? '') : null;
        if (minutes !== null && minutes >= 60 && minutes <= MAX_DAYS * 24 * 60)
          return `after ${formatDuration(minutes)}`;
        ctx.addIssue({
          code: 'custom',
          input,
          message: `expected re_entry every, once or 'after 30d' (1h to ${MAX_DAYS}d), found ${describeFound(input)}${typeof input === 'string' && after === null ? suggestName(input, ['every', 'once']) : ''}`,
        });
        return z.NEVER;
      })
      .default('once'),
    holdout: z
      .number({ message: 'expected a holdout share between 0 and 0.9, e.g. 0.1' })
      .min(0, { message: 'expected a holdout share between 0 and 0.9' })
      .max(0.9, { message: 'expected a holdout share of at most 0.9 (a rule must treat someone)' })
      .optional(),
    goal: fields('the goal {event, within}', {
      event: oneOf('a goal event', GOAL_EVENTS).default('purchase'),
      within: duration('a goal window', 24 * 60).default('14d'),
    }).default({ event: 'purchase', within: '14d' }),
    actions: z
      .array(action, { message: 'expected a list of actions, e.g. [{message: {channel: sms, template: …}}]' })
      .min(1, { message: 'expected at least one action' }),
  })
    .superRefine((rule, ctx) => checkActions(rule, ctx, context))
    .transform((rule) => {
      const { holdout, ...definition } = rule;
      // A service rule (a benefit owed, a notice) holds no one out unless it says so: the
      // tier's promise is not an experiment. Marketing takes the store's default.
      const share = holdout ?? context.defaultHoldout;
      return {
        definition: {
          id: definition.id,
          name: definition.name,
          category: definition.category,
          priority: definition.priority,
          trigger: definition.trigger,
          audience: definition.audience,
          ...(definition.wait === undefined ? {} : { wait: definition.wait }),
          re_entry: definition.re_entry,
          holdout: share,
          goal: definition.goal,
          actions: definition.actions,
        },
        status: rule.status,
      };
    });
}

type ParsedRule = z.output<ReturnType<typeof buildRuleSchema>>;
/** A rule's canonical definition: everything it says but its status (rule-versions.ts). */
export type RuleDefinition = ParsedRule['definition'];
export type RuleTrigger = RuleDefinition['trigger'];
export type RuleAction = RuleDefinition['actions'][number];

interface CheckedRule {
  readonly category: (typeof RULE_CATEGORIES)[number];
  readonly trigger: Record<string, unknown>;
  readonly actions: readonly Record<string, unknown>[];
}

/** The checks across fields: placeholders against what the rule provides, SMS wording, one coupon. */
function checkActions(rule: CheckedRule, ctx: z.RefinementCtx, context: RuleContext): void {
  const hasCoupon = rule.actions.some((a) => 'coupon' in a);
  const isOrder = 'order' in rule.trigger;
  if (rule.actions.filter((a) => 'coupon' in a).length > 1)
    ctx.addIssue({
      code: 'custom',
      path: ['actions'],
      message: 'expected at most one coupon action (one code per enrollment)',
    });
  rule.actions.forEach((action, index) => {
    const kind = Object.keys(action)[0] ?? '';
    const body = (action[kind] ?? {}) as Record<string, unknown>;
    if (kind === 'benefit' && !isOrder)
      ctx.addIssue({
        code: 'custom',
        path: ['actions', index, 'benefit'],
        message:
          'the benefit action records a tier benefit against the triggering order: it needs trigger order',
      });
    for (const field of ['template', 'subject', 'text'] as const) {
      const text = body[field];
      if (typeof text !== 'string') continue;
      const path = ['actions', index, kind, field];
      for (const { name, offset } of findPlaceholders(text)) {
        const needs = (PLACEHOLDERS as Record<string, string>)[name];
        const problem =
          needs === undefined
            ? `unknown placeholder {${name}}${suggestName(name, PLACEHOLDER_NAMES)} (placeholders: ${PLACEHOLDER_NAMES.map((p) => `{${p}}`).join(' ')})`
            : needs === 'coupon' && !hasCoupon
              ? `placeholder {${name}} needs a coupon action in the rule`
              : needs === 'order' && !isOrder
                ? `placeholder {${name}} needs trigger order`
                : null;
        if (problem)
          ctx.addIssue({ code: 'custom', path, params: { needle: `{${name}}`, offset }, message: problem });
      }
    }
    if (
      kind === 'message' &&
      body.channel === 'sms' &&
      rule.category === 'marketing' &&
      typeof body.template === 'string'
    ) {
      const text = body.template.trim();
      if (!/^【[^】]+】/.test(text))
        ctx.addIssue({
          code: 'custom',
          path: ['actions', index, kind, 'template'],
          message: `a marketing SMS begins with the store's signature 【…】, found '${text.slice(0, 12)}…'`,
        });
      if (!text.endsWith(context.unsubscribeText))
        ctx.addIssue({
          code: 'custom',
          path: ['actions', index, kind, 'template'],
          message: `a marketing SMS ends with the unsubscribe text '${context.unsubscribeText}' (channels.sms.unsubscribe_text)`,
        });
    }
  });
}

/** The kind of a trigger or an action (its one key). */
export function getKind<K extends string>(entry: Partial<Record<K, unknown>>): K {
  const [kind] = Object.keys(entry);
  if (kind === undefined) throw new AppError('INTERNAL', 'a trigger or action without a kind');
  return kind as K;
}
