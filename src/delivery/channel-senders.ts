/**
 * One Sender per outbox channel, built from the config and the secrets: the webhook sender picks
 * the endpoint named in the row, SMS goes to the gateway or Aliyun, email to the SMTP server,
 * notices to a group robot. checkDueTargets refuses, before anything is sent, what the due rows
 * need and the config lacks: an endpoint or robot no longer configured, an unconfigured channel,
 * a private host.
 */
import type { ChannelSecrets } from '../config/channel-secrets.js';
import type { ChannelsConfig } from '../config/rules-config.js';
import { AppError } from '../errors.js';
import { AliyunSmsSender } from './aliyun-sms.js';
import { EmailSender } from './email-sender.js';
import { HttpClient } from './http-post.js';
import { DELIVERY_CHANNELS, type DeliveryChannel } from './outbox.js';
import { assertPublicHost } from './private-hosts.js';
import { RobotSender } from './robots.js';
import { failure, type OutgoingDelivery, payloadText, type Sender, type SendOutcome } from './senders.js';
import { SignedPoster } from './webhook-sender.js';

export type ChannelSenders = Readonly<Record<DeliveryChannel, Sender>> & { close(): void };

const notConfigured = (what: string): SendOutcome => failure(`${what} is not configured`, false);

/** The robot a notice goes to: the row's, else channels.notify_robot, else the only robot. */
export function notifyRobotName(channels: ChannelsConfig, destination: string | null): string | undefined {
  if (destination) return destination;
  if (channels.notify_robot) return channels.notify_robot;
  const names = Object.keys(channels.robots);
  return names.length === 1 ? names[0] : undefined;
}

export function openChannelSenders(channels: ChannelsConfig, secrets: ChannelSecrets): ChannelSenders {
  const timeoutMs = channels.timeout_seconds * 1000;
  const clientFor = (channel: DeliveryChannel) =>
    new HttpClient({
      timeoutMs,
      allowPrivateHosts: channels.allow_private_hosts,
      maxSockets: channels.concurrency[channel],
    });
  const clients = { webhook: clientFor('webhook'), sms: clientFor('sms'), robot: clientFor('robot') };

  const endpoints = new Map(
    Object.entries(channels.webhooks).map(([name, endpoint]) => [
      name,
      new SignedPoster(endpoint.url, secrets.webhooks.get(name) ?? '', clients.webhook, `webhook ${name}`),
    ]),
  );
  const webhook: Sender = {
    send(delivery, signal) {
      const poster = delivery.destination === null ? undefined : endpoints.get(delivery.destination);
      if (!poster) return Promise.resolve(notConfigured(`webhook endpoint '${delivery.destination ?? ''}'`));
      return poster.post(delivery.id, delivery.body, signal);
    },
  };

  const { gateway, aliyun, provider } = channels.sms;
  const gatewayPoster =
    gateway && secrets.smsGateway
      ? new SignedPoster(gateway.url, secrets.smsGateway, clients.sms, 'SMS gateway')
      : undefined;
  const aliyunSender =
    aliyun && secrets.aliyun
      ? new AliyunSmsSender(
          {
            ...secrets.aliyun,
            signName: aliyun.sign_name,
            templateCode: aliyun.template_code,
            templateParam: aliyun.template_param,
            endpoint: aliyun.endpoint,
            region: aliyun.region,
          },
          clients.sms,
        )
      : undefined;
  const sms: Sender = {
    send(delivery, signal) {
      const message = messageOf(delivery);
      if (typeof message === 'string') return Promise.resolve(failure(message, false));
      if (provider === 'aliyun' && aliyunSender)
        return aliyunSender.sendText(message.to, message.text, delivery.id, signal);
      if (provider === 'gateway' && gatewayPoster)
        return gatewayPoster.post(
          delivery.id,
          JSON.stringify({ to: message.to, text: message.text }),
          signal,
        );
      return Promise.resolve(notConfigured('channels.sms.provider'));
    },
  };

  const emailSender = channels.email
    ? new EmailSender(channels.email, secrets.emailPassword, channels.concurrency.email, timeoutMs)
    : undefined;
  const email: Sender = {
    send(delivery) {
      const message = messageOf(delivery);
      if (typeof message === 'string') return Promise.resolve(failure(message, false));
      if (!emailSender) return Promise.resolve(notConfigured('channels.email'));
      return emailSender.sendEmail(delivery.id, { ...message, subject: message.subject ?? '' });
    },
  };

  const robots = new Map(
    Object.entries(channels.robots).map(([name, robot]) => {
      const secret = secrets.robots.get(name);
      return [name, new RobotSender(robot.type, secret?.url ?? '', secret?.secret, clients.robot)];
    }),
  );
  const robot: Sender = {
    send(delivery, signal) {
      const name = notifyRobotName(channels, delivery.destination);
      const sender = name === undefined ? undefined : robots.get(name);
      if (!sender) return Promise.resolve(notConfigured(`robot '${name ?? ''}'`));
      const text = payloadText(delivery.payload, 'text');
      if (text === undefined) return Promise.resolve(failure('the notice has no text', false));
      return sender.sendText(text, signal);
    },
  };

  return {
    webhook,
    sms,
    email,
    robot,
    close() {
      for (const client of Object.values(clients)) client.close();
      emailSender?.close();
    },
  };
}

