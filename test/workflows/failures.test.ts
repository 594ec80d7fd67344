import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import { writeCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { loadNetConfig } from '../../src/config/load.js';
import { loadPlugins } from '../../src/data/registry.js';
import { buildModel } from '../../src/model/build.js';
import { copySample, editJson, quickSleepnet } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';
import { runPipeline, useSuiteServer, withWorker, type WorkerContext } from '../helpers/temporal.js';

/** Runs the pipeline expecting failure; returns the workflow's failure and how many activity attempts started. */
async function failure(context: WorkerContext, trainParams: string): Promise<{ failure: ApplicationFailure; attempts: number }> {
  const workflowId = `fail-${randomUUID()}`;
  const error = (await runPipeline(context, { trainParams }, workflowId).catch((e: unknown) => e)) as WorkflowFailedError;
  const history = await context.client.workflow.getHandle(workflowId).fetchHistory();
  const attempts = history.events!.filter((event) => event.activityTaskStartedEventAttributes).length;
  return { failure: error.cause as ApplicationFailure, attempts };
}

describe('failures', () => {
  const env = useSuiteServer();

  it('a missing pretrained file fails fast and non-retryably, naming the key and the path', async () => {
    const trainParams = await quickSleepnet(1);
    await editJson(trainParams, (train) => {
      train.fineTune = { pretrained: { path: 'checkpoints/gone' } };
    });
    await withWorker(env(), async (context) => {
      const { failure: cause, attempts } = await failure(context, trainParams);
      expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      expect(cause.message).toContain(`fineTune.pretrained.path: Expected a checkpoint, tfjs model folder, .safetensors file or Keras weights, but ${join(trainParams, '..', 'checkpoints', 'gone')} does not exist.`);
      expect(attempts).toBe(1);
    });
  });

  it('a batch too big for memory fails at validation, before any data is prepared, with the estimate, the limit and the fix', async () => {
    const trainParams = await quickSleepnet(1);
    await editJson(trainParams, (train) => {
      train.data.source.nightEpochs = { min: 40, max: 4320 }; // nights of 36 hours
      train.training.memoryLimitGB = 0.1;
      train.training.recompute = 'never';
    });
    await withWorker(env(), async (context) => {
      const { failure: cause, attempts } = await failure(context, trainParams);
      expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      expect(cause.message).toContain(trainParams);
      expect(cause.message).toMatch(
        /training\.batchSize: Expected one training step of sleepnet-small \(a batch of 4 × 4320 steps, in one pass\) to fit in 0\.1 GB \(training\.memoryLimitGB \(0\.1 GB\)\) on the \w+ backend, but it needs about \d+\.\d GB\. Fix: .*set training\.recompute to "auto"/,
      );
      expect(attempts).toBe(1); // validateConfig only: nothing prepared, nothing built
    });
  });

  it('a training task queue no worker serves (a typo) fails after training.workerWaitSeconds, saying so', async () => {
    const trainParams = await quickSleepnet(1);
    await editJson(trainParams, (train) => {
      train.training.taskQueue = 'epochal-gpux';
      train.training.workerWaitSeconds = 3;
    });
    await withWorker(env(), async (context) => {
      const workflowId = `fail-${randomUUID()}`;
      const handle = await context.client.workflow.start('trainingPipeline', { taskQueue: context.taskQueue, workflowId, args: [{ trainParams }] });
      const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
      const cause = error.cause as ApplicationFailure;
      expect(cause).toMatchObject({ type: 'NoWorker', nonRetryable: true });
      expect(cause.message).toBe(
        'No worker took the trainChunk activity on task queue "epochal-gpux" within 3 seconds: no worker serves that queue. ' +
          'Fix: start one (npx epochal worker --training-task-queue epochal-gpux), or correct training.taskQueue (or the trainingTaskQueue input); ' +
          'raise training.workerWaitSeconds to wait longer for one.',
      );
    });
  });

  it('epochal train warns, when it starts a run, that no worker polls its training queue', async () => {
    const trainParams = await quickSleepnet(1);
    await editJson(trainParams, (train) => {
      train.training.taskQueue = `nobody-${randomUUID()}`;
      train.training.workerWaitSeconds = 2;
    });
    const { address, namespace } = inject('temporal');
    const queue = (JSON.parse(await readFile(trainParams, 'utf8')) as { training: { taskQueue: string } }).training.taskQueue;
    const started = await epochal(['train', trainParams, '--address', address, '--namespace', namespace, '--task-queue', `nobody-orchestration-${randomUUID()}`]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toContain(
      `! No worker polls the training task queue "${queue}": training will wait for one for 2 s (training.workerWaitSeconds), then fail. ` +
        `Start one with: npx epochal worker --training-task-queue ${queue}`,
    );
  });

  it('a corrupt pretrained checkpoint fails fast and non-retryably, naming the file', async () => {
    const trainParams = await quickSleepnet(1);
    const { net } = await loadNetConfig(join(trainParams, '..', 'net_params.json'));
    const checkpoint = join(trainParams, '..', 'previous');
    await writeCheckpoint(checkpoint, { model: buildModel(net, 1), state: { epoch: 1, step: 1, seed: 1, trainable: [] } });
    await writeFile(join(checkpoint, 'weights.bin'), Buffer.from('not the weights'));
    await editJson(trainParams, (train) => {
      train.fineTune = { pretrained: { path: 'previous', policy: 'partial' } };
    });
    await withWorker(env(), async (context) => {
      const { failure: cause, attempts } = await failure(context, trainParams);
      expect(cause).toMatchObject({ type: 'CorruptCheckpoint', nonRetryable: true });
      expect(cause.message).toBe(`Checkpoint file ${join(checkpoint, 'weights.bin')} does not match its SHA-256 in the manifest; it is corrupt.`);
      expect(attempts).toBe(3); // validateConfig, prepareData, and buildModel once
    });
  });

  it('a config that is not valid JSON fails fast and non-retryably, with its line and column', async () => {
    const trainParams = await quickSleepnet(1);
    await writeFile(trainParams, '{\n  "experiment": "x",\n  "seed": 1,,\n}');
    await withWorker(env(), async (context) => {
      const { failure: cause, attempts } = await failure(context, trainParams);
      expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      expect(cause.message).toContain('(root): Invalid JSON at line 3, column 13: ValueExpected.');
      expect(attempts).toBe(1);
    });
  });

  it('a transient I/O error is retried, and the run completes', async () => {
    const dir = await copySample('tabular-mlp');
    const flag = join(dir, 'failed-once');
    const plugin = join(dir, 'flaky-datasets.mjs');
    await writeFile(
      plugin,
      `import { existsSync, writeFileSync } from 'node:fs';
export default {
  flaky: ({ flag }) => {
    if (!existsSync(flag)) {
      writeFileSync(flag, 'failed');
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    return { length: 30, get: (i) => ({ id: 'r' + i, group: 'g' + (i % 10), features: [i, 1, 2, 3, 4, 5], label: i % 3 }) };
  },
};
`,
    );
    await loadPlugins([plugin]);
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.source = { type: 'plugin', name: 'flaky', options: { flag } };
      train.training.epochs = 1;
      train.training.epochsPerChunk = 1;
    });
    await withWorker(env(), async (context) => {
      const workflowId = `flaky-${randomUUID()}`;
      const result = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }, workflowId);
      expect(result.training.epochs).toBe(1);
      const history = await context.client.workflow.getHandle(workflowId).fetchHistory();
      const prepareAttempts = history.events!
        .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareData')
        .map((event) => history.events!.find((e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === event.eventId?.toString()))
        .map((started) => started?.activityTaskStartedEventAttributes?.attempt);
      expect(prepareAttempts).toEqual([2]); // one failed attempt, retried once
    });
  });
});
