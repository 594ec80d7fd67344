/**
 * A 1-D convolution with dilation and causal padding that trains on every
 * backend. tfjs 4.22 cannot: conv gradients throw for dilation > 1 and conv1d
 * has no `causal` padding. This pads explicitly, then on the tensorflow
 * backend runs one native dilated convolution each way (see
 * `dilated-conv.ts`); elsewhere it gathers the k dilated taps as shifted
 * slices, concatenates them on the channel axis and applies one matMul: the
 * same maths as a convolution, built only from ops whose gradients every
 * backend has. The kernel has the shape `[kernelSize, inChannels, filters]` of
 * `tf.layers.conv1d`.
 */
import * as tf from '@tensorflow/tfjs';
import { canRunNativeDilatedConv, nativeDilatedConv1d } from './dilated-conv.js';

export interface TemporalConvSpec {
  kernelSize: number;
  dilation: number;
  strides: number;
  /** causal: output t sees inputs ≤ t; same: centred, output length = ceil(length / strides); valid: no padding. */
  padding: 'causal' | 'same' | 'valid';
}

/** The span of input one output sees. */
function receptiveField(spec: TemporalConvSpec): number {
  return (spec.kernelSize - 1) * spec.dilation + 1;
}

/** The output length for an input of `length` steps. */
export function temporalOutputLength(length: number, spec: TemporalConvSpec): number {
  if (spec.padding === 'valid') return Math.floor((length - receptiveField(spec)) / spec.strides) + 1;
  return Math.ceil(length / spec.strides);
}

/** Zeros added before and after the time axis. */
function paddingAmounts(length: number, spec: TemporalConvSpec): [number, number] {
  if (spec.padding === 'valid') return [0, 0];
  const total = Math.max((temporalOutputLength(length, spec) - 1) * spec.strides + receptiveField(spec) - length, 0);
  if (spec.padding === 'causal') return [total, 0];
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Convolves `x` [batch, length, in] with `kernel` [k, in, out] (no bias). */
export function temporalConv1d(x: tf.Tensor3D, kernel: tf.Tensor3D, spec: TemporalConvSpec): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length, channels] = x.shape;
    const [left, right] = paddingAmounts(length, spec);
    const padded = left + right > 0 ? tf.pad(x, [[0, 0], [left, right], [0, 0]]) : x;
    if (canRunNativeDilatedConv(spec.strides, spec.dilation)) return nativeDilatedConv1d(padded, kernel, spec.strides, spec.dilation);
    const outLength = temporalOutputLength(length, spec);
    const span = (outLength - 1) * spec.strides + 1;
    const taps = Array.from({ length: spec.kernelSize }, (_, j) => {
      const start = j * spec.dilation;
      return spec.strides === 1
        ? tf.slice(padded, [0, start, 0], [batch, span, channels])
        : tf.stridedSlice(padded, [0, start, 0], [batch, start + span, channels], [1, spec.strides, 1]);
    });
    const windows = tf.concat(taps, 2).reshape([batch * outLength, spec.kernelSize * channels]);
    const filters = kernel.shape[2];
    const y = tf.matMul(windows, kernel.reshape([spec.kernelSize * channels, filters]));
    return y.reshape([batch, outLength, filters]);
  });
}
