/**
 * `MaxPoolGrad` for wasm, replacing the one `@tensorflow/tfjs-backend-wasm@4.22`
 * ships. That one seeds each window's running maximum with FLT_MIN (the
 * smallest positive float) instead of −∞, so a window whose values are all
 * negative sends its gradient nowhere: maxPooling1d/2d layers train wrongly
 * on wasm whenever their inputs can be negative.
 *
 * dx[p] = Σ over the windows whose first maximum is at p of dy[window]. The
 * maxima are found in JavaScript over wasm's memory, as the cpu backend does
 * (first maximum wins, like cpu and TensorFlow); the sum is wasm's ScatterNd.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeIntermediates, runWasmKernel } from './wasm-calls.js';

/**
 * For each output element of a max pool (NHWC), the flat index into the input
 * of its window's first maximum, or `missing` for a window with no values.
 */
export function maxPoolArgmax(x: ArrayLike<number>, info: tf.backend_util.Conv2DInfo, missing: number): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth, dilationHeight, dilationWidth } = info;
  const positions = new Int32Array(batchSize * outHeight * outWidth * inChannels);
  let out = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      const rowCorner = r * strideHeight - info.padInfo.top;
      for (let c = 0; c < outWidth; c++) {
        const colCorner = c * strideWidth - info.padInfo.left;
        for (let d = 0; d < inChannels; d++, out++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestAt = missing;
          for (let wr = 0; wr < effectiveFilterHeight; wr += dilationHeight) {
            const xr = rowCorner + wr;
            if (xr < 0 || xr >= inHeight) continue;
            for (let wc = 0; wc < effectiveFilterWidth; wc += dilationWidth) {
              const xc = colCorner + wc;
              if (xc < 0 || xc >= inWidth) continue;
              const at = ((b * inHeight + xr) * inWidth + xc) * inChannels + d;
              const value = x[at] ?? Number.NaN;
              if (value > best) {
                best = value;
                bestAt = at;
              }
            }
          }
          positions[out] = bestAt;
        }
      }
    }
  }
  return positions;
}

function maxPoolGrad({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const size = tf.util.sizeFromShape(input.shape);
  const dropSlot = size;
  const positions = maxPoolArgmax(wasm.typedArrayFromHeap(input), info, dropSlot);

  const indices = wasm.makeOutput([positions.length, 1], 'int32', undefined, positions);
  const updates = runWasmKernel('Reshape', wasm, { x: dy }, { shape: [positions.length] });
  const sums = runWasmKernel('ScatterNd', wasm, { indices, updates }, { shape: [size + 1] });
  const flat = runWasmKernel('Slice', wasm, { x: sums }, { begin: [0], size: [size] });
  const dx = runWasmKernel('Reshape', wasm, { x: flat }, { shape: input.shape });
  disposeIntermediates(wasm, indices, updates, sums, flat);
  return dx;
}

/** The max-pool input gradient on wasm: argmax in JavaScript, sums by ScatterNd. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};
