/**
 * Applying a per-step graph to every step of a sequence (the ECG tower to
 * every 30-s epoch of a night): `FoldTime` merges the batch and time axes,
 * `[batch, steps, ...] → [batch·steps, ...]`, so ordinary layers see one step
 * per row; `UnfoldTime` splits them again using the original input for the
 * sizes, `[[batch·steps, ...out], original] → [batch, steps, ...out]`. Unlike
 * `tf.layers.timeDistributed`, which loops over steps, this is one batched pass.
 *
 * With a padding mask (`[x, mask]`), only the real steps are folded, so
 * padded steps cost nothing and never enter batch statistics (batch norm
 * sees the real epochs of the batch, however much padding it has); unfolding
 * puts zeros where the padding was.
 */
import * as tf from '@tensorflow/tfjs';
import { setFoldedRows } from '../training-context.js';

/** Which flat rows of `[batch, steps]` are real, and each row's id: sample + step · 2¹⁶ (the sample alone at step 0). */
function realSteps(mask: tf.Tensor): { rows: Int32Array; ids: Int32Array } {
  const flags = mask.dataSync();
  const steps = mask.shape[1] ?? 1;
  const rows: number[] = [];
  const ids: number[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === 0) continue;
    rows.push(i);
    ids.push((Math.floor(i / steps) + Math.imul(i % steps, 0x10000)) | 0);
  }
  return { rows: Int32Array.from(rows), ids: Int32Array.from(ids) };
}

/** The inputs of a layer that takes `[x]` or `[x, ...more]`, as a list. */
function listOf(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

export class FoldTime extends tf.layers.Layer {
  static className = 'EpochalFoldTime';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [null, ...shape.slice(2)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, mask] = listOf(inputs);
    return tf.tidy(() => {
      const flat = tf.reshape(x!, [-1, ...x!.shape.slice(2)]);
      if (!mask) return flat;
      const { rows, ids } = realSteps(mask);
      setFoldedRows(ids);
      // A batch of padding only still computes one row, so every layer sees a non-empty batch.
      return tf.gather(flat, rows.length > 0 ? rows : Int32Array.of(0));
    });
  }
}

export class UnfoldTime extends tf.layers.Layer {
  static className = 'EpochalUnfoldTime';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [folded, original] = inputShape as tf.Shape[];
    return [original![0] ?? null, original![1] ?? null, ...folded!.slice(1)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [folded, original, mask] = listOf(inputs);
    const shape = [original!.shape[0], original!.shape[1]!, ...folded!.shape.slice(1)];
    if (!mask) return tf.reshape(folded!, shape);
    return tf.tidy(() => {
      // Every position reads its real row, or the zero row appended after the real ones.
      const flags = Array.from(mask.dataSync());
      const zeroRow = flags.filter((flag) => flag !== 0).length;
      let next = 0;
      const index = Int32Array.from(flags, (flag) => (flag === 0 ? zeroRow : next++));
      const real = zeroRow > 0 ? folded! : tf.slice(folded!, 0, 0); // the stand-in row of a batch of padding only
      const withZero = tf.concat([real, tf.zeros([1, ...folded!.shape.slice(1)])]);
      return tf.reshape(tf.gather(withZero, index), shape);
    });
  }
}

tf.serialization.registerClass(FoldTime);
tf.serialization.registerClass(UnfoldTime);
