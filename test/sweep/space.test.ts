import { describe, expect, it } from 'vitest';
import type { Dimension } from '../../src/config/sweep/sweep-params.js';
import { expandSpace, gridSize, gridTrials, randomTrials } from '../../src/sweep/space.js';

const space: Record<string, Dimension> = {
  'train.training.optimizer.learningRate': { values: [0.01, 0.001] },
  'net.blocks.hidden.units': { int: [16, 18] },
  'train.training.optimizer': { values: [{ type: 'sgd' }, { type: 'adam' }] },
};

describe('grid search', () => {
  it('lists every combination in declared order, the first path varying slowest and the last fastest', () => {
    const trials = gridTrials(space);
    expect(gridSize(space)).toBe(12);
    expect(trials).toHaveLength(12);
    expect(trials.slice(0, 4)).toEqual([
      { 'train.training.optimizer.learningRate': 0.01, 'net.blocks.hidden.units': 16, 'train.training.optimizer': { type: 'sgd' } },
      { 'train.training.optimizer.learningRate': 0.01, 'net.blocks.hidden.units': 16, 'train.training.optimizer': { type: 'adam' } },
      { 'train.training.optimizer.learningRate': 0.01, 'net.blocks.hidden.units': 17, 'train.training.optimizer': { type: 'sgd' } },
      { 'train.training.optimizer.learningRate': 0.01, 'net.blocks.hidden.units': 17, 'train.training.optimizer': { type: 'adam' } },
    ]);
    expect(trials.map((trial) => trial['train.training.optimizer.learningRate'])).toEqual([...Array(6).fill(0.01), ...Array(6).fill(0.001)]);
    expect(trials.map((trial) => Object.keys(trial))).toEqual(Array(12).fill(Object.keys(space)));
  });

  it('counts a float range as infinitely many values', () => {
    expect(gridSize({ a: { values: [1, 2] }, b: { uniform: [0, 1] } })).toBe(Infinity);
  });
});

describe('random search', () => {
  const ranges: Record<string, Dimension> = {
    'train.training.optimizer.learningRate': { logUniform: [1e-5, 1e-1] },
    'net.blocks.hidden.dropout': { uniform: [0, 0.5] },
    'net.blocks.hidden.units': { int: [8, 64] },
    'train.training.batchSize': { values: [16, 32, 64] },
  };

  it('draws the same trials from the same seed, and other trials from another seed', () => {
    const trials = randomTrials(ranges, 20, 7);
    expect(randomTrials(ranges, 20, 7)).toEqual(trials);
    expect(randomTrials(ranges, 20, 8)).not.toEqual(trials);
    // The first trials of a longer sweep are the trials of a shorter one.
    expect(randomTrials(ranges, 5, 7)).toEqual(trials.slice(0, 5));
    expect(expandSpace(ranges, { type: 'random', trials: 20, seed: 7 })).toEqual(trials);
  });

  it('keeps every draw inside its range, whole numbers for int ranges and listed values for value lists', () => {
    const trials = randomTrials(ranges, 500, 3);
    const column = (key: string) => trials.map((trial) => trial[key] as number);
    const rates = column('train.training.optimizer.learningRate');
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1e-5);
    expect(Math.max(...rates)).toBeLessThan(1e-1);
    // Log-uniform: as many draws in each decade.
    const decades = [1e-5, 1e-4, 1e-3, 1e-2].map((low) => rates.filter((rate) => rate >= low && rate < low * 10).length);
    for (const count of decades) expect(count).toBeGreaterThan(90);
    const dropouts = column('net.blocks.hidden.dropout');
    expect(Math.min(...dropouts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...dropouts)).toBeLessThan(0.5);
    const units = column('net.blocks.hidden.units');
    expect(units.every(Number.isInteger)).toBe(true);
    expect(new Set(units).size).toBe(57); // 8..64, every one drawn in 500 tries
    expect(new Set(column('train.training.batchSize'))).toEqual(new Set([16, 32, 64]));
  });

  it('draws well-spread first trials even from a small seed', () => {
    const first = [0, 1, 2, 3].map((seed) => randomTrials({ x: { uniform: [0, 1] } }, 1, seed)[0]!.x as number);
    expect(first.every((x) => x < 0.99)).toBe(true);
    expect(new Set(first.map((x) => x.toFixed(3))).size).toBe(4);
  });
});
