/**
 * The kernels Epochal registers for the wasm backend
 * (`@tensorflow/tfjs-backend-wasm@4.22`) so its models train there: ones
 * wasm lacks, one it gets wrong and one it runs slowly, each composed from
 * kernels wasm has. Found by comparing `tf.grads` of every op Epochal trains
 * through on wasm with cpu (see `test/backend/wasm-gradients.test.ts`): a
 * missing kernel throws "Kernel 'X' not registered for backend 'wasm'", a
 * wrong one disagrees with cpu. wasm has every other kernel those gradients use.
 */
import * as tf from '@tensorflow/tfjs';
import { avgPoolGradConfig } from './kernels/avg-pool-grad.js';
import { batchMatMulConfig } from './kernels/batch-mat-mul.js';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/conv2d-backprop-input.js';
import { identityConfig } from './kernels/identity.js';
import { leakyReluConfig } from './kernels/leaky-relu.js';
import { meanConfig, sumConfig } from './kernels/leading-reductions.js';
import { maxPoolGradConfig } from './kernels/max-pool-grad.js';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum.js';

/** One kernel Epochal registers for backend 'wasm'. */
export interface WasmTrainingKernel {
  kernelName: string;
  /** Whether wasm lacks the kernel, ships a wrong one, or ships a correct but slow one. */
  reason: 'missing' | 'wrong' | 'slow';
  /** What Epochal needs it for, and what is wrong with wasm's own. */
  why: string;
  /** Builds the kernel, given the one wasm ships (if any) to fall back on. */
  build(shipped: tf.KernelConfig | undefined): tf.KernelConfig;
}

/** The kernels `registerWasmTrainingKernels` registers. */
export const WASM_TRAINING_KERNELS: readonly WasmTrainingKernel[] = [
  {
    kernelName: tf.Conv2DBackpropFilter,
    reason: 'missing',
    why: 'the filter gradient of conv1d/conv2d layers',
    build: () => conv2dBackpropFilterConfig,
  },
  {
    kernelName: tf.UnsortedSegmentSum,
    reason: 'missing',
    why: 'the gradient of gather (embedding lookups)',
    build: () => unsortedSegmentSumConfig,
  },
  {
    kernelName: tf.MaxPoolGrad,
    reason: 'wrong',
    why: "the gradient of maxPooling1d/2d; wasm's own drops the gradient of every window whose values are all negative",
    build: () => maxPoolGradConfig,
  },
  {
    kernelName: tf.AvgPoolGrad,
    reason: 'wrong',
    why: "the gradient of averagePooling1d/2d with 'same' padding; wasm's own divides edge windows by the full window size, not by the values they averaged",
    build: (shipped) => avgPoolGradConfig('wasm', shipped),
  },
  {
    kernelName: tf.Identity,
    reason: 'slow',
    why: "keeping tensors for the backward pass (tfjs clones each through Identity); wasm's own copies every one, so saved activations took twice the memory",
    build: identityConfig,
  },
  {
    kernelName: tf.BatchMatMul,
    reason: 'slow',
    why: "matMul with a transposed operand (every dense layer's backward pass); wasm's own reads it with strided loops, 5–15× slower than transposing first",
    build: batchMatMulConfig,
  },
  {
    kernelName: tf.LeakyRelu,
    reason: 'slow',
    why: "LeakyReLU (SleepNet's conv stacks); wasm's own is a scalar loop, about 4× slower than Neg, Relu, Multiply and Add together",
    build: () => leakyReluConfig,
  },
  {
    kernelName: tf.Sum,
    reason: 'slow',
    why: "sums over leading axes (bias gradients, batch-norm statistics); wasm's own transposes the input first, 5–10× slower than XNNPACK's average pooling over that axis",
    build: sumConfig,
  },
  {
    kernelName: tf.Mean,
    reason: 'slow',
    why: 'means over leading axes (batch-norm statistics), for the same reason as Sum',
    build: meanConfig,
  },
  {
    kernelName: tf.Conv2DBackpropInput,
    reason: 'slow',
    why: "the input gradient of conv1d/conv2d layers; wasm's own is a plain loop, 3–6× slower than XNNPACK on multi-channel layers",
    build: conv2dBackpropInputConfig,
  },
];

/** The kernel functions registered here, to recognise them on a second call. */
const registered = new WeakSet<tf.KernelFunc>();
/** wasm's own kernels that Epochal replaced, by name (for benchmarks comparing the two). */
const replaced = new Map<string, tf.KernelConfig>();

/** The kernel wasm ships under `kernelName`, when Epochal replaced it. */
export function shippedWasmKernel(kernelName: string): tf.KernelConfig | undefined {
  return replaced.get(kernelName);
}

/**
 * Registers `WASM_TRAINING_KERNELS` for backend 'wasm', before or after the
 * backend starts. Idempotent. A kernel for a gap never replaces one someone
 * else registered since (a later TensorFlow.js may ship its own); one for a
 * wrong or slow kernel replaces wasm's.
 */
export function registerWasmTrainingKernels(): void {
  for (const kernel of WASM_TRAINING_KERNELS) {
    const current = tf.getKernel(kernel.kernelName, 'wasm');
    if (current && registered.has(current.kernelFunc)) continue;
    if (current && kernel.reason === 'missing') continue;
    const config = kernel.build(current);
    if (current) {
      replaced.set(kernel.kernelName, current);
      tf.unregisterKernel(kernel.kernelName, 'wasm');
    }
    tf.registerKernel(config);
    registered.add(config.kernelFunc);
  }
}
