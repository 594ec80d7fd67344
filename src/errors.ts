/**
 * Epochal's one error vocabulary. Every error a user can fix (a bad config,
 * incompatible weights, corrupt data) is an `EpochalError` subclass carrying
 * its context; `src/temporal/failures.ts` maps them to non-retryable Temporal
 * failures in one place. Anything else is treated as transient and retried.
 */
import { formatIssues, type ConfigIssue } from './config/issues.js';

export abstract class EpochalError extends Error {
  /** The failure type shown in Temporal (`ApplicationFailure.type`). */
  abstract readonly type: string;
  /** Whether retrying could help; user-fixable problems never are. */
  readonly retryable: boolean = false;

  /** Structured context attached to the Temporal failure as details. */
  abstract details(): unknown;
}

/** One or more problems in net/train/infer params, all reported at once. */
export class ConfigError extends EpochalError {
  readonly type = 'InvalidConfig';

  constructor(readonly issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid config (${count}):\n${formatIssues(issues)}`);
    this.name = 'ConfigError';
  }

  details(): { issues: readonly ConfigIssue[] } {
    return { issues: this.issues };
  }
}
