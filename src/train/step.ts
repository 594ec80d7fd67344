/**
 * One training step of a model: forward in training mode, masked loss plus
 * weight penalties, optimizer update; optionally over micro-batches whose
 * gradients add up to the whole batch's (gradient accumulation), so a batch
 * that does not fit in memory trains as if it did.
 */
import * as tf from '@tensorflow/tfjs';
import { setTrainingStep, withBatchPart } from '../model/training-context.js';
import { classificationLoss, lossDenominator, type LossOptions } from './loss.js';
import { accumulate, type ConfusionMatrix } from './metrics.js';
import type { TrainingOptimizer } from './optimizer.js';
import { forwardLogits } from './logits.js';

/** A batch: one tensor per model input (in the model's input order), the labels, and optional per-position weights. */
export interface Batch {
  inputs: tf.Tensor[];
  labels: tf.Tensor;
  weights?: tf.Tensor;
}

export interface StepOptions extends Omit<LossOptions, 'sampleWeights'> {
  /** Clip the global gradient norm to this value. */
  clipNorm?: number;
  /** Samples per micro-batch (default: the whole batch in one pass). */
  microBatchSize?: number;
  /** Adds the step's predictions (training mode, before the update) here: the epoch's training metrics. */
  confusion?: ConfusionMatrix;
}

/**
 * Runs optimizer step `step` on `batch`. `step` seeds the dropout masks, so
 * the same step on the same weights gives the same update. With
 * `microBatchSize`, the batch runs in slices of that many samples: each
 * slice's loss is its share of the whole batch's mean (same denominator) and
 * dropout draws the whole batch's masks, so the summed gradient is the whole
 * batch's up to float rounding; only batch-norm statistics (per slice) differ.
 * Returns the batch's loss.
 */
export function trainStep(model: tf.LayersModel, optimizer: TrainingOptimizer, batch: Batch, step: number, options: StepOptions = {}): number {
  setTrainingStep(step);
  const samples = batch.labels.shape[0] ?? 1;
  const micro = Math.min(options.microBatchSize ?? samples, samples);
  const lossOptions = (part: Batch): LossOptions => ({ ...options, ...(part.weights ? { sampleWeights: part.weights } : {}) });
  const denominator = micro < samples ? lossDenominator(batch.labels, lossOptions(batch)) : undefined;
  const parts = [];
  for (let first = 0; first < samples; first += micro) {
    const count = Math.min(micro, samples - first);
    parts.push(() =>
      withBatchPart(first, count, () => {
        const part = count === samples ? batch : sliceBatch(batch, first, count);
        const logits = forwardLogits(model, part.inputs, true);
        if (options.confusion) accumulate(options.confusion, logits.dataSync(), part.labels.dataSync(), options.ignoreLabel ?? -1);
        const loss = classificationLoss(part.labels, logits, lossOptions(part), denominator);
        const penalties = first === 0 ? model.calculateLosses() : [];
        return (penalties.length > 0 ? tf.add(loss, tf.addN(penalties)) : loss) as tf.Scalar;
      }),
    );
  }
  return optimizer.step(parts, options.clipNorm);
}

/** Samples [first, first + count) of every tensor of a batch (tracked by the caller's tidy scope). */
function sliceBatch(batch: Batch, first: number, count: number): Batch {
  const slice = (t: tf.Tensor) => tf.slice(t, [first], [count]);
  return { inputs: batch.inputs.map(slice), labels: slice(batch.labels), ...(batch.weights ? { weights: slice(batch.weights) } : {}) };
}
