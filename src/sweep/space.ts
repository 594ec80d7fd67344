/**
 * Trials from a search space: a grid (every combination, in declared order,
 * the last path varying fastest, as `itertools.product`) or seeded random
 * draws (the same seed always gives the same trials, on every platform).
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { mersenne } from 'pure-rand/generator/mersenne';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { Dimension, Search } from '../config/sweep/sweep-params.js';

/** A JSON value, as a trial's parameter takes it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One trial's values: swept path → value, in the space's order. */
export type Assignment = Record<string, JsonValue>;

/** The values a dimension takes in a grid; undefined for a float range, which has no finite list. */
export function gridValues(dimension: Dimension): JsonValue[] | undefined {
  if (dimension.values) return dimension.values as JsonValue[];
  if (dimension.int) {
    const [low, high] = dimension.int;
    return Array.from({ length: high - low + 1 }, (_, i) => low + i);
  }
  return undefined;
}

/** How many trials a grid over `space` has (Infinity when a dimension is a float range). */
export function gridSize(space: Record<string, Dimension>): number {
  return Object.values(space).reduce((size, dimension) => size * (gridValues(dimension)?.length ?? Infinity), 1);
}

/** Every combination of the dimensions' values: the first path varies slowest, the last fastest. */
export function gridTrials(space: Record<string, Dimension>): Assignment[] {
  let trials: Assignment[] = [{}];
  for (const [path, dimension] of Object.entries(space)) {
    const values = gridValues(dimension);
    if (!values) throw new Error(`A grid cannot enumerate ${path}: it is a float range.`);
    trials = trials.flatMap((trial) => values.map((value) => ({ ...trial, [path]: value })));
  }
  return trials;
}

/**
 * `count` trials drawn from `space` by a Mersenne Twister seeded with `seed`
 * (its first draws are as uniform as the rest, whatever the seed, unlike
 * xoroshiro128+ seeded with a small integer): each trial draws its paths in
 * declared order.
 */
export function randomTrials(space: Record<string, Dimension>, count: number, seed: number): Assignment[] {
  const generator = mersenne(seed);
  return Array.from({ length: count }, () => Object.fromEntries(Object.entries(space).map(([path, dimension]) => [path, draw(dimension, generator)])));
}

/** The trials of a sweep, in trial order. */
export function expandSpace(space: Record<string, Dimension>, search: Search): Assignment[] {
  return search.type === 'grid' ? gridTrials(space) : randomTrials(space, search.trials, search.seed);
}

function draw(dimension: Dimension, generator: RandomGenerator): JsonValue {
  if (dimension.values) return dimension.values[uniformInt(generator, 0, dimension.values.length - 1)] as JsonValue;
  if (dimension.int) return uniformInt(generator, dimension.int[0], dimension.int[1]);
  if (dimension.uniform) {
    const [low, high] = dimension.uniform;
    return low + (high - low) * uniformFloat64(generator);
  }
  const [low, high] = dimension.logUniform!;
  return Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * uniformFloat64(generator));
}
