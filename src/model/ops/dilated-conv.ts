/**
 * Dilated 1-D convolutions on the `tensorflow` backend as single native
 * kernels both ways: forward Conv2D with dilations, backward
 * Conv2DBackpropInput / Conv2DBackpropFilter with the same dilations (tfjs's
 * own conv gradients throw for dilation > 1). The input arrives already padded
 * (so causal and 'same' padding are the caller's tf.pad, whose gradient tfjs has).
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeOps, runNative, type NativeAttr } from '../../backend/native.js';

/**
 * Whether `nativeDilatedConv1d` can run here for this stride and dilation: libtensorflow refuses both above 1,
 * and on CPUs where it does not use oneDNN (those without AVX-512 VNNI, such as many AMD EPYCs) its backward
 * kernels refuse any dilation above 1 ("Current libxsmm and customized CPU implementations do not yet support
 * dilation rates larger than 1"), so the first dilated convolution asks it once.
 */
export function canRunNativeDilatedConv(strides: number, dilation: number): boolean {
  return hasNativeOps() && (strides === 1 || dilation === 1) && (dilation === 1 || nativeDilatedGradients());
}

let dilatedGradients: boolean | undefined;

/** Whether this libtensorflow computes both convolution gradients with dilation (tried once, on a 5-step input). */
function nativeDilatedGradients(): boolean {
  dilatedGradients ??= tf.tidy(() => {
    try {
      const [x, w, dy] = [tf.ones([1, 1, 5, 1]), tf.ones([1, 2, 1, 1]), tf.ones([1, 1, 3, 1])];
      runNative('Conv2DBackpropInput', convAttrs(1, 2), [tf.tensor1d(x.shape, 'int32'), w, dy]);
      runNative('Conv2DBackpropFilter', convAttrs(1, 2), [x, tf.tensor1d(w.shape, 'int32'), dy]);
      return true;
    } catch {
      return false;
    }
  });
  return dilatedGradients;
}

function convAttrs(strides: number, dilation: number): NativeAttr[] {
  return [
    { name: 'T', type: 'dtype', value: 'float32' },
    { name: 'strides', type: 'int', value: [1, 1, strides, 1] },
    { name: 'use_cudnn_on_gpu', type: 'bool', value: true },
    { name: 'padding', type: 'string', value: 'VALID' },
    { name: 'explicit_paddings', type: 'int', value: [] },
    { name: 'data_format', type: 'string', value: 'NHWC' },
    { name: 'dilations', type: 'int', value: [1, 1, dilation, 1] },
  ];
}

/**
 * 'valid' convolution of `x` [batch, length, in] (padded by the caller) with
 * `kernel` [k, in, out], taps `dilation` apart, every `strides` steps.
 */
export function nativeDilatedConv1d(x: tf.Tensor3D, kernel: tf.Tensor3D, strides: number, dilation: number): tf.Tensor3D {
  const attrs = convAttrs(strides, dilation);
  const op = tf.customGrad((input, filter, save) => {
    const x4 = tf.expandDims(input as tf.Tensor, 1); // [batch, 1, length, in]
    const w4 = tf.expandDims(filter as tf.Tensor, 0); // [1, k, in, out]
    (save as tf.GradSaveFunc)([x4, w4]);
    const y4 = runNative('Conv2D', attrs, [x4, w4])[0]!;
    return {
      value: tf.squeeze(y4, [1]),
      gradFunc: (dy: tf.Tensor, [savedX, savedW]: tf.Tensor[]) => {
        const dy4 = tf.expandDims(dy, 1);
        const dx = runNative('Conv2DBackpropInput', attrs, [tf.tensor1d(savedX!.shape, 'int32'), savedW!, dy4])[0]!;
        const dw = runNative('Conv2DBackpropFilter', attrs, [savedX!, tf.tensor1d(savedW!.shape, 'int32'), dy4])[0]!;
        return [tf.squeeze(dx, [1]), tf.squeeze(dw, [0])];
      },
    };
  });
  return op(x, kernel) as tf.Tensor3D;
}
