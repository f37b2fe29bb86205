import { describe, expect, it } from 'vitest';
import { computeExpectedRepeatPurchases } from './bgnbd-calibration.js';

describe('computeExpectedRepeatPurchases', () => {
  // FHL 2005's CDNOW estimates as refitted by BTYD 2.4.3 (walkthrough §4.2): bgnbd.Expectation(t = 52) =
  // 1.444004, and Hardie's spreadsheet values at t = 1, 32, 78 weeks (as asserted by lifetimes).
  const cdnow = { r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 };

  it('reproduces the published BG/NBD expectations for CDNOW', () => {
    expect(computeExpectedRepeatPurchases(cdnow, 52)).toBeCloseTo(1.444004, 4);
    expect(computeExpectedRepeatPurchases(cdnow, 1)).toBeCloseTo(0.0532, 4);
    expect(computeExpectedRepeatPurchases(cdnow, 32)).toBeCloseTo(1.0437, 3);
    expect(computeExpectedRepeatPurchases(cdnow, 78)).toBeCloseTo(1.8576, 3);
  });
});
