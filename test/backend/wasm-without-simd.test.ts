/**
 * The wasm backend without SIMD (older CPUs and runtimes): tfjs then loads the
 * plain `tfjs-backend-wasm.wasm`, which must also come from the package folder
 * and run Epochal's training kernels. Its own file, because the binary is
 * chosen once per process (vitest runs each file in a fresh one).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { gradientsOn, relativeError, type GradientCase } from './parity.js';

const conv1d: GradientCase = {
  name: 'conv1d',
  inputs: [[2, 30, 3], [7, 3, 4]],
  f: (x, w) => tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 2, 'same'),
};

describe('wasm without SIMD', () => {
  it('loads the non-SIMD binary and trains conv1d like cpu', async () => {
    tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
    const actual = await gradientsOn('wasm', conv1d);
    expect(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).toBe(false);
    const expected = await gradientsOn('cpu', conv1d);
    actual.forEach((grad, i) => expect(relativeError(grad, expected[i] ?? [])).toBeLessThan(1e-4));
  });
});
