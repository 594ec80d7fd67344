import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import type { RetrainingResult } from '../../workflows/retraining-pipeline.js';
import { quickSleepnet } from '../helpers/configs.js';
import { epochal, run } from '../helpers/processes.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';

const { address, namespace, cliPath } = inject('temporal');
const cluster = ['--address', address, '--namespace', namespace];

/** The result of the first workflow the schedule started. */
async function firstRun(client: Client, scheduleId: string): Promise<{ workflowId: string; result: RetrainingResult }> {
  const handle = client.schedule.getHandle(scheduleId);
  for (let i = 0; i < 300; i++) {
    const [action] = (await handle.describe()).info.recentActions;
    if (action) {
      const { workflowId } = action.action.workflow;
      return { workflowId, result: await client.workflow.getHandle(workflowId).result() };
    }
    await sleep(100);
  }
  throw new Error(`Schedule ${scheduleId} took no action within 30 s.`);
}

describe('retraining schedules', () => {
  const env = useSuiteServer();

  it('are created, triggered, described, paused, unpaused and deleted with the CLI; a triggered run retrains and promotes', async () => {
    const trainParams = await quickSleepnet(1);
    await withWorker(env(), async (context) => {
      const id = `retrain-${randomUUID()}`;
      const queues = ['--task-queue', context.taskQueue, '--training-task-queue', context.trainingTaskQueue];
      const created = await epochal(['schedule', 'create', '--id', id, '--train', trainParams, '--every', '1d', ...queues, ...cluster]);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain(`Created schedule ${id}: retrainingPipeline on ${trainParams} every 1d`);

      expect((await epochal(['schedule', 'trigger', id, ...cluster])).stdout).toContain(`${id}: triggered.`);
      const { workflowId, result } = await firstRun(context.client, id);
      expect(workflowId).toMatch(new RegExp(`^retrain-${id}-`));
      expect(result).toMatchObject({ experiment: 'sleepnet-small', promoted: true });
      // The schedule names its workflow with the time, colons included; the run folder is named without them.
      expect(workflowId).toContain(':');
      expect(result.challenger.run).toBe(`${workflowId}-train`.replace(/:/g, '-'));
      expect(result.challenger.model).not.toContain(':');
      // Listed once: the server's row joined with its folder through the folder's owner, not twice.
      const listed = await epochal(['runs', 'list', '--experiment', 'sleepnet-small', '--artifact-root', context.artifactRoot, ...cluster]);
      const rows = listed.stdout.split('\n').filter((line) => line.startsWith(`${workflowId}-train`) || line.startsWith(result.challenger.run));
      expect(rows, listed.stdout).toHaveLength(1);
      expect(rows[0]!.startsWith(`${workflowId}-train `)).toBe(true);
      expect(rows[0]).toMatch(/\s+completed\s+done\s+val_cohenKappa /);
      expect((await epochal(['status', workflowId, ...cluster])).stdout).toContain(`${workflowId}: completed, promoted`);

      const described = await epochal(['schedule', 'describe', id, ...cluster]);
      expect(described.stdout).toMatch(/runs +retrainingPipeline on test-/);
      expect(described.stdout).toMatch(/overlap +skip; catch-up window/);
      expect(described.stdout).toMatch(/actions +1 taken/);
      expect((await epochal(['schedule', 'list', ...cluster])).stdout).toMatch(new RegExp(`${id} +retrainingPipeline +active`));

      await epochal(['schedule', 'pause', id, ...cluster]);
      expect((await context.client.schedule.getHandle(id).describe()).state.paused).toBe(true);
      await epochal(['schedule', 'unpause', id, ...cluster]);
      expect((await context.client.schedule.getHandle(id).describe()).state.paused).toBe(false);
      await epochal(['schedule', 'delete', id, ...cluster]);
      const gone = await epochal(['schedule', 'describe', id, ...cluster]);
      expect(gone.code).toBe(1);
      expect(gone.stderr + gone.stdout).toMatch(/epochal schedule list/);
    });
  }, 240_000);

  it.runIf(cliPath)('runs retrainingPipeline from a schedule made with `temporal schedule create`', async () => {
    const trainParams = await quickSleepnet(1);
    await withWorker(env(), async (context) => {
      const id = `temporal-cli-${randomUUID()}`;
      const input = JSON.stringify({ trainParams, trainingTaskQueue: context.trainingTaskQueue });
      const created = await run(cliPath!, [
        'schedule', 'create', '--schedule-id', id, '--interval', '1d',
        '--type', 'retrainingPipeline', '--workflow-id', `retrain-${id}`, '--task-queue', context.taskQueue,
        '--input', input, '--overlap-policy', 'Skip', ...cluster,
      ]);
      expect(created.code, created.stderr).toBe(0);
      expect((await run(cliPath!, ['schedule', 'trigger', '--schedule-id', id, ...cluster])).code).toBe(0);
      const { result } = await firstRun(context.client, id);
      expect(result).toMatchObject({ experiment: 'sleepnet-small', promoted: true });
      await context.client.schedule.getHandle(id).delete();
    });
  }, 240_000);
});
