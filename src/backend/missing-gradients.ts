/**
 * Gradients TensorFlow.js 4.22 defines for no backend at all, registered
 * globally so those ops train everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { stridedSliceGradConfig } from './gradients/strided-slice.js';

/** `StridedSlice`: "Cannot compute gradient: gradient function not found for StridedSlice." */
export const MISSING_GRADIENTS: readonly tf.GradConfig[] = [stridedSliceGradConfig];

/** Registers `MISSING_GRADIENTS`; idempotent, and never replaces a gradient already registered. */
export function registerMissingGradients(): void {
  for (const config of MISSING_GRADIENTS) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}
