/**
 * Delivery benchmark (npm run bench): a member-week promotion's webhooks, one pending delivery
 * per member of the 1M-customer store (600,317 members), written into a fresh store's outbox
 * with SQL, then sent by deliverPending to a local Standard Webhooks receiver that verifies every
 * signature. The floor, measured in the same run against a fresh receiver of the same kind: a
 * bare loop of signed POSTs of the same bodies with the same concurrency, nothing read or stored.
 * Targets: at least half the floor's rate, and the delivering process's peak RSS under 1 GB.
 *
 * HUIYUAN_BENCH_DELIVERIES=N sends N instead (a quick run); the figures say which N they had.
 * Writes docs/benchmarks.md between the delivery markers.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/config.js';
import { startFileReceiver } from '../src/delivery/file-receiver.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { quoteLiteral, sql } from '../src/store/sql.js';
import { BENCH_DIR, FULL_STORE_DB, prepareFullStore } from './full-store.js';
import { measure, writeSection } from './measure.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const DB = join(BENCH_DIR, 'delivery.duckdb');
const CONFIG = join(BENCH_DIR, 'delivery.config.json');
const CLOCK = '2026-10-31T16:00:00Z';
const TARGET_RATIO = 0.5;
const TARGET_RSS_MB = 1024;

// Only the imported store's members are read: its generated files are not needed when it is there.
const full = existsSync(FULL_STORE_DB) ? { db: FULL_STORE_DB } : await prepareFullStore();
const wanted = process.env.HUIYUAN_BENCH_DELIVERIES ? Number(process.env.HUIYUAN_BENCH_DELIVERIES) : Infinity;

// The outbox: one webhook delivery per member of the 1M store, as dispatch would write them.
rmSync(DB, { force: true });
rmSync(`${DB}.wal`, { force: true });
const store = await DuckDBStore.open({ path: DB, timezone: 'Asia/Shanghai' });
await store.run({ sql: `ATTACH ${quoteLiteral(full.db)} AS big (READ_ONLY)`, params: [] });
await store.run(sql`
  INSERT INTO rule_deliveries
  SELECT 'msg_' || left(sha256(id || '|0'), 24), 'enr_' || left(sha256(id), 24), 'member-week', 1, id, 0,
    'webhook', 'webhook', 'marketing', 'crm',
    json_object('type', 'rule.action', 'rule_id', 'member-week', 'version', 1,
      'enrollment_id', 'enr_' || left(sha256(id), 24), 'customer_id', id,
      'occurred_at', '2026-10-31T10:00:00+08:00', 'action', json_object('webhook', json_object('endpoint', 'crm')),
      'data', json_object('name', '会员', 'tier', 'gold')),
    'pending', 0, ${CLOCK}::TIMESTAMPTZ, ${CLOCK}::TIMESTAMPTZ, NULL, NULL
  FROM (SELECT id FROM big.customers WHERE member_since IS NOT NULL ORDER BY id
        LIMIT ${Number.isFinite(wanted) ? wanted : 10_000_000})`);
await store.run({ sql: 'DETACH big', params: [] });
const [{ count } = { count: 0 }] = await store.query<{ count: number }>(
  sql`SELECT count(*)::INTEGER AS count FROM rule_deliveries`,
);
await store.close();

const config = configSchema.parse({});
const concurrency = config.channels.concurrency.webhook;
console.log(`${count.toLocaleString('en-US')} pending webhook deliveries; concurrency ${concurrency}`);

interface ChildResult {
  readonly seconds: number;
  readonly sent: number;
}

async function run(mode: 'bare' | 'deliver') {
  const receiver = await startFileReceiver({ secret: SECRET });
  try {
    writeFileSync(
      CONFIG,
      JSON.stringify({
        channels: {
          allow_private_hosts: true,
          webhooks: { crm: { url: receiver.url, secret_env: 'HUIYUAN_BENCH_SECRET' } },
        },
      }),
    );
    process.env.HUIYUAN_BENCH_SECRET = SECRET;
    const args =
      mode === 'bare' ? [receiver.url, SECRET, String(count), String(concurrency)] : [DB, CONFIG, CLOCK];
    const measured = await measure(['--import', 'tsx', 'bench/delivery-child.ts', mode, ...args]);
    const result = JSON.parse(measured.output.trim().split('\n').at(-1) ?? '{}') as ChildResult;
    const counts = receiver.counts();
    if (counts.distinctIds !== count || counts.badSignatures !== 0)
      throw new Error(
        `${mode}: the receiver verified ${counts.distinctIds} distinct ids of ${count} (${counts.badSignatures} bad signatures)`,
      );
    const rate = count / result.seconds;
    console.log(
      `  ${mode}: ${result.seconds.toFixed(1)} s, ${rate.toFixed(0)}/s, peak RSS ${measured.peakRssMb.toFixed(0)} MB`,
    );
    return { ...result, rate, peakRssMb: measured.peakRssMb, requests: counts.requests };
  } finally {
    await receiver.close();
  }
}

const bare = await run('bare');
const delivered = await run('deliver');

const reopened = await DuckDBStore.open({ path: DB, timezone: 'Asia/Shanghai' });
const statuses = await reopened.query<{ status: string; n: number }>(
  sql`SELECT status, count(*)::INTEGER AS n FROM rule_deliveries GROUP BY status`,
);
const [decided] = await reopened.query<{ n: number }>(
  sql`SELECT count(*)::INTEGER AS n FROM rule_decisions WHERE decision = 'sent'`,
);
await reopened.close();
const sentRows = statuses.find((s) => s.status === 'sent')?.n ?? 0;
if (sentRows !== count || decided?.n !== count)
  throw new Error(`only ${sentRows} rows marked sent, ${decided?.n} decisions`);

const ratio = delivered.rate / bare.rate;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (shared with other work), Node ${process.version}.
${count.toLocaleString('en-US')} pending webhook deliveries${Number.isFinite(wanted) ? ` (scaled down with HUIYUAN_BENCH_DELIVERIES)` : ', one per member of the 1M-customer store'},
sent to a local Standard Webhooks receiver on loopback that verifies every signature and counts distinct webhook-ids
(it got exactly ${count.toLocaleString('en-US')} each time); concurrency ${concurrency} (channels.concurrency.webhook).

| run | seconds | deliveries / s | peak RSS |
| --- | ---: | ---: | ---: |
| floor: bare loop of signed POSTs (nothing read or stored) | ${bare.seconds.toFixed(1)} | ${bare.rate.toFixed(0)} | ${bare.peakRssMb.toFixed(0)} MB |
| deliverPending: outbox pages read, sent, marked sent, decisions written | ${delivered.seconds.toFixed(1)} | ${delivered.rate.toFixed(0)} | ${delivered.peakRssMb.toFixed(0)} MB |

- Rate: ${(ratio * 100).toFixed(0)}% of the floor (target ≥ ${TARGET_RATIO * 100}%): ${verdict(ratio >= TARGET_RATIO)}.
- Peak RSS of the delivering process: ${delivered.peakRssMb.toFixed(0)} MB (target < 1 GB): ${verdict(delivered.peakRssMb < TARGET_RSS_MB)}.
- Every row ended \`sent\` with one \`sent\` decision. Seconds are the sending alone (process start and opening the store excluded).`;
writeSection('delivery', body, '## Delivery (issue 11)\n\n');
console.log(body);
