import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TemporalConv1D } from '../../src/model/layers/temporal-conv1d.js';
import { activate } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';

type Padding = 'causal' | 'same' | 'valid';

/** Dilated 1-D convolution computed directly from its definition, in float64. */
function referenceConv(
  x: number[][][],
  kernel: number[][][],
  bias: number[],
  { dilation, strides, padding }: { dilation: number; strides: number; padding: Padding },
): number[][][] {
  const length = x[0]!.length;
  const [k, cin, cout] = [kernel.length, kernel[0]!.length, kernel[0]![0]!.length];
  const field = (k - 1) * dilation + 1;
  const outLength = padding === 'valid' ? Math.floor((length - field) / strides) + 1 : Math.ceil(length / strides);
  const total = padding === 'valid' ? 0 : Math.max((outLength - 1) * strides + field - length, 0);
  const left = padding === 'causal' ? total : Math.floor(total / 2);
  return x.map((sequence) =>
    Array.from({ length: outLength }, (_, t) =>
      Array.from({ length: cout }, (_, o) => {
        let sum = bias[o]!;
        for (let j = 0; j < k; j++) {
          const position = t * strides + j * dilation - left;
          if (position < 0 || position >= length) continue;
          for (let c = 0; c < cin; c++) sum += sequence[position]![c]! * kernel[j]![c]![o]!;
        }
        return sum;
      }),
    ),
  );
}

function layer(padding: Padding, dilation: number, strides = 1): TemporalConv1D {
  const conv = new TemporalConv1D({ name: `conv_${padding}_${dilation}_${strides}`, filters: 4, kernelSize: 3, dilationRate: dilation, strides, padding, seed: 11 });
  conv.build([null, null, 3]);
  conv.setWeights([tf.randomNormal([3, 3, 4], 0, 1, 'float32', 5), tf.randomNormal([4], 0, 1, 'float32', 6)]);
  return conv;
}

describe.each(AVAILABLE_BACKENDS)('TemporalConv1D, the dilated and causal convolution tfjs lacks, on %s', (backend) => {
  beforeAll(async () => {
    await activate(backend);
  });

  const CASES: [Padding, number, number][] = [
    ['causal', 1, 1],
    ['causal', 2, 1],
    ['causal', 4, 1],
    ['same', 2, 1],
    ['same', 8, 1],
    ['valid', 2, 1],
    ['causal', 1, 2],
    ['same', 1, 2],
  ];

  it.each(CASES)('matches a direct computation of dilated convolution (%s padding, dilation %i, strides %i)', (padding, dilation, strides) => {
    const conv = layer(padding, dilation, strides);
    const x = tf.randomNormal([2, 19, 3], 0, 1, 'float32', 3);
    const actual = conv.apply(x) as tf.Tensor;
    const [kernel, bias] = conv.getWeights();
    const expected = referenceConv(
      x.arraySync() as number[][][],
      kernel!.arraySync() as number[][][],
      bias!.arraySync() as number[],
      { dilation, strides, padding },
    );
    expect(actual.shape).toEqual([2, expected[0]!.length, 4]);
    const difference = tf.max(tf.abs(tf.sub(actual, tf.tensor(expected)))).dataSync()[0]!;
    expect(difference).toBeLessThan(1e-5);
  });

  it('is causal: changing a future input never changes an earlier output', () => {
    const conv = layer('causal', 4);
    const x = tf.randomNormal([1, 20, 3], 0, 1, 'float32', 8);
    const changed = tf.concat([x.slice([0, 0, 0], [1, 12, 3]), tf.ones([1, 8, 3])], 1);
    const [a, b] = [conv.apply(x) as tf.Tensor, conv.apply(changed) as tf.Tensor];
    expect(tf.max(tf.abs(tf.sub(a.slice([0, 0, 0], [1, 12, 4]), b.slice([0, 0, 0], [1, 12, 4])))).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeGreaterThan(0);
  });

  it.each([
    ['causal', 2],
    ['same', 4],
  ] as [Padding, number][])('has gradients that match central finite differences (%s, dilation %i)', (padding, dilation) => {
    const conv = layer(padding, dilation);
    const kernel = conv.weights[0]!.read() as tf.Variable;
    const x = tf.randomNormal([2, 16, 3], 0, 1, 'float32', 4);
    const target = tf.randomNormal([2, 16, 4], 0, 1, 'float32', 12);
    // A quadratic loss: its central differences are exact up to float32 rounding.
    const lossAt = (input: tf.Tensor) =>
      tf.tidy(() => tf.mul(tf.sum(tf.square(tf.sub(conv.apply(input) as tf.Tensor, target))), 0.5) as tf.Scalar);

    const analyticKernel = tf.variableGrads(() => lossAt(x), [kernel]).grads[kernel.name]!.dataSync();
    const analyticInput = tf.grad(lossAt)(x).dataSync();

    const epsilon = 1e-2;
    const original = kernel.dataSync().slice();
    const numericKernel = original.map((_, i) => {
      const bumped = (delta: number) => {
        const copy = original.slice();
        copy[i]! += delta;
        kernel.assign(tf.tensor(copy, kernel.shape));
        return lossAt(x).dataSync()[0]!;
      };
      return (bumped(epsilon) - bumped(-epsilon)) / (2 * epsilon);
    });
    kernel.assign(tf.tensor(original, kernel.shape));
    const inputs = x.dataSync().slice();
    const numericInput = inputs.map((_, i) => {
      const bumped = (delta: number) => {
        const copy = inputs.slice();
        copy[i]! += delta;
        return lossAt(tf.tensor(copy, x.shape)).dataSync()[0]!;
      };
      return (bumped(epsilon) - bumped(-epsilon)) / (2 * epsilon);
    });

    for (const [analytic, numeric] of [
      [analyticKernel, numericKernel],
      [analyticInput, numericInput],
    ] as const) {
      const scale = Math.max(...Array.from(numeric, Math.abs));
      const error = Math.max(...Array.from(analytic, (a, i) => Math.abs(a - numeric[i]!))) / scale;
      expect(error).toBeLessThanOrEqual(1e-3);
    }
  });
});
