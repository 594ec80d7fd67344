import { describe, expect, it } from 'vitest';
import { balancedClassWeights, TrainStatistics } from '../../src/data/stats.js';
import type { FieldSpec } from '../../src/data/dataset.js';

const fields: Record<string, FieldSpec> = {
  ecg: { kind: 'signal', shape: [null, 4], dtype: 'float32' },
  additional: { kind: 'features', shape: [null, 2], dtype: 'float32' },
  stages: { kind: 'label', shape: [null], dtype: 'int32' },
};

describe('train statistics', () => {
  it('match a direct computation: one mean and std for a signal, one per feature for feature vectors', () => {
    const stats = new TrainStatistics(fields, ['ecg', 'additional'], 'stages', 3, -1);
    const records = [
      { ecg: [1, 2, 3, 4, 5, 6, 7, 8], additional: [1, 10, 3, 30], stages: [0, 2] },
      { ecg: [2, 2, 2, 2], additional: [5, 50], stages: [1] },
    ];
    for (const r of records) {
      stats.add({
        ecg: { shape: [r.ecg.length / 4, 4], data: Float32Array.from(r.ecg) },
        additional: { shape: [r.additional.length / 2, 2], data: Float32Array.from(r.additional) },
        stages: { shape: [r.stages.length], data: Int32Array.from(r.stages) },
      });
    }
    const all = records.flatMap((r) => r.ecg);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, x) => a + (x - mean) ** 2, 0) / all.length);
    const { ecg, additional } = stats.normalization('zscore');
    expect(ecg!.shift[0]).toBeCloseTo(mean, 10);
    expect(ecg!.scale[0]).toBeCloseTo(std, 10);
    expect(additional!.shift).toEqual([3, 30]);
    expect(additional!.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 10);
    expect(stats.normalization('minmax').additional).toEqual({ method: 'minmax', shift: [1, 10], scale: [4, 40] });
    expect(stats.counts()).toEqual([1, 1, 1]);
  });

  it('ignores padded labels when counting classes, and weighs classes inversely to their counts', () => {
    const stats = new TrainStatistics(fields, [], 'stages', 3, -1);
    stats.add({ stages: { shape: [6], data: Int32Array.from([0, 0, 0, 1, -1, -1]) } });
    expect(stats.counts()).toEqual([3, 1, 0]);
    expect(balancedClassWeights([3, 1, 0])).toEqual([4 / 9, 4 / 3, 0]);
  });
});
