/**
 * The batch-inference stages: `planInference` validates infer_params and
 * pins the model (a champion is resolved once, so a promotion mid-job changes
 * nothing); `prepareInference` checks the input against the model and writes
 * it as prepared data; `inferShard` (inference task queue) scores one shard
 * (a range of records) in the training process, or reuses its finished
 * output; `finishInference` reads every shard's output back from the output
 * folder and writes the job manifest. A missing model or input that does not
 * fit the model fails non-retryably.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { writeJsonRef, type FileRef } from '../src/artifacts/file-ref.js';
import type { InferParams } from '../src/config/infer/infer-params.js';
import { loadInferConfig, type ConfigInput } from '../src/config/load.js';
import type { FolderOwner } from '../src/artifacts/folder-claim.js';
import { resolveModel } from '../src/infer/model-package.js';
import { OUTPUT_MARKER, checkOutputOwner, claimOutputFolder, claimStoredOutputFolder, removeStaleOutputs } from '../src/infer/output-folder.js';
import { recordedPath } from '../src/store/recorded-paths.js';
import { isStoreUrl } from '../src/store/store.js';
import { modelManifest, verifyModel } from '../src/registry/model-digest.js';
import type { InferenceInput } from '../src/infer/prepare-input.js';
import { prepareInferenceInProcess } from '../src/pipeline/stage-process.js';
import { existingOutput, type ScoreShardRequest, type ShardOutput } from '../src/infer/score.js';
import { jobOutputs, shardKey, shardRecords, type JobInput } from '../src/infer/shards.js';
import { outputFileName } from '../src/infer/output.js';
import { scoreShardInProcess } from '../src/train/process.js';
import { inferenceStallLimit } from '../src/pipeline/stall-limits.js';
import type { ActivityDeps } from './deps.js';
import { withLiveness } from './liveness.js';
import { claimStored, mirrorFor, modelLocalizer, modelReferences, type MirrorPlan } from './mirrored.js';
import { progressDetails } from './progress.js';
import { bestEffort } from '../src/report/best-effort.js';
import { predictedPerClass, writeInferenceReport } from '../src/report/inference-report.js';

export type { InferenceInput } from '../src/infer/prepare-input.js';
export type { ShardOutput } from '../src/infer/score.js';
export type { JobInput, ListedInferenceInput } from '../src/infer/shards.js';

/** A validated job with its model pinned. */
export interface InferencePlan {
  infer: InferParams;
  /** Whether the experiment may go into search attributes (false when payloads are encrypted). */
  searchable?: boolean;
  /** The job that owns the output folder; every write checks it (absent in jobs planned before output folders were owned). */
  owner?: FolderOwner;
  artifactRoot: string;
  model: {
    /** What the job asked for (`champion`, `exported`, `checkpoint`). */
    requested: InferParams['model'];
    /** The folder it resolved to. */
    path: string;
    type: 'exported' | 'checkpoint';
    /** The model's identity (`modelManifest`): checked before every shard is scored; outputs of another model are never reused. */
    digest: string;
  };
}

export function planInferenceActivity(deps: ActivityDeps) {
  return async function planInference(input: { inferParams: ConfigInput; owner: FolderOwner }): Promise<InferencePlan> {
    const { infer } = await loadInferConfig(input.inferParams, { cwd: deps.cwd, roots: deps.roots });
    const artifactRoot = infer.artifactRoot ?? deps.artifactRoot;
    const mirror = mirrorFor(deps.mirror, artifactRoot, infer.output.path, infer.model.type === 'champion' ? undefined : infer.model.path);
    const model = await resolveModel(infer.model, artifactRoot, mirror && modelLocalizer(mirror));
    const { digest } = await modelManifest(model.weights);
    const type = infer.model.type === 'checkpoint' ? 'checkpoint' : 'exported';
    if (mirror && isStoreUrl(infer.output.path)) await claimStored(mirror, infer.output.path, (store, key) => claimStoredOutputFolder(store, key, input.owner));
    else await claimOutputFolder(infer.output.path, input.owner);
    return { infer, owner: input.owner, searchable: !deps.encrypted, artifactRoot, model: { requested: infer.model, path: model.weights, type, digest } };
  };
}

export function prepareInferenceActivity(deps: Pick<ActivityDeps, 'stageMemoryMb'>) {
  return async function prepareInference(plan: InferencePlan): Promise<InferenceInput> {
    const model = await plannedModel(plan);
    const context = Context.current();
    const task = {
      source: plan.infer.data.source,
      inputs: plan.infer.data.inputs,
      preprocessing: model.preprocessing,
      options: { cacheRoot: join(plan.artifactRoot, 'prepared-inference'), shardSize: plan.infer.shardSize },
    };
    return prepareInferenceInProcess(task, {
      ...(deps.stageMemoryMb ? { heapMb: deps.stageMemoryMb } : {}),
      onProgress: (done, total) => context.heartbeat({ records: done, total }),
      signal: context.cancellationSignal,
    });
  };
}

/** One shard of the job: the constant plan and input reference (a few numbers, whatever the shard count), and its index. */
export interface InferShardInput {
  plan: InferencePlan;
  input: JobInput;
  shard: number;
}

