/**
 * The stage process (see `stage-process.ts`): loads the worker's dataset
 * plugins, runs one memory-heavy stage and sends its result (or error); the
 * parent then ends it. Exits at once when the worker goes away.
 */
import { prepareData } from '../data/prepare.js';
import { loadPlugins } from '../data/registry.js';
import { serializeError } from '../errors.js';
import { prepareInferenceInput } from '../infer/prepare-input.js';
import type { StageChildMessage, StageParentMessage } from './stage-process.js';

const send = (message: StageChildMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.on('disconnect', () => process.exit(0));
process.once('message', ({ task, plugins }: StageParentMessage) => {
  void (async () => {
    let outcome: StageChildMessage;
    try {
      await loadPlugins(plugins);
      let last = 0;
      const onProgress = async (done: number, total: number) => {
        if (done < total && Date.now() - last < 500) return;
        last = Date.now();
        await send({ kind: 'progress', done, total });
      };
      const result =
        task.type === 'prepareData'
          ? await prepareData(task.data, { cacheRoot: task.cacheRoot, onProgress })
          : await prepareInferenceInput(task.source, task.inputs, task.preprocessing, { ...task.options, onProgress });
      outcome = { kind: 'result', result };
    } catch (error) {
      outcome = { kind: 'error', error: serializeError(error) };
    }
    await send(outcome); // the parent ends this process once it has the outcome
  })();
});
