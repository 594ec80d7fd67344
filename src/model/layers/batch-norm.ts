/**
 * Batch normalisation for Epochal's blocks: tfjs's BatchNormalization with two
 * changes, keeping its class name, weights and config so saved models stay
 * standard tfjs models that load anywhere as ordinary batch norm.
 *
 * - It stops learning when frozen. tfjs's layer updates its moving mean and
 *   variance on every training call, even when frozen; for fine-tuning that
 *   silently changes "frozen" weights. This one runs in inference mode while
 *   its layer is not trainable (as Keras does).
 * - In training it normalises with `batchNormTraining`, whose gradient is one
 *   native kernel on the tensorflow backend and a few broadcasting kernels
 *   elsewhere, instead of tfjs's generic moments + batchNorm gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../ops/batch-norm.js';

type LayerClass = new (args: Record<string, unknown>) => tf.layers.Layer;
const BatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as LayerClass;

/** The parts of tfjs's BatchNormalization this subclass reads (private there). */
interface BatchNormInternals {
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  epsilon: number;
  momentum: number;
  axis: number;
}

export class FreezableBatchNormalization extends BatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const training = Boolean(kwargs.training) && this.trainable;
    const self = this as unknown as BatchNormInternals;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!training || (self.axis !== -1 && self.axis !== x.rank - 1)) return super.call(inputs, { ...kwargs, training });
    const { y, mean, variance } = batchNormTraining(x, self.gamma.read(), self.beta.read(), self.epsilon);
    // The moving averages, as tfjs updates them: v ← v − (v − batch value) · (1 − momentum).
    tf.tidy(() => {
      for (const [variable, value] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
        const current = variable.read();
        variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - self.momentum)));
      }
    });
    tf.dispose([mean, variance]);
    return y;
  }
}

tf.serialization.registerClass(FreezableBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);

/** The epsilon every Epochal batch norm adds to the variance (Keras's and tfjs's; PyTorch's default is 1e-5). */
export const BATCH_NORM_EPSILON = 1e-3;

/** A batch-norm layer named `name` that freezes whole. */
export function batchNormalization(name: string): tf.layers.Layer {
  return new FreezableBatchNormalization({ name, epsilon: BATCH_NORM_EPSILON });
}
