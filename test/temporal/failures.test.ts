import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { readFailure, splitFix, toTemporalFailure } from '../../src/temporal/failures.js';

describe('reading a Temporal failure back', () => {
  it('round-trips an Epochal error through toTemporalFailure: message, type, fix and retryability', () => {
    const error = new DataError('data/night-3.csv, row 12, field "ecg": expected finite numbers, but got NaN. Fix: clean or drop the record.', { file: 'data/night-3.csv', row: 12 });
    expect(readFailure(toTemporalFailure(error))).toEqual({
      message: 'data/night-3.csv, row 12, field "ecg": expected finite numbers, but got NaN.',
      type: 'InvalidData',
      fix: 'clean or drop the record.',
      where: [],
      retryable: false,
    });
  });

  it('names the activity and the child workflow a failure came through, outermost first', () => {
    const root = ApplicationFailure.create({ type: 'OutOfMemory', message: 'prepareData ran out of memory.', nonRetryable: true });
    const activity = new ActivityFailure('Activity task failed', 'prepareData', '3', 'NON_RETRYABLE_FAILURE', 'worker-1', root);
    const child = new ChildWorkflowFailure('default', { workflowId: 'r-train', runId: 'x' }, 'trainingPipeline', 'NON_RETRYABLE_FAILURE', activity);
    expect(readFailure(child)).toEqual({
      message: 'prepareData ran out of memory.',
      type: 'OutOfMemory',
      where: ['child workflow trainingPipeline r-train', 'activity prepareData (not retryable)'],
      retryable: false,
    });
  });

  it('says which timeout ended an activity whose retries ran out', () => {
    const activity = new ActivityFailure('Activity task timed out', 'trainChunk', '7', 'MAXIMUM_ATTEMPTS_REACHED', undefined, new TimeoutFailure('activity Heartbeat timeout', undefined, 'HEARTBEAT'));
    expect(readFailure(activity)).toEqual({
      message: 'Timed out: no heartbeat within its heartbeat timeout (its worker died or hung).',
      type: 'Timeout',
      where: ['activity trainChunk (retries exhausted)'],
    });
  });

  it('gives the reason a workflow was terminated', () => {
    expect(readFailure(new TerminatedFailure('replaced by run 7'))).toEqual({ message: 'replaced by run 7', type: 'Terminated', where: [] });
  });

  it('splits the fix off a one-line message, and leaves multi-line messages (a fix per config problem) whole', () => {
    expect(splitFix('Keys file k.json may be read by others (mode 644). Fix: chmod 600 k.json.')).toEqual({ message: 'Keys file k.json may be read by others (mode 644).', fix: 'chmod 600 k.json.' });
    const issues = 'Invalid config (2 problems):\ntrain_params.json\n  a: Expected x. Fix: y\n  b: Expected z. Fix: w';
    expect(splitFix(issues)).toEqual({ message: issues });
    expect(splitFix('No fix here.')).toEqual({ message: 'No fix here.' });
  });
});
