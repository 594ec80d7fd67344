import { describe, expect, it } from 'vitest';
import { promotionVerdict } from '../../workflows/promotion-gate.js';

describe('the promotion gate', () => {
  it('promotes the first model of an experiment', () => {
    expect(promotionVerdict({ metric: 'cohenKappa', margin: 0.05 }, 0.4, undefined)).toMatchObject({ promoted: true, reason: expect.stringMatching(/^no champion yet/) });
  });

  it('promotes a challenger that is better by at least the margin, and keeps the champion otherwise', () => {
    const gate = { metric: 'cohenKappa', margin: 0.05 } as const;
    expect(promotionVerdict(gate, 0.56, 0.5).promoted).toBe(true);
    expect(promotionVerdict(gate, 0.54, 0.5)).toMatchObject({ promoted: false, reason: expect.stringContaining('challenger 0.5400 vs champion 0.5000 (+0.0400, margin 0.05)') });
    expect(promotionVerdict(gate, 0.45, 0.5).promoted).toBe(false);
  });

  it('reads loss as better when lower, and never promotes a tie', () => {
    expect(promotionVerdict({ metric: 'loss', margin: 0 }, 0.9, 1.0).promoted).toBe(true);
    expect(promotionVerdict({ metric: 'loss', margin: 0 }, 1.1, 1.0).promoted).toBe(false);
    expect(promotionVerdict({ metric: 'accuracy', margin: 0 }, 0.7, 0.7).promoted).toBe(false);
  });
});
