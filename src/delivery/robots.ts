/**
 * Staff group robots (群机器人): `notify` actions and monitor alerts as a text message to a
 * 企业微信, 钉钉 or 飞书 group, each in its robot's documented JSON format:
 * - 企业微信 group robot: POST the webhook address, `{"msgtype":"text","text":{"content":…}}`;
 *   it answers `{"errcode":0,"errmsg":"ok"}`.
 * - 钉钉 custom robot: the same body; with 加签 the address gets `&timestamp=<ms>&sign=<s>`, s =
 *   urlEncode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret))); answers errcode 0.
 * - 飞书 custom bot: `{"msg_type":"text","content":{"text":…}}`; with 签名校验 the body also
 *   carries `timestamp` (seconds) and `sign` = base64(HMAC-SHA256 keyed with timestamp + "\n" +
 *   secret over an empty message); answers `{"code":0}`.
 */
import { createHmac } from 'node:crypto';
import type { RobotType } from '../config/rules-config.js';
import type { HttpClient } from './http-post.js';
import { DELIVERED, failure, outcomeOfHttp, type SendOutcome } from './senders.js';

/** 钉钉 加签: base64(HMAC-SHA256(secret, `${timestampMs}\n${secret}`)), before URL encoding. */
export function signDingtalk(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** 飞书 签名校验: the HMAC-SHA256 key is `${timestampSeconds}\n${secret}`, the message empty. */
export function signFeishu(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export interface RobotRequest {
  readonly url: string;
  readonly body: string;
}

/** The request one robot takes for a text at `at` (pure: the tests check the exact JSON). */
export function buildRobotRequest(
  type: RobotType,
  url: string,
  secret: string | undefined,
  text: string,
  at: Date,
): RobotRequest {
  switch (type) {
    case 'wecom':
      return { url, body: JSON.stringify({ msgtype: 'text', text: { content: text } }) };
    case 'dingtalk': {
      const body = JSON.stringify({ msgtype: 'text', text: { content: text } });
      if (secret === undefined) return { url, body };
      const ms = at.getTime();
      const separator = url.includes('?') ? '&' : '?';
      return {
        url: `${url}${separator}timestamp=${ms}&sign=${encodeURIComponent(signDingtalk(secret, ms))}`,
        body,
      };
    }
    case 'feishu': {
      const seconds = Math.floor(at.getTime() / 1000);
      const signed =
        secret === undefined ? {} : { timestamp: String(seconds), sign: signFeishu(secret, seconds) };
      return { url, body: JSON.stringify({ ...signed, msg_type: 'text', content: { text } }) };
    }
  }
}

/** Codes that mean "too fast" or "busy, try again": 企业微信 45009 / -1, 钉钉 130101 / 130102, 飞书 9499 / 11232. */
const RETRYABLE_ROBOT_CODES = new Set([45009, -1, 130101, 130102, 9499, 11232]);

/** A robot's answer: HTTP 200 carries its own code (errcode, or code / StatusCode for 飞书). */
export function outcomeOfRobot(type: RobotType, status: number, body: string): SendOutcome {
  let answer: { errcode?: number; code?: number; StatusCode?: number; errmsg?: string; msg?: string };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    return failure(`${type} robot answered HTTP ${status} without JSON`, true);
  }
  const code = answer.errcode ?? answer.code ?? answer.StatusCode ?? 0;
  if (code === 0) return DELIVERED;
  return failure(
    `${type} robot refused: code ${code}${(answer.errmsg ?? answer.msg) ? ` (${answer.errmsg ?? answer.msg})` : ''}`,
    RETRYABLE_ROBOT_CODES.has(code),
  );
}

export class RobotSender {
  constructor(
    readonly type: RobotType,
    readonly url: string,
    readonly secret: string | undefined,
    readonly client: HttpClient,
  ) {}

  async sendText(text: string, signal?: AbortSignal): Promise<SendOutcome> {
    const request = buildRobotRequest(this.type, this.url, this.secret, text, new Date());
    const result = await this.client.post(request.url, request.body, {}, signal);
    const http = outcomeOfHttp(result, `${this.type} robot`);
    if (!http.ok || result.kind === 'no_response') return http;
    return outcomeOfRobot(this.type, result.status, result.body);
  }
}
