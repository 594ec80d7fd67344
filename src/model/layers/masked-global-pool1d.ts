/**
 * Global pooling over the real steps of a padded sequence: `[x, mask]`, x
 * `[batch, steps, channels]` and mask `[batch, steps]` (1 real, 0 padding),
 * gives `[batch, channels]`: the mean or the maximum of the real steps only,
 * so the result does not depend on how much padding the batch has.
 */
import * as tf from '@tensorflow/tfjs';

export class MaskedGlobalPool1D extends tf.layers.Layer {
  static className = 'EpochalMaskedGlobalPool1D';
  private readonly mode: 'max' | 'avg';

  constructor(args: { name: string; mode: 'max' | 'avg' }) {
    super(args);
    this.mode = args.mode;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [x] = inputShape as tf.Shape[];
    return [x![0] ?? null, x![2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputs as tf.Tensor[];
      const weights = tf.expandDims(tf.cast(mask!, x!.dtype), -1);
      if (this.mode === 'avg') return tf.div(tf.sum(tf.mul(x!, weights), 1), tf.maximum(tf.sum(weights, 1), 1));
      // Padded steps sit far below any real value, so they are never the maximum.
      return tf.max(tf.add(x!, tf.mul(tf.sub(weights, 1), 3e38)), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}

tf.serialization.registerClass(MaskedGlobalPool1D);
