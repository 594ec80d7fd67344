import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { copySample, editJson } from '../helpers/configs.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';

describe('a worker confined to its roots', () => {
  const env = useSuiteServer();

  it('refuses a job that reads /etc/passwd or a secrets file, at once, quoting nothing of them', async () => {
    const dir = await copySample('tabular-mlp');
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-runs-'));
    const secrets = join(await mkdtemp(join(tmpdir(), 'epochal-secrets-')), 'secrets.env');
    await writeFile(secrets, 'API_KEY=hunter2\n', { mode: 0o600 });
    await withWorker(
      env(),
      async (context) => {
        for (const path of ['/etc/passwd', secrets]) {
          const workflowId = `confined-${randomUUID()}`;
          await editJson(join(dir, 'train_params.json'), (train) => {
            train.data.source = { ...train.data.source, path, delimiter: ':' };
          });
          const error = await context.client.workflow
            .execute('trainingPipeline', { taskQueue: context.taskQueue, workflowId, args: [{ trainParams: join(dir, 'train_params.json'), trainingTaskQueue: context.trainingTaskQueue }] })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(WorkflowFailedError);
          const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
          expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
          expect(cause.message).toContain(`data.source.path: Expected a data file inside the folders this worker may read (${dir}), but ${path} is outside them.`);
          const history = JSON.stringify(await context.client.workflow.getHandle(workflowId).fetchHistory());
          expect(history).not.toMatch(/root:x:0|hunter2/);
        }
      },
      { artifactRoot, readRoots: [dir], writeRoots: [artifactRoot] },
    );
    expect(dirname(secrets)).not.toBe(dir);
  });
});
