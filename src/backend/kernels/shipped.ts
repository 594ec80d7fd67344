/**
 * Calling the kernel wasm ships from a kernel that replaces it: the shipped
 * kernel's set-up (binding its C function) normally runs when the backend
 * starts, which it no longer does once replaced, so it runs here once per
 * backend instance.
 */
import type * as tf from '@tensorflow/tfjs';

/** A function running `shipped` (set up on first use); undefined when wasm ships none. */
export function shippedKernel(shipped: tf.KernelConfig | undefined): tf.KernelFunc | undefined {
  if (!shipped) return undefined;
  const setUp = new WeakSet<object>();
  return (args) => {
    if (!setUp.has(args.backend)) {
      shipped.setupFunc?.(args.backend);
      setUp.add(args.backend);
    }
    return shipped.kernelFunc(args);
  };
}
