/**
 * Recomputation (gradient checkpointing) of conv stacks: training with it
 * gives the weights and moving statistics of training without it, on every
 * backend, with batch norm and dropout in the stack, alone or with
 * micro-batches; and it keeps less in memory during a step.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, writeCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { Optimizer } from '../../src/config/train/training.js';
import { setRecompute } from '../../src/model/layers/conv-stack.js';
import { TrainingOptimizer } from '../../src/train/optimizer.js';
import { trainStep, type StepOptions } from '../../src/train/step.js';
import { activate } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';
import { bitwiseEqual, build, snapshotWeights, tinyNet } from '../helpers/model.js';

/** SleepNet's ECG tower in small: a conv stack with batch norm, LeakyReLU and dropout before each convolution. */
const net = () =>
  tinyNet({ ecg: [null, 64], mask: [null] }, {
    tower: {
      type: 'timeDistributed',
      input: 'ecg',
      blocks: {
        channels: { type: 'reshape', input: 'ecg', targetShape: [64, 1] },
        cnn: {
          type: 'conv1dStack',
          input: 'channels',
          activation: { name: 'leakyRelu', alpha: 0.15 },
          dropout: 0.2,
          layers: [
            { filters: 4, kernelSize: 7, strides: 2 },
            { filters: 8, kernelSize: 5, strides: 2, poolSize: 2 },
            { filters: 8, kernelSize: 3, dilation: 2, padding: 'causal' },
          ],
        },
        flat: { type: 'flatten', input: 'cnn' },
        dense: { type: 'dense', input: 'flat', units: 6 },
      },
      output: 'dense',
    },
    masked: { type: 'applyMask', input: 'tower', mask: 'mask' },
    out: { type: 'head', input: 'masked', units: 3 },
  }, ['out']);

function batch() {
  const mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]);
  const labels = tf.tidy(() => tf.where(tf.cast(mask, 'bool'), tf.randomUniform([4, 5], 0, 3, 'int32', 4), tf.fill([4, 5], -1, 'int32')));
  return { inputs: [tf.randomNormal([4, 5, 64], 0, 1, 'float32', 2), mask], labels };
}

function trained(recompute: boolean, options: StepOptions = {}, steps = 3): Map<string, Float32Array> {
  const model = build(net());
  setRecompute(model, recompute);
  const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam', learningRate: 0.01 }));
  const data = batch();
  for (let step = 0; step < steps; step++) trainStep(model, optimizer, data, step, options);
  optimizer.dispose();
  return snapshotWeights(model);
}

function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [name, values] of a) values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b.get(name)![i]!))));
  return worst;
}

describe.each(AVAILABLE_BACKENDS)('recomputed conv stacks on %s', (backend) => {
  it('train to the weights and moving statistics of stored activations (within 1e-5 after 3 steps)', async () => {
    await activate(backend);
    const stored = trained(false);
    const recomputed = trained(true);
    expect([...recomputed.keys()].filter((name) => name.includes('moving_'))).toHaveLength(6);
    expect(maxDifference(recomputed, stored)).toBeLessThan(1e-5);
  });

  it('combine with micro-batches (each micro-batch normalised by its own statistics, as without recomputation)', async () => {
    await activate(backend);
    expect(maxDifference(trained(true, { microBatchSize: 2 }), trained(false, { microBatchSize: 2 }))).toBeLessThan(1e-5);
  });
});

describe.each(AVAILABLE_BACKENDS)('resuming with micro-batches and recomputation on %s', (backend) => {
  it('gives bitwise the weights of the uninterrupted run', async () => {
    await activate(backend);
    const options = { microBatchSize: 3 };
    const start = () => {
      const model = build(net());
      setRecompute(model, true);
      return { model, optimizer: new TrainingOptimizer(model, Optimizer.parse({ type: 'adam', learningRate: 0.01 })) };
    };
    const data = batch();
    const uninterrupted = start();
    for (let step = 0; step < 4; step++) trainStep(uninterrupted.model, uninterrupted.optimizer, data, step, options);

    const first = start();
    for (let step = 0; step < 2; step++) trainStep(first.model, first.optimizer, data, step, options);
    const dir = join(await mkdtemp(join(tmpdir(), 'epochal-resume-')), 'ckpt');
    await writeCheckpoint(dir, { model: first.model, optimizer: first.optimizer, state: { epoch: 0, step: 2, seed: 7, trainable: first.optimizer.trainable } });
    const resumed = start();
    await loadCheckpoint(dir, resumed.model, resumed.optimizer);
    for (let step = 2; step < 4; step++) trainStep(resumed.model, resumed.optimizer, data, step, options);

    const [a, b] = [snapshotWeights(uninterrupted.model), snapshotWeights(resumed.model)];
    for (const [name, values] of a) expect(bitwiseEqual(values, b.get(name)!), name).toBe(true);
  });
});

describe('recomputation', () => {
  it('keeps less memory during a training step', async () => {
    await activate('cpu');
    const peak = async (recompute: boolean) => {
      const model = build(net());
      setRecompute(model, recompute);
      const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam' }));
      const data = { inputs: [tf.randomNormal([8, 40, 64], 0, 1, 'float32', 2), tf.ones([8, 40])], labels: tf.zeros([8, 40], 'int32') };
      trainStep(model, optimizer, data, 0);
      const { peakBytes } = await tf.profile(() => void trainStep(model, optimizer, data, 1));
      optimizer.dispose();
      return peakBytes;
    };
    const [stored, recomputed] = [await peak(false), await peak(true)];
    expect(recomputed).toBeLessThan(0.75 * stored);
  });
});
