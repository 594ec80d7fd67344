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
import { formatDuration } from '../duration.js';
import { print } from './shared.js';

/** Waits for the run's result, showing its progress meanwhile. */
export async function followProgress(
  handle: WorkflowHandle<typeof trainingPipeline>,
  options: { intervalMs?: number; tty?: boolean } = {},
): Promise<TrainingPipelineResult> {
  const tty = options.tty ?? Boolean(process.stdout.isTTY);
  const bar = tty ? new SingleBar({ format: BAR_FORMAT, hideCursor: true }) : undefined;
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
        if (started) {
          if (bar.getTotal() !== progress.epochs) bar.setTotal(progress.epochs); // extended
          bar.update(progress.epoch, values);
        }
      } else if (progress.epoch !== lastEpoch && progress.latest) {
        lastEpoch = progress.epoch;
        print.info(`  epoch ${progress.epoch}/${progress.epochs}: loss ${values.loss} · ${values.metric}${values.remaining === '—' ? '' : ` · ETA ${values.remaining}`}`);
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

/**
 * The bar's line. `{remaining}` is the workflow's ETA: cli-progress's own
 * `{eta}` extrapolates the bar's value (epochs), which only moves at chunk
 * ends, so it reads INF through the first chunk and jumps after each.
 */
export const BAR_FORMAT = ' {phase} |{bar}| epoch {epoch}/{epochs} · step {step} · loss {loss} · {metric} · ETA {remaining}';

/** What the bar shows, from the workflow's progress and the running chunk's heartbeat. */
export function barValues(progress: Progress, beat: TrainingHeartbeat | undefined) {
  const latest = progress.latest;
  const metric =
    latest?.val_cohenKappa !== undefined
      ? `val kappa ${latest.val_cohenKappa.toFixed(3)}`
      : latest?.val_loss !== undefined
        ? `val loss ${latest.val_loss.toFixed(4)}`
        : '—';
  const loss = beat?.loss ?? latest?.loss;
  return {
    phase: phaseLabel(progress),
    epoch: progress.epoch,
    epochs: progress.epochs,
    step: beat?.step ?? progress.step,
    loss: loss === undefined ? '—' : loss.toFixed(4),
    metric,
    remaining: remainingTime(progress),
  };
}

/**
 * The phase as a person would say it: `pausing` while a pause waits for the
 * training chunk to end (pause acts at chunk boundaries), `paused` once it holds.
 */
export function phaseLabel(progress: Pick<Progress, 'phase' | 'paused'>): string {
  return progress.phase === 'training' && progress.paused ? 'pausing' : progress.phase;
}

/** Whether training is still to come or under way, so an ETA or a pending stop means something. */
export function trainingAhead(progress: Pick<Progress, 'phase'>): boolean {
  return ['validating', 'preparing', 'building', 'training', 'paused'].includes(progress.phase);
}

/**
 * The workflow's estimate of the training time left, or `—` when there is
 * none worth showing: before the first chunk has timed the pace, once
 * training is over, and once a stop is pending (training ends with the chunk).
 */
export function remainingTime(progress: Pick<Progress, 'phase' | 'etaSeconds' | 'stopRequested'>): string {
  return progress.etaSeconds === undefined || progress.stopRequested || !trainingAhead(progress) ? '—' : formatDuration(progress.etaSeconds);
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
