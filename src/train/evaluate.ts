/** Loss and classification metrics of a model on one split of the prepared data. */
import * as tf from '@tensorflow/tfjs';
import { batches } from '../data/batches.js';
import type { SplitName } from '../data/split.js';
import { forwardLogits } from './logits.js';
import { classificationLoss } from './loss.js';
import { accumulate, classificationReport, emptyConfusion, type ClassificationReport } from './metrics.js';
import { disposeBatch, toTensors, type RunModel } from './run-model.js';

export interface SplitEvaluation extends ClassificationReport {
  loss: number;
}

/**
 * Evaluates `run.model` (inference mode) on `split` (or on the records
 * `indices` of it); undefined when there is nothing to evaluate. The loss is the configured one (label smoothing included) without
 * class or sample weights, as Keras reports a validation loss.
 */
export async function evaluateSplit(run: RunModel, split: SplitName, batchSize: number, indices?: readonly number[]): Promise<SplitEvaluation | undefined> {
  if (run.prepared.index.splits[split].records === 0 || indices?.length === 0) return undefined;
  const classes = run.prepared.index.classes;
  const confusion = emptyConfusion(classes.length);
  let lossSum = 0;
  let weightSum = 0;
  for await (const data of batches(run.prepared, split, { batchSize, fields: run.fields, reuseArrays: true, ...(indices ? { indices } : {}) })) {
    const batch = toTensors(run, data);
    const [loss, labelled, logits] = tf.tidy(() => {
      const output = forwardLogits(run.model, batch.inputs, false);
      const valid = tf.sum(tf.cast(tf.notEqual(batch.labels, run.ignoreLabel), 'float32'));
      return [classificationLoss(batch.labels, output, { ignoreLabel: run.ignoreLabel, loss: run.config.train.training.loss }), valid, output];
    });
    const count = labelled.dataSync()[0]!;
    lossSum += loss.dataSync()[0]! * count;
    weightSum += count;
    accumulate(confusion, logits.dataSync(), batch.labels.dataSync(), run.ignoreLabel); // the argmax of logits is that of probabilities
    tf.dispose([loss, labelled, logits]);
    disposeBatch(batch);
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : 0, ...classificationReport(confusion, classes) };
}
