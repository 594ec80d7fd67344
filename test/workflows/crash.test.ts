import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import type { TrainingHeartbeat } from '../../activities/index.js';
import { listCheckpoints } from '../../src/checkpoint/series.js';
import { sha256 } from '../../src/config/read-json.js';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import type { trainingPipeline, TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import { copySample, crashSizedSleepnet, editJson } from '../helpers/configs.js';
import { stop, trainingWorker } from '../helpers/processes.js';
import { useSuiteServer } from '../helpers/temporal.js';
import { isAlive, waitFor } from '../helpers/wait.js';

const { address, namespace, workflowBundlePath } = inject('temporal');

/**
 * One chunk of 4 epochs × 4 steps, a checkpoint every 4 steps, and a worker
 * presumed dead after 3 s of silence. Nights are long enough that a step takes
 * a few hundred milliseconds, so the test sees a heartbeat (throttled to about
 * one a second) name a checkpoint before the chunk ends.
 */
async function crashJob(): Promise<string> {
  const dir = await copySample('sleepnet-small');
  await crashSizedSleepnet(join(dir, 'train_params.json'), { epochsPerChunk: 4, heartbeatTimeoutSeconds: 3 });
  return join(dir, 'train_params.json');
}

/** The running chunk's last heartbeat as the server has it. */
async function heartbeat(handle: WorkflowHandle): Promise<TrainingHeartbeat | undefined> {
  const { raw } = await handle.describe();
  const payload = raw.pendingActivities?.find((a) => a.activityType?.name === 'trainChunk')?.heartbeatDetails?.payloads?.[0];
  return payload ? (defaultPayloadConverter.fromPayload(payload) as TrainingHeartbeat) : undefined;
}


const checkpointStep = (beat: TrainingHeartbeat) => Number(/ckpt-(\d+)$/.exec(beat.checkpoint)?.[1] ?? -1);

/** Steps traced per process, in order: "<pid> <step>" lines. */
async function tracedSteps(file: string): Promise<{ pid: string; step: number }[]> {
  const text = await readFile(file, 'utf8');
  return text.trim().split('\n').map((line) => {
    const [pid, step] = line.split(' ');
    return { pid: pid!, step: Number(step) };
  });
}

// Each test trains the job twice (crashed, then uninterrupted for reference) and starts worker processes: minutes, not the suite's default minute.
describe('crashes during training', { timeout: 240_000 }, () => {
  const env = useSuiteServer();

  /** Runs the pipeline with in-process orchestration and the given training workers; returns the handle. */
  async function start(client: Client, taskQueue: string, trainingTaskQueue: string, trainParams: string): Promise<WorkflowHandle<typeof trainingPipeline>> {
    return client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
      taskQueue,
      workflowId: `crash-${randomUUID()}`,
      args: [{ trainParams, trainingTaskQueue }],
    });
  }

  async function orchestrate<T>(artifactRoot: string, body: (queues: { taskQueue: string; trainingTaskQueue: string }) => Promise<T>): Promise<T> {
    const taskQueue = `crash-${randomUUID()}`;
    const workers = await createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: false, artifactRoot, workflowBundlePath });
    return workers.runUntil(body({ taskQueue, trainingTaskQueue: `${taskQueue}-training` }));
  }

  /** The same job, never interrupted: the reference for bitwise equality. */
  async function uninterrupted(trainParams: string): Promise<TrainingPipelineResult> {
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-reference-'));
    return orchestrate(artifactRoot, async ({ taskQueue, trainingTaskQueue }) => {
      const worker = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, {});
      try {
        return await (await start(env().client, taskQueue, trainingTaskQueue, trainParams)).result();
      } finally {
        worker.child.kill('SIGKILL');
      }
    });
  }

  it('resumes on a fresh worker after kill -9 mid-chunk, repeats no step before the last checkpoint, and ends bitwise equal', async () => {
    const trainParams = await crashJob();
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-crash-'));
    const trace = join(artifactRoot, 'steps.log');
    const crashed = await orchestrate(artifactRoot, async ({ taskQueue, trainingTaskQueue }) => {
      const first = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_TRACE_STEPS: trace });
      const handle = await start(env().client, taskQueue, trainingTaskQueue, trainParams);
      const beat = await waitFor(async () => {
        const details = await heartbeat(handle);
        return details && checkpointStep(details) >= 4 ? details : undefined;
      }, 'a heartbeat naming a checkpoint after the first steps');
      first.child.kill('SIGKILL');
      const killedAt = (await tracedSteps(trace)).length;
      expect(killedAt).toBeLessThan(16); // mid-chunk
      // Its training process notices the worker is gone only at its next turn of the event loop and may write one
      // more checkpoint meanwhile: the newest is counted once that process has ended.
      const orphan = Number((await tracedSteps(trace))[0]!.pid);
      await waitFor(async () => (isAlive(orphan) ? undefined : true), 'the killed worker’s training process to end');
      const [newest] = await listCheckpoints(join(artifactRoot, handle.workflowId, 'checkpoints'));
      const second = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_TRACE_STEPS: trace });
      try {
        return { result: await handle.result(), heartbeatCheckpoint: checkpointStep(beat), lastCheckpoint: newest!.step };
      } finally {
        second.child.kill('SIGKILL');
      }
    });

    const steps = await tracedSteps(trace);
    const [firstPid, ...otherPids] = [...new Set(steps.map((s) => s.pid))];
    expect(otherPids).toHaveLength(1);
    const resumedFrom = Math.min(...steps.filter((s) => s.pid === otherPids[0]).map((s) => s.step)) - 1;
    // From the last checkpoint written before the kill, even when the (throttled) heartbeat had not named it yet.
    expect(resumedFrom).toBe(crashed.lastCheckpoint);
    expect(resumedFrom).toBeGreaterThanOrEqual(crashed.heartbeatCheckpoint);
    for (let step = 1; step <= resumedFrom; step++) {
      expect(steps.filter((s) => s.step === step), `step ${step}`).toEqual([{ pid: firstPid, step }]);
    }
    expect(steps.filter((s) => s.pid === otherPids[0]).map((s) => s.step)).toEqual(Array.from({ length: 16 - resumedFrom }, (_, i) => resumedFrom + 1 + i));
    expect(crashed.result.training).toMatchObject({ epochs: 4, step: 16 });
    expect(crashed.result.training.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);

    const reference = await uninterrupted(trainParams);
    expect(sha256(await readFile(crashed.result.exported.weights.path))).toBe(sha256(await readFile(reference.exported.weights.path)));
    expect(crashed.result.training.history).toEqual(reference.training.history.map((h, i) => ({ ...h, seconds: crashed.result.training.history[i]!.seconds })));
  });

  it('ignores a checkpoint half-written when the worker was killed, resuming from the one before', async () => {
    const trainParams = await crashJob();
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-crash-'));
    const trace = join(artifactRoot, 'steps.log');
    const marker = join(artifactRoot, 'paused-in-checkpoint');
    const crashed = await orchestrate(artifactRoot, async ({ taskQueue, trainingTaskQueue }) => {
      const first = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_TRACE_STEPS: trace, EPOCHAL_PAUSE_CHECKPOINT: `8:30000:${marker}` });
      const handle = await start(env().client, taskQueue, trainingTaskQueue, trainParams);
      await waitFor(() => stat(marker).then(() => true), 'the checkpoint of step 8 to be half-written');
      first.child.kill('SIGKILL');
      const checkpoints = (await readdir(join(artifactRoot, handle.workflowId, 'checkpoints'))).sort();
      expect(checkpoints.some((name) => /^ckpt-000000008\.staging-/.test(name))).toBe(true);
      expect(checkpoints).not.toContain('ckpt-000000008');
      const second = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_TRACE_STEPS: trace });
      try {
        return await handle.result();
      } finally {
        second.child.kill('SIGKILL');
      }
    });

    const steps = await tracedSteps(trace);
    const pids = [...new Set(steps.map((s) => s.pid))];
    const resumedFrom = Math.min(...steps.filter((s) => s.pid === pids[1]).map((s) => s.step)) - 1;
    expect(resumedFrom).toBe(4); // the half-written checkpoint of step 8 was not used
    expect(crashed.training).toMatchObject({ epochs: 4, step: 16 });
    const reference = await uninterrupted(trainParams);
    expect(sha256(await readFile(crashed.exported.weights.path))).toBe(sha256(await readFile(reference.exported.weights.path)));
  });
  it('saves at a step boundary when its worker is stopped (SIGTERM), and a fresh worker goes on from there without repeating a step', async () => {
    const trainParams = await crashJob();
    await editJson(trainParams, (train) => {
      train.training.checkpointEverySteps = 100; // no periodic checkpoint: only the one the stop writes
    });
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-stop-'));
    const trace = join(artifactRoot, 'steps.log');
    const stopped = await orchestrate(artifactRoot, async ({ taskQueue, trainingTaskQueue }) => {
      const first = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_TRACE_STEPS: trace });
      const handle = await start(env().client, taskQueue, trainingTaskQueue, trainParams);
      await waitFor(async () => ((await tracedSteps(trace).catch(() => [])).length >= 6 ? true : undefined), 'six steps');
      expect(await stop(first.child, 'SIGTERM')).toBe(0);
      const lastStep = (await tracedSteps(trace)).at(-1)!.step;
      const [saved] = await listCheckpoints(join(artifactRoot, handle.workflowId, 'checkpoints'));
      const second = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_TRACE_STEPS: trace });
      try {
        return { result: await handle.result(), lastStep, saved: saved!.step };
      } finally {
        second.child.kill('SIGKILL');
      }
    });

    expect(stopped.lastStep).toBeLessThan(16); // stopped mid-chunk
    expect(stopped.saved).toBe(stopped.lastStep); // saved after the last step it took
    const steps = await tracedSteps(trace);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1)); // every step once
    expect(new Set(steps.map((s) => s.pid)).size).toBe(2);
    const reference = await uninterrupted(trainParams);
    expect(sha256(await readFile(stopped.result.exported.weights.path))).toBe(sha256(await readFile(reference.exported.weights.path)));
  });
});
