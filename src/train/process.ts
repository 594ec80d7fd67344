/**
 * Running a training chunk (or an evaluation) in a child process (`child.ts`) and following it:
 * progress and checkpoints come back over IPC, a stop request makes it save
 * and stop at the next step boundary, and a child that dies without a result
 * is an error the caller may retry. Given a stall limit, a child that reports
 * no progress for longer is killed and the task fails with a retryable
 * `StalledError` (see `../process/stall.ts`).
 */
import type { ChildProcess } from 'node:child_process';
import type { CheckpointRef } from '../checkpoint/checkpoint.js';
import { deserializeError, StalledError, type SerializedError } from '../errors.js';
import { forkOwnModule, ownModule } from '../process/own-module.js';
import { watchForStall, type StallLimit } from '../process/stall.js';
import { terminate } from '../process/terminate.js';
import type { ScoreShardRequest, ShardOutput } from '../infer/score.js';
import type { ChunkRequest, ChunkResult } from './chunk.js';
import type { SplitEvaluation } from './evaluate.js';
import type { EvaluateModelRequest, EvaluateRequest, Holdout } from './evaluate-checkpoint.js';

/** What the training process can do. */
export type Task =
  | { type: 'trainChunk'; request: ChunkRequest }
  | { type: 'evaluate'; request: EvaluateRequest }
  | { type: 'evaluateModel'; request: EvaluateModelRequest }
  | { type: 'inferShard'; request: ScoreShardRequest };

/** Parent → child. */
export type ParentMessage = { kind: 'run'; task: Task } | { kind: 'stop' };

/** Child → parent. */
export type ChildMessage =
  | { kind: 'step'; epoch: number; step: number; loss: number }
  | { kind: 'checkpoint'; checkpoint: CheckpointRef; epoch: number; step: number }
  /** Progress other than a training step (a phase done, an evaluated or scored batch), in words. */
  | { kind: 'progress'; what: string }
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; error: SerializedError };

const CHILD = ownModule(import.meta.url, './child');

export interface ProcessHooks {
  onStep?(progress: { epoch: number; step: number; loss: number }): void;
  onCheckpoint?(progress: { checkpoint: CheckpointRef; epoch: number; step: number }): void;
  /** Progress other than a step, in words (`batch 4 of the test split`). */
  onProgress?(what: string): void;
  /** Aborting asks the child to save and stop at the next step boundary. */
  signal?: AbortSignal;
  /** Kill the child and fail with a `StalledError` when it reports no progress (of any kind) for this long. */
  stall?: StallLimit;
}

/** How long a stalled child has to exit after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 5000;
/**
 * How long a fresh training process may take to start (Node, tsx and TensorFlow.js load: a second or two
 * idle, ten or more on a loaded machine) before it reports anything, when the stall limit is shorter.
 */
const PROCESS_START_MS = 120_000;

/** Trains one chunk in a training process. */
export function trainChunkInProcess(request: ChunkRequest, hooks: ProcessHooks = {}): Promise<ChunkResult> {
  return runInProcess({ type: 'trainChunk', request }, hooks) as Promise<ChunkResult>;
}

/** Evaluates a checkpoint in a training process. */
export function evaluateInProcess(request: EvaluateRequest, hooks: ProcessHooks = {}): Promise<SplitEvaluation | undefined> {
  return runInProcess({ type: 'evaluate', request }, hooks) as Promise<SplitEvaluation | undefined>;
}

/** Evaluates another model (a champion) on a run's split in a training process. */
export function evaluateModelInProcess(request: EvaluateModelRequest, hooks: ProcessHooks = {}): Promise<(SplitEvaluation & { holdout?: Holdout }) | undefined> {
  return runInProcess({ type: 'evaluateModel', request }, hooks) as Promise<(SplitEvaluation & { holdout?: Holdout }) | undefined>;
}

/** Scores one inference shard in a training process. */
export function scoreShardInProcess(request: ScoreShardRequest, hooks: ProcessHooks = {}): Promise<ShardOutput> {
  return runInProcess({ type: 'inferShard', request }, hooks) as Promise<ShardOutput>;
}

function runInProcess(task: Task, hooks: ProcessHooks): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = acquire();
    let settled = false;
    let stalled: StalledError | undefined;
    const stop = () => child.connected && child.send({ kind: 'stop' } satisfies ParentMessage);
    const watch =
      hooks.stall &&
      watchForStall({
        limitMs: hooks.stall.seconds * 1000,
        startLimitMs: Math.max(hooks.stall.seconds * 1000, PROCESS_START_MS),
        onStall: ({ after, silentMs }) => {
          stalled = new StalledError(task.type, after, silentMs / 1000, hooks.stall!);
          void terminate(child, KILL_GRACE_MS).then(() => finish(() => reject(stalled), false));
        },
      });
    const finish = (outcome: () => void, reusable: boolean) => {
      if (settled) return;
      settled = true;
      watch?.stop();
      hooks.signal?.removeEventListener('abort', stop);
      child.off('message', onMessage).off('error', onError).off('exit', onExit);
      // A process that was asked to stop, failed or died is not trusted with another task.
      if (reusable && !hooks.signal?.aborted) release(child);
      else discard(child);
      outcome();
    };
    const onMessage = (message: ChildMessage) => {
      if (message.kind === 'step') {
        watch?.progress(`step ${message.step} (epoch ${message.epoch})`);
        hooks.onStep?.(message);
      } else if (message.kind === 'checkpoint') {
        watch?.progress(`the checkpoint of step ${message.step}`);
        hooks.onCheckpoint?.(message);
      } else if (message.kind === 'progress') {
        watch?.progress(message.what);
        hooks.onProgress?.(message.what);
      } else if (message.kind === 'result') finish(() => resolve(message.result), true);
      else finish(() => reject(deserializeError(message.error)), false);
    };
    const onError = (error: Error) => finish(() => reject(error), false);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(() => reject(stalled ?? new Error(`The training process exited (${signal ?? `code ${code}`}) before finishing its ${task.type}.`)), false);
    child.on('message', onMessage).on('error', onError).on('exit', onExit);
    hooks.signal?.addEventListener('abort', stop, { once: true });
    child.send({ kind: 'run', task } satisfies ParentMessage);
  });
}

/**
 * Warm training processes are kept between tasks, as many as have ever run at
 * once (one on a training worker): starting Node, TensorFlow.js and its
 * backend costs most of a second, which a chunk of one short epoch would
 * otherwise pay every time. Idle, they do not keep the worker alive, and they
 * exit with the worker.
 */
const idle: ChildProcess[] = [];
let running = 0;
let peak = 0;

function acquire(): ChildProcess {
  running += 1;
  peak = Math.max(peak, running);
  for (let child = idle.pop(); child; child = idle.pop()) {
    if (!child.connected) continue;
    child.ref();
    child.channel?.ref();
    return child;
  }
  const child = forkOwnModule(CHILD);
  child.once('exit', () => {
    const at = idle.indexOf(child);
    if (at >= 0) idle.splice(at, 1);
  });
  return child;
}

function discard(child: ChildProcess): void {
  running -= 1;
  child.kill();
}

function release(child: ChildProcess): void {
  running -= 1;
  if (idle.length >= peak || !child.connected) {
    child.kill();
    return;
  }
  child.unref();
  child.channel?.unref();
  idle.push(child);
}
