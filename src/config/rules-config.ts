/**
 * The rules and channels sections of the config (preset conditions, 预设条件; docs/rules.md):
 * the holdout a rule gets when it names none, and the delivery channels a rule may name. A rule
 * file is checked against these when it is applied, so a rule never names an endpoint the store
 * does not have. Secrets are never written here: a channel names the environment variable that
 * holds its secret, read by the delivery code when it sends.
 */
import { z } from 'zod';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  message: 'expected an environment variable name such as HUIYUAN_HOOK_SECRET',
});

export const WEBHOOK_ENDPOINT_NAME = /^[a-z][a-z0-9_-]*$/;

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

const webhookEndpoint = z.strictObject({
  url: httpUrl,
  secret_env: envName.describe('The environment variable holding the whsec_… signing secret.'),
});

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
