import { describe, expect, it } from 'vitest';
import { assignGroups, splitCounts } from '../../src/data/split.js';
import { DataError } from '../../src/errors.js';
import { seededPermutation } from '../../src/data/shuffle.js';

const fractions = { train: 0.7, validation: 0.15, test: 0.15, seed: 0 };

describe('splitting by group', () => {
  it('never puts one group in two splits, over many seeds and group sizes', () => {
    for (let seed = 0; seed < 300; seed++) {
      const order = seededPermutation(60, seed);
      const groupCount = 3 + (order[0]! % 50);
      // Several records per group, in a shuffled order, as real files list them.
      const groups = order.map((i) => `subject-${i % groupCount}`);
      const assignment = assignGroups(groups, { ...fractions, seed }, 'test data');
      const splitOf = new Map<string, string>();
      for (const group of groups) {
        const split = assignment.get(group)!;
        expect(splitOf.get(group) ?? split).toBe(split);
        splitOf.set(group, split);
      }
      expect(new Set(assignment.values())).toEqual(new Set(['train', 'validation', 'test']));
      expect(assignment.size).toBe(new Set(groups).size);
    }
  });

  it('deals groups out by the configured fractions', () => {
    expect(splitCounts(40, fractions)).toEqual({ train: 28, validation: 6, test: 6 });
    expect(splitCounts(12, { train: 0.6, validation: 0.2, test: 0.2, seed: 0 })).toEqual({ train: 8, validation: 2, test: 2 });
    expect(splitCounts(3, fractions)).toEqual({ train: 1, validation: 1, test: 1 });
    expect(splitCounts(10, { train: 1, validation: 0, test: 0, seed: 0 })).toEqual({ train: 10, validation: 0, test: 0 });
  });

  it('gives the same assignment for the same seed, and another for another seed', () => {
    const groups = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const a = assignGroups(groups, { ...fractions, seed: 4 }, 'x');
    expect([...assignGroups(groups, { ...fractions, seed: 4 }, 'x')]).toEqual([...a]);
    expect([...assignGroups(groups, { ...fractions, seed: 5 }, 'x')]).not.toEqual([...a]);
  });

  it('refuses to split too few groups, saying why and how to fix it', () => {
    const error = (() => {
      try {
        assignGroups(['a', 'a', 'b'], fractions, 'data/two-subjects.csv');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      'data/two-subjects.csv has 2 groups (subjects), too few to fill the train, validation, test splits without putting one group in two. ' +
        'Fix: add data, or set the fraction of a split to 0.',
    );
  });
});
