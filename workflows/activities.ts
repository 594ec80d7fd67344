/** The activities the pipeline calls, with their options written out where they are proxied. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, proxyActivities } from '@temporalio/workflow';
import type { EpochalActivities } from '../activities/index.js';

/** Failure types that retrying cannot fix (see src/errors.ts); activities also mark them non-retryable. */
const USER_ERRORS = ['InvalidConfig', 'InvalidData', 'IncompatibleWeights', 'CorruptCheckpoint', 'ModelNotFound'];

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
  planInference: quick.planInference,
  prepareInference: long.prepareInference,
  finishInference: quick.finishInference,
  retrainingPlan: quick.retrainingPlan,
  recordPromotion: quick.recordPromotion,
};

/**
 * Activities on the training task queue. A chunk may run for hours, but a
 * worker that stops heartbeating for `heartbeatTimeoutSeconds` is presumed
 * dead and the chunk is retried on another worker from its last checkpoint.
 */
export function trainingActivities(taskQueue: string, heartbeatTimeoutSeconds: number) {
  const options = {
    taskQueue,
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
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
