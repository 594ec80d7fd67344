/**
 * tfjs's LeakyReLU layer computed with Epochal's `leakyRelu` op (a one-kernel
 * gradient on the tensorflow backend). It keeps the class name LeakyReLU and
 * its config, so saved models stay standard tfjs models.
 */
import * as tf from '@tensorflow/tfjs';
import { leakyRelu } from '../ops/leaky-relu.js';

type LayerClass = new (args: Record<string, unknown>) => tf.layers.Layer;
const LeakyReLU = Object.getPrototypeOf(tf.layers.leakyReLU({})).constructor as LayerClass;

export class EpochalLeakyReLU extends LeakyReLU {
  static className = 'LeakyReLU';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return leakyRelu(x, (this as unknown as { alpha: number }).alpha);
  }
}

tf.serialization.registerClass(EpochalLeakyReLU as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);

/** A LeakyReLU layer with slope `alpha` for negative inputs (tfjs's default 0.3). */
export function leakyReLU(name: string, alpha?: number): tf.layers.Layer {
  return new EpochalLeakyReLU({ name, ...(alpha === undefined ? {} : { alpha }) });
}
