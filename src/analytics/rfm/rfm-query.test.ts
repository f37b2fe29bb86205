import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/config.js';
import { buildRfmCustomersQuery } from './rfm-query.js';

describe('buildRfmCustomersQuery', () => {
  it('passes the day, statuses, weights and breakpoints as parameters, never in the text', () => {
    const config = configSchema.parse({
      rfm: {
        scoring: 'breakpoints',
        breakpoints: {
          recency_days: [7, 30, 90, 180],
          frequency: [1, 2, 3, 5],
          monetary: [50, 100, 500, 1000.5],
        },
        weights: { r: 3 },
      },
    }).rfm;
    const query = buildRfmCustomersQuery({ asOf: '2024-06-30', config });
    expect(query.sql).not.toMatch(/2024-06-30|'completed'|1000\.5|champions/);
    expect(query.params).toEqual(expect.arrayContaining(['2024-06-30', 'completed', 1000.5, 3, 'champions']));
    expect(query.sql).toMatch(/\$\d+::DATE/);
  });

  it('leaves non-members out unless asked', () => {
    const config = configSchema.parse({}).rfm;
    expect(buildRfmCustomersQuery({ asOf: '2024-06-30', config }).sql).not.toContain('UNION');
    expect(buildRfmCustomersQuery({ asOf: '2024-06-30', allCustomers: true, config }).sql).toContain('UNION');
  });
});
