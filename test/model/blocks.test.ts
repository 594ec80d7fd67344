import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlockType } from '../../src/config/net/blocks.js';
import { BLOCK_BUILDERS } from '../../src/model/registry.js';
import { build, inputsFor, maxAbsDiff, tinyNet } from '../helpers/model.js';

const seq = { x: [16, 3] };
const head = (input: string) => ({ out: { type: 'head', input, units: 3 } });

/** One small network per block type, exercising the block's options. */
const CASES: Record<BlockType, () => ReturnType<typeof tinyNet>> = {
  conv1dStack: () =>
    tinyNet(seq, {
      cnn: {
        type: 'conv1dStack',
        input: 'x',
        dropout: 0.2,
        layers: [
          { filters: 4, kernelSize: 3, strides: 2, poolSize: 2 },
          { filters: 5, kernelSize: 3, dilation: 2, padding: 'causal' },
        ],
      },
      pool: { type: 'globalPool1d', input: 'cnn', mode: 'avg' },
      ...head('pool'),
    }, ['out']),
  pool1d: () =>
    tinyNet(seq, { pool: { type: 'pool1d', input: 'x', mode: 'max', poolSize: 2 }, flat: { type: 'flatten', input: 'pool' }, ...head('flat') }, ['out']),
  globalPool1d: () => tinyNet(seq, { pool: { type: 'globalPool1d', input: 'x', mode: 'max' }, ...head('pool') }, ['out']),
  adaptivePool1d: () =>
    tinyNet(seq, { pool: { type: 'adaptivePool1d', input: 'x', mode: 'avg', outputLength: 5 }, flat: { type: 'flatten', input: 'pool' }, ...head('flat') }, ['out']),
  dense: () =>
    tinyNet({ x: [6] }, { d: { type: 'dense', input: 'x', units: 4, activation: { name: 'leakyRelu', alpha: 0.2 }, batchNorm: true, dropout: 0.3 }, ...head('d') }, ['out']),
  residualDenseStack: () =>
    tinyNet({ x: [5] }, { res: { type: 'residualDenseStack', input: 'x', units: [8, 6], batchNorm: true, dropout: 0.1 }, ...head('res') }, ['out']),
  tcn: () => tinyNet({ x: [null, 3] }, { tcn: { type: 'tcn', input: 'x', channels: [4, 6], dropout: 0.1 }, ...head('tcn') }, ['out']),
  concat: () =>
    tinyNet({ a: [3], b: [2] }, { both: { type: 'concat', inputs: ['a', 'b'] }, ...head('both') }, ['out']),
  add: () =>
    tinyNet({ a: [4], b: [4] }, { sum: { type: 'add', inputs: ['a', 'b'] }, ...head('sum') }, ['out']),
  reshape: () => tinyNet({ x: [12] }, { r: { type: 'reshape', input: 'x', targetShape: [4, -1] }, p: { type: 'globalPool1d', input: 'r', mode: 'avg' }, ...head('p') }, ['out']),
  flatten: () => tinyNet(seq, { f: { type: 'flatten', input: 'x' }, ...head('f') }, ['out']),
  permute: () => tinyNet(seq, { p: { type: 'permute', input: 'x', dims: [2, 1] }, f: { type: 'flatten', input: 'p' }, ...head('f') }, ['out']),
  applyMask: () =>
    tinyNet({ x: [null, 4], x_mask: [null] }, { m: { type: 'applyMask', input: 'x', mask: 'x_mask' }, ...head('m') }, ['out']),
  dropout: () => tinyNet(seq, { d: { type: 'dropout', input: 'x', rate: 0.5, spatial: true }, f: { type: 'flatten', input: 'd' }, ...head('f') }, ['out']),
  activation: () => tinyNet({ x: [4] }, { a: { type: 'activation', input: 'x', activation: 'gelu' }, ...head('a') }, ['out']),
  head: () => tinyNet({ x: [4] }, { out: { type: 'head', input: 'x', units: 2, activation: 'sigmoid' } }, ['out']),
  timeDistributed: () =>
    tinyNet({ x: [null, 12] }, {
      tower: {
        type: 'timeDistributed',
        input: 'x',
        blocks: {
          chan: { type: 'reshape', input: 'x', targetShape: [12, 1] },
          cnn: { type: 'conv1dStack', input: 'chan', layers: [{ filters: 3, kernelSize: 3, strides: 2 }] },
          pool: { type: 'adaptivePool1d', input: 'cnn', mode: 'max', outputLength: 2 },
          flat: { type: 'flatten', input: 'pool' },
          emb: { type: 'dense', input: 'flat', units: 4 },
        },
        output: 'emb',
      },
      ...head('tower'),
    }, ['out']),
};

describe('the block registry', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('has a builder for every block type of the config schema, and a test case for each', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(BLOCK_BUILDERS).sort());
  });

  it.each(Object.keys(CASES) as BlockType[])('builds %s and survives a serialize → rebuild round trip with identical outputs', async (type) => {
    const model = build(CASES[type]());
    // Give every weight values unlike its initialisation (positive, as moving variances must be),
    // so the round trip must carry them.
    model.setWeights(model.weights.map((w, i) => tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', 100 + i)));
    const inputs = inputsFor(model);
    const expected = model.predict(inputs) as tf.Tensor;

    const topology = model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'];
    const rebuilt = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelJSON);
    rebuilt.setWeights(model.getWeights());
    expect(rebuilt.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
    expect(maxAbsDiff(rebuilt.predict(inputs) as tf.Tensor, expected)).toBe(0);
    expect(Number.isFinite(maxAbsDiff(expected, tf.zerosLike(expected)))).toBe(true);
  });

  it('builds identical weights from the same seed and different ones from another seed', () => {
    const net = CASES.tcn();
    const [a, b, c] = [build(net, 3), build(net, 3), build(net, 4)];
    const kernel = (m: tf.LayersModel) => m.weights.find((w) => w.originalName === 'tcn/block_1/conv_0/kernel')!.read();
    expect(maxAbsDiff(kernel(a), kernel(b))).toBe(0);
    expect(maxAbsDiff(kernel(a), kernel(c))).toBeGreaterThan(0);
  });

  it('names weights hierarchically after their blocks, the same on every build in a process', () => {
    const names = () => build(CASES.tcn()).weights.map((w) => w.originalName);
    const first = names();
    expect(first).toEqual(expect.arrayContaining(['tcn/block_0/conv_0/kernel', 'tcn/block_1/downsample/kernel', 'out/dense/bias']));
    expect(names()).toEqual(first);
  });
});
