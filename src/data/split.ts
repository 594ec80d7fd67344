/**
 * Train/validation/test splits by group (subject). Each group's split is a
 * keyed hash of (split seed, group id) placed on the configured fractions, so
 *
 * - no group is ever in two splits;
 * - a group stays in its split when other groups are added or removed (a
 *   retrained model is never validated or tested on subjects an earlier model
 *   of the same seed trained on, as long as the fractions stay the same);
 * - the same seed always gives the same split.
 *
 * The fractions hold on average (a binomial draw per group); every split with
 * a fraction above 0 gets at least one group (with few groups, the nearest
 * group is moved into an empty split).
 */
import { createHash } from 'node:crypto';
import { DataError } from '../errors.js';

export const SPLITS = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface SplitConfig {
  train: number;
  validation: number;
  test: number;
  seed: number;
}

/** A uniform number in [0, 1) from the seed and the group id (SHA-256, 48 bits). */
export function groupPosition(group: string, seed: number): number {
  const digest = createHash('sha256').update(`epochal-split\u0000${seed}\u0000${group}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The [start, end) of each split on the unit interval: train, then validation, then test. */
function intervals(config: SplitConfig): Record<SplitName, [number, number]> {
  const validationStart = config.train;
  const testStart = config.train + config.validation;
  return { train: [0, validationStart], validation: [validationStart, testStart], test: [testStart, 1] };
}

/**
 * Assigns each distinct group to a split. When there are too few groups to
 * give every split with a fraction above 0 a group of its own, a `DataError`
 * says so (an empty split cannot be evaluated on).
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
  const bounds = intervals(config);
  const position = new Map(distinct.map((group) => [group, groupPosition(group, config.seed)]));
  const splitAt = (u: number): SplitName => wanted.find((split) => u < bounds[split][1]) ?? wanted.at(-1)!;
  const assignment = new Map(distinct.map((group) => [group, splitAt(position.get(group)!)]));
  for (const split of wanted) {
    if ([...assignment.values()].includes(split)) continue;
    // Empty: take the group nearest to this split's interval from a split that can spare one.
    const counts = new Map<SplitName, number>();
    for (const s of assignment.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    const [start, end] = bounds[split];
    const distance = (u: number) => (u < start ? start - u : u >= end ? u - end : 0);
    const donor = distinct
      .filter((group) => (counts.get(assignment.get(group)!) ?? 0) > 1)
      .reduce((best, group) => (distance(position.get(group)!) < distance(position.get(best)!) ? group : best));
    assignment.set(donor, split);
  }
  return assignment;
}
