/**
 * The delivery channels' secrets, read from the environment variables the config names
 * (channels.*.secret_env, pass_env, url_env …). This is the one place they are read; the values
 * travel in a ChannelSecrets object to the senders and are never printed: every message here
 * names the variable, never its value.
 */
import { AppError } from '../errors.js';
import type { ChannelsConfig } from './rules-config.js';

export interface RobotSecrets {
  readonly url: string;
  readonly secret: string | undefined;
}

export interface ChannelSecrets {
  /** Webhook endpoint name → its whsec_… secret. */
  readonly webhooks: ReadonlyMap<string, string>;
  readonly smsGateway: string | undefined;
  readonly aliyun: { readonly accessKeyId: string; readonly accessKeySecret: string } | undefined;
  readonly emailPassword: string | undefined;
  /** Robot name → its address and signing secret. */
  readonly robots: ReadonlyMap<string, RobotSecrets>;
}

const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads every secret the configured channels name. A variable that is unset or empty, or a
 * webhook secret that is not `whsec_` + base64, is one line naming the config key and the
 * variable (exit 3), before anything is sent.
 */
export function resolveChannelSecrets(channels: ChannelsConfig, env: NodeJS.ProcessEnv): ChannelSecrets {
  const read = (name: string, key: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '')
      throw new AppError('BAD_CONFIG', `${key} names the environment variable ${name}, which is not set`);
    return value.trim();
  };
  const readWhsec = (name: string, key: string): string => {
    const value = read(name, key);
    if (!WHSEC.test(value))
      throw new AppError(
        'BAD_CONFIG',
        `the environment variable ${name} (${key}) does not hold a Standard Webhooks secret: expected whsec_ followed by base64`,
      );
    return value;
  };

  const webhooks = new Map<string, string>();
  for (const [name, endpoint] of Object.entries(channels.webhooks))
    webhooks.set(name, readWhsec(endpoint.secret_env, `channels.webhooks.${name}.secret_env`));

  const { gateway, aliyun } = channels.sms;
  const robots = new Map<string, RobotSecrets>();
  for (const [name, robot] of Object.entries(channels.robots)) {
    const url = read(robot.url_env, `channels.robots.${name}.url_env`);
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw new AppError(
        'BAD_CONFIG',
        `the environment variable ${robot.url_env} (channels.robots.${name}.url_env) does not hold an http(s) address`,
      );
    robots.set(name, {
      url,
      secret:
        robot.secret_env === undefined
          ? undefined
          : read(robot.secret_env, `channels.robots.${name}.secret_env`),
    });
  }
  return {
    webhooks,
    smsGateway: gateway ? readWhsec(gateway.secret_env, 'channels.sms.gateway.secret_env') : undefined,
    aliyun: aliyun
      ? {
          accessKeyId: read(aliyun.access_key_id_env, 'channels.sms.aliyun.access_key_id_env'),
          accessKeySecret: read(aliyun.access_key_secret_env, 'channels.sms.aliyun.access_key_secret_env'),
        }
      : undefined,
    emailPassword:
      channels.email?.pass_env === undefined
        ? undefined
        : read(channels.email.pass_env, 'channels.email.pass_env'),
    robots,
  };
}
