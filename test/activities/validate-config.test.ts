import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createActivities, type ValidatedConfig } from '../../activities/index.js';
import { copySample, editJson } from '../helpers/configs.js';

/** Runs validateConfig as attempt `attempt` of one workflow execution. */
async function validateAs(
  execution: { workflowId: string; runId: string },
  attempt: number,
  trainParams: string,
  artifactRoot: string,
): Promise<ValidatedConfig> {
  const { validateConfig } = createActivities({ artifactRoot, cwd: '/', roots: { read: [tmpdir()], write: [tmpdir()] } });
  const env = new MockActivityEnvironment({ workflowExecution: execution, attempt }, { logger: new DefaultLogger('ERROR') });
  return env.run(validateConfig, { trainParams, runId: execution.workflowId });
}

describe('the validateConfig activity', () => {
  it('reuses the snapshot a previous attempt of the same execution wrote, even if the file changed since', async () => {
    const dir = await copySample('tabular-mlp');
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-runs-'));
    const execution = { workflowId: 'wf-retry', runId: 'run-a' };
    const first = await validateAs(execution, 1, join(dir, 'train_params.json'), artifactRoot);
    expect(first.reused).toBe(false);

    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.epochs = 99;
    });
    const retry = await validateAs(execution, 2, join(dir, 'train_params.json'), artifactRoot);
    expect(retry.reused).toBe(true);
    expect(retry.snapshot).toEqual(first.snapshot);

    const nextRun = await validateAs({ ...execution, runId: 'run-b' }, 1, join(dir, 'train_params.json'), artifactRoot);
    expect(nextRun.reused).toBe(false);
    expect(nextRun.snapshot.train.sha256).not.toBe(first.snapshot.train.sha256);
  });

  it('turns an invalid config into a non-retryable InvalidConfig failure carrying the issues', async () => {
    const dir = await copySample('tabular-mlp');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.epochs = 0;
    });
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-runs-'));
    const error = await validateAs({ workflowId: 'wf-bad', runId: 'r' }, 1, join(dir, 'train_params.json'), artifactRoot).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
    expect((error as ApplicationFailure).details).toEqual([
      {
        issues: [
          {
            file: join(dir, 'train_params.json'),
            path: ['training', 'epochs'],
            message: 'Expected a number ≥ 1, but got 0.',
          },
        ],
      },
    ]);
  });

  it('lets unexpected errors through as they are, so Temporal retries them', async () => {
    const { mapFailures } = await import('../../src/temporal/failures.js');
    const transient = new Error('EIO: disk hiccup');
    await expect(mapFailures(async () => Promise.reject(transient))()).rejects.toBe(transient);
  });
});
