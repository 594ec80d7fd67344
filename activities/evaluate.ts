/**
 * Stage 5, `evaluate` (training task queue): the final model's loss,
 * accuracy, Cohen's kappa, per-class precision/recall/F1 and confusion matrix
 * on the test split, computed in a child process and written to
 * `reports/evaluation.json`, with every prediction in `reports/test-predictions.csv`.
 */
import { join } from 'node:path';
import { ownedRunFolder } from '../src/artifacts/run-owner.js';
import { fileRef, writeJsonRef, type FileRef } from '../src/artifacts/file-ref.js';
import type { SplitEvaluation } from '../src/train/evaluate.js';
import { trainingStallLimit } from '../src/pipeline/stall-limits.js';
import { evaluateInProcess } from '../src/train/process.js';
import { recordedPath } from '../src/store/recorded-paths.js';
import { withLiveness } from './liveness.js';
import { progressDetails } from './progress.js';
import type { RunRef } from './validate-config.js';

export type { SplitEvaluation } from '../src/train/evaluate.js';

export interface EvaluateInput {
  config: RunRef;
  preparedDir: string;
  checkpoint: string;
}

export interface Evaluation {
  /** Absent when the test split is empty. */
  test?: SplitEvaluation;
  /** `reports/test-predictions.csv`: every labelled test position's true class, predicted class and probabilities. */
  predictions?: FileRef;
  report: FileRef;
}

export function evaluateActivity() {
  return async function evaluate(input: EvaluateInput): Promise<Evaluation> {
    const folder = await ownedRunFolder(input.config);
    const predictions = join(folder.reports, 'test-predictions.csv');
    const trainParams = input.config.snapshot.train.path;
    const stall = await trainingStallLimit(trainParams);
    const { onProgress, details } = progressDetails({});
    const test = await withLiveness(
      () => evaluateInProcess({ trainParams, preparedDir: input.preparedDir, checkpoint: input.checkpoint, split: 'test', predictions }, { stall, onProgress }),
      details,
    );
    const report = await writeJsonRef(join(folder.reports, 'evaluation.json'), { checkpoint: recordedPath(input.checkpoint), test: test ?? null });
    return { ...(test ? { test, predictions: await fileRef(predictions) } : {}), report };
  };
}
