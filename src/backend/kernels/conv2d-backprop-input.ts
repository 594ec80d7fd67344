/**
 * `Conv2DBackpropInput` for wasm, replacing the one wasm ships for speed: the
 * input gradient of conv2d (and conv1d). wasm's own is a plain C++ loop and
 * takes most of a conv net's training step; for layers with 4 or more input
 * channels and about a million multiply-adds or more, this one runs a single
 * XNNPACK convolution instead (3–6× faster there, same results). Smaller
 * ones still go to wasm's own, which wins when there is little to do.
 *
 * The input gradient is the full correlation of the output gradient,
 * upsampled by the forward strides, with the filter flipped in space and its
 * channels exchanged:
 *
 *   dx[b, h, w, ci] = Σ dyUp[b, h + pt − kh, w + pl − kw, co] · W[kh, kw, ci, co]
 *
 * where dyUp holds dy[b, i, j] at (i·sh, j·sw) and zeros between. Built from
 * wasm's Reshape, PadV2 (the upsampling), Reverse and Transpose (the filter),
 * Slice and Conv2D (XNNPACK).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { shippedKernel } from './shipped.js';
import { disposeIntermediates, runWasmKernel } from './wasm-calls.js';

/** dy [B, OH, OW, C] with (sh − 1) zero rows after each row and (sw − 1) zero columns after each column. */
function upsample(wasm: BackendWasm, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [batch, height, width, channels] = dy.shape as [number, number, number, number];
  const spaced = runWasmKernel('Reshape', wasm, { x: dy }, { shape: [batch, height, 1, width, 1, channels] });
  const padded = runWasmKernel('PadV2', wasm, { x: spaced }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  });
  const up = runWasmKernel('Reshape', wasm, { x: padded }, { shape: [batch, height * sh, width * sw, channels] });
  disposeIntermediates(wasm, spaced, padded);
  return up;
}

/** Below either of these, wasm's own kernel is faster (measured on shapes from 1-D CNNs). */
const MIN_IN_CHANNELS = 4;
const MIN_MULTIPLY_ADDS = 2 ** 20;

/** Whether the XNNPACK formulation pays for its set-up on this convolution. */
export function prefersXnnpack(info: tf.backend_util.Conv2DInfo): boolean {
  const { batchSize, inHeight, inWidth, filterHeight, filterWidth, inChannels, outChannels } = info;
  const multiplyAdds = batchSize * inHeight * inWidth * filterHeight * filterWidth * inChannels * outChannels;
  return inChannels >= MIN_IN_CHANNELS && multiplyAdds >= MIN_MULTIPLY_ADDS;
}

/** dx as one XNNPACK convolution of the upsampled dy with the flipped filter. */
function viaXnnpack(wasm: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { filterHeight, filterWidth, inHeight, inWidth, strideHeight, strideWidth } = info;

  const up = strideHeight === 1 && strideWidth === 1 ? dy : upsample(wasm, dy, strideHeight, strideWidth);
  const [, upHeight, upWidth] = up.shape as [number, number, number, number];
  // Full-correlation padding so the output is exactly inHeight × inWidth; negative means "cut".
  const top = filterHeight - 1 - info.padInfo.top;
  const left = filterWidth - 1 - info.padInfo.left;
  const bottom = inHeight + filterHeight - 1 - top - upHeight;
  const right = inWidth + filterWidth - 1 - left - upWidth;
  if (top < 0 || left < 0) throw new Error(`Expected conv padding below the filter size, but got ${JSON.stringify(info.padInfo)}.`);
  const fits = bottom >= 0 && right >= 0;
  const source = fits
    ? up
    : runWasmKernel('Slice', wasm, { x: up }, {
        begin: [0, 0, 0, 0],
        size: [dy.shape[0] ?? 0, upHeight + Math.min(bottom, 0), upWidth + Math.min(right, 0), dy.shape[3] ?? 0],
      });

  const flipped = runWasmKernel('Reverse', wasm, { x: filter }, { dims: [0, 1] });
  const swapped = runWasmKernel('Transpose', wasm, { x: flipped }, { perm: [0, 1, 3, 2] });
  const dx = runWasmKernel('Conv2D', wasm, { x: source, filter: swapped }, {
    strides: [1, 1],
    dilations: [1, 1],
    pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
  });

  disposeIntermediates(wasm, flipped, swapped);
  if (source !== up) disposeIntermediates(wasm, source);
  if (up !== dy) disposeIntermediates(wasm, up);
  return dx;
}

/**
 * The conv2d input gradient on wasm: XNNPACK where it pays, else `shipped`
 * (wasm's own kernel).
 */
export function conv2dBackpropInputConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  const own = shippedKernel(shipped);
  const kernelFunc: tf.KernelFunc = (args) => {
    const wasm = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const filterShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode);
    if (dataFormat !== 'NCHW' && (prefersXnnpack(info) || !own)) return viaXnnpack(wasm, dy, filter, info);
    if (!own) throw new Error("Epochal's wasm Conv2DBackpropInput supports dataFormat 'NHWC' only, as does wasm's Conv2D.");
    return own(args);
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc };
}
