/**
 * The two child processes of the delivery benchmark, so each one's peak RSS is its own:
 * - `deliver DB CONFIG CLOCK`: deliverPending over the outbox, as `rules run` calls it;
 * - `bare URL SECRET COUNT CONCURRENCY`: the floor, a bare loop of Standard-Webhooks-signed POSTs
 *   of the same bodies over keep-alive connections with the same concurrency, nothing stored.
 * Each prints `{ seconds, … }` for its sending alone (startup and opening the store excluded).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { configSchema } from '../src/config/config.js';
import { deliverPending } from '../src/delivery/deliver-pending.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';

/** The body the bench stores per delivery (bench/delivery-bench.ts builds the same in SQL). */
export function benchBody(index: number): string {
  const customer = `C${String(index).padStart(7, '0')}`;
  return JSON.stringify({
    type: 'rule.action',
    rule_id: 'member-week',
    version: 1,
    enrollment_id: `enr_${String(index).padStart(24, '0')}`,
    customer_id: customer,
    occurred_at: '2026-10-31T10:00:00+08:00',
    action: { webhook: { endpoint: 'crm' } },
    data: { name: '会员', tier: 'gold' },
  });
}

async function deliver(db: string, configPath: string, clock: string): Promise<void> {
  const config = configSchema.parse(JSON.parse(readFileSync(configPath, 'utf8')));
  const store = await DuckDBStore.open({
    path: db,
    timezone: config.timezone,
    memoryLimit: config.memory_limit,
  });
  const started = performance.now();
  const summary = await deliverPending(store, config, process.env, { clock: new Date(clock) });
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  console.log(JSON.stringify({ seconds, ...summary }));
}

async function bare(url: string, secret: string, count: number, concurrency: number): Promise<void> {
  const signer = new Webhook(secret);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let ok = 0;
  const post = (index: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const id = `msg_${String(index).padStart(24, '0')}`;
      const body = Buffer.from(benchBody(index));
      const now = new Date();
      const request = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': String(body.length),
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signer.sign(id, now, body),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) ok += 1;
            resolve();
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await post(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  console.log(JSON.stringify({ seconds, sent: ok }));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'deliver') await deliver(args[0] ?? '', args[1] ?? '', args[2] ?? '');
else if (mode === 'bare') await bare(args[0] ?? '', args[1] ?? '', Number(args[2]), Number(args[3]));
else if (mode !== undefined) throw new Error(`unknown mode ${mode}`);
