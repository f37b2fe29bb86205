/**
 * The rules and channels sections of the config (preset conditions, 预设条件; docs/rules.md):
 * the holdout a rule gets when it names none, and the delivery channels a rule may name. A rule
 * file is checked against these when it is applied, so a rule never names an endpoint the store
 * does not have. Secrets are never written here: a channel names the environment variable that
 * holds its secret, read by the delivery code when it sends.
 */
import { z } from 'zod';

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, {
    message: 'expected an environment variable name such as HUIYUAN_HOOK_SECRET',
  });

export const WEBHOOK_ENDPOINT_NAME = /^[a-z][a-z0-9_-]*$/;

const webhookEndpoint = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }),
  secret_env: envName.describe('The environment variable holding the whsec_… signing secret.'),
});

export const rulesConfigSchema = z.strictObject({
  holdout: z
    .number({ message: 'expected a share between 0 and 1, e.g. 0.1' })
    .min(0, { message: 'expected a share between 0 and 1, e.g. 0.1' })
    .max(0.9, { message: 'expected a share of at most 0.9 (a rule must treat someone)' })
    .default(0.1)
    .describe('The share of members a marketing rule holds out (对照组) when the rule names no holdout.'),
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
