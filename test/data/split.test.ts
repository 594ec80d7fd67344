import { describe, expect, it } from 'vitest';
import { assignGroups, groupPosition } from '../../src/data/split.js';
import { DataError } from '../../src/errors.js';
import { seededPermutation } from '../../src/data/shuffle.js';

const fractions = { train: 0.7, validation: 0.15, test: 0.15, seed: 0 };

describe('splitting by group', () => {
  it('never puts one group in two splits and fills every split, over many seeds and group sizes', () => {
    for (let seed = 0; seed < 300; seed++) {
      const order = seededPermutation(60, seed);
      const groupCount = 3 + (order[0]! % 50);
      // Several records per group, in a shuffled order, as real files list them.
      const groups = order.map((i) => `subject-${i % groupCount}`);
      const assignment = assignGroups(groups, { ...fractions, seed }, 'test data');
      expect(new Set(assignment.values())).toEqual(new Set(['train', 'validation', 'test']));
      expect(assignment.size).toBe(new Set(groups).size);
    }
  });

  it('keeps every group in its split when other groups are added (stable as data grows)', () => {
    const before = assignGroups(Array.from({ length: 40 }, (_, i) => `s${i}`), fractions, 'x');
    const after = assignGroups(Array.from({ length: 400 }, (_, i) => `s${i}`), fractions, 'x');
    for (const [group, split] of before) expect(after.get(group), group).toBe(split);
  });

  it('meets the configured fractions on average, and leaves a split with fraction 0 empty', () => {
    const groups = Array.from({ length: 20_000 }, (_, i) => `subject-${i}`);
    const counts = { train: 0, validation: 0, test: 0 };
    for (const split of assignGroups(groups, fractions, 'x').values()) counts[split] += 1;
    expect(counts.train / groups.length).toBeCloseTo(0.7, 1.7);
    expect(counts.validation / groups.length).toBeCloseTo(0.15, 1.7);
    const noValidation = new Set(assignGroups(groups.slice(0, 500), { train: 0.8, validation: 0, test: 0.2, seed: 3 }, 'x').values());
    expect(noValidation).toEqual(new Set(['train', 'test']));
  });

  it('gives the same assignment for the same seed, and another for another seed', () => {
    const groups = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const a = assignGroups(groups, { ...fractions, seed: 4 }, 'x');
    expect([...assignGroups(groups, { ...fractions, seed: 4 }, 'x')]).toEqual([...a]);
    expect([...assignGroups(groups, { ...fractions, seed: 5 }, 'x')]).not.toEqual([...a]);
    expect(groupPosition('s1', 4)).not.toBe(groupPosition('s1', 5));
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
