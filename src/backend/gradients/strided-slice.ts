/**
 * The gradient of `tf.stridedSlice`, which TensorFlow.js 4.22 does not define
 * for any backend ("gradient function not found for StridedSlice"): dy goes
 * back to the positions the slice read, zeros elsewhere. Built from ops every
 * backend has (reshape, reverse, pad, slice), so it runs wherever the forward
 * slice does.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Spreads `g` along `axis` so consecutive elements sit `step` apart, with
 * zeros between: [a, b, c] with step 2 becomes [a, 0, b, 0, c].
 */
function spreadAlong(g: tf.Tensor, axis: number, step: number): tf.Tensor {
  const count = g.shape[axis] ?? 0;
  const padded = tf.pad(
    tf.expandDims(g, axis + 1),
    g.shape.map(() => [0, 0] as [number, number]).toSpliced(axis + 1, 0, [0, step - 1]),
  );
  const interleaved = tf.reshape(padded, g.shape.toSpliced(axis, 1, count * step));
  const begin = g.shape.map(() => 0);
  const size = interleaved.shape.toSpliced(axis, 1, (count - 1) * step + 1);
  return tf.slice(interleaved, begin, size);
}

/** Places `dy` (the stridedSlice output gradient) back into a zero tensor shaped like the input. */
export function stridedSliceBackprop(dy: tf.Tensor, xShape: readonly number[], attrs: tf.StridedSliceAttrs): tf.Tensor {
  const { begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask } = attrs;
  const info = tf.slice_util.sliceInfo([...xShape], begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
  // Elements read along each input axis (shrunk axes read one; new axes are not input axes).
  const counts = xShape.map((_, axis) => {
    const [first, stop, stride] = [info.begin[axis] ?? 0, info.end[axis] ?? 0, info.strides[axis] ?? 1];
    return Math.max(0, Math.ceil((stop - first) / stride));
  });
  if (counts.some((count) => count === 0)) return tf.zeros([...xShape], dy.dtype);

  let g = tf.reshape(dy, counts);
  const pads: [number, number][] = [];
  xShape.forEach((size, axis) => {
    const count = counts[axis] ?? 0;
    const stride = info.strides[axis] ?? 1;
    let first = info.begin[axis] ?? 0;
    if (stride < 0) {
      g = tf.reverse(g, axis);
      first += (count - 1) * stride;
    }
    const step = Math.abs(stride);
    if (step > 1 && count > 1) g = spreadAlong(g, axis, step);
    pads.push([first, size - first - ((count - 1) * step + 1)]);
  });
  return tf.pad(g, pads);
}

/** The StridedSlice gradient, for `tf.registerGradient`. */
export const stridedSliceGradConfig: tf.GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    if (!x || Array.isArray(dy)) throw new Error('Expected StridedSlice to save its input and to have one output gradient.');
    return { x: () => stridedSliceBackprop(dy, x.shape, attrs as unknown as tf.StridedSliceAttrs) };
  },
};
