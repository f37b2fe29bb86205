/**
 * One HTTP POST as every HTTP channel makes it (webhooks, the SMS gateway, Aliyun, robots):
 * keep-alive connections per channel, a timeout per attempt, no redirects followed, and the
 * private-host guard on every connection. It answers what happened; the sender decides what
 * that means (retry, fail, done).
 */
import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './private-hosts.js';

export type PostResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  /** No answer: refused, reset, timed out, or aborted. `blocked` when the host was private. */
  | { readonly kind: 'no_response'; readonly error: string; readonly blocked: boolean };

export interface HttpClientOptions {
  readonly timeoutMs: number;
  readonly allowPrivateHosts: boolean;
  readonly maxSockets: number;
}

/** How much of a response body is kept: enough for a provider's error code. */
const MAX_BODY = 16 * 1024;

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, scheduling: 'fifo' as const };
    this.#http = new http.Agent(agentOptions);
    this.#https = new https.Agent(agentOptions);
  }

  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<PostResult> {
    return new Promise((resolvePromise) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const bytes = Buffer.from(body, 'utf8');
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? this.#https : this.#http,
          headers: { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers },
          timeout: this.#options.timeoutMs,
          ...(this.#options.allowPrivateHosts ? {} : { lookup: guardedLookup }),
          ...(signal ? { signal } : {}),
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (text.length < MAX_BODY) text += chunk;
          });
          response.on('end', () =>
            resolvePromise({ kind: 'response', status: response.statusCode ?? 0, body: text }),
          );
          response.on('error', (error) => resolvePromise(noResponse(error)));
        },
      );
      request.on('timeout', () =>
        request.destroy(
          Object.assign(new Error(`no answer within ${this.#options.timeoutMs} ms`), { code: 'ETIMEDOUT' }),
        ),
      );
      request.on('error', (error) => resolvePromise(noResponse(error)));
      request.end(bytes);
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

function noResponse(error: Error): PostResult {
  const code = (error as NodeJS.ErrnoException).code;
  return {
    kind: 'no_response',
    error: code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message,
    blocked: code === 'EPRIVATEHOST',
  };
}
