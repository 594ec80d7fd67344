import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import { loadPlugins } from '../../src/data/registry.js';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import { copySample, editJson, quickSleepnet } from '../helpers/configs.js';
import { runPipeline, useSuiteServer, withWorker, type WorkerContext } from '../helpers/temporal.js';

async function attempts(context: Pick<WorkerContext, 'client'>, workflowId: string, activity: string): Promise<number> {
  const history = await context.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Set(history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).map((e) => String(e.eventId)));
  return history.events!.filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))).length;
}

describe('bounded resources', () => {
  const env = useSuiteServer();

  it('a source a billion subjects big fails validation, naming the field and its limit', async () => {
    const trainParams = await quickSleepnet(1);
    await editJson(trainParams, (train) => {
      train.data.source.subjects = 1e9;
    });
    await withWorker(env(), async (context) => {
      const workflowId = `huge-${randomUUID()}`;
      const error = await runPipeline(context, { trainParams }, workflowId).catch((e: unknown) => e);
      const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      expect(cause.message).toMatch(/data\.source\.subjects: Expected .*100000.*, but got 1000000000/);
      expect(await attempts(context, workflowId, 'prepareData')).toBe(0);
    });
  });

  it('data that outgrows the stage’s memory fails once, non-retryably, naming the sizes; the worker lives on and trains the next run', async () => {
    const dir = await copySample('tabular-mlp');
    const plugin = join(dir, 'hoarding-datasets.mjs');
    await writeFile(
      plugin,
      `const kept = [];
export default {
  hoard: ({ rows }) => ({
    length: rows,
    get: (i) => {
      kept.push(new Array(200_000).fill(i)); // holds on to every row it ever read
      return { id: 'r' + i, group: 'g' + (i % 10), features: [i, 1, 2, 3, 4, 5], label: i % 3 };
    },
  }),
};
`,
    );
    await loadPlugins([plugin]);
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.source = { type: 'plugin', name: 'hoard', options: { rows: 100_000 } };
    });
    const good = await quickSleepnet(1);
    const { namespace, workflowBundlePath } = inject('temporal');
    const taskQueue = `oom-${randomUUID()}`;
    const workers = await createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: `${taskQueue}-training`, workflowBundlePath, stageMemoryMb: 128 });
    const context = { client: env().client, taskQueue, trainingTaskQueue: `${taskQueue}-training`, artifactRoot: '' };
    await workers.runUntil(
      (async () => {
        const workflowId = `oom-${randomUUID()}`;
        const error = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }, workflowId).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WorkflowFailedError);
        const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
        expect(cause).toMatchObject({ type: 'OutOfMemory', nonRetryable: true });
        expect(cause.message).toBe(
          'Preparing the data ran out of memory: it needs more than the 128 MB this worker gives the stage. The work is sized by data.source.options.rows = 100000. ' +
            'Fix: make the data smaller (lower those values, or split the files), or give the stage more memory (EPOCHAL_STAGE_MEMORY_MB on the worker).',
        );
        expect(await attempts(context, workflowId, 'prepareData')).toBe(1);
        const next = await runPipeline(context, { trainParams: good });
        expect(next.training.epochs).toBe(1);
      })(),
    );
  }, 120_000);
});
