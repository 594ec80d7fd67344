/**
 * `AvgPoolGrad` for cpu and wasm, whose own kernels (4.22) divide every
 * window's gradient by the full window size. With 'same' padding the forward
 * pass averages an edge window over its real values only, so its gradient
 * must be divided by that count: the shipped kernels gave edge values too
 * small a gradient (tensorflow's kernel is right). This one scales each
 * window's incoming gradient by windowSize / count first, then runs the
 * shipped kernel, so every window ends up divided by its own count.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { shippedKernel } from './shipped.js';

/** Values each output position of a pool averaged: windows clipped to the input. */
export function windowCounts(info: tf.backend_util.Conv2DInfo): Float32Array {
  const counts = new Float32Array(info.outHeight * info.outWidth);
  const along = (out: number, stride: number, pad: number, filter: number, size: number) => {
    const start = out * stride - pad;
    return Math.min(start + filter, size) - Math.max(start, 0);
  };
  for (let r = 0; r < info.outHeight; r++) {
    const rows = along(r, info.strideHeight, info.padInfo.top, info.filterHeight, info.inHeight);
    for (let c = 0; c < info.outWidth; c++) counts[r * info.outWidth + c] = rows * along(c, info.strideWidth, info.padInfo.left, info.filterWidth, info.inWidth);
  }
  return counts;
}

/** A float32 tensor of `values` on the backend (wasm and cpu name the method differently). */
function makeTensorInfo(backendName: 'cpu' | 'wasm', backend: tf.KernelBackend, shape: number[], values: Float32Array): tf.TensorInfo {
  if (backendName === 'wasm') return (backend as unknown as BackendWasm).makeOutput(shape, 'float32', undefined, values);
  return (backend as unknown as { makeTensorInfo(s: number[], d: tf.DataType, v: Float32Array): tf.TensorInfo }).makeTensorInfo(shape, 'float32', values);
}

export function avgPoolGradConfig(backendName: 'cpu' | 'wasm', shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  const own = shippedKernel(shipped);
  if (!own) throw new Error(`The ${backendName} backend ships no AvgPoolGrad kernel for Epochal to correct.`);
  const kernelFunc: tf.KernelFunc = (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad } = args.attrs as unknown as tf.AvgPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad);
    const counts = windowCounts(info);
    const full = info.filterHeight * info.filterWidth;
    if (counts.every((count) => count === full)) return own(args);
    const backend = args.backend as tf.KernelBackend;
    const values = Float32Array.from(backend.readSync(dy.dataId) as Float32Array);
    const [, , , channels] = dy.shape as [number, number, number, number];
    for (let i = 0; i < values.length; i++) values[i]! *= full / counts[Math.floor(i / channels) % counts.length]!;
    const scaled = makeTensorInfo(backendName, backend, dy.shape, values);
    const dx = own({ ...args, inputs: { ...args.inputs, dy: scaled } });
    backend.disposeData(scaled.dataId);
    return dx;
  };
  return { kernelName: tf.AvgPoolGrad, backendName, kernelFunc };
}
