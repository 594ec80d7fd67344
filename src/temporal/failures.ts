/**
 * The one place Epochal errors become Temporal failures: a user-fixable
 * `EpochalError` becomes a non-retryable `ApplicationFailure` carrying its
 * type and details; anything else passes through and Temporal retries it.
 * `readFailure` reads such a failure back on the client side.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  type RetryState,
  type TimeoutType,
} from '@temporalio/common';
import { EpochalError } from '../errors.js';

/** Maps an error to what an activity should throw. */
export function toTemporalFailure(error: unknown): unknown {
  if (!(error instanceof EpochalError)) return error;
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    details: [error.details()],
    nonRetryable: !error.retryable,
  });
}

/** Wraps an activity so its Epochal errors reach Temporal as the right failures. */
export function mapFailures<A extends unknown[], R>(activity: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await activity(...args);
    } catch (error) {
      throw toTemporalFailure(error);
    }
  };
}

/** A Temporal failure read back as data: what went wrong, of which type, where, and the fix. */
export interface FailureSummary {
  /** The innermost cause's message, without its fix. */
  message: string;
  /** The failure type (`InvalidConfig`, `NoWorker`, ...) when the innermost cause is an application failure that names one. */
  type?: string;
  /** How to fix it: the "Fix: ..." sentence of a one-line message. Multi-line messages (config issues) keep a fix on each line. */
  fix?: string;
  /** Where it happened, outermost first: `activity trainChunk (retries exhausted)`, `child workflow trainingPipeline x-train`. */
  where: string[];
  /** Whether retrying could help: false for Epochal's user errors, undefined when the failure does not say. */
  retryable?: boolean;
}

const RETRY_STATES: Partial<Record<NonNullable<RetryState>, string>> = {
  MAXIMUM_ATTEMPTS_REACHED: 'retries exhausted',
  TIMEOUT: 'retry time exhausted',
  NON_RETRYABLE_FAILURE: 'not retryable',
};

const TIMEOUTS: Record<NonNullable<TimeoutType>, string> = {
  START_TO_CLOSE: 'it ran past its start-to-close timeout',
  SCHEDULE_TO_START: 'no worker picked it up within its schedule-to-start timeout',
  SCHEDULE_TO_CLOSE: 'it ran past its schedule-to-close timeout',
  HEARTBEAT: 'no heartbeat within its heartbeat timeout (its worker died or hung)',
};

/**
 * Reads a failure chain (a client error such as `WorkflowFailedError`, its
 * `ActivityFailure` or `ChildWorkflowFailure`, and the `ApplicationFailure`
 * at the root) back into the message, type and fix the worker raised, and
 * where it was raised. The inverse of `toTemporalFailure`, for clients.
 */
export function readFailure(error: unknown): FailureSummary {
  const where: string[] = [];
  let link: unknown = error;
  for (;;) {
    if (link instanceof ActivityFailure) {
      const retry = link.retryState && RETRY_STATES[link.retryState];
      where.push(`activity ${link.activityType}${retry ? ` (${retry})` : ''}`);
    } else if (link instanceof ChildWorkflowFailure) {
      where.push(`child workflow ${link.workflowType} ${link.execution.workflowId}`);
    }
    const cause = link instanceof Error ? link.cause : undefined;
    if (!(cause instanceof Error)) break;
    link = cause;
  }
  return { ...rootCause(link), where };
}

function rootCause(error: unknown): Omit<FailureSummary, 'where'> {
  if (error instanceof ApplicationFailure) {
    return {
      ...splitFix(error.message),
      ...(error.type && error.type !== 'Error' ? { type: error.type } : {}),
      ...(typeof error.nonRetryable === 'boolean' ? { retryable: !error.nonRetryable } : {}),
    };
  }
  if (error instanceof EpochalError) return { ...splitFix(error.message), type: error.type, retryable: error.retryable };
  if (error instanceof TimeoutFailure) return { message: `Timed out: ${error.timeoutType ? TIMEOUTS[error.timeoutType] : 'no timeout type given'}.`, type: 'Timeout' };
  if (error instanceof TerminatedFailure) return { message: error.message || 'No reason given.', type: 'Terminated' };
  if (error instanceof CancelledFailure) return { message: 'Cancellation was requested.', type: 'Cancelled' };
  return splitFix(error instanceof Error ? error.message : String(error));
}

/** "It broke. Fix: do this." → the message and the fix, for a one-line message with one fix. */
export function splitFix(message: string): { message: string; fix?: string } {
  const parts = message.split(' Fix: ');
  if (parts.length !== 2 || message.includes('\n')) return { message };
  return { message: parts[0]!, fix: parts[1]! };
}
