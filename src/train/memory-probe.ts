/**
 * The peak memory of some tfjs computation, counted by data buffer. tfjs's
 * own count (`tf.memory().numBytes`, `tf.profile`) adds a tensor's bytes for
 * every tensor, so a reshape or a tensor kept for the backward pass (a clone)
 * counts its buffer twice although the two share it. This counts each
 * buffer once, by following the engine as it tracks and disposes tensors.
 */
import * as tf from '@tensorflow/tfjs';

/** The engine methods followed (tfjs-core 4.22's `Engine`). */
interface TrackingEngine {
  trackTensor(tensor: tf.Tensor, backend: unknown): void;
  disposeTensor(tensor: tf.Tensor): void;
}

/**
 * Runs `work` and returns the largest number of bytes held at once by the
 * buffers it created (each buffer counted once, however many tensors share it).
 */
export function peakBufferBytes(work: () => void): number {
  const engine = tf.engine() as unknown as TrackingEngine;
  const live = new Map<object, { tensors: number; bytes: number }>();
  let current = 0;
  let peak = 0;
  const track = engine.trackTensor;
  const dispose = engine.disposeTensor;
  engine.trackTensor = function (tensor, backend) {
    track.call(this, tensor, backend);
    const entry = live.get(tensor.dataId);
    if (entry) entry.tensors += 1;
    else {
      const bytes = tensor.dtype === 'string' ? 0 : tensor.size * (tensor.dtype === 'complex64' ? 8 : 4);
      live.set(tensor.dataId, { tensors: 1, bytes });
      current += bytes;
      peak = Math.max(peak, current);
    }
  };
  engine.disposeTensor = function (tensor) {
    const entry = tensor.isDisposed ? undefined : live.get(tensor.dataId);
    dispose.call(this, tensor);
    if (!entry) return;
    entry.tensors -= 1;
    if (entry.tensors === 0) {
      live.delete(tensor.dataId);
      current -= entry.bytes;
    }
  };
  try {
    work();
    return peak;
  } finally {
    engine.trackTensor = track;
    engine.disposeTensor = dispose;
  }
}
