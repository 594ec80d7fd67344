/**
 * The kernels Epochal registers for wasm, checked kernel by kernel against cpu
 * and against values worked out by hand.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/backend/index.js';
import { prefersXnnpack } from '../../src/backend/kernels/conv2d-backprop-input.js';
import { activate, relativeError, seededNormal } from './parity.js';

interface FilterCase {
  label: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number;
}

const filterCases: FilterCase[] = [
  { label: 'batch 3, 4→5 channels, 3×2 filter, stride 1, same', x: [3, 9, 11, 4], filter: [3, 2, 4, 5], strides: [1, 1], pad: 'same' },
  { label: 'batch 3, 4→5 channels, 3×2 filter, stride 1, valid', x: [3, 9, 11, 4], filter: [3, 2, 4, 5], strides: [1, 1], pad: 'valid' },
  { label: 'batch 2, 3→6 channels, 3×3 filter, stride 2, same', x: [2, 10, 9, 3], filter: [3, 3, 3, 6], strides: [2, 2], pad: 'same' },
  { label: 'batch 2, 3→6 channels, 3×3 filter, stride 2, valid', x: [2, 10, 9, 3], filter: [3, 3, 3, 6], strides: [2, 2], pad: 'valid' },
  { label: 'batch 4, 1-D (height 1), 2→8 channels, width-7 filter, stride 2, same', x: [4, 1, 50, 2], filter: [1, 7, 2, 8], strides: [1, 2], pad: 'same' },
  { label: 'batch 4, 1-D (height 1), 1→16 channels, width-7 filter, stride 2, valid', x: [4, 1, 61, 1], filter: [1, 7, 1, 16], strides: [1, 2], pad: 'valid' },
  { label: 'batch 2, 2→3 channels, 2×3 filter, strides 2×1, explicit padding 1', x: [2, 8, 7, 2], filter: [2, 3, 2, 3], strides: [2, 1], pad: 1 },
  { label: 'batch 3, 1-D, 3→4 channels, width-5 filter, stride 4, same', x: [3, 1, 37, 3], filter: [1, 5, 3, 4], strides: [1, 4], pad: 'same' },
  { label: 'batch 3, 1-D, 3→4 channels, width-3 filter (narrower than its stride 4), valid', x: [3, 1, 37, 3], filter: [1, 3, 3, 4], strides: [1, 4], pad: 'valid' },
];

/** Convolutions big enough that the input gradient takes the XNNPACK path (≥ 4 input channels, ≥ 2^20 multiply-adds). */
const xnnpackCases: FilterCase[] = [
  { label: 'batch 4, 1-D, 8→16 channels, width-7 filter, stride 2, same', x: [4, 1, 400, 8], filter: [1, 7, 8, 16], strides: [1, 2], pad: 'same' },
  { label: 'batch 16, 1-D, 8→16 channels, width-3 filter, stride 4, same', x: [16, 1, 250, 8], filter: [1, 3, 8, 16], strides: [1, 4], pad: 'same' },
  { label: 'batch 16, 1-D, 8→16 channels, width-3 filter, stride 4, valid', x: [16, 1, 250, 8], filter: [1, 3, 8, 16], strides: [1, 4], pad: 'valid' },
  { label: 'batch 4, 8→8 channels, 3×3 filter, stride 2, same', x: [4, 24, 24, 8], filter: [3, 3, 8, 8], strides: [2, 2], pad: 'same' },
  { label: 'batch 6, 8→8 channels, 3×3 filter, strides 2×1, explicit padding 1', x: [6, 20, 20, 8], filter: [3, 3, 8, 8], strides: [2, 1], pad: 1 },
  { label: 'batch 4, 8→8 channels, 3×3 filter, stride 1, valid', x: [4, 24, 24, 8], filter: [3, 3, 8, 8], strides: [1, 1], pad: 'valid' },
];

/** Runs Conv2DBackpropFilter on `backend` for seeded x and dy, returning dW. */
async function filterGradient(backend: 'cpu' | 'wasm', testCase: FilterCase): Promise<Float32Array> {
  await activate(backend);
  const { outShape } = tf.backend_util.computeConv2DInfo(testCase.x, testCase.filter, testCase.strides, 1, testCase.pad);
  return tf.tidy(() => {
    const x = tf.tensor(seededNormal(testCase.x, 1), testCase.x);
    const dy = tf.tensor(seededNormal(outShape, 2), outShape);
    const attrs = { strides: testCase.strides, pad: testCase.pad, dataFormat: 'NHWC', filterShape: testCase.filter };
    const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor;
    expect(dw.shape).toEqual(testCase.filter);
    return dw.dataSync() as Float32Array;
  });
}

