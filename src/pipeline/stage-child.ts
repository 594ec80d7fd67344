/**
 * The stage process (see `stage-process.ts`): loads the worker's dataset
 * plugins, runs one stage and sends its result (or error) with its peak
 * resident memory; the parent then ends it. Each stage's code is imported
 * when it runs, so preparing data never loads TensorFlow.js. Progress goes
 * to the parent at each new phase and at most twice a second within one.
 * Exits at once when the worker goes away.
 */
import { loadPlugins } from '../data/registry.js';
import { serializeError } from '../errors.js';
import type { StageChildMessage, StageParentMessage, StageProgress, StageTask } from './stage-process.js';

const PROGRESS_MS = 500;

const send = (message: StageChildMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.on('disconnect', () => process.exit(0));
process.once('message', ({ task, plugins }: StageParentMessage) => {
  void (async () => {
    let outcome: StageChildMessage;
    try {
      await loadPlugins(plugins);
      const result = await run(task, throttled((progress) => send({ kind: 'progress', ...progress })));
      outcome = { kind: 'result', result, peakRssMb: process.resourceUsage().maxRSS / 1024 };
    } catch (error) {
      outcome = { kind: 'error', error: serializeError(error) };
    }
    await send(outcome); // the parent ends this process once it has the outcome
  })();
});

async function run(task: StageTask, report: (progress: StageProgress) => Promise<void>): Promise<unknown> {
  switch (task.type) {
    case 'prepareData': {
      const { prepareData } = await import('../data/prepare.js');
      return prepareData(task.data, { cacheRoot: task.cacheRoot, onProgress: report });
    }
    case 'prepareInference': {
      const { prepareInferenceInput } = await import('../infer/prepare-input.js');
      const onProgress = (done: number, total: number) => report({ phase: 'writing', done, total, unit: 'records' });
      return prepareInferenceInput(task.source, task.inputs, task.preprocessing, { ...task.options, onProgress });
    }
    case 'buildModel': {
      const { buildModelStage } = await import('./build-model.js');
      return buildModelStage(task.input, { onPhase: (phase) => report({ phase, done: 0, total: 0 }) });
    }
  }
}

/** `report` for the first progress of each phase and its last (done = total), and otherwise at most every PROGRESS_MS. */
function throttled(report: (progress: StageProgress) => Promise<void>): (progress: StageProgress) => Promise<void> {
  let phase: string | undefined;
  let last = 0;
  return async (progress) => {
    const now = Date.now();
    if (progress.phase === phase && progress.done < progress.total && now - last < PROGRESS_MS) return;
    phase = progress.phase;
    last = now;
    await report(progress);
  };
}
