/**
 * `batchInference`: score a dataset with a trained model. Plan (validate the
 * job, pin the model), prepare the input as shards, score the shards on the
 * inference task queue with bounded parallelism, then write the manifest.
 * Each shard's output is written atomically and reused when already complete,
 * so retries, crashed workers and replays never lose or duplicate a row.
 */
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { FileRef } from '../src/artifacts/file-ref.js';
import type { InferencePlan, InferenceInput, ShardOutput } from '../activities/index.js';
import { activities, inferenceActivities, surfaceUserErrors } from './activities.js';
import { checkBatchInferenceInput } from './inputs.js';
import { inferenceProgressQuery, type InferenceProgress } from './definitions.js';
import { EXPERIMENT, STAGE } from './search-attributes.js';
import { stageTimer } from './timing.js';

export interface BatchInferenceInput {
  /** Path to infer_params.json (resolved against the worker's working folder) or the config object. */
  inferParams: string | Record<string, unknown>;
}

export interface BatchInferenceResult {
  model: InferencePlan['model'];
  output: string;
  records: number;
  rows: number;
  shards: ShardOutput[];
  manifest: FileRef;
}

export async function batchInference(input: BatchInferenceInput): Promise<BatchInferenceResult> {
  checkBatchInferenceInput(input);
  const progress: InferenceProgress = { phase: 'planning', shards: 0, shardsDone: 0, records: 0, rows: 0 };
  setHandler(inferenceProgressQuery, () => progress);
  const seconds: Record<string, number> = {};
  const timed = stageTimer(seconds);

  const { workflowId, runId, firstExecutionRunId } = workflowInfo();
  const owner = { workflowId, firstRunId: firstExecutionRunId };
  const plan = await timed('plan', surfaceUserErrors(activities.planInference({ inferParams: input.inferParams, owner })));
  const { requested } = plan.model;
  upsertSearchAttributes([{ key: STAGE, value: 'preparing' }, ...(requested.type === 'champion' && plan.searchable !== false ? [{ key: EXPERIMENT, value: requested.experiment }] : [])]);
  progress.phase = 'preparing';
  const data: InferenceInput = await timed('prepare', surfaceUserErrors(activities.prepareInference(plan)));
  Object.assign(progress, { phase: 'scoring', shards: data.shards.length, records: data.records });
  upsertSearchAttributes([{ key: STAGE, value: 'scoring' }]);

  const score = inferenceActivities(plan.infer.taskQueue, plan.infer.heartbeatTimeoutSeconds).inferShard;
  const outputs: ShardOutput[] = new Array(data.shards.length);
  let next = 0;
  const lane = async () => {
    while (next < data.shards.length) {
      const shard = next++;
      outputs[shard] = await surfaceUserErrors(score({ plan, input: data, shard }));
      progress.shardsDone += 1;
      progress.rows += outputs[shard]!.rows;
    }
  };
  await timed('score', Promise.all(Array.from({ length: Math.min(plan.infer.parallelism, data.shards.length) }, lane)));

  progress.phase = 'finishing';
  const manifest = await surfaceUserErrors(activities.finishInference({ plan, input: data, outputs, workflow: { workflowId, runId }, seconds }));
  progress.phase = 'done';
  upsertSearchAttributes([{ key: STAGE, value: 'done' }]);
  return { model: plan.model, output: plan.infer.output.path, records: data.records, rows: progress.rows, shards: outputs, manifest };
}