export function inferShardActivity() {
  return async function inferShard({ plan, input, shard }: InferShardInput): Promise<ShardOutput> {
    const model = await plannedModel(plan);
    if (plan.owner) await checkOutputOwner(plan.infer.output.path, plan.owner);
    const { output, batchSize, backend } = plan.infer;
    const records = shardRecords(input, shard);
    const request: ScoreShardRequest = {
      inputDir: input.dir,
      shard,
      records,
      model: { weights: model.weights, digest: plan.model.digest, net: model.net, preprocessing: model.preprocessing },
      batchSize,
      backend,
      output: { dir: output.path, format: output.format, probabilities: output.probabilities },
      key: shardKey(input, shard, outputIdentity(plan)),
      ...(plan.owner ? { job: plan.owner.firstRunId } : {}),
    };
    const { onProgress, details } = progressDetails({ shard, records });
    return (await existingOutput(request)) ?? withLiveness(() => scoreShardInProcess(request, { stall: inferenceStallLimit(plan.infer), onProgress }), details);
  };
}

const outputIdentity = (plan: InferencePlan) => ({ model: plan.model.digest, batchSize: plan.infer.batchSize, output: plan.infer.output });

/** The model a job pinned, once its files are checked to be the ones planned (a folder changed mid-job is never scored). */
async function plannedModel(plan: InferencePlan) {
  await verifyModel(plan.model.path, { digest: plan.model.digest }, 'model this job planned with');
  return resolveModel({ type: plan.model.type, path: plan.model.path }, plan.artifactRoot);
}

export interface FinishInferenceInput {
  plan: InferencePlan;
  input: JobInput;
  /** Every shard's output, from jobs that listed their shards; read back from the output folder when absent. */
  outputs?: ShardOutput[];
  workflow: { workflowId: string; runId: string };
  seconds: Record<string, number>;
}

export function finishInferenceActivity() {
  return async function finishInference({ plan, input, outputs: listed, workflow, seconds }: FinishInferenceInput): Promise<FileRef> {
    if (plan.owner) await checkOutputOwner(plan.infer.output.path, plan.owner);
    const outputs = listed ?? (await jobOutputs(input, outputIdentity(plan), plan.owner?.firstRunId));
    await removeStaleOutputs(plan.infer.output.path, outputs.map(({ file }) => file));
    const { preprocessing } = await resolveModel({ type: plan.model.type, path: plan.model.path }, plan.artifactRoot); // its class names: every shard verified the files already
    const predicted = predictedPerClass(outputs, preprocessing.classes.length);
    await bestEffort(`The report of inference job ${workflow.workflowId}`, () =>
      writeInferenceReport(plan.infer.output.path, {
        jobId: workflow.workflowId,
        model: { path: recordedPath(plan.model.path), digest: plan.model.digest, requested: plan.model.requested.type },
        classes: preprocessing.classes,
        outputs,
        format: plan.infer.output.format,
        seconds,
      }),
    );
    return writeJsonRef(join(plan.infer.output.path, 'manifest.json'), {
      workflow,
      createdAt: new Date().toISOString(),
      model: { ...plan.model, path: recordedPath(plan.model.path) },
      input: { fingerprint: input.fingerprint, dir: recordedPath(input.dir), records: input.records },
      format: plan.infer.output.format,
      rows: outputs.reduce((n, o) => n + o.rows, 0),
      ...(predicted ? { predicted: Object.fromEntries(preprocessing.classes.map((name, c) => [name, predicted[c]!])) } : {}),
      shards: outputs.map(({ shard, file, rows, sha256: hash, seconds: shardSeconds, reused }) => ({ shard, file: recordedPath(file), rows, sha256: hash, seconds: shardSeconds, reused })),
      timings: seconds,
    });
  };
}

/**
 * What the inference stages pull into a worker's mirror and push back (see
 * `mirrored.ts`): the model and the input, and of the output folder only
 * what the stage reads and writes (a shard, not every shard of the job).
 */
export const prepareInferenceMirroring: MirrorPlan<InferencePlan> = { pulls: (plan) => modelReferences(plan.model.path) };

export const inferShardMirroring: MirrorPlan<InferShardInput> = {
  pulls: ({ plan, input, shard }) => [
    ...modelReferences(plan.model.path),
    input.dir,
    `${plan.infer.output.path}/${OUTPUT_MARKER}`,
    ...shardFiles(plan.infer.output.path, plan.infer.output.format, shard),
  ],
  pushes: ({ plan }) => [plan.infer.output.path],
};

export const finishInferenceMirroring: MirrorPlan<FinishInferenceInput> = {
  pulls: ({ plan }) => [...modelReferences(plan.model.path), plan.infer.output.path],
  pushes: ({ plan }) => [plan.infer.output.path],
};

/** A shard's output, its marker and (NPY) its ids, as references. */
function shardFiles(dir: string, format: InferParams['output']['format'], shard: number): string[] {
  const file = `${dir}/${outputFileName(shard, format)}`;
  return [file, `${file}.done.json`, ...(format === 'npy' ? [file.replace(/\.npy$/, '.ids.txt')] : [])];
}
