/** The typed library API (`epochal/client`) against real workers: start, steer and read a training run. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { EpochalClient } from '../../src/client/epochal-client.js';
import { epochalClientPlugin } from '../../src/temporal/client-plugin.js';
import { copySample, editJson } from '../helpers/configs.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

describe('EpochalClient', () => {
  const env = useSuiteServer();

  it('starts a training run and steers it through its handle: pause, progress, extend, resume, result', async () => {
    const dir = await copySample('tabular-mlp');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.epochs = 2;
      train.training.epochsPerChunk = 1;
    });
    await withWorker(env(), async ({ taskQueue, trainingTaskQueue }) => {
      const epochal = new EpochalClient(new Client({ connection: env().client.connection, namespace: env().client.options.namespace, plugins: [await epochalClientPlugin()] }));
      const workflowId = `client-${randomUUID()}`;
      const run = await epochal.startTraining({ trainParams: join(dir, 'train_params.json'), trainingTaskQueue }, { workflowId, taskQueue });
      expect(run.workflowId).toBe(workflowId);
      await run.pause();
      await waitFor(async () => ((await run.progress()).phase === 'paused' ? true : undefined), 'the run to pause', 60_000, 100);
      expect(await run.extendEpochs(1)).toBe(3);
      await run.resume();
      const result = await epochal.training(workflowId).result();
      expect(result.training).toMatchObject({ epochs: 3, ended: 'budget' });
      expect((await run.progress()).phase).toBe('done');
    });
  });
});
