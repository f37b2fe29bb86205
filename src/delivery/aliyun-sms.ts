/**
 * Aliyun SMS (阿里云短信) SendSms, signed as Aliyun's RPC-style APIs are (签名机制, SignatureVersion
 * 1.0): the parameters sorted by name, each percent-encoded the POP way (RFC 3986: a space is
 * %20, `*` is %2A, `~` stays), joined into the canonical query; the string to sign is
 * `METHOD&%2F&` + the encoded canonical query; the signature is base64(HMAC-SHA1(secret + '&',
 * string to sign)). Documented with a worked example in
 * https://help.aliyun.com/document_detail/101343.html (短信服务 › 请求签名), which the test replays.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { HttpClient } from './http-post.js';
import { DELIVERED, failure, outcomeOfHttp, type SendOutcome } from './senders.js';

/** Percent-encoding as the POP signature takes it. */
export function popEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The canonical query: parameters sorted by name, encoded, `name=value` joined by `&`. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${popEncode(key)}=${popEncode(params[key] ?? '')}`)
    .join('&');
}

export function stringToSign(method: 'GET' | 'POST', params: Readonly<Record<string, string>>): string {
  return `${method}&${popEncode('/')}&${popEncode(canonicalQuery(params))}`;
}

/** The RPC signature of a request: base64(HMAC-SHA1(accessKeySecret + '&', stringToSign)). */
export function signAliyunRequest(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign(method, params)).digest('base64');
}

export interface AliyunSmsOptions {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly signName: string;
  readonly templateCode: string;
  readonly templateParam: string;
  readonly endpoint: string;
  readonly region: string;
}

/** Aliyun's codes that mean "later" (flow control, its own failure) rather than "never". */
const RETRYABLE_CODES = /^(isv\.BUSINESS_LIMIT_CONTROL|isp\.SYSTEM_ERROR|Throttling.*|ServiceUnavailable)$/;

/** The SendSms parameters for one text, unsigned. The text's own 【signature】 is Aliyun's SignName, so it is left out. */
export function sendSmsParams(
  options: AliyunSmsOptions,
  phone: string,
  text: string,
  outId: string,
  at: Date,
  nonce: string,
): Record<string, string> {
  return {
    AccessKeyId: options.accessKeyId,
    Action: 'SendSms',
    Format: 'JSON',
    OutId: outId,
    PhoneNumbers: phone,
    RegionId: options.region,
    SignName: options.signName,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: nonce,
    SignatureVersion: '1.0',
    TemplateCode: options.templateCode,
    TemplateParam: JSON.stringify({ [options.templateParam]: text.replace(/^【[^】]*】/, '') }),
    Timestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Version: '2017-05-25',
  };
}

export class AliyunSmsSender {
  constructor(
    readonly options: AliyunSmsOptions,
    readonly client: HttpClient,
  ) {}

  async sendText(phone: string, text: string, outId: string, signal?: AbortSignal): Promise<SendOutcome> {
    const params = sendSmsParams(this.options, phone, text, outId, new Date(), randomUUID());
    const signature = signAliyunRequest('POST', params, this.options.accessKeySecret);
    const body = `Signature=${popEncode(signature)}&${canonicalQuery(params)}`;
    const result = await this.client.post(
      this.options.endpoint,
      body,
      { 'content-type': 'application/x-www-form-urlencoded' },
      signal,
    );
    const http = outcomeOfHttp(result, 'Aliyun SMS');
    if (result.kind === 'no_response' || (!http.ok && result.status >= 500)) return http;
    let answer: { Code?: string; Message?: string };
    try {
      answer = JSON.parse(result.body) as { Code?: string; Message?: string };
    } catch {
      return http.ok ? failure(`Aliyun SMS answered HTTP ${result.status} without JSON`, true) : http;
    }
    if (answer.Code === 'OK') return DELIVERED;
    const code = answer.Code ?? `HTTP ${result.status}`;
    return failure(
      `Aliyun SMS refused: ${code}${answer.Message ? ` (${answer.Message})` : ''}`,
      RETRYABLE_CODES.test(code),
    );
  }
}
