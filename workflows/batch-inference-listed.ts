/**
 * How `batchInference` scored jobs whose input listed every shard's records
 * (recorded before shards were ranges): each `inferShard` gets the whole
 * list, every output stays in memory, and `finishInference` gets them all;
 * no continue-as-new. Kept, command for command, so those histories replay
 * and jobs still running then finish; new jobs never come here.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { InferencePlan, JobInput, ListedInferenceInput, ShardOutput } from '../activities/index.js';
import { activities, inferenceActivities, surfaceUserErrors } from './activities.js';
import type { BatchInferenceResult } from './batch-inference.js';
import type { InferenceProgress } from './definitions.js';
import { STAGE } from './search-attributes.js';
import { stageTimer } from './timing.js';

/** Whether `input` lists every shard's records (as `prepareInference` returned before shards were ranges). */
export function listsShards(input: JobInput): input is ListedInferenceInput {
  return Array.isArray((input as Partial<ListedInferenceInput>).shards);
}

export async function scoreListedShards(
  plan: InferencePlan,
  data: ListedInferenceInput,
  progress: InferenceProgress,
  seconds: Record<string, number>,
): Promise<BatchInferenceResult> {
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
  await stageTimer(seconds)('score', Promise.all(Array.from({ length: Math.min(plan.infer.parallelism, data.shards.length) }, lane)));

  progress.phase = 'finishing';
  const { workflowId, runId } = workflowInfo();
  const manifest = await surfaceUserErrors(activities.finishInference({ plan, input: data, outputs, workflow: { workflowId, runId }, seconds }));
  progress.phase = 'done';
  upsertSearchAttributes([{ key: STAGE, value: 'done' }]);
  const reusedShards = outputs.filter((output) => output.reused).length;
  return { model: plan.model, output: plan.infer.output.path, records: data.records, rows: progress.rows, shards: outputs.length, reusedShards, manifest };
}
