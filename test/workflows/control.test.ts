import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { extendEpochsUpdate, progressQuery, resumeSignal, setLearningRateUpdate, stopSignal, type Progress } from '../../workflows/definitions.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { quickSleepnet } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';
import { inject } from 'vitest';

/** Polls the progress query until `ready` holds (or fails after `timeoutMs`). */
async function until(handle: WorkflowHandle, ready: (progress: Progress) => boolean, timeoutMs = 60_000): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress && ready(progress)) return progress;
    if (Date.now() > deadline) throw new Error(`Timed out; last progress: ${JSON.stringify(progress)}`);
    await sleep(200);
  }
}

describe('steering a training run', () => {
  const env = useSuiteServer();
  const { address, namespace } = inject('temporal');
  const cli = (...args: string[]) => epochal([...args, '--address', address, '--namespace', namespace]);

  it('pauses at a chunk boundary, takes new epochs and a new learning rate, resumes, and stops with a usable model', async () => {
    const trainParams = await quickSleepnet(3);
    await withWorker(env(), async ({ client, taskQueue, trainingTaskQueue }) => {
      const workflowId = `control-${randomUUID()}`;
      const handle = await client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
        taskQueue,
        workflowId,
        args: [{ trainParams, trainingTaskQueue }],
      });
      const paused = await cli('pause', workflowId);
      expect(paused.code, paused.stderr).toBe(0);

      // Paused at the next chunk boundary: it holds there.
      const held = await until(handle, (p) => p.phase === 'paused');
      expect(held).toMatchObject({ epochs: 3, paused: true });
      expect(held.epoch).toBeLessThan(3);
      await sleep(2_000);
      expect(await handle.query(progressQuery)).toMatchObject({ phase: 'paused', epoch: held.epoch });
      const status = await cli('status', workflowId);
      expect(status.stdout).toContain(`${workflowId}: running, paused`);
      expect(status.stdout).toMatch(new RegExp(`epochs\\s+${held.epoch} of 3`));

      // Updates are validated, then applied.
      expect(await handle.executeUpdate(extendEpochsUpdate, { args: [2] })).toBe(5);
      await expect(handle.executeUpdate(extendEpochsUpdate, { args: [0] })).rejects.toMatchObject({
        cause: { message: 'Expected a whole number of epochs from 1 to 100000, but got 0.' },
      });
      expect(await handle.executeUpdate(setLearningRateUpdate, { args: [0.005] })).toBe(0.005);
      await expect(handle.executeUpdate(setLearningRateUpdate, { args: [-1] })).rejects.toMatchObject({
        cause: { message: 'Expected a learning rate above 0 and at most 10, but got -1.' },
      });
      expect(await handle.query(progressQuery)).toMatchObject({ epochs: 5, learningRate: 0.005 });

      await handle.signal(resumeSignal);
      await until(handle, (p) => p.epoch >= held.epoch + 1);
      await handle.signal(stopSignal);
      const result = await handle.result();

      expect(result.training.ended).toBe('stopped');
      expect(result.training.epochs).toBeGreaterThan(held.epoch);
      expect(result.training.epochs).toBeLessThan(5);
      expect(result.training.history.map((h) => h.epoch)).toEqual(Array.from({ length: result.training.epochs }, (_, i) => i + 1));
      await access(result.exported.weights.path); // a usable model was exported
      expect(result.evaluation.test!.count).toBeGreaterThan(0);
      expect(await handle.query(progressQuery)).toMatchObject({ phase: 'done', epoch: result.training.epochs });
    });
  });

  it('extends the budget of a run that has not reached training yet', async () => {
    const trainParams = await quickSleepnet(1);
    await withWorker(env(), async ({ client, taskQueue, trainingTaskQueue }) => {
      const handle = await client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
        taskQueue,
        workflowId: `extend-${randomUUID()}`,
        args: [{ trainParams, trainingTaskQueue }],
      });
      await handle.executeUpdate(extendEpochsUpdate, { args: [1] });
      const result = await handle.result();
      expect(result.training.epochs).toBe(2);
      expect(result.training.history.map((h) => h.epoch)).toEqual([1, 2]);
    });
  });
});
