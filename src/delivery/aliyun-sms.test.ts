import { describe, expect, it } from 'vitest';
import { canonicalQuery, popEncode, sendSmsParams, signAliyunRequest, stringToSign } from './aliyun-sms.js';

/**
 * The worked example of Aliyun's SMS documentation, 短信服务 › 请求签名
 * (https://help.aliyun.com/document_detail/101343.html; the same request in full in
 * https://developer.aliyun.com/ask/218522, "HTTP协议及签名"): AccessKeyId testId,
 * AccessKeySecret testSecret, a SendSms GET with these parameters, whose string to sign and
 * signature the page gives.
 */
const DOC_PARAMS = {
  AccessKeyId: 'testId',
  Action: 'SendSms',
  Format: 'XML',
  OutId: '123',
  PhoneNumbers: '15300000001',
  RegionId: 'cn-hangzhou',
  SignName: '阿里云短信测试专用',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
  SignatureVersion: '1.0',
  TemplateCode: 'SMS_71390007',
  TemplateParam: '{"customer":"test"}',
  Timestamp: '2017-07-12T02:42:19Z',
  Version: '2017-05-25',
};
const DOC_STRING_TO_SIGN =
  'GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25';
const DOC_SIGNATURE = 'zJDF+Lrzhj/ThnlvIToysFRq6t4=';

describe('Aliyun SMS request signing', () => {
  it("builds the documentation's string to sign", () => {
    expect(stringToSign('GET', DOC_PARAMS)).toBe(DOC_STRING_TO_SIGN);
  });

  it("gives the documentation's signature", () => {
    expect(signAliyunRequest('GET', DOC_PARAMS, 'testSecret')).toBe(DOC_SIGNATURE);
  });

  it('leaves a Signature parameter out of what it signs', () => {
    expect(signAliyunRequest('GET', { ...DOC_PARAMS, Signature: 'x' }, 'testSecret')).toBe(DOC_SIGNATURE);
  });

  it('percent-encodes the POP way: space %20, * %2A, ~ kept', () => {
    expect(popEncode("a b*c~d!'()")).toBe('a%20b%2Ac~d%21%27%28%29');
    expect(canonicalQuery({ b: '2', a: '1 2' })).toBe('a=1%202&b=2');
  });

  it('sends the text without its 【signature】, which Aliyun adds from SignName, and the delivery id as OutId', () => {
    const params = sendSmsParams(
      {
        accessKeyId: 'testId',
        accessKeySecret: 'testSecret',
        signName: '某某旗舰店',
        templateCode: 'SMS_1',
        templateParam: 'content',
        endpoint: 'https://dysmsapi.aliyuncs.com/',
        region: 'cn-hangzhou',
      },
      '13800000000',
      '【某某旗舰店】金卡会员周，全场 9 折 回T退订',
      'msg_abc',
      new Date('2026-11-01T02:00:00.123Z'),
      'nonce-1',
    );
    expect(params).toMatchObject({
      OutId: 'msg_abc',
      SignName: '某某旗舰店',
      TemplateParam: '{"content":"金卡会员周，全场 9 折 回T退订"}',
      Timestamp: '2026-11-01T02:00:00Z',
    });
  });
});
