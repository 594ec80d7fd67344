/**
 * The flat (fused) optimizer: a step over all of a group's weights at once
 * gives bitwise the weights tfjs's own optimizer gives weight by weight, on
 * every backend, and it updates only trainable weights.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Optimizer } from '../../src/config/train/training.js';
import { TrainingOptimizer } from '../../src/train/optimizer.js';
import { activate } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';
import { bitwiseEqual, build, snapshotWeights, tinyNet } from '../helpers/model.js';

const net = () =>
  tinyNet({ x: [null, 4] }, {
    trunk: { type: 'dense', input: 'x', units: 6 },
    tcn: { type: 'tcn', input: 'trunk', channels: [5] },
    head: { type: 'head', input: 'tcn', units: 3 },
  }, ['head']);

/** A loss of the model's output that depends on every weight. */
function lossOf(model: tf.LayersModel, x: tf.Tensor): () => tf.Scalar {
  return () => tf.sum(tf.square(tf.sub(model.apply(x) as tf.Tensor, 0.25))) as tf.Scalar;
}

/** Weights after `steps` steps of tfjs's own optimizer. */
function withTfjs(create: () => tf.Optimizer, steps: number): Map<string, Float32Array> {
  const model = build(net());
  const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 3);
  const optimizer = create();
  for (let i = 0; i < steps; i++) optimizer.minimize(lossOf(model, x), false, model.trainableWeights.map((w) => w.read() as tf.Variable));
  return snapshotWeights(model);
}

/** Weights after `steps` steps of Epochal's optimizer. */
function withEpochal(config: unknown, steps: number): Map<string, Float32Array> {
  const model = build(net());
  const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 3);
  const optimizer = new TrainingOptimizer(model, Optimizer.parse(config));
  for (let i = 0; i < steps; i++) optimizer.step([lossOf(model, x)]);
  optimizer.dispose();
  return snapshotWeights(model);
}

const cases: { name: string; config: unknown; tfjs: () => tf.Optimizer }[] = [
  { name: 'adam', config: { type: 'adam', learningRate: 0.01 }, tfjs: () => tf.train.adam(0.01, 0.9, 0.999, 1e-7) },
  { name: 'sgd', config: { type: 'sgd', learningRate: 0.05 }, tfjs: () => tf.train.sgd(0.05) },
  { name: 'momentum', config: { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, tfjs: () => tf.train.momentum(0.05, 0.9, false) },
  { name: 'nesterov momentum', config: { type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true }, tfjs: () => tf.train.momentum(0.05, 0.9, true) },
  { name: 'rmsprop', config: { type: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, tfjs: () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7) },
];

describe.each(AVAILABLE_BACKENDS)('the flat optimizer on %s', (backend) => {
  it.each(cases)('gives bitwise the weights of tfjs $name after 5 steps', async ({ config, tfjs }) => {
    await activate(backend);
    const expected = withTfjs(tfjs, 5);
    const actual = withEpochal(config, 5);
    for (const [name, values] of expected) expect(bitwiseEqual(actual.get(name)!, values), name).toBe(true);
  });

  it('leaves no tensor behind after a step', async () => {
    await activate(backend);
    const model = build(net());
    const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 3);
    const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam' }));
    optimizer.step([lossOf(model, x)]);
    const before = tf.memory().numTensors;
    optimizer.step([lossOf(model, x)]);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
  });
});
