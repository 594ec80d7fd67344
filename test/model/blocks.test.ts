import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlockType } from '../../src/config/net/blocks.js';
import { BLOCK_CASES as CASES } from '../helpers/block-cases.js';
import { BLOCK_BUILDERS } from '../../src/model/registry.js';
import { build, inputsFor, maxAbsDiff } from '../helpers/model.js';

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
