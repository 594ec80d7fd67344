/**
 * Following a run live: the workflow's `progress` query (epochs, metrics, ETA)
 * plus the running chunk's heartbeat (step and loss within the chunk), as a
 * progress bar on a terminal or one line per epoch elsewhere.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { SingleBar } from 'cli-progress';
import type { TrainingHeartbeat } from '../../activities/index.js';
import { progressQuery, type Progress } from '../../workflows/definitions.js';
import type { trainingPipeline, TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import { print } from './shared.js';

/** Waits for the run's result, showing its progress meanwhile. */
export async function followProgress(
  handle: WorkflowHandle<typeof trainingPipeline>,
  options: { intervalMs?: number; tty?: boolean } = {},
): Promise<TrainingPipelineResult> {
  const tty = options.tty ?? Boolean(process.stdout.isTTY);
  const bar = tty
    ? new SingleBar({ format: ' {phase} |{bar}| epoch {epoch}/{epochs} · step {step} · loss {loss} · {metric} · ETA {eta}', hideCursor: true })
    : undefined;
  let started = false;
  let lastEpoch = -1;
  try {
    return await pollUntilSettled(handle.result(), options.intervalMs ?? 1000, async () => {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (!progress) return;
      const beat = await heartbeat(handle);
      const values = barValues(progress, beat);
      if (bar) {
        if (!started && progress.epochs > 0) {
          bar.start(progress.epochs, progress.epoch, values);
          started = true;
        }
        if (started) bar.update(progress.epoch, values);
      } else if (progress.epoch !== lastEpoch && progress.latest) {
        lastEpoch = progress.epoch;
        print.info(`  epoch ${progress.epoch}/${progress.epochs}: loss ${values.loss} · ${values.metric}`);
      }
    });
  } finally {
    bar?.stop();
  }
}

/** Calls `tick` every `intervalMs`, and once more as `result` settles (so the last progress shows); returns the result. */
export async function pollUntilSettled<T>(result: Promise<T>, intervalMs: number, tick: () => Promise<void>): Promise<T> {
  let settled = false;
  const done = result.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await Promise.race([sleep(intervalMs), done]);
    await tick();
  }
  return result;
}

function barValues(progress: Progress, beat: TrainingHeartbeat | undefined) {
  const latest = progress.latest;
  const metric =
    latest?.val_cohenKappa !== undefined
      ? `val kappa ${latest.val_cohenKappa.toFixed(3)}`
      : latest?.val_loss !== undefined
        ? `val loss ${latest.val_loss.toFixed(4)}`
        : '—';
  const loss = beat?.loss ?? latest?.loss;
  return {
    phase: progress.paused ? 'paused' : progress.phase,
    epoch: progress.epoch,
    epochs: progress.epochs,
    step: beat?.step ?? progress.step,
    loss: loss === undefined ? '—' : loss.toFixed(4),
    metric,
    eta: progress.etaSeconds === undefined ? '—' : `${Math.round(progress.etaSeconds)} s`,
  };
}

/** The running training chunk's last heartbeat, if a chunk is running. */
async function heartbeat(handle: WorkflowHandle): Promise<TrainingHeartbeat | undefined> {
  try {
    const { raw } = await handle.describe();
    const details = raw.pendingActivities?.find((activity) => activity.activityType?.name === 'trainChunk')?.heartbeatDetails?.payloads?.[0];
    return details ? (defaultPayloadConverter.fromPayload(details) as TrainingHeartbeat) : undefined;
  } catch {
    return undefined;
  }
}
