/**
 * Zeroes padded steps: `[x, mask]` → x · mask, with mask `[batch, steps]` of
 * 1 (real) and 0 (padding) broadcast over the remaining axes of x.
 */
import * as tf from '@tensorflow/tfjs';

export class ApplyMask extends tf.layers.Layer {
  static className = 'EpochalApplyMask';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputs as tf.Tensor[];
      const trailing = Array.from({ length: x!.rank - mask!.rank }, () => 1);
      return tf.mul(x!, tf.cast(mask!, x!.dtype).reshape([...mask!.shape, ...trailing]));
    });
  }
}

tf.serialization.registerClass(ApplyMask);
