/**
 * A small webhook receiver on loopback: it verifies each request's Standard Webhooks signature,
 * drops repeats by webhook-id (as a well-behaved receiver does) and appends each new body to a
 * JSONL file, one `{ id, received_at, body }` per line. `huiyuan demo` points a webhook channel
 * at it ("a webhook written to a local file"); the tests and the delivery bench count what it got.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface FileReceiverOptions {
  /** The whsec_… secret the sender signs with. */
  readonly secret: string;
  /** Where bodies are appended; none keeps only the counts. */
  readonly file?: string;
  /** 0 (default) takes a free port. */
  readonly port?: number;
  /**
   * The status to answer the n-th request (1-based) with before looking at it; default 200.
   * Tests use it to answer 500 for a while, or 404.
   */
  readonly respond?: (request: number) => number;
}

export interface ReceiverCounts {
  /** Requests that arrived. */
  readonly requests: number;
  /** Requests whose signature verified. */
  readonly verified: number;
  /** Requests refused for a missing or wrong signature. */
  readonly badSignatures: number;
  /** Distinct webhook-ids among the verified. */
  readonly distinctIds: number;
  /** Verified requests answered 2xx (what the sender was told was delivered). */
  readonly accepted: number;
}

export interface FileReceiver {
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  counts(): ReceiverCounts;
  /** The distinct webhook-ids received, in order of first arrival. */
  ids(): readonly string[];
  close(): Promise<void>;
}

export async function startFileReceiver(options: FileReceiverOptions): Promise<FileReceiver> {
  const verifier = new Webhook(options.secret);
  const seen = new Set<string>();
  const counts = { requests: 0, verified: 0, badSignatures: 0, accepted: 0 };
  const out: WriteStream | undefined = options.file
    ? createWriteStream(options.file, { flags: 'a' })
    : undefined;

  const server: Server = createServer((request, response) => {
    const n = ++counts.requests;
    readBody(request).then(
      (body) => {
        const status = options.respond?.(n) ?? 200;
        let parsed: unknown;
        try {
          parsed = verifier.verify(body, request.headers as Record<string, string>);
        } catch {
          counts.badSignatures += 1;
          response.writeHead(401).end();
          return;
        }
        counts.verified += 1;
        if (status >= 200 && status < 300) {
          counts.accepted += 1;
          const id = String(request.headers['webhook-id']);
          if (!seen.has(id)) {
            seen.add(id);
            out?.write(`${JSON.stringify({ id, received_at: new Date().toISOString(), body: parsed })}\n`);
          }
        }
        response.writeHead(status).end();
      },
      () => response.writeHead(400).end(),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    counts: () => ({ ...counts, distinctIds: seen.size }),
    ids: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => (out ? out.end(() => resolve()) : resolve()));
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
