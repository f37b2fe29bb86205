import { describe, expect, it } from 'vitest';
import { ParamList } from '../../store/sql.js';
import { buildTemplateSql } from './render.js';

describe('buildTemplateSql', () => {
  it('turns the literal text into parameters and the placeholders into columns', () => {
    const params = new ParamList();
    const expression = buildTemplateSql('【店】{name}，您的{tier}券{coupon_code}已到账 回T退订', params, 'f');
    expect(expression).toBe(
      `concat($1::VARCHAR, coalesce(f."name", ''), $2::VARCHAR, coalesce(f."tier", ''), $3::VARCHAR, coalesce(f."coupon_code", ''), $4::VARCHAR)`,
    );
    expect(params.values).toEqual(['【店】', '，您的', '券', '已到账 回T退订']);
  });

  it('renders a text without placeholders as itself', () => {
    const params = new ParamList();
    expect(buildTemplateSql('hello', params, 'f')).toBe('concat($1::VARCHAR)');
    expect(params.values).toEqual(['hello']);
  });
});
