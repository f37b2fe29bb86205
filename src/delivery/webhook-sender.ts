/**
 * Webhooks as the Standard Webhooks spec signs them (https://www.standardwebhooks.com/):
 * headers webhook-id (the delivery id, so a receiver drops repeats), webhook-timestamp (seconds,
 * the attempt's real time: receivers refuse a stale one) and webhook-signature
 * `v1,base64(HMAC-SHA256(secret, id.timestamp.body))`, made by the `standardwebhooks` package.
 * The SMS gateway is a webhook of this kind too, receiving { to, text }.
 */
import { Webhook } from 'standardwebhooks';
import type { HttpClient } from './http-post.js';
import { outcomeOfHttp, type SendOutcome } from './senders.js';

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three Standard Webhooks headers for one message. */
export function signWebhook(signer: Webhook, id: string, body: string, at: Date = new Date()): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign(id, at, body),
  };
}

/** Posts `body` signed with the endpoint's whsec_… secret; `what` names the endpoint in errors. */
export class SignedPoster {
  readonly #signer: Webhook;

  constructor(
    readonly url: string,
    secret: string,
    readonly client: HttpClient,
    readonly what: string,
  ) {
    this.#signer = new Webhook(secret);
  }

  async post(id: string, body: string, signal?: AbortSignal): Promise<SendOutcome> {
    const headers = signWebhook(this.#signer, id, body);
    return outcomeOfHttp(await this.client.post(this.url, body, { ...headers }, signal), this.what);
  }
}
