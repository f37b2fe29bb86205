/**
 * Delivery to real receivers on loopback: pending rows are written straight into the outbox
 * (rule_deliveries), deliverPending sends them, and what the receivers got is counted there —
 * a Standard Webhooks receiver that verifies every signature, an SMTP server (smtp-server).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema, type StoreConfig } from '../src/config/config.js';
import { deliverPending } from '../src/delivery/deliver-pending.js';
import { startFileReceiver } from '../src/delivery/file-receiver.js';
import { AppError } from '../src/errors.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { sql } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { openTempStore, ROOT, type TempStore } from './helpers.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ENV = { HUIYUAN_CRM_SECRET: SECRET };
const CLOCK = new Date('2026-10-31T16:00:00Z'); // 2026-11-01 00:00 in Asia/Shanghai

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempStore(): Promise<TempStore> {
  const temp = await openTempStore();
  cleanups.push(() => temp.cleanup());
  return temp;
}

function channelsConfig(channels: Record<string, unknown>): StoreConfig {
  return configSchema.parse({ channels: { allow_private_hosts: true, ...channels } });
}

const webhookConfig = (url: string, extra: Record<string, unknown> = {}) =>
  channelsConfig({ webhooks: { crm: { url, secret_env: 'HUIYUAN_CRM_SECRET' } }, ...extra });

/** `count` pending rows msg_00000 … for one channel, due at CLOCK. */
async function insertPending(
  store: Store,
  count: number,
  channel: string,
  destination: string | null,
  payload: (i: number) => object = (i) => ({ type: 'rule.action', rule_id: 'winback', customer_id: `c${i}` }),
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `msg_${String(i).padStart(5, '0')}`);
  const payloads = JSON.stringify(ids.map((_, i) => JSON.stringify(payload(i))));
  await store.run(sql`
    INSERT INTO rule_deliveries
    SELECT 'msg_' || lpad(i::VARCHAR, 5, '0'), 'enr_' || i, 'winback', 1, 'c' || i, 0,
      CASE ${channel} WHEN 'robot' THEN 'notify' WHEN 'webhook' THEN 'webhook' ELSE 'message' END,
      ${channel}, 'marketing', ${destination}, (from_json(${payloads}, '["VARCHAR"]'))[i + 1]::JSON,
      'pending', 0, ${CLOCK.toISOString()}::TIMESTAMPTZ, ${CLOCK.toISOString()}::TIMESTAMPTZ, NULL, NULL
    FROM range(${count}) t(i)`);
  return ids;
}

