import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultFailureConverter, defaultPayloadConverter, type ApplicationFailure } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import type { TrainingHeartbeat } from '../../activities/index.js';
import { sha256 } from '../../src/config/read-json.js';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import type { trainingPipeline, TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import { copySample, editJson } from '../helpers/configs.js';
import { trainingWorker } from '../helpers/processes.js';
import { useSuiteServer } from '../helpers/temporal.js';
import { isAlive, waitFor as waitUntil } from '../helpers/wait.js';

const { address, namespace, workflowBundlePath } = inject('temporal');
/** Reads failures as the workers write them (messages in encoded attributes). */
const FAILURES = new DefaultFailureConverter({ encodeCommonAttributes: true });

/** The stall limit of the test job, in seconds: a few, and above its slowest honest gap (a cold start). */
const LIMIT = 8;

/** One chunk of 2 epochs × 4 steps, a checkpoint every 2 steps, a training process presumed hung after LIMIT s without progress. */
async function hangJob(): Promise<string> {
  const dir = await copySample('sleepnet-small');
  await editJson(join(dir, 'train_params.json'), (train) => {
    train.data.source.subjects = 24;
    train.training.epochs = 2;
    train.training.epochsPerChunk = 2;
    train.training.checkpointEverySteps = 2;
    train.training.heartbeatTimeoutSeconds = 3;
    train.training.stallTimeoutSeconds = LIMIT;
    delete train.training.earlyStopping;
  });
  return join(dir, 'train_params.json');
}


/** The running chunk's last heartbeat as the server has it. */
async function heartbeat(handle: WorkflowHandle): Promise<TrainingHeartbeat | undefined> {
  const { raw } = await handle.describe();
  const payload = raw.pendingActivities?.find((a) => a.activityType?.name === 'trainChunk')?.heartbeatDetails?.payloads?.[0];
  return payload ? (defaultPayloadConverter.fromPayload(payload) as TrainingHeartbeat) : undefined;
}

/** The trainChunk attempts' started events in the workflow's history (a retried activity records only its last attempt, with the failure before it). */
async function chunkStarts(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const types = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType?.name]));
  return events
    .filter((e) => e.activityTaskStartedEventAttributes && types.get(String(e.activityTaskStartedEventAttributes.scheduledEventId)) === 'trainChunk')
    .map((e) => ({ ...e.activityTaskStartedEventAttributes!, at: Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6) }));
}


const waitFor = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> => waitUntil(probe, what, timeoutMs);

describe('a training process that stops making progress', () => {
  const env = useSuiteServer();

  /** Runs the pipeline with in-process orchestration and one training worker process (with `workerEnv`); `during` watches the run. */
  async function train<T>(trainParams: string, workerEnv: NodeJS.ProcessEnv, during: (handle: WorkflowHandle<typeof trainingPipeline>) => Promise<T>) {
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-stall-'));
    const taskQueue = `stall-${randomUUID()}`;
    const trainingTaskQueue = `${taskQueue}-training`;
    const workers = await createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: false, artifactRoot, workflowBundlePath });
    const run = async () => {
      const worker = await trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, workerEnv);
      try {
        const handle = await env().client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
          taskQueue,
          workflowId: `stall-${randomUUID()}`,
          args: [{ trainParams, trainingTaskQueue }],
        });
        const watched = await during(handle);
        const result: TrainingPipelineResult = await handle.result();
        return { result, watched, handle };
      } finally {
        worker.child.kill('SIGKILL');
      }
    };
    return workers.runUntil(run());
  }

  it('is killed once silent for training.stallTimeoutSeconds, and the chunk is retried from its last checkpoint to the same final weights', async () => {
    const trainParams = await hangJob();
    const scratch = await mkdtemp(join(tmpdir(), 'epochal-hang-'));
    const trace = join(scratch, 'steps.log');
    const marker = join(scratch, 'hung');
    const hung = await train(trainParams, { EPOCHAL_TRACE_STEPS: trace, EPOCHAL_FAULT_HANG_AT_STEP: `3:${marker}` }, async (handle) => {
      const [pid, hungAt] = (await waitFor(() => readFile(marker, 'utf8'), 'the training process to hang after step 3')).split(' ').map(Number);
      // While it hangs, the worker heartbeats on, and the server sees the last step and when it was reported.
      const beat = await waitFor(async () => {
        const details = await heartbeat(handle);
        return details?.step === 3 ? details : undefined;
      }, 'a heartbeat naming step 3');
      return { pid: pid!, hungAt: hungAt!, beat };
    });

    const [attempt, ...others] = await chunkStarts(hung.handle);
    expect(others).toEqual([]);
    expect(attempt!.attempt).toBe(2);
    const failure = FAILURES.failureToError(attempt!.lastFailure!, defaultPayloadConverter) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'Stalled', nonRetryable: false });
    expect(failure.details?.[0]).toMatchObject({ task: 'trainChunk', after: 'step 3 (epoch 1)', limitSeconds: LIMIT, setting: 'training.stallTimeoutSeconds' });
    // The message rounds the silence to a tenth (8.03 s reads "8.0 s"); the details hold it exactly.
    expect(failure.message).toMatch(/made no progress for \d+\.\d s after step 3 \(epoch 1\) \(the limit, training\.stallTimeoutSeconds, is 8 s\)/);
    const silent = (failure.details?.[0] as { silentSeconds: number }).silentSeconds;
    expect(silent).toBeGreaterThan(LIMIT);
    expect(silent).toBeLessThan(LIMIT + 1.5); // noticed within a second of the limit
    // The retry started within the limit plus the check interval, the kill and the 1-s retry backoff.
    expect(attempt!.at - hung.watched.hungAt).toBeGreaterThan(LIMIT * 1000);
    expect(attempt!.at - hung.watched.hungAt).toBeLessThan((LIMIT + 4) * 1000);
    expect(isAlive(hung.watched.pid)).toBe(false);

    expect(hung.watched.beat).toMatchObject({ step: 3, epoch: 1 });
    expect(Math.abs(Date.parse(hung.watched.beat.progressAt!) - hung.watched.hungAt)).toBeLessThan(1000);

    const steps = (await readFile(trace, 'utf8')).trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number]);
    expect(steps.filter(([pid]) => pid === hung.watched.pid).map(([, step]) => step)).toEqual([1, 2, 3]);
    expect(steps.filter(([pid]) => pid !== hung.watched.pid).map(([, step]) => step)).toEqual([3, 4, 5, 6, 7, 8]); // from the checkpoint of step 2
    expect(hung.result.training).toMatchObject({ epochs: 2, step: 8 });

    const reference = await train(trainParams, {}, async () => undefined);
    expect(sha256(await readFile(hung.result.exported.weights.path))).toBe(sha256(await readFile(reference.result.exported.weights.path)));
    expect(hung.result.training.history).toEqual(reference.result.training.history.map((h, i) => ({ ...h, seconds: hung.result.training.history[i]!.seconds })));
  }, 300_000);
});
