import { describe, expect, it } from 'vitest';
import { accumulate, classificationReport, emptyConfusion } from '../../src/train/metrics.js';

describe('classification metrics', () => {
  it('count argmax predictions per true class, skipping the ignore label', () => {
    const matrix = emptyConfusion(3);
    // positions: truth 0 → pred 0, truth 1 → pred 2, truth 2 → pred 2, ignored → pred 1
    accumulate(matrix, [0.8, 0.1, 0.1, 0.2, 0.3, 0.5, 0, 0, 1, 0, 1, 0], [0, 1, 2, -1], -1);
    expect(matrix).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 1],
    ]);
  });

  it('match hand-computed accuracy, Cohen kappa and per-class F1', () => {
    // A classic 2×2 example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no (rows = truth).
    const report = classificationReport([
      [20, 5],
      [10, 15],
    ], ['yes', 'no']);
    expect(report.accuracy).toBeCloseTo(0.7, 12);
    // p_e = (25·30 + 25·20) / 50² = 0.5 → κ = (0.7 − 0.5) / 0.5 = 0.4
    expect(report.cohenKappa).toBeCloseTo(0.4, 12);
    expect(report.perClass[0]).toMatchObject({ name: 'yes', precision: 20 / 30, recall: 20 / 25, support: 25 });
    expect(report.perClass[0]!.f1).toBeCloseTo((2 * (2 / 3) * 0.8) / (2 / 3 + 0.8), 12);
    expect(report.macroF1).toBeCloseTo((report.perClass[0]!.f1 + report.perClass[1]!.f1) / 2, 12);
    expect(report.count).toBe(50);
  });

  it('give kappa 0 for chance-level agreement and 1 for perfect agreement', () => {
    expect(classificationReport([[5, 5], [5, 5]], ['a', 'b']).cohenKappa).toBeCloseTo(0, 12);
    expect(classificationReport([[7, 0], [0, 3]], ['a', 'b']).cohenKappa).toBeCloseTo(1, 12);
  });

  it('average F1 as scikit-learn does: over classes labelled or predicted, 0 where undefined (zero_division=0)', () => {
    // A class neither labelled nor predicted is left out:
    expect(classificationReport([[4, 0, 0], [0, 2, 0], [0, 0, 0]], ['a', 'b', 'c']).macroF1).toBe(1);
    // f1_score([0, 0, 1], [0, 2, 1], average="macro") = (2/3 + 1 + 0) / 3: class 2 was predicted but never labelled.
    expect(classificationReport([[1, 0, 1], [0, 1, 0], [0, 0, 0]], ['a', 'b', 'c']).macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
  });
});