async function statusCounts(store: Store): Promise<Record<string, number>> {
  const rows = await store.query<{ status: string; n: number }>(
    sql`SELECT status, count(*)::INTEGER AS n FROM rule_deliveries GROUP BY status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

async function decisions(store: Store): Promise<Record<string, number>> {
  const rows = await store.query<{ decision: string; n: number }>(
    sql`SELECT decision, count(*)::INTEGER AS n FROM rule_decisions GROUP BY decision`,
  );
  return Object.fromEntries(rows.map((r) => [r.decision, r.n]));
}

async function receiver(respond?: (n: number) => number, file?: string) {
  const started = await startFileReceiver({
    secret: SECRET,
    ...(respond ? { respond } : {}),
    ...(file ? { file } : {}),
  });
  cleanups.push(() => started.close());
  return started;
}

describe('webhook delivery', () => {
  it('sends every row once with a signature the receiver verifies, and marks it sent', async () => {
    const { store } = await tempStore();
    const ids = await insertPending(store, 1200, 'webhook', 'crm');
    const hook = await receiver();
    const summary = await deliverPending(store, webhookConfig(hook.url), ENV, {
      clock: CLOCK,
      pageSize: 500,
    });

    expect(summary).toEqual({ due: 1200, sent: 1200, failed: 0, retrying: 0, aborted: false });
    expect(hook.counts()).toMatchObject({
      requests: 1200,
      verified: 1200,
      badSignatures: 0,
      distinctIds: 1200,
    });
    expect([...hook.ids()].sort()).toEqual(ids);
    expect(await statusCounts(store)).toEqual({ sent: 1200 });
    expect(await decisions(store)).toEqual({ sent: 1200 });
    const [row] = await store.query<{ attempts: number; sent_at: string }>(
      sql`SELECT max(attempts) AS attempts, max(sent_at)::VARCHAR AS sent_at FROM rule_deliveries`,
    );
    expect(row).toEqual({ attempts: 1, sent_at: '2026-11-01 00:00:00+08' });
  });

  it('writes each verified body once to the receiver file', async () => {
    const { store, dir } = await tempStore();
    await insertPending(store, 3, 'webhook', 'crm');
    const file = join(dir, 'hook.jsonl');
    const hook = await receiver(undefined, file);
    await deliverPending(store, webhookConfig(hook.url), ENV, { clock: CLOCK });
    await hook.close();
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; body: { customer_id: string } });
    expect(lines.map((l) => [l.id, l.body.customer_id]).sort()).toEqual([
      ['msg_00000', 'c0'],
      ['msg_00001', 'c1'],
      ['msg_00002', 'c2'],
    ]);
  });

  it('retries 5xx with backoff until every row has arrived, while the receiver answers 500 for a while', async () => {
    const { store } = await tempStore();
    const ids = await insertPending(store, 200, 'webhook', 'crm');
    const hook = await receiver((n) => (n <= 350 ? 500 : 200));
    const config = webhookConfig(hook.url);
    let clock = CLOCK;
    const runs = [];
    for (let run = 0; run < 6 && (await statusCounts(store)).pending; run++) {
      runs.push(await deliverPending(store, config, ENV, { clock }));
      clock = new Date(clock.getTime() + 86_400_000); // past any backoff
    }
    // 350 answers of 500 over 200 rows: run 1 all fail (200), run 2 fails 150, then everything arrives.
    expect(runs.map((r) => [r.sent, r.retrying])).toEqual([
      [0, 200],
      [50, 150],
      [150, 0],
    ]);
    expect(await statusCounts(store)).toEqual({ sent: 200 });
    expect(hook.counts()).toMatchObject({ requests: 550, distinctIds: 200, accepted: 200 });
    expect([...hook.ids()].sort()).toEqual(ids);
    const [attempts] = await store.query<{ total: number }>(
      sql`SELECT sum(attempts)::INTEGER AS total FROM rule_deliveries`,
    );
    expect(attempts?.total).toBe(550);
  });

  it('waits retry_after_seconds, then twice as long, before the next attempts', async () => {
    const { store } = await tempStore();
    await insertPending(store, 1, 'webhook', 'crm');
    const hook = await receiver(() => 503);
    const config = webhookConfig(hook.url, { retry_after_seconds: 60, max_attempts: 3 });
    await deliverPending(store, config, ENV, { clock: CLOCK });
    const next = async () =>
      (await store.query<{ at: string }>(sql`SELECT next_attempt_at::VARCHAR AS at FROM rule_deliveries`))[0]
        ?.at;
    expect(await next()).toBe('2026-11-01 00:01:00+08');
    // Not due yet 59 s later: nothing is sent.
    expect(
      (await deliverPending(store, config, ENV, { clock: new Date(CLOCK.getTime() + 59_000) })).due,
    ).toBe(0);
    await deliverPending(store, config, ENV, { clock: new Date(CLOCK.getTime() + 60_000) });
    expect(await next()).toBe('2026-11-01 00:03:00+08');
    const last = await deliverPending(store, config, ENV, { clock: new Date(CLOCK.getTime() + 180_000) });
    expect(last).toMatchObject({ failed: 1, retrying: 0 });
    const [row] = await store.query(
      sql`SELECT status, attempts, detail FROM rule_deliveries d JOIN rule_decisions USING (enrollment_id)`,
    );
    expect(row).toEqual({
      status: 'failed',
      attempts: 3,
      detail: `gave up after 3 attempts: webhook crm answered HTTP 503`,
    });
    expect(hook.counts().requests).toBe(3);
  });

  it('fails a 4xx at once, without retrying', async () => {
    const { store } = await tempStore();
    await insertPending(store, 5, 'webhook', 'crm');
    const hook = await receiver(() => 404);
    const summary = await deliverPending(store, webhookConfig(hook.url), ENV, { clock: CLOCK });
    expect(summary).toMatchObject({ sent: 0, failed: 5, retrying: 0 });
    expect(await statusCounts(store)).toEqual({ failed: 5 });
    expect(await decisions(store)).toEqual({ failed: 5 });
    const [row] = await store.query(sql`SELECT DISTINCT attempts, last_error FROM rule_deliveries`);
    expect(row).toEqual({ attempts: 1, last_error: 'webhook crm answered HTTP 404 (not retried)' });
    // A later run sends nothing more.
    await deliverPending(store, webhookConfig(hook.url), ENV, {
      clock: new Date(CLOCK.getTime() + 86_400_000),
    });
    expect(hook.counts().requests).toBe(5);
  });

  it.each([
    ['a loopback address', (port: string) => `http://127.0.0.1:${port}/`],
    ['a name resolving to loopback', (port: string) => `http://localhost:${port}/`],
  ])('refuses %s unless allow_private_hosts, sending nothing', async (_, url) => {
    const { store } = await tempStore();
    await insertPending(store, 4, 'webhook', 'crm');
    const hook = await receiver();
    const port = new URL(hook.url).port;
    const config = configSchema.parse({
      channels: { webhooks: { crm: { url: url(port), secret_env: 'HUIYUAN_CRM_SECRET' } } },
    });
    await expect(deliverPending(store, config, ENV, { clock: CLOCK })).rejects.toThrow(
      /^channels\.webhooks\.crm\.url: host (127\.0\.0\.1|localhost) is a private or loopback address \(127\.0\.0\.1\); set channels\.allow_private_hosts to true to allow it$/,
    );
    expect(hook.counts().requests).toBe(0);
    expect(await statusCounts(store)).toEqual({ pending: 4 });
  });

  it('refuses a missing secret env var with one line naming it, before anything is sent', async () => {
    const { store } = await tempStore();
    await insertPending(store, 2, 'webhook', 'crm');
    const hook = await receiver();
    const attempt = deliverPending(store, webhookConfig(hook.url), {}, { clock: CLOCK });
    await expect(attempt).rejects.toThrow(AppError);
    await expect(attempt).rejects.toThrow(
      'channels.webhooks.crm.secret_env names the environment variable HUIYUAN_CRM_SECRET, which is not set',
    );
    // A value that is not a whsec_ secret is refused without being printed.
    await expect(
      deliverPending(store, webhookConfig(hook.url), { HUIYUAN_CRM_SECRET: 'hunter2!' }, { clock: CLOCK }),
    ).rejects.toThrow(/^the environment variable HUIYUAN_CRM_SECRET .* expected whsec_ followed by base64$/);
    expect(hook.counts().requests).toBe(0);
    expect(await statusCounts(store)).toEqual({ pending: 2 });
  });

  it('sends text messages through the SMS gateway as signed webhooks of { to, text }', async () => {
    const { store, dir } = await tempStore();
    await insertPending(store, 2, 'sms', null, (i) => ({
      to: `1380000000${i}`,
      text: `【某某旗舰店】第${i}条 回T退订`,
    }));
    const file = join(dir, 'sms.jsonl');
    const gateway = await receiver(undefined, file);
    const config = channelsConfig({
      sms: { provider: 'gateway', gateway: { url: gateway.url, secret_env: 'HUIYUAN_SMS_SECRET' } },
    });
    await deliverPending(store, config, { HUIYUAN_SMS_SECRET: SECRET }, { clock: CLOCK });
    await gateway.close();
    const { readFileSync } = await import('node:fs');
    const bodies = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { body: unknown }).body);
    expect(bodies).toEqual(
      expect.arrayContaining([
        { to: '13800000000', text: '【某某旗舰店】第0条 回T退订' },
        { to: '13800000001', text: '【某某旗舰店】第1条 回T退订' },
      ]),
    );
  });
});

