import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/config/read-json.js';
import type { ConfigIssue } from '../../src/config/issues.js';
import { EXPERIMENT, MODEL, STAGE } from '../../workflows/search-attributes.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { brokenSleepnet, readJson, SMALL_SLEEPNET_TRAIN as SLEEPNET_TRAIN, TABULAR_TRAIN } from '../helpers/configs.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';

const { RetryState } = proto.temporal.api.enums.v1;

describe('trainingPipeline on a real Temporal server', () => {
  const env = useSuiteServer();

  it('validates the (small) SleepNet configs and snapshots them, with hashes, into the run folder', async () => {
    await withWorker(env(), async ({ client, taskQueue, artifactRoot }) => {
      const workflowId = `sleepnet-${randomUUID()}`;
      const handle = await client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
        taskQueue,
        workflowId,
        args: [{ trainParams: SLEEPNET_TRAIN }],
      });
      const result = await handle.result();

      expect(result).toMatchObject({
        runId: workflowId,
        runDir: join(artifactRoot, workflowId),
        experiment: 'sleepnet-small',
        model: 'sleepnet-small',
        completed: ['validateConfig', 'prepareData', 'buildModel'],
        notImplemented: ['train', 'evaluate', 'export'],
      });
      const configDir = join(artifactRoot, workflowId, 'config');
      expect(result.config.dir).toBe(configDir);
      for (const name of ['train', 'net'] as const) {
        const file = join(configDir, `${name}_params.json`);
        expect(result.config[name]).toEqual({ path: file, sha256: sha256(await readFile(file)) });
      }
      expect(result.config.sources.train).toEqual({ file: SLEEPNET_TRAIN, sha256: sha256(await readFile(SLEEPNET_TRAIN)) });
      expect(await readJson(join(configDir, 'manifest.json'))).toMatchObject({
        writtenBy: { workflowId },
        train: result.config.train,
      });

      const snapshot = await readJson(join(configDir, 'train_params.json'));
      expect(snapshot.netParams).toBe('net_params.json');
      expect(snapshot.training.optimizer.beta2).toBe(0.999); // defaults are written out

      const { typedSearchAttributes } = await handle.describe();
      expect(typedSearchAttributes.get(EXPERIMENT)).toBe('sleepnet-small');
      expect(typedSearchAttributes.get(MODEL)).toBe('sleepnet-small');
      expect(typedSearchAttributes.get(STAGE)).toBe('buildModel');
    });
  });

  it('runs the tabular MLP, a different architecture, given as an inline config object', async () => {
    await withWorker(env(), async ({ client, taskQueue }) => {
      const train = await readJson(TABULAR_TRAIN);
      train.netParams = await readJson(join(TABULAR_TRAIN, '..', 'net_params.json'));
      train.data.source.path = join(TABULAR_TRAIN, '..', 'data', 'machines.csv');
      const result = await client.workflow.execute<typeof trainingPipeline>('trainingPipeline', {
        taskQueue,
        workflowId: `tabular-${randomUUID()}`,
        args: [{ trainParams: train, runId: 'tabular-inline' }],
      });
      expect(result).toMatchObject({ runId: 'tabular-inline', model: 'machine-state-mlp', experiment: 'machine-state' });
      expect(result.config.sources.train.file).toBeUndefined();
    });
  });

  it('fails non-retryably on invalid configs, listing every problem with its JSON path, after one attempt', async () => {
    const dir = await brokenSleepnet();
    await withWorker(env(), async ({ client, taskQueue }) => {
      const workflowId = `broken-${randomUUID()}`;
      const error = await client.workflow
        .execute<typeof trainingPipeline>('trainingPipeline', {
          taskQueue,
          workflowId,
          args: [{ trainParams: join(dir, 'train_params.json') }],
        })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      const { issues } = (failure as ApplicationFailure).details![0] as { issues: ConfigIssue[] };
      expect(issues.map((issue) => issue.path.join('.')).sort()).toEqual([
        'data.source.nightEpochs.min',
        'netParams',
        'training.batchSzie',
        'training.epochs',
      ]);
      for (const line of [
        'training.batchSzie: Unknown key. Fix: did you mean "batchSize"?',
        'training.epochs: Expected a number ≥ 1, but got -5.',
        'data.source.nightEpochs.min: Expected a number, but got "six hundred".',
        `netParams: Expected a readable JSON file, but ${join(dir, 'nets', 'missing_net_params.json')} does not exist.`,
      ]) {
        expect(failure!.message).toContain(line);
      }

      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const scheduled = history.events!.filter((event) => event.activityTaskScheduledEventAttributes);
      const failed = history.events!.filter((event) => event.activityTaskFailedEventAttributes);
      expect(scheduled).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.activityTaskFailedEventAttributes!.retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    });
  });
});
