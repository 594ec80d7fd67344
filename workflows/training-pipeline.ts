/**
 * `trainingPipeline`: the durable training job. Stages run as activities:
 * validateConfig → prepareData → buildModel → trainChunk… → evaluate → export.
 * Only the stages that exist run; the result says which ran and which are not
 * built yet, so nothing pretends to train.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BuiltModel, EpochalActivities, PreparedRef, ValidatedConfig } from '../activities/index.js';
import { EXPERIMENT, MODEL, STAGE } from './search-attributes.js';

/** Input of `trainingPipeline`, as `temporal workflow start --input` takes it. */
export interface TrainingPipelineInput {
  /** Path to train_params.json (on the worker; relative to its working folder) or the config object. */
  trainParams: string | Record<string, unknown>;
  /** Run folder name under the artifact root; the workflow id when absent. */
  runId?: string;
}

/** Every stage of the pipeline, in order. */
export const PIPELINE_STAGES = ['validateConfig', 'prepareData', 'buildModel', 'train', 'evaluate', 'export'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** Stages that exist so far; the others are reported as not implemented. */
const IMPLEMENTED: readonly PipelineStage[] = ['validateConfig', 'prepareData', 'buildModel'];

export interface TrainingPipelineResult {
  runId: string;
  runDir: string;
  experiment: string;
  model: string;
  /** Stages that ran, in order. */
  completed: PipelineStage[];
  /** Stages of the pipeline that do not exist yet and were skipped. */
  notImplemented: PipelineStage[];
  config: ValidatedConfig['snapshot'];
  /** The prepared data: shards, statistics, split sizes, and whether an earlier preparation was reused. */
  data: PreparedRef;
  /** The built network: initial checkpoint, freezing and pretrained reports, parameter counts. */
  built: BuiltModel;
}

/** Failure types that retrying cannot fix (see src/errors.ts); activities also mark them non-retryable. */
const USER_ERRORS = ['InvalidConfig', 'InvalidData', 'IncompatibleWeights', 'CorruptCheckpoint'];

const { validateConfig } = proxyActivities<EpochalActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: USER_ERRORS,
  },
});

const { prepareData } = proxyActivities<EpochalActivities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: USER_ERRORS,
  },
});

const { buildModel } = proxyActivities<EpochalActivities>({
  startToCloseTimeout: '15 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: USER_ERRORS,
  },
});

export async function trainingPipeline(input: TrainingPipelineInput): Promise<TrainingPipelineResult> {
  const runId = input.runId ?? workflowInfo().workflowId;
  enterStage('validateConfig', 'Validating configs');
  const validated = await surfaceUserErrors(validateConfig({ trainParams: input.trainParams, runId }));
  upsertSearchAttributes([
    { key: EXPERIMENT, value: validated.experiment },
    { key: MODEL, value: validated.model },
  ]);

  enterStage('prepareData', 'Preparing data');
  const data = await surfaceUserErrors(prepareData(validated));

  enterStage('buildModel', `Building ${validated.model}`);
  const built = await surfaceUserErrors(buildModel({ ...validated, dataFields: data.fields }));

  const notImplemented = PIPELINE_STAGES.filter((stage) => !IMPLEMENTED.includes(stage));
  setCurrentDetails(
    `${validated.model} built on ${built.backend}: ${built.parameters.trainable} trainable and ` +
      `${built.parameters.frozen} frozen parameters; initial checkpoint ${built.checkpoint.path}. ` +
      `Not implemented yet: ${notImplemented.join(', ')}.`,
  );
  return {
    runId,
    runDir: validated.runDir,
    experiment: validated.experiment,
    model: validated.model,
    completed: [...IMPLEMENTED],
    notImplemented,
    config: validated.snapshot,
    data,
    built,
  };
}

function enterStage(stage: PipelineStage, details: string): void {
  upsertSearchAttributes([{ key: STAGE, value: stage }]);
  setCurrentDetails(`${details}…`);
}

/**
 * A user-fixable activity failure (bad config, data or weights) fails the
 * whole workflow with the same type, message and details, so the problem is
 * what the UI and `temporal workflow result` show first.
 */
async function surfaceUserErrors<T>(activity: Promise<T>): Promise<T> {
  try {
    return await activity;
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.nonRetryable) {
      throw ApplicationFailure.create({
        type: cause.type ?? 'EpochalError',
        message: cause.message,
        details: cause.details ?? [],
        nonRetryable: true,
      });
    }
    throw error;
  }
}
