/**
 * `UnsortedSegmentSum` for wasm: out[s, ...] = Σ over rows r with id[r] = s of
 * x[r, ...]. It is the gradient of `tf.gather` (and so of embedding lookups),
 * which wasm lacks. Ids outside [0, numSegments) are dropped, as on cpu.
 *
 * Built from wasm's Reshape, ScatterNd (which sums rows that share an index)
 * and Slice: out-of-range ids are sent to one extra row that is cut off.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeIntermediates, runWasmKernel } from './wasm-calls.js';

function unsortedSegmentSum({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const outShape = [numSegments, ...rowShape];
  const rowCount = tf.util.sizeFromShape(segmentIds.shape);
  if (rowCount === 0) return runWasmKernel('Fill', wasm, {}, { shape: outShape, value: 0, dtype: x.dtype });

  const ids = wasm.typedArrayFromHeap(segmentIds);
  const dropRow = numSegments;
  const rowIndices = Int32Array.from(ids, (id) => (id >= 0 && id < numSegments ? id : dropRow));
  const indices = wasm.makeOutput([rowCount, 1], 'int32', undefined, rowIndices);
  const rows = runWasmKernel('Reshape', wasm, { x }, { shape: [rowCount, ...rowShape] });
  const sums = runWasmKernel('ScatterNd', wasm, { indices, updates: rows }, { shape: [numSegments + 1, ...rowShape] });
  const out = runWasmKernel('Slice', wasm, { x: sums }, { begin: outShape.map(() => 0), size: outShape });
  disposeIntermediates(wasm, indices, rows, sums);
  return out;
}

/** Segment sums on wasm (the gradient of gather), from Reshape, ScatterNd and Slice. */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
