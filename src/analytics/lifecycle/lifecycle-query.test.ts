import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/config.js';
import {
  buildInviteCandidatesQuery,
  buildLifecycleCustomersQuery,
  buildLifecycleFlowsQuery,
} from './lifecycle-query.js';

describe('lifecycle queries', () => {
  const config = configSchema.parse({ lifecycle: { churn_days: 97, loyal_recency_cycles: 1.25 } }).lifecycle;

  it('passes the day, statuses and thresholds as parameters, never in the text', () => {
    const query = buildLifecycleCustomersQuery({ asOf: '2024-06-30', config });
    expect(query.sql).not.toMatch(/2024-06-30|'completed'|\b97\b|1\.25/);
    expect(query.params).toEqual(expect.arrayContaining(['2024-06-30', 'completed', 97, 1.25, 365]));
  });

  it('passes the months of a flow report as parameters', () => {
    const query = buildLifecycleFlowsQuery({ from: '2024-02', to: '2024-04', config });
    expect(query.sql).not.toMatch(/2024-0[24]/);
    expect(query.params).toEqual(expect.arrayContaining(['2024-02-01', '2024-04-01']));
  });

  it('adds non-members only when asked', () => {
    expect(buildLifecycleCustomersQuery({ asOf: '2024-06-30', config }).sql).not.toContain('UNION');
    expect(buildLifecycleCustomersQuery({ asOf: '2024-06-30', allCustomers: true, config }).sql).toContain(
      'UNION',
    );
  });

  it('keeps invitation candidates to non-members as of the day', () => {
    const query = buildInviteCandidatesQuery({ asOf: '2024-06-30', config });
    expect(query.sql).toMatch(/member_since IS NULL OR c\.member_since >=/);
    expect(query.params[0]).toBe('2024-06-30');
  });
});
