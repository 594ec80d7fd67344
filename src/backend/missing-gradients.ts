/**
 * Gradients TensorFlow.js 4.22 defines for no backend at all, registered
 * globally so those ops train everywhere; and the cpu backend's one wrong
 * gradient kernel, corrected (cpu is the reference the others are tested against).
 */
import * as tf from '@tensorflow/tfjs';
import { avgPoolGradConfig } from './kernels/avg-pool-grad.js';
import { stridedSliceGradConfig } from './gradients/strided-slice.js';

/** `StridedSlice`: "Cannot compute gradient: gradient function not found for StridedSlice." */
export const MISSING_GRADIENTS: readonly tf.GradConfig[] = [stridedSliceGradConfig];

/** Registers `MISSING_GRADIENTS`; idempotent, and never replaces a gradient already registered. */
export function registerMissingGradients(): void {
  for (const config of MISSING_GRADIENTS) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}

let cpuCorrected = false;

/** Replaces the cpu backend's AvgPoolGrad (wrong at 'same'-padded edges; see `kernels/avg-pool-grad.ts`). Idempotent. */
export function correctCpuKernels(): void {
  if (cpuCorrected) return;
  const shipped = tf.getKernel(tf.AvgPoolGrad, 'cpu');
  tf.unregisterKernel(tf.AvgPoolGrad, 'cpu');
  tf.registerKernel(avgPoolGradConfig('cpu', shipped));
  cpuCorrected = true;
}
