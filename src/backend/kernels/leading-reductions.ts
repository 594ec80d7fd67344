/**
 * `Sum` and `Mean` for wasm over leading axes (every axis but the trailing
 * ones: a bias gradient, a batch-norm statistic), as average pooling: the
 * input seen as an image whose height is the reduced axis is pooled with a
 * window of that whole height, one axis at a time from the innermost reduced
 * one (so each pass averages a single axis, which also keeps float32 rounding
 * small), then scaled by the count for a sum. XNNPACK pools in one vectorised
 * pass; wasm's own reductions first transpose the input so the reduced axes
 * come last, a full copy that makes them 5–10× slower. Other reductions, and
 * integer ones, go to wasm's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { shippedKernel } from './shipped.js';
import { disposeIntermediates, runWasmKernel } from './wasm-calls.js';

/** The number of leading axes `axis` reduces when they are exactly 0..n−1 (n < rank); else undefined. */
function leadingAxes(x: tf.TensorInfo, axis: number | number[]): number | undefined {
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i) && axes.length < x.shape.length;
  return leading && axes.length > 0 ? axes.length : undefined;
}

/** The mean over the first `reduced` axes of `x`, shaped as the remaining axes. */
function leadingMean(wasm: BackendWasm, x: tf.TensorInfo, reduced: number): tf.TensorInfo {
  const inner = tf.util.sizeFromShape(x.shape.slice(reduced));
  let current = x;
  for (let axis = reduced - 1; axis >= 0; axis--) {
    const length = x.shape[axis]!;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const image = runWasmKernel('Reshape', wasm, { x: current }, { shape: [outer, length, 1, inner] });
    const pooled = runWasmKernel('AvgPool', wasm, { x: image }, { filterSize: [length, 1], strides: [1, 1], pad: 'valid' });
    disposeIntermediates(wasm, image);
    if (current !== x) disposeIntermediates(wasm, current);
    current = pooled;
  }
  const mean = runWasmKernel('Reshape', wasm, { x: current }, { shape: x.shape.slice(reduced) });
  disposeIntermediates(wasm, current);
  return mean;
}

function reduction(kernelName: 'Sum' | 'Mean', shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  const own = shippedKernel(shipped);
  if (!own) throw new Error(`The wasm backend ships no ${kernelName} kernel for Epochal to wrap.`);
  const kernelFunc: tf.KernelFunc = (args) => {
    const wasm = args.backend as BackendWasm;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const reduced = leadingAxes(x, axis);
    if (reduced === undefined || x.dtype !== 'float32') return own(args);
    let result = leadingMean(wasm, x, reduced);
    if (kernelName === 'Sum') {
      const count = wasm.makeOutput([], 'float32', undefined, Float32Array.of(tf.util.sizeFromShape(x.shape.slice(0, reduced))));
      const sum = runWasmKernel('Multiply', wasm, { a: result, b: count });
      disposeIntermediates(wasm, result, count);
      result = sum;
    }
    if (!keepDims) return result;
    const out = runWasmKernel('Reshape', wasm, { x: result }, { shape: [...x.shape.slice(0, reduced).map(() => 1), ...x.shape.slice(reduced)] });
    disposeIntermediates(wasm, result);
    return out;
  };
  return { kernelName, backendName: 'wasm', kernelFunc };
}

export const sumConfig = (shipped: tf.KernelConfig | undefined) => reduction('Sum', shipped);
export const meanConfig = (shipped: tf.KernelConfig | undefined) => reduction('Mean', shipped);
