/**
 * LeakyReLU with a lean gradient: one native kernel (LeakyReluGrad) on the
 * `tensorflow` backend, and dy · step(x, α) (1 where x > 0, else α: two fast
 * kernels) elsewhere, instead of tfjs's Greater + Multiply + Select, whose
 * comparison and select are slow scalar loops on wasm. The forward pass is
 * tfjs's LeakyRelu kernel (on wasm, Epochal's registered one; see
 * `backend/kernels/leaky-relu.ts`).
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
          : tf.mul(dy, tf.step(saved!, alpha)),
    };
  });
  return op(x);
}
