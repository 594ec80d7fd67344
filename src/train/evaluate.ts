/** Loss and classification metrics of a model on one split of the prepared data. */
import * as tf from '@tensorflow/tfjs';
import { batches } from '../data/batches.js';
import type { OutputRow } from '../infer/output.js';
import type { SplitName } from '../data/split.js';
import { forwardLogits } from './logits.js';
import { classificationLoss } from './loss.js';
import { accumulate, classificationReport, emptyConfusion, type ClassificationReport } from './metrics.js';
import { disposeBatch, toTensors, type RunModel } from './run-model.js';

export interface SplitEvaluation extends ClassificationReport {
  loss: number;
}

/** One labelled position (a record, or one step of a sequence record) with its class probabilities and true class. */
export type LabelledRow = OutputRow & { label: string };

/** The labelled positions of a batch: probabilities (softmax of the logits) and true class; padding and ignored labels are left out. */
function keepPredictions(into: LabelledRow[], ids: readonly string[], logits: tf.Tensor, labels: ArrayLike<number>, ignoreLabel: number, classes: readonly string[]): void {
  const probabilities = tf.tidy(() => tf.softmax(logits)).dataSync() as Float32Array;
  const perRecord = labels.length / ids.length;
  for (let p = 0; p < labels.length; p++) {
    const truth = labels[p]!;
    if (truth === ignoreLabel) continue;
    const record = Math.floor(p / perRecord);
    into.push({
      id: ids[record]!,
      ...(logits.rank > 2 ? { step: p - record * perRecord } : {}),
      label: classes[truth]!,
      probabilities: probabilities.slice(p * classes.length, (p + 1) * classes.length),
    });
  }
}

export interface EvaluateOptions {
  /** Evaluate only these records of the split. */
  indices?: readonly number[];
  /** Receives each labelled position's class probabilities and true class, when given. */
  predictions?: LabelledRow[];
  /** Called after each batch (1, 2, …): progress for a stall watch. */
  onBatch?(batch: number): void;
}

/**
 * Evaluates `run.model` (inference mode) on `split` (or on the records
 * `indices` of it); undefined when there is nothing to evaluate. The loss is the configured one (label smoothing included) without
 * class or sample weights, as Keras reports a validation loss.
 */
export async function evaluateSplit(run: RunModel, split: SplitName, batchSize: number, options: EvaluateOptions = {}): Promise<SplitEvaluation | undefined> {
  const { indices, predictions, onBatch } = options;
  if (run.prepared.index.splits[split].records === 0 || indices?.length === 0) return undefined;
  const classes = run.prepared.index.classes;
  const confusion = emptyConfusion(classes.length);
  let lossSum = 0;
  let weightSum = 0;
  let done = 0;
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
    if (predictions) keepPredictions(predictions, data.ids, logits, batch.labels.dataSync(), run.ignoreLabel, classes);
    tf.dispose([loss, labelled, logits]);
    disposeBatch(batch);
    onBatch?.((done += 1));
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : 0, ...classificationReport(confusion, classes) };
}
