/** Evaluating a checkpoint on a split of the run's prepared data (the evaluate stage's work). */
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import type { SplitName } from '../data/split.js';
import { evaluateSplit, type SplitEvaluation } from './evaluate.js';
import { openRunModel } from './run-model.js';

export interface EvaluateRequest {
  trainParams: string;
  preparedDir: string;
  checkpoint: string;
  split: SplitName;
}

/** The checkpoint's loss and metrics on the split; undefined when the split is empty. */
export async function evaluateCheckpoint(request: EvaluateRequest): Promise<SplitEvaluation | undefined> {
  const run = await openRunModel(request.trainParams, request.preparedDir);
  try {
    await loadCheckpoint(request.checkpoint, run.model);
    return await evaluateSplit(run, request.split, run.config.train.training.batchSize);
  } finally {
    run.model.dispose();
  }
}
