/** The activities the pipeline calls, with their options written out where they are proxied. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { EpochalActivities } from '../activities/index.js';

/** Failure types that retrying cannot fix (see src/errors.ts); activities also mark them non-retryable. */
const USER_ERRORS = ['InvalidConfig', 'InvalidData', 'IncompatibleWeights', 'CorruptCheckpoint', 'ModelNotFound', 'ModelChanged', 'RunFolderTaken', 'OutputFolderTaken', 'OutOfMemory'];

const quick = proxyActivities<EpochalActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: USER_ERRORS },
});

const long = proxyActivities<EpochalActivities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10, nonRetryableErrorTypes: USER_ERRORS },
});

/** Activities on the orchestration task queue (the workflow's own). */
export const activities = {
  validateConfig: quick.validateConfig,
  prepareData: long.prepareData,
  buildModel: proxyActivities<EpochalActivities>({
    startToCloseTimeout: '15 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: USER_ERRORS },
  }).buildModel,
  exportModel: quick.exportModel,
  writeRunReport: quick.writeRunReport,
  planInference: quick.planInference,
  prepareInference: long.prepareInference,
  finishInference: quick.finishInference,
  retrainingPlan: quick.retrainingPlan,
  recordPromotion: quick.recordPromotion,
  planSweep: proxyActivities<EpochalActivities>({
    startToCloseTimeout: '10 minutes', // loads and checks every trial's config
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: USER_ERRORS },
  }).planSweep,
  observeTrials: quick.observeTrials,
  finishSweep: quick.finishSweep,
};

/**
 * Activities on the training task queue. A chunk may run for hours, but a
 * worker that stops heartbeating for `heartbeatTimeoutSeconds` is presumed
 * dead and the chunk is retried on another worker from its last checkpoint.
 * An attempt no worker takes within `workerWaitSeconds` fails (see `waitedForWorker`).
 */
export function trainingActivities(taskQueue: string, heartbeatTimeoutSeconds: number, workerWaitSeconds = 3600) {
  const options = {
    taskQueue,
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
    scheduleToStartTimeout: `${workerWaitSeconds} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 50, nonRetryableErrorTypes: USER_ERRORS },
  } as const;
  return {
    trainChunk: proxyActivities<EpochalActivities>({ ...options, startToCloseTimeout: '24 hours' }).trainChunk,
    evaluate: proxyActivities<EpochalActivities>({ ...options, startToCloseTimeout: '4 hours' }).evaluate,
    evaluateChampion: proxyActivities<EpochalActivities>({ ...options, startToCloseTimeout: '4 hours' }).evaluateChampion,
  };
}

/** Scoring shards on the inference task queue; a silent worker's shard is retried elsewhere. */
export function inferenceActivities(taskQueue: string, heartbeatTimeoutSeconds: number) {
  return proxyActivities<EpochalActivities>({
    taskQueue,
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 50, nonRetryableErrorTypes: USER_ERRORS },
  });
}

/**
 * An activity no worker picked up within its schedule-to-start timeout means
 * no worker serves its task queue: a non-retryable failure that says so, with the fix.
 */
export async function waitedForWorker<T>(activity: Promise<T>, taskQueue: string, seconds: number): Promise<T> {
  try {
    return await activity;
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START') {
      throw ApplicationFailure.create({
        type: 'NoWorker',
        message:
          `No worker took the ${error.activityType} activity on task queue "${taskQueue}" within ${seconds} seconds: no worker serves that queue. ` +
          `Fix: start one (npx epochal worker --training-task-queue ${taskQueue}), or correct training.taskQueue (or the trainingTaskQueue input); ` +
          'raise training.workerWaitSeconds to wait longer for one.',
        details: [{ taskQueue, waitedSeconds: seconds }],
        nonRetryable: true,
      });
    }
    throw error;
  }
}

/**
 * A user-fixable activity (or child workflow) failure (bad config, data or weights) fails the
 * whole workflow with the same type, message and details, so the problem is
 * what the UI and `temporal workflow result` show first.
 */
export async function surfaceUserErrors<T>(activity: Promise<T>): Promise<T> {
  try {
    return await activity;
  } catch (error) {
    const cause = error instanceof ActivityFailure || error instanceof ChildWorkflowFailure ? error.cause : undefined;
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
