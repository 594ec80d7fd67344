/** One training step of a model: forward in training mode, masked loss plus weight penalties, optimizer update. */
import * as tf from '@tensorflow/tfjs';
import { setTrainingStep } from '../model/training-context.js';
import { maskedCrossEntropy, type CrossEntropyOptions } from './loss.js';
import type { TrainingOptimizer } from './optimizer.js';

/** A batch: one tensor per model input (in the model's input order), the labels, and optional per-position weights. */
export interface Batch {
  inputs: tf.Tensor[];
  labels: tf.Tensor;
  weights?: tf.Tensor;
}

/**
 * Runs optimizer step `step` on `batch`. `step` seeds the dropout masks, so
 * the same step on the same weights gives the same update. Returns the loss.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: TrainingOptimizer,
  batch: Batch,
  step: number,
  options: CrossEntropyOptions & { clipNorm?: number } = {},
): number {
  setTrainingStep(step);
  return optimizer.step([() => {
    const probs = model.apply(batch.inputs, { training: true }) as tf.Tensor;
    const loss = maskedCrossEntropy(batch.labels, probs, { ...options, ...(batch.weights ? { sampleWeights: batch.weights } : {}) });
    const penalties = model.calculateLosses();
    return (penalties.length > 0 ? tf.add(loss, tf.addN(penalties)) : loss) as tf.Scalar;
  }], options.clipNorm);
}
