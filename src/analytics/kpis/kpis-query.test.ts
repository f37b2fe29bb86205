import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/config.js';
import { buildCohortRetentionQuery, buildKpisQuery } from './kpis-query.js';

describe('buildKpisQuery', () => {
  it('passes the days, statuses and churn settings as parameters, never in the text', () => {
    const lifecycle = configSchema.parse({ lifecycle: { churn_days: 97, min_churn_days: 181 } }).lifecycle;
    const query = buildKpisQuery({ from: '2024-01-01', to: '2024-06-30', period: 'week', lifecycle });
    expect(query.sql).not.toMatch(/2024-01-01|2024-06-30|'completed'|\b97\b|\b181\b/);
    expect(query.params).toEqual(expect.arrayContaining(['2024-01-01', '2024-06-30', 'completed', 97, 181]));
  });

  it('cuts periods by the chosen calendar unit', () => {
    const lifecycle = configSchema.parse({}).lifecycle;
    const month = buildKpisQuery({ from: '2024-01-01', to: '2024-06-30', period: 'month', lifecycle });
    const week = buildKpisQuery({ from: '2024-01-01', to: '2024-06-30', period: 'week', lifecycle });
    expect(month.sql).toContain("date_trunc('month'");
    expect(week.sql).toContain("date_trunc('week'");
    expect(week.sql).not.toContain("date_trunc('month'");
  });
});

describe('buildCohortRetentionQuery', () => {
  it('passes the range as parameters', () => {
    const query = buildCohortRetentionQuery({ from: '2024-01-01', to: '2024-06-30' });
    expect(query.sql).not.toMatch(/2024-0/);
    expect(query.params.slice(0, 2)).toEqual(['2024-01-01', '2024-06-30']);
  });
});
