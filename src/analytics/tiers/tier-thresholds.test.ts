import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/config.js';
import { addMonths, applyMinimums, checkSteps } from './tier-thresholds.js';

const levels = configSchema.parse({}).tiers.levels;

describe('applyMinimums', () => {
  it('raises a candidate to the default minimum 0.01 and keeps thresholds from falling', () => {
    expect(applyMinimums(['0.00', '300.00', '250.00'], '900.00', levels)).toEqual([
      '0.01',
      '300.00',
      '300.00',
    ]);
  });

  it('puts a tier without a candidate one cent above the highest value', () => {
    expect(applyMinimums(['10.00', '20.00', null], '499.99', levels)).toEqual(['10.00', '20.00', '500.00']);
  });

  it('uses the minimums alone when there are no members', () => {
    const withMinimums = levels.map((level, index) =>
      index === 3 ? { ...level, min_threshold: 2000 } : level,
    );
    expect(applyMinimums([null, null, null], null, withMinimums)).toEqual(['0.01', '0.01', '2000.00']);
  });
});

describe('checkSteps', () => {
  it('names a tier whose contribution rate is not above the one below', () => {
    const results = checkSteps([
      { name_zh: '普通会员', members: 10, contribution_rate: 0.2 },
      { name_zh: '银卡', members: 5, contribution_rate: 1.35 },
      { name_zh: '金卡', members: 3, contribution_rate: 1.1 },
      { name_zh: '钻石', members: 1, contribution_rate: 2 },
    ]);
    expect(results.map((r) => r.stepped)).toEqual([null, true, false, true]);
    expect(results[2]?.problem).toBe('tier 金卡 breaks the steps: contribution 1.10 ≤ 1.35 of 银卡');
  });

  it('counts an equal rate as a break', () => {
    const results = checkSteps([
      { name_zh: 'a', members: 1, contribution_rate: 1 },
      { name_zh: 'b', members: 1, contribution_rate: 1 },
    ]);
    expect(results[1]?.stepped).toBe(false);
  });
});

describe('addMonths', () => {
  it('adds calendar months, clamping to the end of a shorter month', () => {
    expect(addMonths('2024-03-31', 6)).toBe('2024-09-30');
    expect(addMonths('2024-08-31', 6)).toBe('2025-02-28');
    expect(addMonths('2024-06-30', 6)).toBe('2024-12-30');
  });
});
