/**
 * Weights by their stable hierarchical names (`tcn/block_2/conv_0/kernel`):
 * the names tfjs records as `originalName` (its `name` may gain `_1` suffixes
 * when a process builds the same network twice). Freeze patterns, pretrained
 * loading, checkpoints and optimizer state all key on these names.
 */
import type * as tf from '@tensorflow/tfjs';
import picomatch from 'picomatch';

/** One weight of a model. */
export interface WeightInfo {
  name: string;
  shape: number[];
  /** Number of values. */
  size: number;
  /** Whether the optimizer updates it now. */
  trainable: boolean;
  /** The layer that owns it. */
  layer: string;
}

/** The stable name of a layer weight. */
export function weightName(weight: tf.LayerVariable): string {
  return weight.originalName;
}

/** Every weight of `model`, in the model's order. */
export function listWeights(model: tf.LayersModel): WeightInfo[] {
  return model.layers.flatMap((layer) =>
    layer.weights.map((weight) => ({
      name: weightName(weight),
      shape: [...weight.shape] as number[],
      size: (weight.shape as number[]).reduce((a, b) => a * b, 1),
      trainable: layer.trainable && weight.trainable,
      layer: layer.name,
    })),
  );
}

/** The model's weights by stable name. */
export function weightsByName(model: tf.LayersModel): Map<string, tf.LayerVariable> {
  return new Map(model.weights.map((weight) => [weightName(weight), weight]));
}

/**
 * Whether `pattern` selects `name`. A pattern is a glob over the /-separated
 * name that matches the whole name or a leading run of its segments, so
 * `outer_dense` selects every weight of that block, `tcn/block_2` one residual
 * block, and `**\/bias` every bias.
 */
export function patternSelects(pattern: string, name: string): boolean {
  const isMatch = picomatch(pattern);
  const segments = name.split('/');
  return segments.some((_, i) => isMatch(segments.slice(0, i + 1).join('/')));
}

/** The names any of `patterns` selects. */
export function selectWeights(patterns: readonly string[], names: readonly string[]): string[] {
  const matchers = patterns.map((pattern) => (name: string) => patternSelects(pattern, name));
  return names.filter((name) => matchers.some((matches) => matches(name)));
}
