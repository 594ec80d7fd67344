/**
 * The stall limits the training process is held to (see `src/process/stall.ts`),
 * read where the activities find them: a run's config snapshot, an inference
 * job's plan. Both may predate the setting (a run snapshotted, a job planned,
 * before it existed): then it has its default.
 */
import { readFile } from 'node:fs/promises';
import { InferParams } from '../config/infer/infer-params.js';
import { Training } from '../config/train/training.js';
import type { StallLimit } from '../process/stall.js';

/** `training.stallTimeoutSeconds` of a run's snapshotted train_params.json. */
export async function trainingStallLimit(trainParams: string): Promise<StallLimit> {
  const { training } = JSON.parse(await readFile(trainParams, 'utf8')) as { training?: { stallTimeoutSeconds?: unknown } };
  return { seconds: Training.shape.stallTimeoutSeconds.parse(training?.stallTimeoutSeconds), setting: 'training.stallTimeoutSeconds' };
}

/** `stallTimeoutSeconds` of an inference job's infer_params. */
export function inferenceStallLimit(infer: { stallTimeoutSeconds?: number }): StallLimit {
  return { seconds: InferParams.shape.stallTimeoutSeconds.parse(infer.stallTimeoutSeconds), setting: 'stallTimeoutSeconds' };
}
