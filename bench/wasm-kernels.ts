/**
 * Each kernel Epochal registers for wasm because wasm's own is slow, against
 * wasm's own, side by side in one run on the shapes SleepNet trains with
 * (the reference network, 4 nights × 64 epochs folded into 256 rows):
 *
 *   npx tsx bench/wasm-kernels.ts [--repeats 10]
 *
 * Each pair runs alternately, after a warm-up call of each; medians of
 * `--repeats` calls and the speed-up are printed.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { shippedWasmKernel, useBackend } from '../src/backend/index.js';
import { shippedKernel } from '../src/backend/kernels/shipped.js';

const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '10' } } });
const repeats = Number(args.repeats);
await useBackend('wasm');
const wasm = tf.backend() as BackendWasm;

interface Case {
  kernel: string;
  what: string;
  inputs: () => tf.NamedTensorMap;
  attrs: tf.NamedAttrMap;
}

const rows = 256;
const CASES: Case[] = [
  { kernel: 'BatchMatMul', what: 'dense weight gradient xᵀ·dy, [3840×512]ᵀ·[3840×128]', inputs: () => ({ a: tf.randomNormal([1, 3840, 512]), b: tf.randomNormal([1, 3840, 128]) }), attrs: { transposeA: true, transposeB: false } },
  { kernel: 'BatchMatMul', what: 'dense input gradient dy·Wᵀ, [3840×128]·[512×128]ᵀ', inputs: () => ({ a: tf.randomNormal([1, 3840, 128]), b: tf.randomNormal([1, 512, 128]) }), attrs: { transposeA: false, transposeB: true } },
  { kernel: 'LeakyRelu', what: `conv level 1 activations [${rows}×3840×8]`, inputs: () => ({ x: tf.randomNormal([rows, 3840, 8]) }), attrs: { alpha: 0.15 } },
  { kernel: 'Sum', what: `bias gradient over [${rows}×3840×8], axes 0 and 1`, inputs: () => ({ x: tf.randomNormal([rows, 3840, 8]) }), attrs: { axis: [0, 1], keepDims: false } },
  { kernel: 'Mean', what: `batch-norm mean over [${rows}×7680×1], axes 0 and 1`, inputs: () => ({ x: tf.randomNormal([rows, 7680, 1]) }), attrs: { axis: [0, 1], keepDims: false } },
  { kernel: 'Identity', what: `keeping [${rows}×3840×8] for the backward pass`, inputs: () => ({ x: tf.randomNormal([rows, 3840, 8]) }), attrs: {} },
  {
    kernel: 'Conv2DBackpropInput',
    what: `conv level 3 input gradient [${rows}×480×32] from 5×16→32, stride 2`,
    inputs: () => ({ dy: tf.randomNormal([rows, 1, 480, 32]), filter: tf.randomNormal([1, 5, 16, 32]) }),
    attrs: { strides: [1, 2], pad: 'same', dataFormat: 'NHWC', inputShape: [rows, 1, 960, 16] },
  },
];

function timeCall(kernelFunc: tf.KernelFunc, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): number {
  const started = performance.now();
  const out = kernelFunc({ inputs, backend: wasm, attrs });
  for (const info of Array.isArray(out) ? out : [out]) wasm.disposeData(info.dataId);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`wasm kernels, Epochal's vs wasm's own (tfjs ${tf.version.tfjs}), median of ${repeats} calls each, alternating`);
for (const c of CASES) {
  const shipped = shippedKernel(shippedWasmKernel(c.kernel));
  const ours = tf.getKernel(c.kernel, 'wasm')?.kernelFunc;
  if (!shipped || !ours) {
    console.log(`${c.kernel}: not replaced here`);
    continue;
  }
  const inputs = c.inputs();
  timeCall(shipped, inputs, c.attrs);
  timeCall(ours, inputs, c.attrs);
  const times = { shipped: [] as number[], ours: [] as number[] };
  for (let i = 0; i < repeats; i++) {
    times.shipped.push(timeCall(shipped, inputs, c.attrs));
    times.ours.push(timeCall(ours, inputs, c.attrs));
  }
  const [before, after] = [median(times.shipped), median(times.ours)];
  console.log(`${c.kernel.padEnd(20)} ${before.toFixed(2).padStart(8)} ms → ${after.toFixed(2).padStart(7)} ms  ${(before / after).toFixed(1).padStart(5)}×  ${c.what}`);
  tf.dispose(Object.values(inputs));
}
