/**
 * `batchInference`: score a dataset with a trained model. Plan (validate the
 * job, pin the model), prepare the input, score it shard by shard on the
 * inference task queue with bounded parallelism, then write the manifest.
 * Each shard's output is written atomically and reused when already complete,
 * so retries, crashed workers and replays never lose or duplicate a row.
 *
 * History grows linearly with shards and each run's stays small: every
 * `inferShard` gets the plan, the input reference and its shard index (the
 * same bytes whatever the shard count); every `shardsPerRun` shards (sooner
 * when the server suggests it) the job continues as new carrying only where
 * it stands; and the manifest is written from the shards' outputs in the
 * output folder, not from a list the workflow keeps.
 */
import { continueAsNew, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { FileRef } from '../src/artifacts/file-ref.js';
import type { InferencePlan, InferenceInput, JobInput, ListedInferenceInput } from '../activities/index.js';
import { activities, inferenceActivities, surfaceUserErrors } from './activities.js';
import { listsShards, scoreListedShards } from './batch-inference-listed.js';
import { checkBatchInferenceInput } from './inputs.js';
import { inferenceProgressQuery, type InferenceProgress } from './definitions.js';
import { EXPERIMENT, STAGE } from './search-attributes.js';
import { stageTimer } from './timing.js';

/** Jobs recorded before this scored with the whole shard list, never continued as new, and finished with every output. */
const BOUNDED_INFERENCE_PATCH = 'epochal-bounded-inference';
/** Shards one run scores before continuing as new (about 2.6 MB of history), unless the server suggests it sooner (the dev server does at 4,096 events, ~680 shards). */
const SHARDS_PER_RUN = 1_000;

export interface BatchInferenceInput {
  /** Path to infer_params.json (resolved against the worker's working folder) or the config object. */
  inferParams: string | Record<string, unknown>;
  /** Shards one workflow run scores before it continues as new (default 1,000; sooner when the server suggests it). */
  shardsPerRun?: number;
  /** Where a continued job stands: set by the job when it continues as new, never by hand. */
  resume?: InferenceResume;
}

/** What a job carries across continue-as-new: a few kilobytes, whatever its shard count. */
export interface InferenceResume {
  plan: InferencePlan;
  input: InferenceInput;
  /** Shards scored so far: every shard below this index. */
  done: number;
  rows: number;
  reusedShards: number;
  /** Seconds per stage so far (`score` summed over the runs). */
  seconds: Record<string, number>;
}

export interface BatchInferenceResult {
  model: InferencePlan['model'];
  output: string;
  records: number;
  rows: number;
  /** Shards scored; the manifest lists each one's file, rows and hash. */
  shards: number;
  /** Shards an earlier job under the same id had scored already: their outputs were reused. */
  reusedShards: number;
  manifest: FileRef;
}

export async function batchInference(input: BatchInferenceInput): Promise<BatchInferenceResult> {
  checkBatchInferenceInput(input);
  const progress: InferenceProgress = { phase: 'planning', shards: 0, shardsDone: 0, records: 0, rows: 0 };
  setHandler(inferenceProgressQuery, () => progress);
  const { workflowId, runId } = workflowInfo();

  let job = input.resume;
  if (!job) {
    const seconds: Record<string, number> = {};
    const timed = stageTimer(seconds);
    const owner = { workflowId, firstRunId: workflowInfo().firstExecutionRunId };
    const plan = await timed('plan', surfaceUserErrors(activities.planInference({ inferParams: input.inferParams, owner })));
    const { requested } = plan.model;
    upsertSearchAttributes([{ key: STAGE, value: 'preparing' }, ...(requested.type === 'champion' && plan.searchable !== false ? [{ key: EXPERIMENT, value: requested.experiment }] : [])]);
    progress.phase = 'preparing';
    // A job recorded before shards were ranges got (and replays) an input that lists every shard.
    const data = (await timed('prepare', surfaceUserErrors(activities.prepareInference(plan)))) as JobInput;
    if (!patched(BOUNDED_INFERENCE_PATCH) || listsShards(data)) return scoreListedShards(plan, data as ListedInferenceInput, progress, seconds);
    job = { plan, input: data, done: 0, rows: 0, reusedShards: 0, seconds };
    upsertSearchAttributes([{ key: STAGE, value: 'scoring' }]);
  }
  const { plan, input: data } = job;
  Object.assign(progress, { phase: 'scoring', shards: data.shardCount, shardsDone: job.done, records: data.records, rows: job.rows });

  const score = inferenceActivities(plan.infer.taskQueue, plan.infer.heartbeatTimeoutSeconds).inferShard;
  const first = job.done;
  const last = Math.min(data.shardCount, first + (input.shardsPerRun ?? SHARDS_PER_RUN));
  let next = first;
  let reusedShards = job.reusedShards;
  // At least one shard per run; then no new shard once the run's share is taken or the server suggests continuing as new.
  const moreThisRun = () => next < last && (next === first || !workflowInfo().continueAsNewSuggested);
  const lane = async () => {
    while (moreThisRun()) {
      const shard = next++;
      const output = await surfaceUserErrors(score({ plan, input: data, shard }));
      progress.shardsDone += 1;
      progress.rows += output.rows;
      if (output.reused) reusedShards += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(plan.infer.parallelism, last - next) }, lane));
  const seconds = { ...job.seconds, score: (job.seconds.score ?? 0) + (Date.now() - started) / 1000 };
  if (progress.shardsDone < data.shardCount) {
    await continueAsNew<typeof batchInference>({ ...input, resume: { plan, input: data, done: progress.shardsDone, rows: progress.rows, reusedShards, seconds } });
  }

  progress.phase = 'finishing';
  const manifest = await surfaceUserErrors(activities.finishInference({ plan, input: data, workflow: { workflowId, runId }, seconds }));
  progress.phase = 'done';
  upsertSearchAttributes([{ key: STAGE, value: 'done' }]);
  return { model: plan.model, output: plan.infer.output.path, records: data.records, rows: progress.rows, shards: data.shardCount, reusedShards, manifest };
}
