import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { ParamList, sql } from '../../store/sql.js';
import { buildSegmentCondition, nameSegment, parseSegment, type SegmentVocabulary } from './segment-spec.js';

const vocabulary: SegmentVocabulary = {
  tiers: [
    { id: 'member', name: 'Member', name_zh: '普通会员' },
    { id: 'gold', name: 'Gold', name_zh: '金卡' },
    { id: 'diamond', name: 'Diamond', name_zh: '钻石' },
  ],
  communities: [1, 2, 3],
};

const messageOf = (text: string, words: SegmentVocabulary = vocabulary): string => {
  try {
    parseSegment(text, words);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_ARGUMENT');
    return (error as AppError).message;
  }
  throw new Error(`'${text}' was accepted`);
};

describe('parseSegment', () => {
  it('reads kind:value with ids, English names and zh-CN labels alike', () => {
    expect(parseSegment('stage:loyal', vocabulary).text).toBe('stage:loyal');
    expect(parseSegment('stage:忠诚会员', vocabulary).text).toBe('stage:loyal');
    expect(parseSegment('stage:won back', vocabulary).text).toBe('stage:reactivated');
    expect(parseSegment('tier:金卡', vocabulary).text).toBe('tier:gold');
    expect(parseSegment('tier:top', vocabulary).text).toBe('tier:diamond');
    expect(parseSegment('segment:重要价值客户', vocabulary).text).toBe('segment:champions');
    expect(parseSegment("segment:Can't Lose Them", vocabulary).text).toBe('segment:cant_lose_them');
    expect(parseSegment('community:2', vocabulary).text).toBe('community:2');
  });

  it('reads filters, with province names in Chinese or English and power bands in zh-CN', () => {
    expect(parseSegment('province=Zhejiang', vocabulary).text).toBe('province=浙江');
    expect(parseSegment('province=浙江省', vocabulary).text).toBe('province=浙江');
    expect(parseSegment('power_band=高', vocabulary).text).toBe('power_band=high');
    expect(parseSegment('age >= 30', vocabulary).text).toBe('age>=30');
    expect(parseSegment('negative_emotion=yes', vocabulary).text).toBe('negative_emotion=true');
    expect(parseSegment('gender=女', vocabulary).text).toBe('gender=female');
  });

  it('joins conditions with &', () => {
    const spec = parseSegment('loyal&province=Zhejiang&aov>100', vocabulary);
    expect(spec.text).toBe('stage:loyal&province=浙江&aov>100');
    expect(spec.conditions).toHaveLength(3);
  });

  it('resolves a bare word, taking the stage when the word is also a segment and saying so', () => {
    expect(parseSegment('champions', vocabulary)).toEqual({
      text: 'segment:champions',
      conditions: [{ kind: 'segment', value: 'champions' }],
      notes: [],
    });
    expect(parseSegment('gold', vocabulary).text).toBe('tier:gold');
    const loyal = parseSegment('loyal', vocabulary);
    expect(loyal.text).toBe('stage:loyal');
    expect(loyal.notes).toEqual(["'loyal' read as stage:loyal (also segment:loyal: write that to mean it)"]);
  });

  it('reads all, everyone and 全体 as everyone', () => {
    for (const word of ['all', 'Everyone', '全体'])
      expect(parseSegment(word, vocabulary).conditions).toEqual([]);
  });

  it('names what was wrong and lists the valid values', () => {
    expect(messageOf('stage:lyal')).toMatch(
      /^segment 'stage:lyal': no lifecycle stage 'lyal'; stages: prospect .*loyal \(忠诚会员\)/,
    );
    expect(messageOf('tier:platinum')).toContain(
      "no tier 'platinum'; tiers: member (普通会员), gold (金卡), diamond (钻石), or top",
    );
    expect(messageOf('colour:red')).toContain("unknown kind 'colour'");
    expect(messageOf('height>3')).toContain("unknown field 'height'; fields: gender,");
    expect(messageOf('province>浙江')).toContain('province takes = or !=, not >');
    expect(messageOf('province=Atlantis')).toContain("no province 'Atlantis'; values: 北京, 天津,");
    expect(messageOf('age>=thirty')).toContain("age compares with a number, found 'thirty'");
    expect(messageOf('community:9')).toContain("no community '9'; the stored communities are 1, 2, 3");
    expect(messageOf('community:1', { ...vocabulary, communities: null })).toContain(
      'run `huiyuan communities` first',
    );
    expect(messageOf('stage:loyal&')).toContain("an empty condition around '&'");
    expect(messageOf('vip')).toContain("'vip' is no lifecycle stage, tier or RFM segment");
  });
});

describe('buildSegmentCondition', () => {
  it('puts every value in a parameter and keeps members without a value for !=', () => {
    const params = new ParamList();
    const condition = buildSegmentCondition(
      parseSegment('tier:gold&province!=浙江&age>=30', vocabulary),
      params,
      null,
    );
    expect(condition).toBe('("tier" = $1) AND ("province" IS DISTINCT FROM $2) AND ("age" >= $3::DOUBLE)');
    expect(params.values).toEqual(['gold', '浙江', 30]);
  });

  it('renumbers the community tag query into the parameters', () => {
    const params = new ParamList();
    params.add('2026-01-31');
    const tag = sql`SELECT customer_id, community FROM community_assignments WHERE as_of = ${'2026-01-31'}::DATE`;
    const condition = buildSegmentCondition(parseSegment('community:2', vocabulary), params, tag);
    expect(condition).toBe(
      '(customer_id IN (SELECT customer_id FROM (SELECT customer_id, community FROM community_assignments WHERE as_of = $2::DATE) WHERE community = $3::INTEGER))',
    );
    expect(params.values).toEqual(['2026-01-31', '2026-01-31', 2]);
  });
});

describe('member tags and predictions', () => {
  it('reads tag:NAME and the prediction fields', () => {
    expect(parseSegment('tag:vip&p_alive<0.3&clv>=500&expected_purchases>1', vocabulary).text).toBe(
      'tag:vip&p_alive<0.3&clv>=500&expected_purchases>1',
    );
    expect(messageOf('tag:a b')).toContain('a tag name is letters, digits, - and _');
  });

  it('tests a member tag held at the instant given', () => {
    const params = new ParamList();
    const condition = buildSegmentCondition(parseSegment('tag:vip', vocabulary), params, null, 'T');
    expect(condition.replace(/\s+/g, ' ')).toBe(
      '(customer_id IN (SELECT customer_id FROM member_tags WHERE tag = $1 AND added_at <= T AND (removed_at IS NULL OR removed_at > T)))',
    );
    expect(params.values).toEqual(['vip']);
  });
});

describe('nameSegment', () => {
  it('names members in English and zh-CN', () => {
    const name = (text: string) => nameSegment(parseSegment(text, vocabulary), vocabulary.tiers, 'members');
    expect(name('loyal')).toEqual({ en: 'loyal members', zh: '忠诚会员' });
    expect(name('tier:gold')).toEqual({ en: 'Gold members', zh: '金卡会员' });
    expect(name('stage:at_risk')).toEqual({ en: 'at risk members', zh: '沉睡会员' });
    expect(name('all')).toEqual({ en: 'all members', zh: '全体会员' });
    expect(name('province=浙江')).toEqual({ en: 'members with province=浙江', zh: 'province=浙江 的会员' });
  });
});
