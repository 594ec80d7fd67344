/**
 * Epochal's workers for one process: an orchestration worker (the workflows
 * and stage activities) and a training worker (chunks, evaluation, scoring),
 * either or both, each made by `Worker.create` with the Epochal plugin
 * (`plugin.ts`): the CLI (`epochal worker`, `epochal dev`), the demo and the
 * integration tests all make their workers here, the one way workers are made.
 */
import { Worker, type NativeConnection, type WorkerPlugin } from '@temporalio/worker';
import type { Roots } from '../config/roots.js';
import { ORCHESTRATION_TASK_QUEUE } from './connection.js';
import { epochalPlugin, type EpochalPlugin, type EpochalPluginOptions } from './plugin.js';
import { TRAINING_TASK_QUEUE } from './worker-defaults.js';

export { TRAINING_TASK_QUEUE, WORKFLOWS_PATH, defaultArtifactRoot, defaultMirrorDir } from './worker-defaults.js';

export interface EpochalWorkerOptions extends Omit<EpochalPluginOptions, 'trainingTaskQueue'> {
  connection: NativeConnection;
  namespace: string;
  /** Orchestration task queue to poll (default `epochal`); `false` to serve training only. */
  taskQueue?: string | false;
  /** Training task queue to poll (default `epochal-gpu`); `false` to serve orchestration only. */
  trainingTaskQueue?: string | false;
  /** More plugins for these workers (after Epochal's). */
  plugins?: WorkerPlugin[];
}

/** The workers of one process, run and stopped together. */
export interface EpochalWorkers {
  workers: Worker[];
  /** The plugin the workers were made with (its settings: roots, mirror, deployment version). */
  plugin: EpochalPlugin;
  /** Whether payloads are encrypted (a codec key is configured). */
  encrypted: boolean;
  /** Where these workers' jobs may read and write. */
  roots: Roots;
  /** Where they keep their copies of object-store artifacts. */
  mirrorDir: string;
  /** Runs until shutdown (Ctrl-C / SIGTERM, or `shutdown()`). */
  run(): Promise<void>;
  /** Runs while `work` is pending, then shuts down. */
  runUntil<T>(work: Promise<T>): Promise<T>;
  shutdown(): void;
}

/** Creates (does not run) the workers. */
export async function createEpochalWorkers(options: EpochalWorkerOptions): Promise<EpochalWorkers> {
  const { connection, namespace, taskQueue, trainingTaskQueue, plugins = [], ...pluginOptions } = options;
  const training = trainingTaskQueue === undefined ? TRAINING_TASK_QUEUE : trainingTaskQueue;
  const orchestration = taskQueue === undefined ? ORCHESTRATION_TASK_QUEUE : taskQueue;
  if (orchestration === false && training === false) throw new Error('A worker must serve the orchestration task queue, the training task queue, or both.');
  const plugin = await epochalPlugin({ ...pluginOptions, ...(training !== false ? { trainingTaskQueue: training } : {}) });
  const queues = [orchestration, training].filter((queue): queue is string => queue !== false);
  const workers = await Promise.all(queues.map((queue) => Worker.create({ connection, namespace, taskQueue: queue, plugins: [plugin, ...plugins] })));
  return {
    workers,
    plugin,
    encrypted: plugin.settings.encrypted,
    roots: plugin.settings.roots,
    mirrorDir: plugin.settings.mirrorDir,
    run: async () => {
      await Promise.all(workers.map((worker) => worker.run()));
    },
    runUntil: <T>(work: Promise<T>) =>
      workers.reduce<() => Promise<T>>((inner, worker) => () => worker.runUntil(inner), () => work)(),
    shutdown: () => workers.forEach((worker) => worker.shutdown()),
  };
}
