/**
 * `Identity` for wasm, sharing the input's memory (one more reference) as the
 * cpu backend does. wasm's own copies the tensor, and tfjs clones every tensor
 * it keeps for a backward pass through Identity, so on wasm each saved
 * activation existed twice: twice the memory, and a copy per saved tensor.
 * wasm kernels never write into their inputs, so sharing is safe.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Builds the kernel; string tensors (which wasm keeps outside its heap) still go to wasm's own. */
export function identityConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string' && shipped) return shipped.kernelFunc(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', kernelFunc };
}
