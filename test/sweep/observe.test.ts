import { describe, expect, it } from 'vitest';
import { curveOf, newValues } from '../../src/sweep/observe.js';

const record = (epoch: number, val_loss?: number) => ({ epoch, loss: 1, seconds: 1, ...(val_loss !== undefined ? { val_loss } : {}) });

describe('reading a trial', () => {
  it('turns its history into the metric per epoch, null where an epoch did not record it', () => {
    expect(curveOf([record(1, 0.9), record(2), record(3, 0.7)], 'val_loss')).toEqual([0.9, null, 0.7]);
    expect(curveOf([record(1, 0.9), record(3, 0.7)], 'val_loss')).toEqual([0.9, null, 0.7]);
    expect(curveOf([record(1, Number.NaN)], 'val_loss')).toEqual([null]);
  });

  it('sends only the epochs the sweep does not know yet, or all of them when the known ones changed', () => {
    expect(newValues([0.9, 0.8], [0.9, 0.8, 0.7])).toEqual({ from: 2, values: [0.7] });
    expect(newValues([0.9, 0.8], [0.9, 0.8])).toEqual({ from: 2, values: [] });
    // A chunk trained again from an older checkpoint: its epochs replace the ones known.
    expect(newValues([0.9, 0.8], [0.9, 0.75, 0.7])).toEqual({ from: 0, values: [0.9, 0.75, 0.7] });
    expect(newValues([0.9, 0.8], [0.9])).toEqual({ from: 0, values: [0.9] });
  });
});
