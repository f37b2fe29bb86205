import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildRobotRequest, outcomeOfRobot, signDingtalk, signFeishu } from './robots.js';

const AT = new Date('2026-11-01T02:00:00Z'); // 1793498400 s
const TEXT = '预警：活跃会员数 今日 812，较基线 −35%';

describe('staff group robots', () => {
  it('企业微信: a text message in its documented JSON, to the address as given', () => {
    const url = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY';
    expect(buildRobotRequest('wecom', url, undefined, TEXT, AT)).toEqual({
      url,
      body: `{"msgtype":"text","text":{"content":"${TEXT}"}}`,
    });
  });

  it('钉钉: the same body, and with 加签 timestamp (ms) and the URL-encoded sign on the address', () => {
    const url = 'https://oapi.dingtalk.com/robot/send?access_token=TOKEN';
    const secret = 'SECabc';
    // The documented recipe, computed here on its own: HmacSHA256(key = secret, "<ms>\n<secret>"), base64, urlEncode.
    const sign = createHmac('sha256', secret).update(`1793498400000\n${secret}`).digest('base64');
    expect(signDingtalk(secret, 1793498400000)).toBe(sign);
    expect(buildRobotRequest('dingtalk', url, secret, TEXT, AT)).toEqual({
      url: `${url}&timestamp=1793498400000&sign=${encodeURIComponent(sign)}`,
      body: `{"msgtype":"text","text":{"content":"${TEXT}"}}`,
    });
  });

  it('飞书: msg_type text, and with 签名校验 timestamp (s) and sign keyed with "<s>\\n<secret>" over nothing', () => {
    const url = 'https://open.feishu.cn/open-apis/bot/v2/hook/HOOK';
    const secret = 'feishu-secret';
    const sign = createHmac('sha256', `1793498400\n${secret}`).update(Buffer.alloc(0)).digest('base64');
    expect(signFeishu(secret, 1793498400)).toBe(sign);
    expect(buildRobotRequest('feishu', url, secret, TEXT, AT)).toEqual({
      url,
      body: `{"timestamp":"1793498400","sign":"${sign}","msg_type":"text","content":{"text":"${TEXT}"}}`,
    });
    expect(buildRobotRequest('feishu', url, undefined, TEXT, AT).body).toBe(
      `{"msg_type":"text","content":{"text":"${TEXT}"}}`,
    );
  });

  it('reads a robot answer: code 0 delivered, a rate limit retried, anything else failed', () => {
    expect(outcomeOfRobot('wecom', 200, '{"errcode":0,"errmsg":"ok"}')).toEqual({ ok: true });
    expect(outcomeOfRobot('feishu', 200, '{"code":0,"msg":"success"}')).toEqual({ ok: true });
    expect(outcomeOfRobot('dingtalk', 200, '{"errcode":130101,"errmsg":"send too fast"}')).toEqual({
      ok: false,
      retryable: true,
      error: 'dingtalk robot refused: code 130101 (send too fast)',
    });
    expect(outcomeOfRobot('dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}')).toMatchObject({
      ok: false,
      retryable: false,
    });
  });
});
