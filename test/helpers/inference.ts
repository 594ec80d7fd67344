/** Integration-test helpers for batch inference: a job file on generated data, and running it on this test's workers. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { batchInference, BatchInferenceResult } from '../../workflows/batch-inference.js';
import type { WorkerContext } from './temporal.js';

export const SOURCE = { type: 'syntheticEcg', subjects: 5, nightEpochs: { min: 20, max: 40 }, samplingRateHz: 32, epochSeconds: 30, additionalFeatures: 8, seed: 99 };

/** An infer_params.json scoring SOURCE with `model`, two nights per shard, on this test's training queue. */
export async function inferJob(context: WorkerContext, model: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ file: string; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'epochal-infer-'));
  const output = join(dir, 'out');
  const file = join(dir, 'infer_params.json');
  await writeFile(
    file,
    JSON.stringify({
      model,
      data: { source: SOURCE, inputs: { ecg: 'ecg', additional: 'additional', epoch_mask: 'mask' } },
      output: { format: 'csv', path: output, probabilities: true },
      batchSize: 2,
      shardSize: 2,
      parallelism: 2,
      backend: 'wasm',
      taskQueue: context.trainingTaskQueue,
      artifactRoot: context.artifactRoot,
      ...extra,
    }),
  );
  return { file, output };
}

export function infer(context: WorkerContext, inferParams: string, workflowId = `infer-${randomUUID()}`): Promise<BatchInferenceResult> {
  return context.client.workflow.execute<typeof batchInference>('batchInference', {
    taskQueue: context.taskQueue,
    workflowId,
    args: [{ inferParams }],
  });
}

/** What a job's manifest.json says about its shards (the result counts them; the manifest lists them). */
export interface InferenceManifest {
  rows: number;
  format: string;
  /** Rows per predicted class, by class name. */
  predicted?: Record<string, number>;
  shards: { shard: number; file: string; rows: number; sha256: string; seconds: number; reused: boolean }[];
}

export async function readManifest(output: string): Promise<InferenceManifest> {
  return JSON.parse(await readFile(join(output, 'manifest.json'), 'utf8')) as InferenceManifest;
}
