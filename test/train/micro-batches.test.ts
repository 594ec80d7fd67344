/**
 * Gradient accumulation: a batch trained in micro-batches gives the weights
 * of the same batch in one pass (within float rounding), dropout included,
 * padded positions and class weights included, on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Optimizer } from '../../src/config/train/training.js';
import { TrainingOptimizer } from '../../src/train/optimizer.js';
import { trainStep, type StepOptions } from '../../src/train/step.js';
import { activate } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';
import { build, snapshotWeights, tinyNet } from '../helpers/model.js';

/** SleepNet's shape without batch norm: a per-epoch tower, dense layers with dropout, a TCN, a masked loss. */
const net = () =>
  tinyNet({ ecg: [null, 24], mask: [null] }, {
    tower: {
      type: 'timeDistributed',
      input: 'ecg',
      blocks: {
        channels: { type: 'reshape', input: 'ecg', targetShape: [24, 1] },
        cnn: { type: 'conv1dStack', input: 'channels', preConv: ['activation', 'dropout'], dropout: 0.2, layers: [{ filters: 4, kernelSize: 5, strides: 2 }] },
        flat: { type: 'flatten', input: 'cnn' },
        dense: { type: 'dense', input: 'flat', units: 6, dropout: 0.2 },
      },
      output: 'dense',
    },
    masked: { type: 'applyMask', input: 'tower', mask: 'mask' },
    tcn: { type: 'tcn', input: 'masked', channels: [6], padding: 'same', dropout: 0.1 },
    out: { type: 'head', input: 'tcn', units: 3 },
  }, ['out']);

function batch(samples: number, steps: number) {
  const lengths = Array.from({ length: samples }, (_, i) => steps - (i % 3)); // padded nights of different lengths
  const mask = tf.tensor2d(lengths.map((n) => Array.from({ length: steps }, (_, t) => (t < n ? 1 : 0))));
  const labels = tf.tidy(() => tf.where(tf.cast(mask, 'bool'), tf.randomUniform([samples, steps], 0, 3, 'int32', 4), tf.fill([samples, steps], -1, 'int32')));
  return { inputs: [tf.randomNormal([samples, steps, 24], 0, 1, 'float32', 2), mask], labels };
}

/** Weights after `steps` steps on one batch, trained with `options`. */
function trainedWeights(options: StepOptions, steps = 3): Map<string, Float32Array> {
  const model = build(net());
  const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam', learningRate: 0.01 }));
  const data = batch(5, 7);
  const losses = Array.from({ length: steps }, (_, step) => trainStep(model, optimizer, data, step, options));
  expect(losses.every(Number.isFinite)).toBe(true);
  optimizer.dispose();
  return snapshotWeights(model);
}

function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [name, values] of a) {
    const other = b.get(name)!;
    values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - other[i]!))));
  }
  return worst;
}

describe.each(AVAILABLE_BACKENDS)('micro-batches on %s', (backend) => {
  it.each([1, 2, 3])('of %i samples give the weights of the whole batch of 5 after 3 steps (within 1e-5)', async (micro) => {
    await activate(backend);
    const whole = trainedWeights({ classWeights: [1, 2, 0.5] });
    const accumulated = trainedWeights({ classWeights: [1, 2, 0.5], microBatchSize: micro });
    expect(maxDifference(accumulated, whole)).toBeLessThan(1e-5);
  });

  it('report the whole batch loss', async () => {
    await activate(backend);
    const [a, b] = [1, 5].map((micro) => {
      const model = build(net());
      const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam' }));
      const loss = trainStep(model, optimizer, batch(5, 7), 0, { microBatchSize: micro });
      optimizer.dispose();
      return loss;
    });
    expect(Math.abs(a! - b!)).toBeLessThan(1e-5 * Math.abs(b!));
  });
});
