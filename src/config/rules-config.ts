/**
 * The rules and channels sections of the config (preset conditions, 预设条件; docs/rules.md):
 * the holdout a rule gets when it names none, and the delivery channels a rule may name. A rule
 * file is checked against these when it is applied, so a rule never names an endpoint the store
 * does not have. Secrets are never written here: a channel names the environment variable that
 * holds its secret, read by the delivery code when it sends.
 */
import { z } from 'zod';
import { DURATION_EXAMPLES, parseDurationMinutes } from '../rules/duration.js';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  message: 'expected an environment variable name such as HUIYUAN_HOOK_SECRET',
});

export const WEBHOOK_ENDPOINT_NAME = /^[a-z][a-z0-9_-]*$/;

const webhookEndpoint = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }),
  secret_env: envName.describe('The environment variable holding the whsec_… signing secret.'),
});

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time of day HH:MM in store time, e.g. 20:00' });

/** The channels an action goes out by: what quiet hours and caps are kept per. */
export const DISPATCH_CHANNELS = ['sms', 'email', 'webhook', 'notify'] as const;
export type DispatchChannel = (typeof DISPATCH_CHANNELS)[number];
/** The channels that reach the member with a message: the ones marketing caps count. */
export const CAPPED_CHANNELS = ['sms', 'email'] as const;
export type CappedChannel = (typeof CAPPED_CHANNELS)[number];

const quietWindow = z
  .strictObject({
    start: timeOfDay.describe('When the quiet window opens, e.g. 20:00.'),
    end: timeOfDay.describe(
      'When it ends and deferred actions go, e.g. 08:00 (the next morning when earlier than start).',
    ),
  })
  .refine((w) => w.start !== w.end, { message: 'a quiet window starts and ends at different times' });

const capCount = z
  .number({ message: 'expected a whole number of messages, e.g. 1' })
  .int({ message: 'expected a whole number of messages' })
  .min(0, { message: 'expected a number of messages of at least 0' });
const cap = z
  .strictObject({
    day: capCount.optional().describe('The most per member per store day.'),
    week: capCount.optional().describe('The most per member in any 7 store days (the day and the 6 before).'),
  })
  .describe('At most day / week messages per member; a missing figure is no cap.');

const DEFAULT_CAPS = {
  sms: { day: 1, week: 2 },
  email: { day: 1, week: 3 },
  overall: { day: 2, week: 4 },
};

export const rulesConfigSchema = z.strictObject({
  holdout: z
    .number({ message: 'expected a share between 0 and 1, e.g. 0.1' })
    .min(0, { message: 'expected a share between 0 and 1, e.g. 0.1' })
    .max(0.9, { message: 'expected a share of at most 0.9 (a rule must treat someone)' })
    .default(0.1)
    .describe('The share of members a marketing rule holds out (对照组) when the rule names no holdout.'),
  max_lateness: z
    .string()
    .refine((text) => (parseDurationMinutes(text) ?? 0) > 0, {
      message: `expected a duration such as ${DURATION_EXAMPLES}`,
    })
    .default('2d')
    .describe(
      'How late a due action may still go: past it a deferred action is skipped (skipped_late), so a catch-up never sends a stale promotion.',
    ),
  quiet_hours: z
    .partialRecord(z.enum(DISPATCH_CHANNELS), quietWindow)
    .default({ sms: { start: '20:00', end: '08:00' } })
    .describe(
      "Quiet hours (免打扰时段) per channel in store time: an action due inside is deferred to the window's end.",
    ),
  caps: z
    .strictObject({
      sms: cap.default(DEFAULT_CAPS.sms),
      email: cap.default(DEFAULT_CAPS.email),
      overall: cap.default(DEFAULT_CAPS.overall).describe('SMS and email together.'),
    })
    .default(DEFAULT_CAPS)
    .describe(
      'Frequency caps (频次上限) on marketing messages per member, per channel and over both (overall); service rules skip them.',
    ),
  lists_dir: z
    .string()
    .min(1)
    .default('audience-lists')
    .describe(
      'The folder the export action writes its audience lists (人群包) to, as LIST.csv or LIST.xlsx; relative to the database folder.',
    ),
});

export const channelsConfigSchema = z.strictObject({
  webhooks: z
    .record(
      z
        .string()
        .regex(WEBHOOK_ENDPOINT_NAME, { message: 'expected a name of lowercase letters, digits, - and _' }),
      webhookEndpoint,
    )
    .default({})
    .describe(
      'Named webhook endpoints a rule action `webhook: {endpoint: NAME}` may use: { url, secret_env }.',
    ),
  sms: z
    .strictObject({
      unsubscribe_text: z
        .string()
        .min(1)
        .default('回T退订')
        .describe('Every marketing SMS template must end with this text.'),
    })
    .default({ unsubscribe_text: '回T退订' })
    .describe('Text messages (短信).'),
  allow_private_hosts: z
    .boolean()
    .default(false)
    .describe('Allow webhook URLs that resolve to private or loopback addresses (tests set it).'),
});

export type RulesConfig = z.infer<typeof rulesConfigSchema>;
export type ChannelsConfig = z.infer<typeof channelsConfigSchema>;
