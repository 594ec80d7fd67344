/**
 * `BatchMatMul` for wasm with transposed operands: wasm's own kernel reads a
 * transposed operand with strided loops that run 5–15× slower than its plain
 * case (and every matMul gradient, every dense layer's backward pass, asks for
 * one). Transposing the operand first with wasm's Transpose and then running
 * the plain product is that much faster; untransposed products go straight to
 * wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { shippedKernel } from './shipped.js';
import { disposeIntermediates, runWasmKernel } from './wasm-calls.js';

/** Swaps the last two axes of `x`. */
function transposeLast(wasm: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const perm = x.shape.map((_, axis) => axis);
  [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2]!, perm[perm.length - 1]!];
  return runWasmKernel('Transpose', wasm, { x }, { perm });
}

export function batchMatMulConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  const plain = shippedKernel(shipped);
  if (!plain) throw new Error('The wasm backend ships no BatchMatMul kernel for Epochal to wrap.');
  const kernelFunc: tf.KernelFunc = (args) => {
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return plain(args);
    const wasm = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const aPlain = transposeA ? transposeLast(wasm, a) : a;
    const bPlain = transposeB ? transposeLast(wasm, b) : b;
    const out = plain({ ...args, inputs: { a: aPlain, b: bPlain }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    disposeIntermediates(wasm, ...[aPlain, bPlain].filter((t, i) => t !== [a, b][i]));
    return out;
  };
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc };
}
