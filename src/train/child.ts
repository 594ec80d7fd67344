/**
 * The training process: a child of the worker that runs chunks, evaluations and inference shards (CPU-heavy,
 * synchronous TensorFlow.js work) so the worker's event loop stays free for
 * heartbeats, cancellation and workflow tasks. Talks to its parent over IPC
 * (see `process.ts`); exits when the parent goes away, so a killed worker
 * never leaves training running behind it.
 *
 * Two environment variables exist for crash tests and debugging:
 *   EPOCHAL_TRACE_STEPS=<file>                 append "<pid> <step> <unix ms>" for every step taken
 *   EPOCHAL_PAUSE_CHECKPOINT=<step>:<ms>:<file> when writing the checkpoint of <step>, create
 *                                               <file> and wait <ms> before committing it
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { serializeError } from '../errors.js';
import { scoreShard } from '../infer/score.js';
import { trainChunk, type ChunkHooks } from './chunk.js';
import { evaluateCheckpoint, evaluateModel } from './evaluate-checkpoint.js';
import type { ChildMessage, ParentMessage, Task } from './process.js';

let stopRequested = false;
const send = (message: ChildMessage) => process.send?.(message);

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
  try {
    const result =
      task.type === 'trainChunk'
        ? await trainChunk(task.request, chunkHooks())
        : task.type === 'evaluate'
          ? await evaluateCheckpoint(task.request)
          : task.type === 'evaluateModel'
            ? await evaluateModel(task.request)
            : await scoreShard(task.request);
    outcome = { kind: 'result', result };
  } catch (error) {
    outcome = { kind: 'error', error: serializeError(error) };
  }
  send(outcome); // then wait for the next task: the parent keeps one warm process, or ends this one
}

/** Progress over IPC, the stop flag, and the tracing and pausing hooks of the environment. */
function chunkHooks(): ChunkHooks {
  let lastProgress = 0;
  const trace = process.env.EPOCHAL_TRACE_STEPS;
  const pause = process.env.EPOCHAL_PAUSE_CHECKPOINT?.split(':');
  return {
    shouldStop: () => stopRequested,
    yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
    onStep: ({ epoch, step, loss }) => {
      if (trace) appendFileSync(trace, `${process.pid} ${step} ${Date.now()}\n`);
      const now = Date.now();
      if (now - lastProgress >= 250) {
        lastProgress = now;
        send({ kind: 'step', epoch, step, loss });
      }
    },
    onCheckpoint: (checkpoint, state) => send({ kind: 'checkpoint', checkpoint, epoch: state.epoch, step: state.step }),
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
