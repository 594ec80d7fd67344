/**
 * Workflows started by hand with input of the wrong shape (`temporal workflow
 * start --input …`) fail at once, non-retryably, naming the field and the
 * fix: no TypeError retried until attempts run out, no workflow task failing
 * forever, no activity started.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { runIdProblem } from '../../workflows/inputs.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';

const CASES: { workflow: string; input: unknown; workflowId?: string; message: RegExp }[] = [
  { workflow: 'trainingPipeline', input: {}, message: /^Invalid trainingPipeline input: expected trainParams to be the path of a config file or the config object, but got nothing\. Fix: start it with --input '\{"trainParams":/ },
  { workflow: 'trainingPipeline', input: 'configs/sleepnet-small/train_params.json', message: /^Invalid trainingPipeline input: expected the input to be an object, but got "configs\/sleepnet-small\/train_params\.json"\./ },
  { workflow: 'trainingPipeline', input: { resume: {} }, message: /^Invalid trainingPipeline input: expected resume\.validated to be an object \(the state of a continued run\), but got nothing\. Fix: resume is the state Epochal carries/ },
  { workflow: 'trainingPipeline', input: { trainParams: 'x.json', runId: '' }, message: /expected runId to be a non-empty string, but got ""/ },
  { workflow: 'trainingPipeline', input: { trainParams: 'x.json', runId: 'a\u0000b' }, message: /expected runId to be a run id .* Fix: choose another run id \(it holds a control character\)\./ },
  { workflow: 'trainingPipeline', input: { trainParams: 'x.json', runId: 'r'.repeat(300) }, message: /but got a string of 300 characters\. Fix: choose another run id \(it is 300 characters long \(at most 128\)\)\./ },
  { workflow: 'trainingPipeline', input: { trainParams: 'x.json', runId: 'registry' }, message: /Fix: choose another run id \("registry" is one of Epochal's own folders\)\./ },
  { workflow: 'trainingPipeline', input: { trainParams: 'x.json' }, workflowId: 'prepared', message: /expected the workflow id \(which names the run when runId is absent\) to be a run id/ },
  { workflow: 'trainingPipeline', input: { trainParams: 'x.json', chunksPerRun: 0 }, message: /expected chunksPerRun to be a whole number ≥ 1, but got number 0/ },
  { workflow: 'batchInference', input: {}, message: /^Invalid batchInference input: expected inferParams to be the path of a config file or the config object, but got nothing\./ },
  { workflow: 'batchInference', input: { inferParams: 'x.json', shardsPerRun: 2.5 }, message: /expected shardsPerRun to be a whole number ≥ 1, but got number 2\.5\. Fix: leave it out, or give how many shards/ },
  { workflow: 'batchInference', input: { inferParams: 'x.json', resume: { plan: {}, input: {}, done: '7' } }, message: /expected resume\.done to be a number \(the state of a continued job\), but got "7"\. Fix: resume is the state Epochal carries/ },
  { workflow: 'retrainingPipeline', input: { trainParams: 42 }, message: /^Invalid retrainingPipeline input: expected trainParams to be the path of a config file or the config object, but got number 42\./ },
  { workflow: 'sweepPipeline', input: {}, message: /^Invalid sweepPipeline input: expected sweepParams to be the path of a config file or the config object, but got nothing\. Fix: start it with --input '\{"sweepParams":/ },
  { workflow: 'sweepPipeline', input: { sweepParams: 'x.json', pollsPerRun: 0 }, message: /expected pollsPerRun to be a whole number ≥ 1, but got number 0\. Fix: leave it out, or give how many progress reads/ },
  { workflow: 'sweepPipeline', input: { sweepParams: 'x.json' }, workflowId: 's'.repeat(120), message: /expected the workflow id \(which names the sweep and its trials\) to be a run id .* \(it is 131 characters long \(at most 128\)\)\./ },
];

describe('workflow input', () => {
  const env = useSuiteServer();

  it.each(CASES)('$workflow with $input fails at once, naming the field', async ({ workflow, input, workflowId, message }) => {
    await withWorker(env(), async ({ client, taskQueue }) => {
      const id = workflowId ?? `input-${randomUUID()}`;
      const started = Date.now();
      const handle = await client.workflow.start(workflow, { taskQueue, workflowId: id, args: [input] });
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      expect(cause.message).toMatch(message);
      expect(Date.now() - started).toBeLessThan(10_000);
      const history = await handle.fetchHistory();
      expect(history.events!.filter((event) => event.activityTaskScheduledEventAttributes)).toEqual([]);
      expect(history.events!.filter((event) => event.workflowTaskFailedEventAttributes)).toEqual([]);
    });
  });
});

describe('run ids', () => {
  it('name a folder when short, printable, not hidden and not one of Epochal\'s own', () => {
    expect(runIdProblem('sleepnet-2026-12-01T16:42')).toBeUndefined();
    expect(runIdProblem('team/exp/run')).toBeUndefined(); // percent-encoded into one folder name
    expect(runIdProblem('  ')).toBe('it is empty');
    expect(runIdProblem('.hidden')).toBe('it starts with "."');
    expect(runIdProblem('..')).toBe('it starts with "."');
    expect(runIdProblem('prepared-inference')).toBe('"prepared-inference" is one of Epochal\'s own folders');
    expect(runIdProblem('tab\there')).toBe('it holds a control character');
  });
});