describe('a process killed mid-dispatch', () => {
  const child = (db: string, configFile: string, env: NodeJS.ProcessEnv) =>
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'test/fixtures/delivery/deliver-child.ts'),
        db,
        configFile,
        CLOCK.toISOString(),
        '500', // pages of 500: some are marked before the kill, some are not
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  const finished = (process: ReturnType<typeof child>) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      let stderr = '';
      process.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      process.on('close', (code, signal) => resolve({ code, signal, stderr }));
    });

  it('delivers every row at least once, and exactly once after dropping repeated webhook-ids, when run again', async () => {
    const temp = await tempStore();
    const ids = await insertPending(temp.store, 3000, 'webhook', 'crm');
    await temp.store.close(); // the child takes the database (one writer)
    const db = join(temp.dir, 'test.duckdb');
    const running: { first?: ReturnType<typeof child> } = {};
    let arrivals = 0;
    const hook = await receiver(() => {
      arrivals += 1;
      if (arrivals === 1200) running.first?.kill('SIGKILL');
      return 200;
    });
    const configFile = join(temp.dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        channels: {
          allow_private_hosts: true,
          webhooks: { crm: { url: hook.url, secret_env: 'HUIYUAN_CRM_SECRET' } },
        },
      }),
    );
    running.first = child(db, configFile, ENV);
    expect(await finished(running.first)).toMatchObject({ signal: 'SIGKILL' });
    const killedAt = hook.counts().distinctIds;
    expect(killedAt).toBeGreaterThanOrEqual(1200);
    expect(killedAt).toBeLessThan(3000);

    expect(await finished(child(db, configFile, ENV))).toMatchObject({ code: 0 });
    const counts = hook.counts();
    expect(counts.distinctIds).toBe(3000);
    expect(counts.requests).toBeGreaterThanOrEqual(3000);
    expect(counts.badSignatures).toBe(0);
    expect([...hook.ids()].sort()).toEqual(ids);

    const reopened = await DuckDBStore.open({ path: db, timezone: 'Asia/Shanghai' });
    cleanups.push(() => reopened.close());
    expect(await statusCounts(reopened)).toEqual({ sent: 3000 });
  });

  it('exits with one line and code 3 when the secret env var is missing', async () => {
    const temp = await tempStore();
    await insertPending(temp.store, 1, 'webhook', 'crm');
    await temp.store.close();
    const configFile = join(temp.dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        channels: {
          webhooks: { crm: { url: 'https://hooks.example.com/x', secret_env: 'HUIYUAN_UNSET_SECRET' } },
        },
      }),
    );
    const result = await finished(child(join(temp.dir, 'test.duckdb'), configFile, {}));
    expect(result).toEqual({
      code: 3,
      signal: null,
      stderr:
        'huiyuan: channels.webhooks.crm.secret_env names the environment variable HUIYUAN_UNSET_SECRET, which is not set\n',
    });
  });
});

