import { ServiceError, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, NamespaceNotFoundError, TerminatedFailure, WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODES_HELP, formatReport, reportError, type ClusterInfo } from '../../src/cli/failures.js';
import { ModelNotFoundError } from '../../src/errors.js';

const cluster: ClusterInfo = { address: '127.0.0.1:7999', addressFrom: 'from --address', namespace: 'default' };
const NO_WORKER =
  'No worker took the trainChunk activity on task queue "epochal-gpux" within 3 seconds: no worker serves that queue. ' +
  'Fix: start one (npx epochal worker --training-task-queue epochal-gpux), or correct training.taskQueue.';

describe('what the CLI says when a command fails', () => {
  it('a failed workflow: its message, type and fix, exit 1', () => {
    const cause = ApplicationFailure.create({ type: 'NoWorker', message: NO_WORKER, nonRetryable: true });
    expect(reportError(new WorkflowFailedError('Workflow execution failed', cause, 'NON_RETRYABLE_FAILURE'), cluster)).toEqual({
      headline: 'The workflow failed: No worker took the trainChunk activity on task queue "epochal-gpux" within 3 seconds: no worker serves that queue.',
      more: [],
      fields: [
        ['type', 'NoWorker (not retryable: fix the cause and start again)'],
        ['fix', 'start one (npx epochal worker --training-task-queue epochal-gpux), or correct training.taskQueue.'],
      ],
      exitCode: EXIT.failed,
    });
  });

  it('a failed workflow whose activity ran out of retries: the activity too', () => {
    const root = ApplicationFailure.create({ type: 'Error', message: 'EIO: i/o error, read' });
    const activity = new ActivityFailure('Activity task failed', 'prepareData', '2', 'MAXIMUM_ATTEMPTS_REACHED', undefined, root);
    const report = reportError(new WorkflowFailedError('Workflow execution failed', activity, 'NON_RETRYABLE_FAILURE'), cluster);
    expect(report.headline).toBe('The workflow failed: EIO: i/o error, read');
    expect(report.fields).toEqual([['where', 'activity prepareData (retries exhausted)']]);
  });

  it('an invalid config found by the worker: the first line as headline, every problem (with its fix) below', () => {
    const message = 'Invalid config (1 problem):\n/x/train_params.json\n  training.batchSize: Expected one step to fit in 0.1 GB, but it needs 2.3 GB. Fix: set training.recompute to "auto".';
    const cause = ApplicationFailure.create({ type: 'InvalidConfig', message, nonRetryable: true });
    const report = reportError(new WorkflowFailedError('Workflow execution failed', cause, 'NON_RETRYABLE_FAILURE'));
    expect(report.headline).toBe('The workflow failed: Invalid config (1 problem):');
    expect(formatReport(report, (label, value) => `  ${label}: ${value}`)).toEqual([
      '  /x/train_params.json',
      '    training.batchSize: Expected one step to fit in 0.1 GB, but it needs 2.3 GB. Fix: set training.recompute to "auto".',
      '  type: InvalidConfig (not retryable: fix the cause and start again)',
    ]);
  });

  it('a terminated workflow: the reason it was terminated', () => {
    const error = new WorkflowFailedError('replaced', new TerminatedFailure('replaced'), 'NON_RETRYABLE_FAILURE');
    expect(reportError(error)).toEqual({ headline: 'The workflow was terminated: replaced', more: [], fields: [], exitCode: EXIT.failed });
  });

  it("a refused update: the validator's message, exit 1", () => {
    const cause = ApplicationFailure.create({ type: 'Error', message: 'Expected a learning rate above 0 and at most 10, but got -1.' });
    expect(reportError(new WorkflowUpdateFailedError('Workflow Update failed', cause), cluster)).toEqual({
      headline: 'The update was refused: Expected a learning rate above 0 and at most 10, but got -1.',
      more: [],
      fields: [],
      exitCode: EXIT.failed,
    });
  });

  it('no server at the address: the address, what chose it, and how to point elsewhere, exit 3', () => {
    for (const error of [
      new Error('Failed to connect before the deadline'),
      new ServiceError('Failed to connect to Temporal server', { cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'No connection established', metadata: {} }) }),
    ]) {
      const report = reportError(error, cluster);
      expect(report.headline).toMatch(/^Cannot reach Temporal at 127\.0\.0\.1:7999 \(from --address\): /);
      expect(report.fields).toEqual([['fix', 'start a local server with `npx epochal dev`, or point at a running one with --address host:port or TEMPORAL_ADDRESS']]);
      expect(report.exitCode).toBe(EXIT.unreachable);
    }
  });

  it('no such namespace: how to choose or create one, exit 3', () => {
    const report = reportError(new NamespaceNotFoundError('lab'), cluster);
    expect(report.headline).toBe('Temporal at 127.0.0.1:7999 has no namespace "lab".');
    expect(report.exitCode).toBe(EXIT.unreachable);
  });

  it('an unknown workflow id: where it was looked for, exit 1', () => {
    const report = reportError(new WorkflowNotFoundError('workflow not found for ID: run-9', 'run-9', undefined), cluster);
    expect(report.headline).toBe('Workflow run-9 in namespace default at 127.0.0.1:7999: Workflow not found for ID: run-9.');
    expect(report.exitCode).toBe(EXIT.failed);
  });

  it('an Epochal error raised in the CLI itself: message, type and fix, exit 1', () => {
    const error = new ModelNotFoundError('runs/x/model is not an Epochal model. Fix: point at a run folder\'s model/.', { type: 'exported', path: 'runs/x/model' });
    expect(reportError(error)).toMatchObject({
      headline: 'runs/x/model is not an Epochal model.',
      fields: [['type', 'ModelNotFound (not retryable: fix the cause and start again)'], ['fix', "point at a run folder's model/."]],
      exitCode: EXIT.failed,
    });
  });

  it('anything else is an unexpected error: its message, exit 2', () => {
    expect(reportError(new TypeError('x is undefined'))).toEqual({ headline: 'x is undefined', more: [], fields: [], exitCode: EXIT.usage });
  });

  it('--help lists every exit code', () => {
    for (const code of Object.values(EXIT)) expect(EXIT_CODES_HELP).toMatch(new RegExp(`^  ${code}  `, 'm'));
  });
});
