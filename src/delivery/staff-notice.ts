/**
 * One notice to the staff's group robot, sent at once rather than through the outbox: for monitor
 * alerts (an alert is already stored and deduplicated by the monitor, so it needs no second
 * ledger). Rule `notify` actions go through the outbox instead, with retries and a decision.
 */
import { resolveChannelSecrets } from '../config/channel-secrets.js';
import type { ChannelsConfig } from '../config/rules-config.js';
import { AppError } from '../errors.js';
import { notifyRobotName } from './channel-senders.js';
import { HttpClient } from './http-post.js';
import { assertPublicHost } from './private-hosts.js';
import { RobotSender } from './robots.js';
import type { SendOutcome } from './senders.js';

/** Sends `text` to `robot` (default: channels.notify_robot, or the only robot). */
export async function sendStaffNotice(
  channels: ChannelsConfig,
  env: NodeJS.ProcessEnv,
  text: string,
  options: { readonly robot?: string; readonly signal?: AbortSignal } = {},
): Promise<SendOutcome> {
  const name = notifyRobotName(channels, options.robot ?? null);
  const robot = name === undefined ? undefined : channels.robots[name];
  if (name === undefined || robot === undefined)
    throw new AppError(
      'BAD_CONFIG',
      name === undefined
        ? 'no staff robot to notify: set channels.notify_robot (channels.robots has none or several)'
        : `the robot '${name}' is not in channels.robots`,
    );
  const secrets = resolveChannelSecrets(channels, env).robots.get(name);
  const url = secrets?.url ?? '';
  if (!channels.allow_private_hosts) await assertPublicHost(url, `channels.robots.${name}.url_env`);
  const client = new HttpClient({
    timeoutMs: channels.timeout_seconds * 1000,
    allowPrivateHosts: channels.allow_private_hosts,
    maxSockets: 1,
  });
  try {
    return await new RobotSender(robot.type, url, secrets?.secret, client).sendText(text, options.signal);
  } finally {
    client.close();
  }
}
