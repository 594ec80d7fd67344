/**
 * The training process: a child of the worker that runs chunks, evaluations and inference shards (CPU-heavy,
 * synchronous TensorFlow.js work) so the worker's event loop stays free for
 * heartbeats, cancellation and workflow tasks. Talks to its parent over IPC
 * (see `process.ts`); exits when the parent goes away, so a killed worker
 * never leaves training running behind it. Reports progress as it goes
 * (steps, checkpoints, evaluated and scored batches; at most one message per
 * 250 ms) so the parent can tell a slow task from a hung one.
 *
 * Environment variables for crash tests and debugging (test-only fault injection):
 *   EPOCHAL_TRACE_STEPS=<file>                 append "<pid> <step> <unix ms>" for every step taken
 *   EPOCHAL_PAUSE_CHECKPOINT=<step>:<ms>:<file> when writing the checkpoint of <step>, create
 *                                               <file> and wait <ms> before committing it
 *   EPOCHAL_FAULT_HANG_AT_STEP=<step>:<file>   after reporting <step>, unless <file> exists, create it
 *                                               ("<pid> <unix ms>") and hang: the training loop awaits a
 *                                               promise that never settles (so the hang happens once per file)
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { serializeError } from '../errors.js';
import { scoreShard } from '../infer/score.js';
import { trainChunk, type ChunkHooks } from './chunk.js';
import { evaluateCheckpoint, evaluateModel } from './evaluate-checkpoint.js';
import type { ChildMessage, ParentMessage, Task } from './process.js';

let stopRequested = false;
const send = (message: ChildMessage) => process.send?.(message);

let lastReport = 0;
/** Sends progress unless some was sent in the last 250 ms: steps can be far more frequent than the parent needs to hear. */
function report(message: ChildMessage): void {
  const now = Date.now();
  if (now - lastReport < 250) return;
  lastReport = now;
  send(message);
}

process.on('disconnect', () => process.exit(0)); // the worker is gone: stop at once
process.on('message', (message: ParentMessage) => {
  if (message.kind === 'stop') stopRequested = true;
  if (message.kind === 'run') {
    stopRequested = false;
    void run(message.task);
  }
});

async function run(task: Task): Promise<void> {
  let outcome: ChildMessage;
  send({ kind: 'progress', what: 'reaching the training process' }); // a cold start (Node, TensorFlow.js) is behind it
  lastReport = Date.now();
  const batchDone = (of: string) => (batch: number) => report({ kind: 'progress', what: `batch ${batch} of ${of}` });
  try {
    const result =
      task.type === 'trainChunk'
        ? await trainChunk(task.request, chunkHooks())
        : task.type === 'evaluate'
          ? await evaluateCheckpoint(task.request, batchDone(`the ${task.request.split} split`))
          : task.type === 'evaluateModel'
            ? await evaluateModel(task.request, batchDone(`the ${task.request.split} split`))
            : await scoreShard(task.request, batchDone(`shard ${task.request.shard}`));
    outcome = { kind: 'result', result };
  } catch (error) {
    outcome = { kind: 'error', error: serializeError(error) };
  }
  send(outcome); // then wait for the next task: the parent keeps one warm process, or ends this one
}

/** Progress over IPC, the stop flag, and the tracing, pausing and hanging hooks of the environment. */
function chunkHooks(): ChunkHooks {
  const trace = process.env.EPOCHAL_TRACE_STEPS;
  const pause = process.env.EPOCHAL_PAUSE_CHECKPOINT?.split(':');
  let hung = false;
  return {
    shouldStop: () => stopRequested,
    yieldToEvents: () => (hung ? new Promise<void>(() => {}) : new Promise((resolve) => setImmediate(resolve))),
    onStep: (progress) => {
      if (trace) appendFileSync(trace, `${process.pid} ${progress.step} ${Date.now()}\n`);
      hung = hangsAfter(progress.step);
      if (hung) send({ kind: 'step', ...progress }); // the step the hang follows, whatever the throttle
      else report({ kind: 'step', ...progress });
    },
    onCheckpoint: (checkpoint, state) => send({ kind: 'checkpoint', checkpoint, epoch: state.epoch, step: state.step }),
    onProgress: (what) => report({ kind: 'progress', what }),
    ...(pause
      ? {
          beforeCheckpointCommit: async (step: number) => {
            if (step !== Number(pause[0])) return;
            writeFileSync(pause.slice(2).join(':'), String(process.pid));
            await sleep(Number(pause[1]));
          },
        }
      : {}),
  };
}

/** EPOCHAL_FAULT_HANG_AT_STEP (test-only fault injection): whether to hang after `step`, marking its file the first time. */
function hangsAfter(step: number): boolean {
  const [at, ...file] = process.env.EPOCHAL_FAULT_HANG_AT_STEP?.split(':') ?? [];
  const marker = file.join(':');
  if (step !== Number(at) || !marker || existsSync(marker)) return false;
  writeFileSync(marker, `${process.pid} ${Date.now()}`);
  return true;
}
