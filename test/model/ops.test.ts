/**
 * Epochal's lean training ops give tfjs's results: batch normalisation in
 * training mode and LeakyReLU, values and gradients, on every backend (native
 * kernels on tensorflow, compositions elsewhere); hashed dropout masks depend
 * only on (seed, step, position in the batch).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { batchNormTraining } from '../../src/model/ops/batch-norm.js';
import { dropoutKey, dropoutMask, hashedDropout } from '../../src/model/ops/dropout.js';
import { leakyRelu } from '../../src/model/ops/leaky-relu.js';
import { setTrainingStep, withBatchPart } from '../../src/model/training-context.js';
import { activate, relativeError, seededNormal } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';

const TOLERANCE = 2e-5;

/** Values and gradients (of Σ f(inputs)·dy) of `f`, for seeded inputs. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, shapes: number[][]): Float32Array[] {
  return tf.tidy(() => {
    const inputs = shapes.map((shape, i) => tf.tensor(seededNormal(shape, 21 + i), shape));
    const y = f(...inputs);
    const dy = tf.tensor(seededNormal(y.shape, 5), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => f(...xs))(inputs, dy);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

/** Batch norm as tfjs-layers computes it in training: moments, then tf.batchNorm (and tfjs's gradients of both). */
function tfjsBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const { mean, variance } = tf.moments(x, axes);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
}

describe.each(AVAILABLE_BACKENDS)('lean training ops on %s', (backend) => {
  it.each([
    ['a conv activation [batch, length, channels]', [6, 50, 8]],
    ['a dense activation [batch, units]', [40, 5]],
  ])('batchNormTraining matches tfjs on %s: output, gradients, batch statistics', async (_name, shape) => {
    await activate(backend);
    const channels = shape[shape.length - 1]!;
    const shapes = [shape, [channels], [channels]];
    const ours = valueAndGrads((x, g, b) => batchNormTraining(x!, g!, b!, 1e-3).y, shapes);
    const theirs = valueAndGrads((x, g, b) => tfjsBatchNorm(x!, g!, b!), shapes);
    ours.forEach((values, i) => expect(relativeError(values, theirs[i]!), ['y', 'dx', 'dgamma', 'dbeta'][i]).toBeLessThan(TOLERANCE));

    const x = tf.tensor(seededNormal(shape, 21), shape);
    const { y, mean, variance } = batchNormTraining(x, tf.ones([channels]), tf.zeros([channels]), 1e-3);
    const moments = tf.moments(x, shape.slice(0, -1).map((_, axis) => axis));
    expect(relativeError(mean.dataSync(), moments.mean.dataSync())).toBeLessThan(TOLERANCE);
    expect(relativeError(variance.dataSync(), moments.variance.dataSync())).toBeLessThan(TOLERANCE);
    tf.dispose([x, y, mean, variance, moments.mean, moments.variance]);
  });

  it('leakyRelu matches tfjs, value and gradient', async () => {
    await activate(backend);
    const ours = valueAndGrads((x) => leakyRelu(x!, 0.15), [[4, 33, 3]]);
    const theirs = valueAndGrads((x) => tf.leakyRelu(x!, 0.15), [[4, 33, 3]]);
    ours.forEach((values, i) => expect(relativeError(values, theirs[i]!)).toBeLessThan(1e-6));
  });

  it('hashedDropout scales kept values, and its gradient is dy times the same mask', async () => {
    await activate(backend);
    setTrainingStep(3);
    const key = dropoutKey(11, 3);
    const [y, dx] = valueAndGrads((x) => hashedDropout(x!, 0.25, key), [[8, 40]]);
    const x = seededNormal([8, 40], 21);
    const dy = seededNormal([8, 40], 5);
    const mask = dropoutMask(key, 0.25, 0, 8, 40);
    expect(relativeError(y!, x.map((v, i) => v * mask[i]!))).toBeLessThan(1e-6);
    expect(relativeError(dx!, dy.map((v, i) => v * mask[i]!))).toBeLessThan(1e-6);
  });
});

describe('hashed dropout masks', () => {
  it('drop the configured fraction, and differ between steps and seeds', () => {
    const a = dropoutMask(dropoutKey(1, 1), 0.3, 0, 200, 500);
    const kept = a.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) / a.length;
    expect(kept).toBeCloseTo(0.7, 2);
    expect(new Set(a)).toEqual(new Set([0, Math.fround(1 / 0.7)]));
    for (const other of [dropoutMask(dropoutKey(1, 2), 0.3, 0, 200, 500), dropoutMask(dropoutKey(2, 1), 0.3, 0, 200, 500)]) {
      const same = a.reduce((n, v, i) => n + (v === other[i] ? 1 : 0), 0) / a.length;
      expect(same).toBeCloseTo(0.7 * 0.7 + 0.3 * 0.3, 1); // independent masks agree only by chance
    }
  });

  it('give a micro-batch the rows of the whole batch it covers, folded rows included', async () => {
    await activate('cpu');
    setTrainingStep(5);
    const key = dropoutKey(7, 5);
    const whole = hashedDropout(tf.ones([4 * 6, 10]), 0.5, key); // 4 samples, 6 rows each (folded epochs)
    const part = withBatchPart(1, 2, () => hashedDropout(tf.ones([2 * 6, 10]), 0.5, key)); // samples 1 and 2
    expect(Array.from(part.dataSync())).toEqual(Array.from(whole.slice([6, 0], [12, 10]).dataSync()));
  });
});
