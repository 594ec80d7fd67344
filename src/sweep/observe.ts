/**
 * Reading a sweep's trials from the server: a running trial's curve from its
 * `progress` query, an ended one's outcome from its result (or failure).
 * Only what the sweep needs comes back: the sweep metric per epoch and
 * references, never a trial's whole result.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../../workflows/definitions.js';
import type { TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import type { EpochRecord } from '../train/chunk.js';
import { readFailure } from '../temporal/failures.js';

/** What one read saw of one trial. */
export type TrialObservation =
  /** Its curve from epoch `from + 1` on (the epochs the sweep knew are not sent again; `from` is 0 when they changed). */
  | { trial: number; status: 'running'; from: number; values: (number | null)[] }
  | {
      trial: number;
      status: 'ended';
      curve: (number | null)[];
      ended: TrainingPipelineResult['training']['ended'];
      /** The model folder it exported, and which epoch's. */
      exported: { which: 'best' | 'last'; epoch: number; model: string };
      runDir: string;
    }
  | { trial: number; status: 'failed'; reason: string }
  /** No answer this time (a busy worker, a query timeout): the sweep keeps what it knew. */
  | { trial: number; status: 'unanswered'; reason: string };

/** How long one trial's progress query may take before the read moves on without it. */
const QUERY_TIMEOUT_MS = 10_000;

/** A trial to read, and its curve as the sweep knows it (for a running trial, only what is new comes back). */
export interface TrialToObserve {
  trial: number;
  workflowId: string;
  known: (number | null)[];
}

/** Reads one trial. */
export async function observeTrial(client: Client, trial: TrialToObserve, metric: string): Promise<TrialObservation> {
  const handle: WorkflowHandle = client.workflow.getHandle(trial.workflowId);
  try {
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') {
      const progress = await withTimeout(handle.query(progressQuery), QUERY_TIMEOUT_MS, 'the progress query');
      return { trial: trial.trial, status: 'running', ...newValues(trial.known, curveOf(progress.history, metric)) };
    }
    if (status.name !== 'COMPLETED') return { trial: trial.trial, status: 'failed', reason: await failureOf(handle, status.name) };
    const result = (await handle.result()) as TrainingPipelineResult;
    const { training, exported, runDir } = result;
    return {
      trial: trial.trial,
      status: 'ended',
      curve: curveOf(training.history, metric),
      ended: training.ended,
      exported: { which: training.exported.which, epoch: training.exported.epoch, model: exported.model.path.replace(/[\\/]model\.json$/, '') },
      runDir,
    };
  } catch (error) {
    return { trial: trial.trial, status: 'unanswered', reason: error instanceof Error ? error.message : String(error) };
  }
}

/** What `curve` adds to `known`: the values after the known ones, or all of them when the known ones changed (a chunk trained again). */
export function newValues(known: readonly (number | null)[], curve: readonly (number | null)[]): { from: number; values: (number | null)[] } {
  const unchanged = known.length <= curve.length && known.every((value, i) => value === curve[i]);
  return unchanged ? { from: known.length, values: curve.slice(known.length) } : { from: 0, values: [...curve] };
}

/** The metric after each epoch (index 0: epoch 1); null where an epoch did not record it. */
export function curveOf(history: readonly EpochRecord[], metric: string): (number | null)[] {
  const curve: (number | null)[] = [];
  for (const record of history) {
    const value = record[metric as keyof EpochRecord];
    while (curve.length < record.epoch - 1) curve.push(null);
    curve[record.epoch - 1] = typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  return curve;
}

async function failureOf(handle: WorkflowHandle, status: string): Promise<string> {
  const ended = status.toLowerCase().replace(/_/g, ' ');
  try {
    await handle.result();
    return ended;
  } catch (error) {
    const failure = readFailure(error);
    return `${ended}: ${failure.message}${failure.fix ? ` Fix: ${failure.fix}` : ''}`;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
