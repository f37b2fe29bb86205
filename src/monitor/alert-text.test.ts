import { describe, expect, it } from 'vitest';
import { type AlertFields, describeAlert, describeAlertSubject } from './alert-text.js';
import { type MonitorCheck } from './monitor-checks.js';

const TIERS: Record<string, string> = { silver: '银卡', gold: '金卡' };
const tierName = (id: string): string | undefined => TIERS[id];

const alert = (check: MonitorCheck, subject: string, figures: AlertFields['figures']): AlertFields => ({
  check,
  subject,
  message: `the monitor's English text of ${subject}`,
  figures,
});

// One alert of every check, with the figures the monitor stores for it (src/monitor/monitor.ts,
// score-daily-series.ts).
const ALERTS: readonly AlertFields[] = [
  alert('stepped', 'gold', {
    tier: 'gold',
    members: 300,
    member_share: 0.15,
    value_share: 0.18,
    contribution_rate: 1.2,
    below_tier: 'silver',
    below_contribution_rate: 1.35,
    calibrated_on: '2026-10-01',
    calibration_stored: 'yes',
  }),
  alert('activity', 'page_views', {
    value: 524,
    baseline: 3469.5,
    scale: 210,
    score: -14.19,
    baseline_days: 28,
  }),
  alert('activity', 'bounce_rate', { value: 0.52, baseline: 0.4, scale: 0.02, score: 6, baseline_days: 28 }),
  alert('purchases', 'gmv', { value: 8000, baseline: 20000, scale: 2000, score: -6, baseline_days: 28 }),
  alert('emotion', 'refunds', {
    value: 39,
    expected: 6.5,
    rate_per_order: 0.006,
    exposure_orders: 1100,
    score: 12.81,
  }),
  alert('product_problem', 'activity_up_sales_down', {
    page_views: 9000,
    page_views_baseline: 3000,
    gmv: 9000,
    gmv_baseline: 18000,
    orders: 60,
    orders_baseline: 120,
  }),
  alert('tier_swing', 'silver', { members: 1300, before: 1000, compared_with: '2026-10-24', change: 0.3 }),
  alert('segment_swing', 'segment:need_attention', {
    members: 517,
    before: 400,
    compared_with: '2026-09-30',
    change: 0.2925,
  }),
  alert('segment_swing', 'stage:reactivated', {
    members: 300,
    before: 500,
    compared_with: '2026-09-30',
    change: -0.4,
  }),
];

describe('alert texts in zh-CN', () => {
  it('render every check from its figures without a Latin word but the trade’s PV and GMV', () => {
    for (const a of ALERTS) {
      const text = `${describeAlertSubject(a, 'zh-CN', tierName)} ${describeAlert(a, 'zh-CN', tierName)}`;
      expect(text.replace(/PV|GMV|UTC|RFM/g, ''), text).not.toMatch(/[A-Za-z]/);
    }
  });

  it('say what a broken step is, in the tiers’ own names', () => {
    expect(describeAlert(ALERTS[0]!, 'zh-CN', tierName)).toBe(
      '金卡的贡献率 1.2（人数占比 15.0%，价值占比 18.0%）不高于下一级银卡的 1.35：等级未逐级上升',
    );
  });

  it('give the change against the baseline, rounded as the reader reads it', () => {
    // (524 − 3469.5) / 3469.5 = −84.9%
    expect(describeAlert(ALERTS[1]!, 'zh-CN', tierName)).toBe(
      '浏览量 PV 524，基线 3,470（−85%），稳健得分 −14.2',
    );
    // (39 − 6.5) / 6.5 = +500%
    expect(describeAlert(ALERTS[4]!, 'zh-CN', tierName)).toBe(
      '退款 39 次，按基线比率预期 6.5 次（+500%），计数得分 +12.8',
    );
  });

  it('name a segment or stage swing by its zh-CN label', () => {
    expect(describeAlertSubject(ALERTS[7]!, 'zh-CN', tierName)).toBe('RFM 分群「需要关注客户」');
    expect(describeAlert(ALERTS[8]!, 'zh-CN', tierName)).toBe(
      '生命周期阶段「回流会员」现有 300 人，2026-09-30 为 500 人（−40%）',
    );
  });

  it('keep the monitor’s own text in English', () => {
    expect(describeAlert(ALERTS[7]!, 'en', tierName)).toBe(ALERTS[7]!.message);
    expect(describeAlertSubject(ALERTS[7]!, 'en', tierName)).toBe('segment:need_attention');
  });
});
