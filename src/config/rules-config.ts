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

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

const webhookEndpoint = z.strictObject({
  url: httpUrl,
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
export const ROBOT_TYPES = ['wecom', 'dingtalk', 'feishu'] as const;
export type RobotType = (typeof ROBOT_TYPES)[number];

/** A staff group robot (群机器人): its address holds its key, so it too comes from the environment. */
const robot = z.strictObject({
  type: z
    .enum(ROBOT_TYPES, { message: `expected a robot type (${ROBOT_TYPES.join(', ')})` })
    .describe('企业微信 (wecom), 钉钉 (dingtalk) or 飞书 (feishu).'),
  url_env: envName.describe(
    "The environment variable holding the robot's webhook address (it carries its key).",
  ),
  secret_env: envName
    .optional()
    .describe(
      'The environment variable holding the signing secret (钉钉 加签 SEC…, 飞书 签名校验); none for 企业微信.',
    ),
});

const positiveInt = (what: string) =>
  z
    .number({ message: `expected ${what}, a whole number of at least 1` })
    .int({ message: `expected ${what}, a whole number` })
    .min(1, { message: `expected ${what} of at least 1` });

const DEFAULT_CONCURRENCY = { webhook: 16, email: 4, sms: 8, robot: 2 };

const smsSchema = z
  .strictObject({
    unsubscribe_text: z
      .string()
      .min(1)
      .default('回T退订')
      .describe('Every marketing SMS template must end with this text.'),
    provider: z
      .enum(['gateway', 'aliyun'], { message: 'expected an SMS provider: gateway or aliyun' })
      .optional()
      .describe('Who sends the texts: a gateway webhook of your own, or Aliyun SMS (阿里云短信).'),
    gateway: webhookEndpoint
      .optional()
      .describe(
        'The SMS gateway: { url, secret_env }; it receives { to, text } as a signed Standard Webhook.',
      ),
    aliyun: z
      .strictObject({
        access_key_id_env: envName.describe('The environment variable holding the AccessKey ID.'),
        access_key_secret_env: envName.describe('The environment variable holding the AccessKey secret.'),
        sign_name: z.string().min(1).describe('The approved signature (短信签名), e.g. 某某旗舰店.'),
        template_code: z.string().min(1).describe('The approved template (短信模板), e.g. SMS_123456789.'),
        template_param: z
          .string()
          .min(1)
          .default('content')
          .describe('The template variable that receives the rendered text, e.g. ${content}.'),
        endpoint: httpUrl.default('https://dysmsapi.aliyuncs.com/').describe('The SMS API endpoint.'),
        region: z.string().min(1).default('cn-hangzhou'),
      })
      .optional()
      .describe('Aliyun SMS (阿里云短信), SendSms with the RPC request signature.'),
  })
  .superRefine((sms, context) => {
    if (sms.provider && !sms[sms.provider])
      context.addIssue({
        code: 'custom',
        path: [sms.provider],
        message: `expected channels.sms.${sms.provider} when the provider is ${sms.provider}`,
      });
  });

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

export const channelsConfigSchema = z
  .strictObject({
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
    sms: smsSchema.default({ unsubscribe_text: '回T退订' }).describe('Text messages (短信).'),
    email: z
      .strictObject({
        host: z.string().min(1).describe('The SMTP server, e.g. smtp.exmail.qq.com.'),
        port: z.number().int().min(1).max(65535).default(465),
        secure: z
          .boolean()
          .default(true)
          .describe('TLS from the start (port 465); false for STARTTLS (587) or plain.'),
        user: z.string().min(1).optional(),
        pass_env: envName.optional().describe('The environment variable holding the SMTP password.'),
        from: z.string().min(3).describe('The sender, e.g. "某某旗舰店 <crm@example.com>".'),
      })
      .optional()
      .describe('Email over SMTP (邮件).'),
    robots: z
      .record(
        z
          .string()
          .regex(WEBHOOK_ENDPOINT_NAME, { message: 'expected a name of lowercase letters, digits, - and _' }),
        robot,
      )
      .default({})
      .describe(
        'Staff group robots (群机器人) that `notify` actions and monitor alerts go to: { type, url_env, secret_env? }.',
      ),
    notify_robot: z
      .string()
      .optional()
      .describe('The robot `notify` actions go to; by default the only robot when there is one.'),
    allow_private_hosts: z
      .boolean()
      .default(false)
      .describe('Allow webhook URLs that resolve to private or loopback addresses (tests set it).'),
    max_attempts: positiveInt('a number of attempts')
      .max(20, { message: 'expected at most 20 attempts' })
      .default(6)
      .describe(
        'Attempts per delivery before it is failed (5xx, 429, timeouts are retried; other 4xx fail at once).',
      ),
    retry_after_seconds: positiveInt('a number of seconds')
      .default(60)
      .describe('The wait before the first retry; each further retry waits twice as long (at most a day).'),
    timeout_seconds: positiveInt('a number of seconds')
      .max(300)
      .default(10)
      .describe('How long one attempt may take.'),
    concurrency: z
      .strictObject({
        webhook: positiveInt('a concurrency').max(256).default(DEFAULT_CONCURRENCY.webhook),
        email: positiveInt('a concurrency').max(64).default(DEFAULT_CONCURRENCY.email),
        sms: positiveInt('a concurrency').max(256).default(DEFAULT_CONCURRENCY.sms),
        robot: positiveInt('a concurrency').max(16).default(DEFAULT_CONCURRENCY.robot),
      })
      .default(DEFAULT_CONCURRENCY)
      .describe('How many sends of each channel may be under way at once.'),
  })
  .superRefine((channels, context) => {
    const robots = Object.keys(channels.robots);
    if (channels.notify_robot !== undefined && !robots.includes(channels.notify_robot))
      context.addIssue({
        code: 'custom',
        path: ['notify_robot'],
        message: `expected a robot of channels.robots (${robots.join(', ') || 'none configured'}), found '${channels.notify_robot}'`,
      });
    if (channels.email?.user !== undefined && channels.email.pass_env === undefined)
      context.addIssue({
        code: 'custom',
        path: ['email', 'pass_env'],
        message: 'expected pass_env when user is given',
      });
  });

export type RulesConfig = z.infer<typeof rulesConfigSchema>;
export type ChannelsConfig = z.infer<typeof channelsConfigSchema>;
