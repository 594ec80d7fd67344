/**
 * Batch normalisation in training mode (statistics of the batch, over every
 * axis but the last) with a lean gradient: one fused native kernel each way
 * on the `tensorflow` backend (FusedBatchNormV3 / FusedBatchNormGradV3), and
 * elsewhere the closed form
 *
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·rstd · (dy − (dβ + x̂·dγ) / N)
 *
 * from a handful of broadcasting kernels, where tfjs's own gradient of
 * moments + batchNorm takes dozens, including a full-size Tile. Only the
 * normalised input (generic) or the input (native) is kept for the backward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeOps, runNative } from '../../backend/native.js';

/** The normalised output and the batch statistics (biased variance, as tfjs's moving averages use). */
export interface BatchNormTraining {
  y: tf.Tensor;
  /** Per-channel batch mean; kept, the caller disposes it. */
  mean: tf.Tensor1D;
  /** Per-channel batch variance (divided by N); kept, the caller disposes it. */
  variance: tf.Tensor1D;
}

/** y = γ · (x − mean) / sqrt(variance + ε) + β with the batch's own statistics; differentiable in x, γ and β. */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormTraining {
  return hasNativeOps() ? nativeBatchNorm(x, gamma, beta, epsilon) : composedBatchNorm(x, gamma, beta, epsilon);
}

const float32 = (name: string) => ({ name, type: 'dtype' as const, value: 'float32' as const });

function nativeBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormTraining {
  const channels = x.shape[x.rank - 1]!;
  const common = [float32('T'), float32('U'), { name: 'epsilon', type: 'float' as const, value: epsilon }, { name: 'data_format', type: 'string' as const, value: 'NHWC' }, { name: 'is_training', type: 'bool' as const, value: true }];
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((input, scale, offset, save) => {
    const x4 = tf.reshape(input as tf.Tensor, [1, -1, 1, channels]);
    const empty = tf.tensor1d([], 'float32');
    const [y, , , reserveMean, reserveVariance, reserve] = runNative(
      'FusedBatchNormV3',
      [...common, { name: 'exponential_avg_factor', type: 'float', value: 1 }],
      [x4, scale as tf.Tensor, offset as tf.Tensor, empty, empty],
      6,
    );
    mean = tf.keep(reserveMean!.clone()) as tf.Tensor1D;
    variance = tf.keep(reserveVariance!.clone()) as tf.Tensor1D;
    (save as tf.GradSaveFunc)([x4, scale as tf.Tensor, reserveMean!, reserveVariance!, reserve!]);
    return {
      value: tf.reshape(y!, (input as tf.Tensor).shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedScale, r1, r2, r3] = saved;
        const [dx, dScale, dOffset] = runNative('FusedBatchNormGradV3', common, [tf.reshape(dy, savedX!.shape), savedX!, savedScale!, r1!, r2!, r3!], 5);
        return [tf.reshape(dx!, dy.shape), dScale!, dOffset!];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

function composedBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormTraining {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const count = tf.util.sizeFromShape(x.shape.slice(0, -1));
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((input, scale, offset, save) => {
    const m = tf.mean(input as tf.Tensor, axes);
    const centered = tf.sub(input as tf.Tensor, m);
    const v = tf.mean(tf.square(centered), axes);
    const rstd = tf.rsqrt(tf.add(v, epsilon));
    const normalised = tf.mul(centered, rstd);
    mean = tf.keep(m) as tf.Tensor1D;
    variance = tf.keep(v) as tf.Tensor1D;
    (save as tf.GradSaveFunc)([normalised, rstd, scale as tf.Tensor]);
    return {
      value: tf.add(tf.mul(normalised, scale as tf.Tensor), offset as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xhat, r, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xhat), axes);
        const a = tf.mul(g, r);
        const correction = tf.add(tf.mul(xhat, tf.div(tf.mul(a, dGamma), count)), tf.div(tf.mul(a, dBeta), count));
        return [tf.sub(tf.mul(dy, a), correction), dGamma, dBeta];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}
