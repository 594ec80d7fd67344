/**
 * The StridedSlice gradient Epochal registers (TensorFlow.js has none) sends
 * each output gradient back to the element the slice read. Checked against a
 * brute-force answer: slicing a tensor whose values are their own flat
 * indices reveals which element each output came from.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activate } from './parity.js';

interface SliceCase {
  label: string;
  shape: number[];
  begin: number[];
  end: number[];
  strides: number[];
  masks?: Partial<Record<'beginMask' | 'endMask' | 'ellipsisMask' | 'newAxisMask' | 'shrinkAxisMask', number>>;
}

const sliceCases: SliceCase[] = [
  { label: 'positive strides', shape: [5, 7], begin: [1, 0], end: [5, 7], strides: [2, 3] },
  { label: 'a negative stride', shape: [5, 7], begin: [0, 6], end: [5, 0], strides: [2, -2] },
  { label: 'begin and end masks', shape: [4, 6], begin: [9, 1], end: [9, 5], strides: [1, 2], masks: { beginMask: 1, endMask: 1 } },
  // With unit strides: tfjs 4.22's forward stridedSlice reads the wrong elements when a shrunk axis meets a stride ≠ 1.
  { label: 'a shrunk axis', shape: [3, 4, 5], begin: [1, 1, 0], end: [2, 3, 5], strides: [1, 1, 1], masks: { shrinkAxisMask: 1 } },
  { label: 'a new axis', shape: [4, 5], begin: [0, 1, 0], end: [0, 4, 5], strides: [1, 1, 2], masks: { newAxisMask: 1 } },
  { label: 'an ellipsis', shape: [2, 3, 6], begin: [0, 1], end: [0, 6], strides: [1, 3], masks: { ellipsisMask: 1 } },
  { label: 'an empty result', shape: [4, 4], begin: [2, 0], end: [2, 4], strides: [1, 1] },
];

/** dL/dx for L = Σ stridedSlice(x)·w, by brute force and by tf.grad, on `backend`. */
async function bothGradients(backend: 'cpu' | 'wasm', c: SliceCase): Promise<{ expected: number[]; actual: number[] }> {
  await activate(backend);
  const m = c.masks ?? {};
  const slice = (x: tf.Tensor) =>
    tf.stridedSlice(x, c.begin, c.end, c.strides, m.beginMask, m.endMask, m.ellipsisMask, m.newAxisMask, m.shrinkAxisMask);
  return tf.tidy(() => {
    const size = tf.util.sizeFromShape(c.shape);
    const positions = tf.reshape(tf.range(0, size), c.shape);
    const readFrom = slice(positions).dataSync();
    const w = Array.from(readFrom, (_, i) => i + 1);
    const expected = new Array<number>(size).fill(0);
    readFrom.forEach((position, i) => (expected[position] = (expected[position] ?? 0) + (w[i] ?? 0)));
    const x = tf.randomNormal(c.shape, 0, 1, 'float32', 5);
    const sliced = slice(x);
    const actual = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(slice(input), tf.tensor(w, sliced.shape))))(x);
    return { expected, actual: Array.from(actual.dataSync()) };
  });
}

describe('StridedSlice gradient', () => {
  it.each(sliceCases)('sends the gradient back to the elements the slice read, with $label, on cpu and wasm', async (c) => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const { expected, actual } = await bothGradients(backend, c);
      expect(actual).toEqual(expected);
    }
  });
});
