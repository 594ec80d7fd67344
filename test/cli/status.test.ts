import { randomUUID } from 'node:crypto';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import { pauseSignal, progressQuery, stopSignal } from '../../workflows/definitions.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { quickSleepnet } from '../helpers/configs.js';
import { epochal, trainingWorker } from '../helpers/processes.js';
import { useSuiteServer } from '../helpers/temporal.js';

const { address, namespace, workflowBundlePath } = inject('temporal');
const cluster = ['--address', address, '--namespace', namespace];

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await sleep(100);
  }
}

describe('epochal status of a training run', () => {
  const env = useSuiteServer();

  it('reads "pausing" while the chunk still trains, "paused" once it holds at the boundary, and shows no ETA or pending stop once the run has finished', async () => {
    const trainParams = await quickSleepnet(3);
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-status-'));
    const holding = join(artifactRoot, 'holding-checkpoint-2');
    const taskQueue = `status-${randomUUID()}`;
    const trainingTaskQueue = `${taskQueue}-training`;
    const workers = await createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: false, artifactRoot, workflowBundlePath });
    await workers.runUntil(
      (async () => {
        const workflowId = `status-${randomUUID()}`;
        const handle = await env().client.workflow.start<typeof trainingPipeline>('trainingPipeline', { taskQueue, workflowId, args: [{ trainParams, trainingTaskQueue }] });
        // The first chunk holds 10 s while committing the checkpoint of step 2: it is still training while we look.
        const training = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_PAUSE_CHECKPOINT: `2:10000:${holding}` });
        try {
          await waitFor(() => stat(holding).then(() => true), 'the first chunk to hold at step 2');
          await handle.signal(pauseSignal);

          const pausing = await epochal(['status', workflowId, ...cluster]);
          expect(pausing.code, pausing.stderr).toBe(0);
          expect(pausing.stdout).toContain(`✓ ${workflowId}: running, pausing\n`);
          expect(pausing.stdout).toMatch(/^ {2}pausing +at the end of the current chunk$/m);
          expect((await handle.query(progressQuery)).phase).toBe('training'); // the chunk was still running when status answered

          await waitFor(async () => (await handle.query(progressQuery)).phase === 'paused', 'the pause to take hold at the chunk boundary');
          const paused = await epochal(['status', workflowId, ...cluster]);
          expect(paused.stdout).toContain(`✓ ${workflowId}: running, paused\n`);
          expect(paused.stdout).not.toMatch(/^ {2}pausing/m);
          expect(paused.stdout).toMatch(/^ {2}ETA {11}(\d+ s|\d+ min \d\d s|\d+ h \d\d min) of training once resumed$/m);
          expect(paused.stdout).toMatch(/^ {2}learning rate 0\.01$/m);
          expect(paused.stdout).toMatch(/^ {2}epochs {8}1 of 3 \(\d+ steps\)$/m); // values aligned with the 13-character label

          await handle.signal(stopSignal);
          const result = await handle.result();
          expect(result.training).toMatchObject({ epochs: 1, ended: 'stopped' });
          const finished = await epochal(['status', workflowId, ...cluster]);
          expect(finished.code, finished.stderr).toBe(0);
          expect(finished.stdout).toContain(`✓ ${workflowId}: completed, done\n`);
          expect(finished.stdout).toMatch(/^ {2}epochs +1 of 3/m);
          expect(finished.stdout).not.toMatch(/ETA|stopping|pausing/);
        } finally {
          training.child.kill('SIGKILL');
        }
      })(),
    );
  }, 180_000); // a training worker process, prepare, build and three epochs with a 10-s hold: past a minute on a loaded 2-core machine (seen in CI)
});
