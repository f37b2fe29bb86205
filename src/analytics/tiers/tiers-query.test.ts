import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/config.js';
import { buildTierCountsQuery, buildTierCutsQuery } from './tiers-query.js';

const config = configSchema.parse({
  tiers: {
    special_days: { dates: ['2024-03-09'], monthly: [8], annual: ['11-11'] },
    window_months: 9,
  },
}).tiers;

describe('tier queries', () => {
  it('pass the day, window, special days and thresholds as parameters, never in the text', () => {
    const cuts = buildTierCutsQuery({ asOf: '2024-06-30', config });
    expect(cuts.sql).not.toMatch(/2024-06-30|2024-03-09|11-11|'completed'/);
    expect(cuts.params).toEqual(
      expect.arrayContaining(['2024-06-30', 9, '2024-03-09', 8, '11-11', 'completed']),
    );
    const counts = buildTierCountsQuery({ asOf: '2024-06-30', config }, ['100.00', '300.00', '1000.00']);
    expect(counts.sql).not.toMatch(/100\.00|300\.00/);
    expect(counts.params).toEqual(expect.arrayContaining(['100.00', '300.00', '1000.00']));
  });

  it('cuts by cumulative shares in basis points: 55, 80, 95 % of members', () => {
    const cuts = buildTierCutsQuery({ asOf: '2024-06-30', config });
    expect(cuts.params).toEqual(expect.arrayContaining([5500, 8000, 9500]));
  });
});
