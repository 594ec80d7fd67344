/**
 * Batch normalisation that stops learning when frozen. tfjs's BatchNormalization
 * updates its moving mean and variance on every training call, even when its
 * layer is frozen; for fine-tuning that silently changes "frozen" weights. This
 * subclass runs in inference mode while its layer is not trainable (as Keras
 * does). It keeps the class name BatchNormalization, so saved models stay
 * standard tfjs models and load anywhere as ordinary batch norm.
 */
import * as tf from '@tensorflow/tfjs';

type LayerClass = new (args: Record<string, unknown>) => tf.layers.Layer;
const BatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as LayerClass;

export class FreezableBatchNormalization extends BatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    return super.call(inputs, { ...kwargs, training: Boolean(kwargs.training) && this.trainable });
  }
}

tf.serialization.registerClass(FreezableBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);

/** A batch-norm layer named `name` that freezes whole. */
export function batchNormalization(name: string): tf.layers.Layer {
  return new FreezableBatchNormalization({ name });
}