describe('email delivery', () => {
  async function smtpServer(reject?: (to: string) => { code: number; message: string } | undefined) {
    const received: { to: string[]; raw: string }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        const refusal = reject?.(address.address);
        if (!refusal) return callback();
        callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.server.address() as { port: number };
    return { port, received };
  }

  /** The text body of a single-part message, decoded from its transfer encoding. */
  function textBody(raw: string): string {
    const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(head)?.[1]?.toLowerCase();
    if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (encoding === 'quoted-printable')
      return Buffer.from(
        body
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    return body;
  }

  it('arrives at a real SMTP server with the rendered text, and a 550 refusal fails at once', async () => {
    const smtp = await smtpServer((to) =>
      to === 'gone@example.com' ? { code: 550, message: 'no such user' } : undefined,
    );
    const { store } = await tempStore();
    const texts = [
      '张三，您好：您的金卡专享券 HY-7K3M 已到账，满 200 减 30。',
      'Dear Li, your gold coupon HY-9QXP is ready.',
    ];
    const addresses = ['zhang@example.com', 'gone@example.com'];
    await insertPending(store, 2, 'email', null, (i) => ({
      to: addresses[i],
      subject: i === 0 ? '会员专享券' : 'Your coupon',
      text: texts[i],
    }));
    const config = channelsConfig({
      email: { host: '127.0.0.1', port: smtp.port, secure: false, from: '某某旗舰店 <crm@example.com>' },
    });
    const summary = await deliverPending(store, config, {}, { clock: CLOCK });
    expect(summary).toMatchObject({ sent: 1, failed: 1, retrying: 0 });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.to).toEqual(['zhang@example.com']);
    expect(textBody(smtp.received[0]?.raw ?? '').trim()).toBe(texts[0]);
    expect(smtp.received[0]?.raw).toMatch(/^Message-ID: <msg_00000@huiyuan>/im);
    const rows = await store.query(sql`SELECT id, status, attempts FROM rule_deliveries ORDER BY id`);
    expect(rows).toEqual([
      { id: 'msg_00000', status: 'sent', attempts: 1 },
      { id: 'msg_00001', status: 'failed', attempts: 1 },
    ]);
  });
});

