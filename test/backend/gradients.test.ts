/**
 * Every op Epochal trains through has gradients on every backend (wasm,
 * tensorflow, webgpu where present) that match cpu's within 1e-4 relative
 * error (see `relativeError`), with respect to inputs and weights, for seeded
 * inputs. This is how the missing wasm kernels were found (a missing one
 * throws "Kernel 'X' not registered for backend 'wasm'"), and how running the
 * same cases on tensorflow showed cpu's and wasm's average-pooling gradient
 * wrong at 'same'-padded edges.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ACCELERATED_BACKENDS } from '../helpers/backends.js';
import { activate, gradientsOn, relativeError, type GradientCase } from './parity.js';

const TOLERANCE = 1e-4;


const as3d = (t: tf.Tensor) => t as tf.Tensor3D;
const as2d = (t: tf.Tensor) => t as tf.Tensor2D;
const layer = (l: tf.layers.Layer) => (x: tf.Tensor) => l.apply(x) as tf.Tensor;

const conv1dCases: GradientCase[] = ([1, 2] as const).flatMap((stride) =>
  (['same', 'valid'] as const).map((padding) => ({
    name: `conv1d (stride ${stride}, ${padding})`,
    inputs: [[3, 23, 4], [5, 4, 6]],
    f: (x: tf.Tensor, w: tf.Tensor) => tf.conv1d(as3d(x), as3d(w), stride, padding),
  })),
);

const stride4Cases: GradientCase[] = (['same', 'valid'] as const).flatMap((padding) =>
  [5, 3].map((kernelSize) => ({
    name: `conv1d (kernel ${kernelSize}, stride 4, ${padding}, 8 channels)`,
    inputs: [[4, 61, 8], [kernelSize, 8, 16]],
    f: (x: tf.Tensor, w: tf.Tensor) => tf.conv1d(as3d(x), as3d(w), 4, padding),
  })),
);

const poolingCases: GradientCase[] = (['same', 'valid'] as const).flatMap((padding) => [
  {
    name: `maxPooling1d (pool 2, stride 2, ${padding})`,
    inputs: [[2, 9, 3]],
    f: (x) => layer(tf.layers.maxPooling1d({ poolSize: 2, strides: 2, padding }))(x),
  },
  {
    name: `averagePooling1d (pool 2, stride 2, ${padding})`,
    inputs: [[2, 9, 3]],
    f: (x) => layer(tf.layers.averagePooling1d({ poolSize: 2, strides: 2, padding }))(x),
  },
]);

const activationNames = ['elu', 'selu', 'gelu', 'gelu_new', 'swish', 'mish', 'tanh', 'sigmoid', 'softplus', 'softsign', 'relu', 'relu6', 'softmax'] as const;
const activationCases: GradientCase[] = activationNames.map((activation) => ({
  name: `${activation} activation`,
  inputs: [[4, 6]],
  f: (x) => layer(tf.layers.activation({ activation }))(x),
}));

const oneHotLabels = () => tf.oneHot(tf.tensor1d([1, 4, 0], 'int32'), 5);

const cases: GradientCase[] = [
  ...conv1dCases,
  ...stride4Cases,
  {
    name: 'conv1d big enough for the XNNPACK input gradient (8→16 channels, stride 2)',
    inputs: [[4, 400, 8], [7, 8, 16]],
    f: (x, w) => tf.conv1d(as3d(x), as3d(w), 2, 'same'),
  },
  {
    name: 'conv1d with bias and relu, as the conv1d layer runs it',
    inputs: [[2, 16, 3], [7, 3, 4], [4]],
    f: (x, w, b) => tf.relu(tf.add(tf.conv1d(as3d(x), as3d(w), 2, 'same'), b)),
  },
  ...poolingCases,
  {
    name: 'maxPooling1d of all-negative inputs',
    inputs: [[2, 9, 3]],
    f: (x) => layer(tf.layers.maxPooling1d({ poolSize: 2, strides: 2, padding: 'same' }))(tf.sub(tf.abs(x), 10)),
  },
  {
    name: 'maxPool2d with overlapping windows (pool 3, stride 2)',
    inputs: [[2, 7, 6, 3]],
    f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'),
  },
  { name: 'globalMaxPooling1d', inputs: [[2, 9, 3]], f: (x) => layer(tf.layers.globalMaxPooling1d({}))(x) },
  { name: 'globalAveragePooling1d', inputs: [[2, 9, 3]], f: (x) => layer(tf.layers.globalAveragePooling1d({}))(x) },
  { name: 'matMul', inputs: [[4, 6], [6, 3]], f: (a, b) => tf.matMul(as2d(a), as2d(b)) },
  { name: 'matMul with both operands transposed', inputs: [[6, 4], [3, 6]], f: (a, b) => tf.matMul(as2d(a), as2d(b), true, true) },
  {
    name: 'dense (fused matMul + bias + relu, as the dense layer runs it)',
    inputs: [[4, 6], [6, 3], [3]],
    f: (x, w, b) => tf.fused.matMul({ a: as2d(x), b: as2d(w), bias: b, activation: 'relu' }),
  },
  {
    name: 'batchNormalization in training mode (batch moments)',
    inputs: [[4, 7, 3], [3], [3]],
    f: (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, [0, 1]);
      return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
    },
  },
  { name: 'leakyReLU layer', inputs: [[4, 6]], f: (x) => layer(tf.layers.leakyReLU({ alpha: 0.2 }))(x) },
  { name: 'leakyRelu op', inputs: [[4, 6]], f: (x) => tf.leakyRelu(x, 0.1) },
  { name: 'elu layer', inputs: [[4, 6]], f: (x) => layer(tf.layers.elu({}))(x) },
  ...activationCases,
  { name: 'softmax over the last axis of a 3-D tensor', inputs: [[2, 3, 5]], f: (x) => tf.softmax(x) },
  { name: 'logSoftmax', inputs: [[3, 5]], f: (x) => tf.logSoftmax(x) },
  { name: 'softmax cross-entropy (core loss)', inputs: [[3, 5]], f: (x) => tf.losses.softmaxCrossEntropy(oneHotLabels(), x) },
  {
    name: 'categorical cross-entropy of a softmax (layers loss)',
    inputs: [[3, 5]],
    f: (x) => tf.metrics.categoricalCrossentropy(oneHotLabels(), tf.softmax(x)),
  },
  { name: 'dropout with a seed', inputs: [[4, 6]], f: (x) => tf.dropout(x, 0.3, undefined, 7) },
  { name: 'slice', inputs: [[4, 6]], f: (x) => tf.slice(x, [1, 2], [2, 3]) },
  { name: 'stridedSlice with strides 2 and -2', inputs: [[5, 7]], f: (x) => tf.stridedSlice(x, [0, 6], [5, 0], [2, -2]) },
  { name: 'pad', inputs: [[3, 4]], f: (x) => tf.pad(x, [[1, 2], [0, 3]]) },
  { name: 'concat', inputs: [[2, 3], [2, 4]], f: (a, b) => tf.concat([a, b], 1) },
  { name: 'reshape', inputs: [[4, 6]], f: (x) => tf.reshape(x, [2, 12]) },
  { name: 'transpose', inputs: [[2, 3, 4]], f: (x) => tf.transpose(x, [2, 0, 1]) },
  { name: 'stack', inputs: [[2, 3], [2, 3]], f: (a, b) => tf.stack([a, b], 1) },
  { name: 'max over an axis', inputs: [[4, 5]], f: (x) => tf.max(x, 1) },
  { name: 'mean over an axis', inputs: [[4, 5]], f: (x) => tf.mean(x, 0) },
  { name: 'sum over an axis', inputs: [[4, 5]], f: (x) => tf.sum(x, 1, true) },
  { name: 'mul, add and sub with broadcasting', inputs: [[4, 5], [1, 5], [4, 1]], f: (a, b, c) => tf.sub(tf.add(tf.mul(a, b), c), b) },
  { name: 'expandDims', inputs: [[4, 5]], f: (x) => tf.expandDims(x, 1) },
  { name: 'tile', inputs: [[2, 3]], f: (x) => tf.tile(x, [2, 3]) },
  { name: 'gather with repeated indices', inputs: [[5, 3]], f: (x) => tf.gather(x, tf.tensor1d([4, 0, 4, 2], 'int32'), 0) },
];

describe.each(ACCELERATED_BACKENDS)('training gradients on %s', (backend) => {
  it.each(cases)('gives the gradient of $name within 1e-4 relative error of cpu', async (testCase) => {
    const reference = await gradientsOn('cpu', testCase);
    const actual = await gradientsOn(backend, testCase);
    expect(actual).toHaveLength(testCase.inputs.length);
    actual.forEach((grad, i) => {
      expect(Math.max(...(reference[i] ?? []).map(Math.abs)), `gradient ${i} is not all zeros`).toBeGreaterThan(0);
      expect(relativeError(grad, reference[i] ?? [])).toBeLessThan(TOLERANCE);
    });
  });
});

describe.each(['cpu', ...ACCELERATED_BACKENDS] as const)('average pooling with same padding on %s', (backend) => {
  it('sends an edge window its gradient divided by the values it averaged, not by the window size', async () => {
    await activate(backend);
    const layer = tf.layers.averagePooling1d({ poolSize: 2, strides: 2, padding: 'same' });
    const x = tf.tensor3d([[[1], [2], [3], [4], [5]]]);
    expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual([1.5, 3.5, 5]);
    const dx = tf.grad((v: tf.Tensor) => tf.sum(layer.apply(v) as tf.Tensor))(x);
    expect(Array.from(dx.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5, 1]); // the last window averaged x[4] alone
  });
});
