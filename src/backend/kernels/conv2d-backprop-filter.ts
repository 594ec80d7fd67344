/**
 * `Conv2DBackpropFilter` for wasm: the filter gradient of conv2d (and so of
 * conv1d, which tfjs runs as a conv2d of height 1), without which conv layers
 * cannot train on wasm.
 *
 * The filter gradient is itself a convolution, of the input by the output
 * gradient, with the roles of batch and channels exchanged:
 *
 *   dW[kh, kw, ci, co] = Σ_{b, i, j} xPadded[b, i·sh + kh, j·sw + kw, ci] · dy[b, i, j, co]
 *
 * which is conv2d(x as [ci, H, W, b], dy as a [OH, OW, b, co] filter) with the
 * forward strides used as dilations, stride 1, and the forward padding made
 * explicit. That output is [ci, ≥KH, ≥KW, co]; cropping to the filter size and
 * moving ci back gives dW. Built from wasm's Transpose, Conv2D (XNNPACK) and
 * Slice kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeIntermediates, runWasmKernel } from './wasm-calls.js';

function conv2dBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') {
    throw new Error("Epochal's wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, as does wasm's Conv2D.");
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [filterHeight, filterWidth, inChannels, outChannels] = filterShape;
  const { top, bottom, left, right } = info.padInfo;

  const channelsAsBatch = runWasmKernel('Transpose', wasm, { x }, { perm: [3, 1, 2, 0] });
  const dyAsFilter = runWasmKernel('Transpose', wasm, { x: dy }, { perm: [1, 2, 0, 3] });
  const correlation = runWasmKernel(
    'Conv2D',
    wasm,
    { x: channelsAsBatch, filter: dyAsFilter },
    {
      strides: [1, 1],
      dilations: [info.strideHeight, info.strideWidth],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
    },
  );
  const [, height, width] = correlation.shape;
  const cropped =
    height === filterHeight && width === filterWidth
      ? correlation
      : runWasmKernel('Slice', wasm, { x: correlation }, { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] });
  const dw = runWasmKernel('Transpose', wasm, { x: cropped }, { perm: [1, 2, 0, 3] });

  disposeIntermediates(wasm, channelsAsBatch, dyAsFilter, correlation);
  if (cropped !== correlation) disposeIntermediates(wasm, cropped);
  return dw;
}

/** The conv2d filter gradient on wasm, from Transpose, Conv2D and Slice. */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
