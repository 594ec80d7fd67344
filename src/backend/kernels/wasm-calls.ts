/**
 * Calling the wasm backend's own kernels from inside another kernel: straight
 * to the registered kernel function, so nothing is taped or tracked, and the
 * caller frees each intermediate result itself.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Runs the wasm backend's kernel `name` on `inputs` and returns its single output. */
export function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) {
    throw new Error(`The wasm backend has no '${name}' kernel, which Epochal's wasm training kernels are built from.`);
  }
  const output = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(output)) throw new Error(`Expected the wasm '${name}' kernel to return one tensor, but got ${output.length}.`);
  return output;
}

/** Frees intermediate results on the wasm backend (a reshape's output shares, and only unrefs, its input's memory). */
export function disposeIntermediates(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
