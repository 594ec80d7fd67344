/**
 * LeakyReLU with a one-kernel gradient on the `tensorflow` backend (native
 * LeakyReluGrad) instead of tfjs's Greater + Multiply + Select; elsewhere the
 * same three kernels as tfjs. The forward pass is tfjs's LeakyRelu kernel
 * (on wasm, Epochal's registered one; see `backend/kernels/leaky-relu.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeOps, runNative } from '../../backend/native.js';

/** max(x, α·x) for 0 ≤ α ≤ 1: x where positive, α·x elsewhere; differentiable. */
export function leakyRelu(x: tf.Tensor, alpha: number): tf.Tensor {
  const op = tf.customGrad((input, save) => {
    (save as tf.GradSaveFunc)([input as tf.Tensor]);
    return {
      value: tf.leakyRelu(input as tf.Tensor, alpha),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        hasNativeOps()
          ? runNative('LeakyReluGrad', [{ name: 'T', type: 'dtype', value: 'float32' }, { name: 'alpha', type: 'float', value: alpha }], [dy, saved!])[0]!
          : tf.where(tf.greater(saved!, 0), dy, tf.mul(dy, alpha)),
    };
  });
  return op(x);
}