function messageOf(delivery: OutgoingDelivery): { to: string; text: string; subject?: string } | string {
  const to = payloadText(delivery.payload, 'to') ?? delivery.destination;
  const text = payloadText(delivery.payload, 'text');
  if (!to) return 'the message has no recipient';
  if (text === undefined) return 'the message has no text';
  const subject = payloadText(delivery.payload, 'subject');
  return subject === undefined ? { to, text } : { to, text, subject };
}

/**
 * Refuses, before anything is sent, due rows the config cannot deliver: an unknown channel, a
 * webhook endpoint or robot not in the config, a channel with nothing configured, a private host.
 */
export async function checkDueTargets(
  channels: ChannelsConfig,
  secrets: ChannelSecrets,
  targets: readonly { channel: string; target: string | null; deliveries: number; label?: string }[],
): Promise<void> {
  const hosts = new Map<string, string>();
  for (const { channel, target, deliveries, label } of targets) {
    const rows = label ?? `${deliveries} pending ${deliveries === 1 ? 'delivery' : 'deliveries'}`;
    if (!(DELIVERY_CHANNELS as readonly string[]).includes(channel))
      throw new AppError(
        'BAD_CONFIG',
        `${rows} name the unknown channel '${channel}' (channels: ${DELIVERY_CHANNELS.join(', ')})`,
      );
    switch (channel as DeliveryChannel) {
      case 'webhook': {
        const endpoint = target === null ? undefined : channels.webhooks[target];
        if (!endpoint)
          throw new AppError(
            'BAD_CONFIG',
            `${rows} go to the webhook endpoint '${target ?? ''}', which channels.webhooks does not have`,
          );
        hosts.set(`channels.webhooks.${target}.url`, endpoint.url);
        break;
      }
      case 'robot': {
        const name = notifyRobotName(channels, target);
        const url = name === undefined ? undefined : secrets.robots.get(name)?.url;
        if (url === undefined)
          throw new AppError(
            'BAD_CONFIG',
            `${rows} are notices for ${name === undefined ? 'a staff robot, but channels.notify_robot names none' : `the robot '${name}', which channels.robots does not have`}`,
          );
        hosts.set(`channels.robots.${name}.url_env`, url);
        break;
      }
      case 'sms': {
        const provider = channels.sms.provider;
        if (provider === undefined)
          throw new AppError('BAD_CONFIG', `${rows} are text messages, but channels.sms.provider is not set`);
        if (provider === 'gateway' && channels.sms.gateway)
          hosts.set('channels.sms.gateway.url', channels.sms.gateway.url);
        break;
      }
      case 'email':
        if (!channels.email)
          throw new AppError('BAD_CONFIG', `${rows} are emails, but channels.email is not configured`);
        break;
    }
  }
  if (channels.allow_private_hosts) return;
  for (const [key, url] of hosts) await assertPublicHost(url, key);
}

/**
 * Refuses, before a tick writes anything, the active rules' channels the config cannot send by:
 * a rule's SMS with no SMS provider, an email with no SMTP server, a notice with no robot, a
 * missing secret, a private host. The same checks delivery makes of its due rows, made of what
 * the rules will queue, so a tick never enrolls members it could not reach.
 */
export async function checkRuleChannels(
  channels: ChannelsConfig,
  secrets: ChannelSecrets,
  rules: readonly { readonly id: string; readonly actions: readonly Record<string, unknown>[] }[],
): Promise<void> {
  const targets = rules.flatMap((rule) =>
    rule.actions
      .flatMap((action): { channel: string; target: string | null }[] => {
        const message = action.message as { channel?: string } | undefined;
        const webhook = action.webhook as { endpoint?: string } | undefined;
        if (message?.channel) return [{ channel: message.channel, target: null }];
        if (webhook?.endpoint) return [{ channel: 'webhook', target: webhook.endpoint }];
        if ('notify' in action) return [{ channel: 'robot', target: null }];
        return [];
      })
      .map((target) => ({
        ...target,
        deliveries: 0,
        label: `the ${target.channel === 'robot' ? 'notify' : target.channel} actions of rule ${rule.id}`,
      })),
  );
  await checkDueTargets(channels, secrets, targets);
}
