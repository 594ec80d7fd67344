/**
 * Checks of workflow input at the boundary, before anything uses it: a run
 * started by hand (`temporal workflow start --input …`) with the wrong shape
 * fails at once, non-retryably, naming the field and the fix, instead of a
 * TypeError retried until attempts run out or a workflow task that fails
 * forever. Plain deterministic code: workflows may not import the zod schemas.
 */
import { ApplicationFailure } from '@temporalio/workflow';

/** Folders under the artifact root that are Epochal's own (prepared data, the registry, run comparisons, sweeps) or the samples' inference outputs: never a run's. */
export const RESERVED_RUN_IDS = ['prepared', 'prepared-inference', 'registry', 'inference', 'comparisons', 'sweeps'] as const;
const MAX_RUN_ID = 128;

type Json = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** Fails the workflow (not its task): non-retryable, type InvalidConfig, the field in the details. */
function invalid(workflow: string, field: string, expected: string, got: unknown, fix: string): never {
  throw ApplicationFailure.create({
    type: 'InvalidConfig',
    message: `Invalid ${workflow} input: expected ${field} to be ${expected}, but got ${describe(got)}. Fix: ${fix}`,
    nonRetryable: true,
    details: [{ issues: [{ path: field.split('.'), message: `Expected ${expected}, but got ${describe(got)}.`, hint: fix }] }],
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(workflow: string, input: unknown, example: string): Json {
  if (!isObject(input)) invalid(workflow, 'the input', 'an object', input, `start it with --input '${example}'.`);
  return input;
}

function configRef(workflow: string, input: Json, key: string, example: string): void {
  const value = input[key];
  if ((typeof value === 'string' && value.trim() !== '') || isObject(value)) return;
  invalid(workflow, key, 'the path of a config file or the config object', value, `start it with --input '${example}'.`);
}

function optionalString(workflow: string, input: Json, key: string, fix: string): void {
  const value = input[key];
  if (value === undefined || (typeof value === 'string' && value.trim() !== '' && value.length <= 1000)) return;
  invalid(workflow, key, 'a non-empty string', value, fix);
}

/** Why `runId` cannot name a run folder, or undefined when it can. */
export function runIdProblem(runId: string): string | undefined {
  if (runId.trim() === '') return 'it is empty';
  if (runId.length > MAX_RUN_ID) return `it is ${runId.length} characters long (at most ${MAX_RUN_ID})`;
  if ([...runId].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'it holds a control character';
  if (runId.startsWith('.')) return 'it starts with "."';
  if ((RESERVED_RUN_IDS as readonly string[]).includes(runId)) return `"${runId}" is one of Epochal's own folders`;
  return undefined;
}

/**
 * A workflow id as a run folder name that every filesystem and shell takes:
 * characters Windows and shells trip on (`: * ? " < > |`, whitespace) become
 * `-`. Schedules name their workflows `<id>-<RFC 3339 time>`, colons included.
 */
export function fileSafeRunId(workflowId: string): string {
  return workflowId.replace(/[:*?"<>|\s]/g, '-');
}

/** Checks a run id (an explicit `runId`, or the workflow id it defaults to). */
export function checkRunId(workflow: string, field: string, runId: string): void {
  const problem = runIdProblem(runId);
  if (problem) {
    invalid(workflow, field, `a run id of letters, digits and punctuation, 1–${MAX_RUN_ID} characters, not starting with "." nor one of ${RESERVED_RUN_IDS.join(', ')}`, runId, `choose another run id (${problem}).`);
  }
}

const TRAIN_EXAMPLE = '{"trainParams":"configs/sleepnet-small/train_params.json"}';

/** The fields a continued-as-new run's `resume` state must have (set by Epochal, never by hand). */
const RESUME_FIELDS: [string, 'object' | 'number' | 'array' | 'string'][] = [
  ['validated', 'object'],
  ['data', 'object'],
  ['built', 'object'],
  ['checkpoint', 'object'],
  ['trainingTaskQueue', 'string'],
  ['epochs', 'number'],
  ['epoch', 'number'],
  ['step', 'number'],
  ['history', 'array'],
  ['earlyStopping', 'object'],
  ['unfrozen', 'array'],
  ['learningRate', 'number'],
  ['timings', 'object'],
];

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : isObject(value) ? 'object' : typeof value;
}

export function checkTrainingPipelineInput(input: unknown, workflowId: string): void {
  const workflow = 'trainingPipeline';
  const fields = object(workflow, input, TRAIN_EXAMPLE);
  if (fields.resume === undefined) configRef(workflow, fields, 'trainParams', TRAIN_EXAMPLE);
  optionalString(workflow, fields, 'runId', 'leave runId out (the workflow id names the run) or give a run id.');
  checkRunId(workflow, typeof fields.runId === 'string' ? 'runId' : 'the workflow id (which names the run when runId is absent)', typeof fields.runId === 'string' ? fields.runId : workflowId);
  optionalString(workflow, fields, 'trainingTaskQueue', 'leave it out to use train_params\' training.taskQueue.');
  optionalString(workflow, fields, 'warmStart', 'give the folder of a model to start from, or leave it out.');
  const chunks = fields.chunksPerRun;
  if (chunks !== undefined && !(typeof chunks === 'number' && Number.isInteger(chunks) && chunks >= 1)) {
    invalid(workflow, 'chunksPerRun', 'a whole number ≥ 1', chunks, 'leave it out, or give how many chunks one workflow run may train before continuing as new.');
  }
  if (fields.resume === undefined) return;
  const resume = fields.resume;
  const fix = 'resume is the state Epochal carries across continue-as-new; start a new run with trainParams instead.';
  if (!isObject(resume)) invalid(workflow, 'resume', 'the state of a continued run', resume, fix);
  for (const [key, kind] of RESUME_FIELDS) {
    if (kindOf(resume[key]) !== kind) invalid(workflow, `resume.${key}`, `${kind === 'array' ? 'a list' : `a${kind === 'object' ? 'n' : ''} ${kind}`} (the state of a continued run)`, resume[key], fix);
  }
}

/** The fields a continued batchInference's `resume` must have (set by Epochal, never by hand). */
const INFERENCE_RESUME_FIELDS: [string, 'object' | 'number'][] = [
  ['plan', 'object'],
  ['input', 'object'],
  ['done', 'number'],
  ['rows', 'number'],
  ['reusedShards', 'number'],
  ['seconds', 'object'],
];

export function checkBatchInferenceInput(input: unknown): void {
  const workflow = 'batchInference';
  const example = '{"inferParams":"configs/sleepnet-small/infer_params.json"}';
  const fields = object(workflow, input, example);
  configRef(workflow, fields, 'inferParams', example);
  const perRun = fields.shardsPerRun;
  if (perRun !== undefined && !(typeof perRun === 'number' && Number.isInteger(perRun) && perRun >= 1)) {
    invalid(workflow, 'shardsPerRun', 'a whole number ≥ 1', perRun, 'leave it out, or give how many shards one workflow run may score before continuing as new.');
  }
  if (fields.resume === undefined) return;
  const resume = fields.resume;
  const fix = 'resume is the state Epochal carries across continue-as-new; start a new job with inferParams alone.';
  if (!isObject(resume)) invalid(workflow, 'resume', 'the state of a continued job', resume, fix);
  for (const [key, kind] of INFERENCE_RESUME_FIELDS) {
    if (kindOf(resume[key]) !== kind) invalid(workflow, `resume.${key}`, `a${kind === 'object' ? 'n' : ''} ${kind} (the state of a continued job)`, resume[key], fix);
  }
}

export function checkRetrainingInput(input: unknown): void {
  const fields = object('retrainingPipeline', input, TRAIN_EXAMPLE);
  configRef('retrainingPipeline', fields, 'trainParams', TRAIN_EXAMPLE);
  optionalString('retrainingPipeline', fields, 'trainingTaskQueue', "leave it out to use train_params' training.taskQueue.");
}

/** The longest trial number a sweep's trial ids end with (`-trial-1000`). */
const TRIAL_SUFFIX = '-trial-0000';

export function checkSweepInput(input: unknown, workflowId: string): void {
  const workflow = 'sweepPipeline';
  const example = '{"sweepParams":"configs/tabular-mlp/sweep_params.json"}';
  const fields = object(workflow, input, example);
  if (fields.resume === undefined) configRef(workflow, fields, 'sweepParams', example);
  optionalString(workflow, fields, 'trainingTaskQueue', "leave it out to use each trial's training.taskQueue.");
  const polls = fields.pollsPerRun;
  if (polls !== undefined && !(typeof polls === 'number' && Number.isInteger(polls) && polls >= 1)) {
    invalid(workflow, 'pollsPerRun', 'a whole number ≥ 1', polls, 'leave it out, or give how many progress reads one workflow run may make before continuing as new.');
  }
  // Trials are named after the sweep, and so are their run folders.
  checkRunId(workflow, 'the workflow id (which names the sweep and its trials)', fileSafeRunId(`${workflowId}${TRIAL_SUFFIX}`));
  if (fields.resume !== undefined && !(isObject(fields.resume) && isObject(fields.resume.plan) && Array.isArray(fields.resume.trials))) {
    invalid(workflow, 'resume', 'the state of a continued sweep', fields.resume, 'resume is the state Epochal carries across continue-as-new; start a new sweep with sweepParams instead.');
  }
}
