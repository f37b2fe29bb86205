/**
 * The sender interface every channel implements, and how an HTTP answer becomes an outcome:
 * 2xx is delivered; 5xx, 429 and no answer at all (refused, reset, timed out) are worth another
 * attempt; any other status (4xx, and 3xx: redirects are not followed) fails at once.
 */
import type { PostResult } from './http-post.js';

/** One outbox row as a sender sees it. */
export interface OutgoingDelivery {
  /** The idempotency key: the webhook-id sent, the SMS OutId, the email Message-ID's left part. */
  readonly id: string;
  readonly channel: string;
  readonly destination: string | null;
  /** The stored payload, parsed. */
  readonly payload: unknown;
  /** The stored payload's JSON text: what a webhook posts, byte for byte. */
  readonly body: string;
}

export type SendOutcome =
  { readonly ok: true } | { readonly ok: false; readonly retryable: boolean; readonly error: string };

export interface Sender {
  send(delivery: OutgoingDelivery, signal?: AbortSignal): Promise<SendOutcome>;
  close?(): void;
}

export const DELIVERED: SendOutcome = { ok: true };

export function failure(error: string, retryable: boolean): SendOutcome {
  return { ok: false, retryable, error };
}

/** The outcome of an HTTP POST by its status alone (2xx / 5xx, 429 / other). */
export function outcomeOfHttp(result: PostResult, what: string): SendOutcome {
  if (result.kind === 'no_response') return failure(`${what}: ${result.error}`, !result.blocked);
  const { status } = result;
  if (status >= 200 && status < 300) return DELIVERED;
  const retryable = status === 429 || status >= 500;
  return failure(`${what} answered HTTP ${status}${retryable ? '' : ' (not retried)'}`, retryable);
}

/** A payload's field as text, or an error naming it (rows are written by dispatch; trust, but say what is wrong). */
export function payloadText(payload: unknown, field: string): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const value = (payload as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}
