/** Copying named weights into a model, matching by name and shape, with a per-weight outcome. */
import type * as tf from '@tensorflow/tfjs';
import { listWeights, weightsByName } from '../model/weights.js';

/** What happened to one weight. */
export interface WeightMatch {
  name: string;
  status: 'matched' | 'missing' | 'unexpected' | 'shapeMismatch';
  /** The model's shape (absent for unexpected weights). */
  expected?: number[];
  /** The source's shape (absent for missing weights). */
  found?: number[];
}

/** How `source` fits `model`, weight by weight, without changing anything. */
export function matchWeights(model: tf.LayersModel, source: ReadonlyMap<string, { shape: readonly number[] }>): WeightMatch[] {
  const ours = listWeights(model);
  const known = new Set(ours.map((w) => w.name));
  const matches: WeightMatch[] = ours.map(({ name, shape }) => {
    const found = source.get(name);
    if (!found) return { name, status: 'missing', expected: shape };
    const same = found.shape.length === shape.length && found.shape.every((d, i) => d === shape[i]);
    return { name, status: same ? 'matched' : 'shapeMismatch', expected: shape, found: [...found.shape] };
  });
  for (const [name, { shape }] of source) {
    if (!known.has(name)) matches.push({ name, status: 'unexpected', found: [...shape] });
  }
  return matches;
}

/** Copies every weight of `source` that matches by name and shape into `model`; returns how each weight fared. */
export function assignWeights(model: tf.LayersModel, source: ReadonlyMap<string, tf.Tensor>): WeightMatch[] {
  const matches = matchWeights(model, source);
  const variables = weightsByName(model);
  for (const match of matches) {
    if (match.status === 'matched') variables.get(match.name)!.write(source.get(match.name)!);
  }
  return matches;
}
