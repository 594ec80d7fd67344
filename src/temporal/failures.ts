/**
 * The one place Epochal errors become Temporal failures: a user-fixable
 * `EpochalError` becomes a non-retryable `ApplicationFailure` carrying its
 * type and details; anything else passes through and Temporal retries it.
 */
import { ApplicationFailure } from '@temporalio/common';
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