/** Runs Conv2DBackpropInput on `backend` for a seeded filter and dy, returning dx. */
async function inputGradient(backend: 'cpu' | 'wasm', testCase: FilterCase): Promise<Float32Array> {
  await activate(backend);
  const { outShape } = tf.backend_util.computeConv2DInfo(testCase.x, testCase.filter, testCase.strides, 1, testCase.pad);
  return tf.tidy(() => {
    const filter = tf.tensor(seededNormal(testCase.filter, 3), testCase.filter);
    const dy = tf.tensor(seededNormal(outShape, 4), outShape);
    const attrs = { strides: testCase.strides, pad: testCase.pad, dataFormat: 'NHWC', inputShape: testCase.x };
    const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, attrs) as tf.Tensor;
    expect(dx.shape).toEqual(testCase.x);
    return dx.dataSync() as Float32Array;
  });
}

/** How many tensors the wasm backend holds in its memory. */
const wasmDataIds = () => (tf.findBackend('wasm') as BackendWasm).numDataIds();

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await activate('wasm');
  });

  it.each([...filterCases, ...xnnpackCases])('computes the conv2d filter gradient like cpu: $label', async (testCase) => {
    const expected = await filterGradient('cpu', testCase);
    const actual = await filterGradient('wasm', testCase);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it.each(xnnpackCases)('computes the conv2d input gradient like cpu through XNNPACK: $label', async (testCase) => {
    const info = tf.backend_util.computeConv2DInfo(testCase.x, testCase.filter, testCase.strides, 1, testCase.pad);
    expect(prefersXnnpack(info)).toBe(true);
    const expected = await inputGradient('cpu', testCase);
    const actual = await inputGradient('wasm', testCase);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it.each(filterCases)("computes the conv2d input gradient like cpu through wasm's own kernel: $label", async (testCase) => {
    const info = tf.backend_util.computeConv2DInfo(testCase.x, testCase.filter, testCase.strides, 1, testCase.pad);
    expect(prefersXnnpack(info)).toBe(false);
    const expected = await inputGradient('cpu', testCase);
    const actual = await inputGradient('wasm', testCase);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it('frees every intermediate tensor of the conv2d gradients', async () => {
    await activate('wasm');
    const before = wasmDataIds();
    tf.tidy(() => {
      const x = tf.ones([4, 1, 400, 8]);
      const filter = tf.ones([1, 7, 8, 16]);
      const dy = tf.ones([4, 1, 200, 16]);
      const conv = { strides: [1, 2], pad: 'same', dataFormat: 'NHWC' };
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...conv, filterShape: [1, 7, 8, 16] });
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { ...conv, inputShape: [4, 1, 400, 8] });
    });
    expect(wasmDataIds()).toBe(before);
  });

  it('sums rows into segments, drops out-of-range ids, and agrees with cpu', async () => {
    const run = async (backend: 'cpu' | 'wasm') => {
      await activate(backend);
      return tf.tidy(() => {
        const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
        const ids = tf.tensor1d([2, 0, 2, -1, 3], 'int32');
        return tf.unsortedSegmentSum(x, ids, 3).arraySync();
      });
    };
    const expected = [[3, 4], [0, 0], [1 + 5, 2 + 6]];
    expect(await run('wasm')).toEqual(expected);
    expect(await run('cpu')).toEqual(expected);
  });

  it('sends each max-pool gradient to the first maximum of its window, even when every value is negative', async () => {
    await activate('wasm');
    const dx = tf.tidy(() => {
      // Windows of two: [-3, -1], [-2, -2], [-5, -4].
      const x = tf.tensor4d([-3, -1, -2, -2, -5, -4], [1, 6, 1, 1]);
      const dy = tf.tensor4d([10, 20, 30], [1, 3, 1, 1]);
      return tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, [2, 1], [2, 1], 'valid'))(x, dy).dataSync();
    });
    expect(Array.from(dx)).toEqual([0, 10, 20, 0, 0, 30]);
  });

  it('adds up the gradients of overlapping max-pool windows that share a maximum', async () => {
    await activate('wasm');
    const dx = tf.tidy(() => {
      // Windows of three with stride one: [1, 9, 2], [9, 2, 3], [2, 3, 0] → maxima at 1, 1, 3.
      const x = tf.tensor4d([1, 9, 2, 3, 0], [1, 5, 1, 1]);
      const dy = tf.tensor4d([1, 2, 4], [1, 3, 1, 1]);
      return tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, [3, 1], [1, 1], 'valid'))(x, dy).dataSync();
    });
    expect(Array.from(dx)).toEqual([0, 3, 0, 4, 0]);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('multiplies batched matrices like cpu, transposeA %s, transposeB %s', async (transposeA, transposeB) => {
    const a = seededNormal([3, 7, 5], 1);
    const b = seededNormal([3, 5, 7], 2);
    const product = async (backend: 'cpu' | 'wasm') => {
      await activate(backend);
      return tf.tidy(() => {
        const x = tf.tensor3d(a, transposeA ? [3, 5, 7] : [3, 7, 5]);
        const y = tf.tensor3d(b, transposeB ? [3, 7, 5] : [3, 5, 7]);
        return tf.matMul(x, y, transposeA, transposeB).dataSync() as Float32Array;
      });
    };
    expect(relativeError(await product('wasm'), await product('cpu'))).toBeLessThan(1e-5);
  });

  it.each([
    ['sum', [0, 1], false],
    ['sum', [0], true],
    ['mean', [0, 1], true],
    ['mean', [0], false],
    ['sum', [1], false], // not leading: wasm's own kernel
    ['mean', [0, 1, 2], false], // everything: wasm's own kernel
  ] as const)('reduces like cpu: %s over axes %j, keepDims %s', async (op, axes, keepDims) => {
    const values = seededNormal([6, 50, 3], 8);
    const reduce = async (backend: 'cpu' | 'wasm') => {
      await activate(backend);
      return tf.tidy(() => {
        const out = tf[op](tf.tensor3d(values, [6, 50, 3]), [...axes], keepDims);
        return { shape: out.shape, values: out.dataSync() as Float32Array };
      });
    };
    const [wasm, cpu] = [await reduce('wasm'), await reduce('cpu')];
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5);
  });

  it('sums one tensor over different leading axes in turn (wasm keeps matMul operands by buffer, so each must be fresh)', async () => {
    await activate('wasm');
    const x = tf.tensor3d(seededNormal([6, 50, 3], 9), [6, 50, 3]);
    const expected = await (async () => {
      const values = [tf.sum(x, [0]), tf.sum(x, [0, 1]), tf.mean(x, [0])].map((t) => t.arraySync());
      return values;
    })();
    for (let round = 0; round < 3; round++) {
      expect([tf.sum(x, [0]), tf.sum(x, [0, 1]), tf.mean(x, [0])].map((t) => t.arraySync())).toEqual(expected);
    }
  });

  it('computes LeakyReLU like cpu: exactly for positive inputs, within rounding below', async () => {
    const values = seededNormal([4000], 7);
    const leaky = async (backend: 'cpu' | 'wasm') => {
      await activate(backend);
      return tf.tidy(() => tf.leakyRelu(tf.tensor1d(values), 0.15).dataSync() as Float32Array);
    };
    const [wasm, cpu] = [await leaky('wasm'), await leaky('cpu')];
    values.forEach((v, i) => {
      if (v >= 0) expect(wasm[i]).toBe(v);
      else expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThanOrEqual(2 ** -22 * Math.abs(v)); // a few roundings of x, not of α·x
    });
  });

  it('clones by sharing memory: a kept tensor costs no copy, and outlives the original', async () => {
    await activate('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.tensor(seededNormal([1000], 4));
    const buffers = backend.numDataIds();
    const copy = tf.clone(x);
    expect(backend.numDataIds()).toBe(buffers);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(Array.from(seededNormal([1000], 4)));
    copy.dispose();
    expect(backend.numDataIds()).toBe(buffers - 1);
  });

  it('registers its kernels once, however often it is called', () => {
    const kernelFuncs = () => WASM_TRAINING_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'wasm')?.kernelFunc);
    const first = kernelFuncs();
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(kernelFuncs()).toEqual(first);
    expect(first.every((kernelFunc) => typeof kernelFunc === 'function')).toBe(true);
    expect(WASM_TRAINING_KERNELS.map(({ kernelName, reason }) => `${kernelName} (${reason})`)).toEqual([
      'Conv2DBackpropFilter (missing)',
      'UnsortedSegmentSum (missing)',
      'MaxPoolGrad (wrong)',
      'AvgPoolGrad (wrong)',
      'Identity (slow)',
      'BatchMatMul (slow)',
      'LeakyRelu (slow)',
      'Sum (slow)',
      'Mean (slow)',
      'Conv2DBackpropInput (slow)',
    ]);
  });
});
