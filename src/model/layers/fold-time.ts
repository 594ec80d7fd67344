/**
 * Applying a per-step graph to every step of a sequence (the ECG tower to
 * every 30-s epoch of a night): `FoldTime` merges the batch and time axes,
 * `[batch, steps, ...] → [batch·steps, ...]`, so ordinary layers see one step
 * per row; `UnfoldTime` splits them again using the original input for the
 * sizes, `[[batch·steps, ...out], original] → [batch, steps, ...out]`. Unlike
 * `tf.layers.timeDistributed`, which loops over steps, this is one batched pass.
 */
import * as tf from '@tensorflow/tfjs';

export class FoldTime extends tf.layers.Layer {
  static className = 'EpochalFoldTime';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    return [null, ...shape.slice(2)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.reshape(x, [-1, ...x.shape.slice(2)]);
  }
}

export class UnfoldTime extends tf.layers.Layer {
  static className = 'EpochalUnfoldTime';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [folded, original] = inputShape as tf.Shape[];
    return [original![0] ?? null, original![1] ?? null, ...folded!.slice(1)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [folded, original] = inputs as tf.Tensor[];
    return tf.reshape(folded!, [original!.shape[0], original!.shape[1]!, ...folded!.shape.slice(1)]);
  }
}

tf.serialization.registerClass(FoldTime);
tf.serialization.registerClass(UnfoldTime);
