/**
 * Dropout that is random across steps yet reproducible. `tf.layers.dropout`
 * with a fixed seed draws the same mask on every step; this layer draws its
 * mask from (its own seed, the current training step, each value's place in
 * the batch), so each step gets a new mask, a resumed run sees exactly the
 * masks of an uninterrupted one, and micro-batches see the whole batch's
 * masks (see `ops/dropout.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { dropoutKey, hashedDropout } from '../ops/dropout.js';
import { trainingStep } from '../training-context.js';

export interface SeededDropoutArgs {
  name: string;
  rate: number;
  /** This layer's seed (derived from the run seed and the layer name). */
  seed: number;
  /** Drop whole channels (the last axis) rather than single values. */
  spatial?: boolean;
}

export class SeededDropout extends tf.layers.Layer {
  static className = 'EpochalSeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private readonly spatial: boolean;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
    this.spatial = args.spatial ?? false;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    const noiseShape = this.spatial ? x.shape.map((size, axis) => (axis === 0 || axis === x.rank - 1 ? size : 1)) : undefined;
    return hashedDropout(x, this.rate, dropoutKey(this.seed, trainingStep()), noiseShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, spatial: this.spatial };
  }
}

tf.serialization.registerClass(SeededDropout);
