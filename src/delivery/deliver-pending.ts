/**
 * Sending the outbox: every pending row due by the clock goes out through its channel, and is
 * marked only after the receiver's answer. At least once: a row stays pending until its page is
 * marked, so a crash (even SIGKILL) between a send and its mark sends the same id again on the
 * next run, and receivers drop the repeat by its id (webhook-id).
 *
 * Memory stays flat: rows are read a page at a time; while one page's sends are under way the
 * previous page is marked and the next read, so the database and the network overlap. Each
 * channel has its own concurrency bound (channels.concurrency).
 *
 * @example
 * const summary = await deliverPending(store, config, process.env, { clock: new Date() });
 * // { due: 3, sent: 2, failed: 0, retrying: 1, aborted: false }
 */
import { resolveChannelSecrets } from '../config/channel-secrets.js';
import type { ChannelsConfig } from '../config/rules-config.js';
import type { Store } from '../store/store.js';
import { checkDueTargets, openChannelSenders } from './channel-senders.js';
import {
  countDue,
  DELIVERY_CHANNELS,
  type DeliveryChannel,
  listDueTargets,
  markDeliveries,
  type MarkedDelivery,
  type PendingDelivery,
  readDuePage,
} from './outbox.js';
import type { SendOutcome } from './senders.js';

export interface DeliveryProgress {
  readonly due: number;
  /** Rows with an outcome so far (sent, failed or set to retry). */
  readonly done: number;
}

export interface DeliverOptions {
  /** Rows with next_attempt_at ≤ clock are due; decisions and sent_at are stamped with it. */
  readonly clock: Date;
  /** Stops reading further pages; sends under way are abandoned and their rows stay pending. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DeliveryProgress) => void;
  /** Rows per page (default 10,000). */
  readonly pageSize?: number;
}

export interface DeliverySummary {
  /** Rows due when the run began. */
  readonly due: number;
  readonly sent: number;
  /** Failed for good: a 4xx, a refusal, or max_attempts reached. */
  readonly failed: number;
  /** Left pending with a later next_attempt_at (a 5xx, 429, timeout). */
  readonly retrying: number;
  readonly aborted: boolean;
}

// Each page costs a scan of the outbox to read it and two to mark it (1 s a page at 600k rows on a
// busy 2-core machine): pages of 10,000 keep that under the sending time it overlaps with, while a
// page's rows stay a few MB.
const DEFAULT_PAGE_SIZE = 10_000;
/** Retries back off exponentially, but never further than a day apart. */
const MAX_BACKOFF_SECONDS = 24 * 60 * 60;

/**
 * Sends every due pending delivery. Secrets are read from `env` first (a missing variable is an
 * AppError before anything is sent), then the due rows' channels and hosts are checked.
 */
export async function deliverPending(
  store: Store,
  config: { readonly channels: ChannelsConfig },
  env: NodeJS.ProcessEnv,
  options: DeliverOptions,
): Promise<DeliverySummary> {
  const { channels } = config;
  const { clock, signal } = options;
  const secrets = resolveChannelSecrets(channels, env);
  const due = await countDue(store, clock);
  const totals = { sent: 0, failed: 0, retrying: 0 };
  if (due === 0) return { due, ...totals, aborted: false };
  await checkDueTargets(channels, secrets, await listDueTargets(store, clock));

  const senders = openChannelSenders(channels, secrets);
  const limiters = Object.fromEntries(
    DELIVERY_CHANNELS.map((channel) => [channel, new Limiter(channels.concurrency[channel])]),
  ) as Record<DeliveryChannel, Limiter>;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;

  const sendPage = (rows: readonly PendingDelivery[]): Promise<(MarkedDelivery | null)[]> =>
    Promise.all(
      rows.map(async (row) => {
        const channel = row.channel as DeliveryChannel;
        const outcome = await limiters[channel].run(() =>
          signal?.aborted
            ? Promise.resolve(null)
            : senders[channel].send(
                {
                  id: row.id,
                  channel,
                  destination: row.destination,
                  body: row.payload,
                  payload: parse(row.payload),
                },
                signal,
              ),
        );
        // A send cut short by the abort says nothing about the receiver: the row stays as it was.
        if (outcome === null || (!outcome.ok && signal?.aborted)) return null;
        return markOf(row, outcome, channels, clock);
      }),
    );

  let done = 0;
  let marking: Promise<void> = Promise.resolve();
  try {
    let rows = await readDuePage(store, clock, '', pageSize);
    while (rows.length > 0 && !signal?.aborted) {
      const sending = sendPage(rows);
      await marking;
      const next = await readDuePage(store, clock, rows[rows.length - 1]?.id ?? '', pageSize);
      const marks = (await sending).filter((mark): mark is MarkedDelivery => mark !== null);
      for (const mark of marks) {
        if (mark.status === 'sent') totals.sent += 1;
        else if (mark.status === 'failed') totals.failed += 1;
        else totals.retrying += 1;
      }
      done += marks.length;
      const progress = { due, done };
      marking = markDeliveries(store, marks, clock).then(() => options.onProgress?.(progress));
      rows = next;
    }
    await marking;
  } finally {
    senders.close();
  }
  return { due, ...totals, aborted: signal?.aborted ?? false };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** What an attempt's outcome writes back: sent, failed for good, or pending until the backoff is over. */
function markOf(
  row: PendingDelivery,
  outcome: SendOutcome,
  channels: ChannelsConfig,
  clock: Date,
): MarkedDelivery {
  const attempt = row.attempts + 1;
  if (outcome.ok)
    return {
      id: row.id,
      status: 'sent',
      retry_at: null,
      error: null,
      detail: `delivered on attempt ${attempt}`,
    };
  if (!outcome.retryable)
    return { id: row.id, status: 'failed', retry_at: null, error: outcome.error, detail: outcome.error };
  if (attempt >= channels.max_attempts)
    return {
      id: row.id,
      status: 'failed',
      retry_at: null,
      error: outcome.error,
      detail: `gave up after ${attempt} attempts: ${outcome.error}`,
    };
  const wait = Math.min(channels.retry_after_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS);
  return {
    id: row.id,
    status: 'pending',
    retry_at: new Date(clock.getTime() + wait * 1000).toISOString(),
    error: outcome.error,
    detail: null,
  };
}

/** At most `limit` tasks at once; the rest wait their turn in order. */
class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next in line, so the count never overshoots.
    if (this.#active < this.limit) this.#active += 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}
