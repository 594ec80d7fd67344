/**
 * Train/validation/test splits by group (subject): the groups are shuffled
 * with the split seed and dealt out by the configured fractions, so no group
 * is ever in two splits and the same seed always gives the same split.
 */
import { DataError } from '../errors.js';
import { seededPermutation } from './shuffle.js';

export const SPLITS = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface SplitConfig {
  train: number;
  validation: number;
  test: number;
  seed: number;
}

/**
 * Assigns each distinct group to a split. Every split with a fraction above 0
 * gets at least one group; when there are too few groups for that, a
 * `DataError` says so (an empty split cannot be evaluated on).
 */
export function assignGroups(groups: readonly string[], config: SplitConfig, origin: string): Map<string, SplitName> {
  const distinct = [...new Set(groups)].sort();
  const wanted = SPLITS.filter((split) => config[split] > 0);
  if (distinct.length < wanted.length) {
    throw new DataError(
      `${origin} has ${distinct.length} group${distinct.length === 1 ? '' : 's'} (subjects), too few to fill the ${wanted.join(', ')} splits ` +
        'without putting one group in two. Fix: add data, or set the fraction of a split to 0.',
      { file: origin },
    );
  }
  const counts = splitCounts(distinct.length, config);
  const order = seededPermutation(distinct.length, config.seed).map((i) => distinct[i]!);
  const assignment = new Map<string, SplitName>();
  let next = 0;
  for (const split of SPLITS) {
    for (let k = 0; k < counts[split]; k++) assignment.set(order[next++]!, split);
  }
  return assignment;
}

/** How many of `total` groups each split gets: rounded fractions, at least one for every non-zero fraction. */
export function splitCounts(total: number, config: SplitConfig): Record<SplitName, number> {
  const counts = {
    validation: Math.round(total * config.validation),
    test: Math.round(total * config.test),
    train: 0,
  };
  for (const split of ['validation', 'test'] as const) {
    if (config[split] > 0 && counts[split] === 0) counts[split] = 1;
  }
  counts.train = total - counts.validation - counts.test;
  // Too few left for training: take back from the larger of the other two.
  while (config.train > 0 && counts.train < 1) {
    const donor = counts.validation >= counts.test ? 'validation' : 'test';
    counts[donor] -= 1;
    counts.train += 1;
  }
  return counts;
}