/** A loopback HTTP server answering with `answer(request body, url)`; returns its URL and what it got. */
async function fakeProvider(answer: (body: string, url: URL) => object) {
  const { createServer } = await import('node:http');
  const got: { url: URL; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      got.push({ url, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(body, url)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, got };
}

describe('SMS through Aliyun', () => {
  it('posts a signed SendSms the endpoint can verify, retries flow control, and fails a refused number', async () => {
    const { signAliyunRequest } = await import('../src/delivery/aliyun-sms.js');
    let calls = 0;
    let limited = false;
    const aliyun = await fakeProvider((body) => {
      calls += 1;
      const params = Object.fromEntries(new URLSearchParams(body));
      const { Signature, ...signed } = params;
      if (Signature !== signAliyunRequest('POST', signed, 'ak-secret'))
        return { Code: 'SignatureDoesNotMatch' };
      if (params.PhoneNumbers === '13800000000' && !limited) {
        limited = true;
        return { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发流控' };
      }
      if (params.PhoneNumbers === '10000000000')
        return { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' };
      return { Code: 'OK', Message: 'OK', BizId: `biz-${calls}` };
    });
    const { store } = await tempStore();
    const phones = ['13800000000', '10000000000'];
    await insertPending(store, 2, 'sms', null, (i) => ({
      to: phones[i],
      text: '【某某旗舰店】会员周 9 折 回T退订',
    }));
    const config = channelsConfig({
      sms: {
        provider: 'aliyun',
        aliyun: {
          access_key_id_env: 'AK_ID',
          access_key_secret_env: 'AK_SECRET',
          sign_name: '某某旗舰店',
          template_code: 'SMS_1',
          endpoint: aliyun.url,
        },
      },
    });
    const env = { AK_ID: 'ak-id', AK_SECRET: 'ak-secret' };
    const first = await deliverPending(store, config, env, { clock: CLOCK });
    expect(first).toMatchObject({ sent: 0, failed: 1, retrying: 1 });
    const second = await deliverPending(store, config, env, {
      clock: new Date(CLOCK.getTime() + 86_400_000),
    });
    expect(second).toMatchObject({ sent: 1, failed: 0, retrying: 0 });
    const rows = await store.query(
      sql`SELECT destination, status, attempts, last_error FROM rule_deliveries ORDER BY id`,
    );
    expect(rows).toEqual([
      { destination: null, status: 'sent', attempts: 2, last_error: null },
      {
        destination: null,
        status: 'failed',
        attempts: 1,
        last_error: 'Aliyun SMS refused: isv.MOBILE_NUMBER_ILLEGAL (非法手机号)',
      },
    ]);
    const sent = Object.fromEntries(new URLSearchParams(aliyun.got.at(-1)?.body));
    expect(sent).toMatchObject({
      Action: 'SendSms',
      AccessKeyId: 'ak-id',
      OutId: 'msg_00000',
      PhoneNumbers: '13800000000',
      SignName: '某某旗舰店',
      TemplateParam: '{"content":"会员周 9 折 回T退订"}',
    });
  });
});

describe('staff notices to a group robot', () => {
  it('sends a notice to the 钉钉 robot with a sign the robot can check', async () => {
    const { createHmac } = await import('node:crypto');
    const secret = 'SEC-test-secret';
    const robot = await fakeProvider((_, url) => {
      const timestamp = url.searchParams.get('timestamp') ?? '';
      const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
      return url.searchParams.get('sign') === expected && url.searchParams.get('access_token') === 'TOKEN'
        ? { errcode: 0, errmsg: 'ok' }
        : { errcode: 310000, errmsg: 'sign not match' };
    });
    const { store } = await tempStore();
    await insertPending(store, 1, 'robot', null, () => ({ text: '活跃会员预警：今日活跃 812，较基线 −35%' }));
    const config = channelsConfig({
      robots: { ops: { type: 'dingtalk', url_env: 'DT_URL', secret_env: 'DT_SECRET' } },
    });
    const summary = await deliverPending(
      store,
      config,
      { DT_URL: `${robot.url}robot/send?access_token=TOKEN`, DT_SECRET: secret },
      { clock: CLOCK },
    );
    expect(summary).toMatchObject({ sent: 1, failed: 0 });
    expect(JSON.parse(robot.got[0]?.body ?? '')).toEqual({
      msgtype: 'text',
      text: { content: '活跃会员预警：今日活跃 812，较基线 −35%' },
    });
  });
});

describe('a monitor alert to the staff robot', () => {
  it('goes to the 企业微信 robot at once in its text format', async () => {
    const { sendStaffNotice } = await import('../src/delivery/staff-notice.js');
    const robot = await fakeProvider(() => ({ errcode: 0, errmsg: 'ok' }));
    const config = channelsConfig({ robots: { staff: { type: 'wecom', url_env: 'WECOM_URL' } } });
    const outcome = await sendStaffNotice(
      config.channels,
      { WECOM_URL: `${robot.url}cgi-bin/webhook/send?key=K` },
      '复购率预警',
    );
    expect(outcome).toEqual({ ok: true });
    expect(robot.got.map((g) => [g.url.pathname + g.url.search, g.body])).toEqual([
      ['/cgi-bin/webhook/send?key=K', '{"msgtype":"text","text":{"content":"复购率预警"}}'],
    ]);
  });
});
