/**
 * Epochal workers: the bundled workflows and the stage activities on the
 * orchestration task queue, and training (chunks, evaluation) on the training
 * task queue, one activity at a time. A process serves either or both. The
 * CLI (`epochal worker`, `epochal dev`), the demo and the integration tests
 * all build their workers here.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { defaultCacheDir } from '../cache-dir.js';
import { rootsFromEnv, workerRoots, type Roots } from '../config/roots.js';
import { ContentCache } from '../store/content-cache.js';
import { Mirror } from '../store/mirror.js';
import { isStoreUrl } from '../store/store.js';
import { epochalDataConverter } from './codec/data-converter.js';
import type { CodecKeys } from './codec/keys.js';
import { ORCHESTRATION_TASK_QUEUE } from './connection.js';
import { ensureSearchAttributes } from './search-attributes.js';

/** The workflow module the worker bundles. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/** The default training task queue (train_params `training.taskQueue`). */
export const TRAINING_TASK_QUEUE = 'epochal-gpu';

export interface EpochalWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Orchestration task queue to poll (default `epochal`); `false` to serve training only. */
  taskQueue?: string | false;
  /** Training task queue to poll (default `epochal-gpu`); `false` to serve orchestration only. */
  trainingTaskQueue?: string | false;
  /** Default artifact root (default `$EPOCHAL_ARTIFACT_ROOT`, else `runs/` in the working folder). */
  artifactRoot?: string;
  /** Folder relative config paths resolve against (default: the working folder). */
  cwd?: string;
  /** Folders the worker may read from / write to (default: $EPOCHAL_READ_ROOTS / $EPOCHAL_WRITE_ROOTS, else the working folder and the artifact root; see `config/roots.ts`). */
  readRoots?: readonly string[];
  writeRoots?: readonly string[];
  /** This worker's mirror of artifacts in object storage (default: $EPOCHAL_MIRROR_DIR, else `mirror/` in the Epochal cache); see `store/mirror.ts`. */
  mirrorDir?: string;
  /** Heap of the processes that prepare data, in MB (default: $EPOCHAL_STAGE_MEMORY_MB, else half the machine's memory, at most 4 GB). */
  stageMemoryMb?: number;
  /** Payload encryption keys (default: the environment's, see `codec/keys.ts`; none: payloads as they are). */
  codecKeys?: CodecKeys;
  /** A prebuilt workflow bundle (tests bundle once for the whole suite); bundled from source when absent. */
  workflowBundlePath?: string;
}

/** The workers of one process, run and stopped together. */
export interface EpochalWorkers {
  workers: Worker[];
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

/** The artifact root a worker uses when neither the config nor its options name one. */
export function defaultArtifactRoot(cwd = process.cwd()): string {
  const root = process.env.EPOCHAL_ARTIFACT_ROOT ?? 'runs';
  return isStoreUrl(root) ? root : resolve(cwd, root);
}

/** The folder a worker mirrors object-store artifacts into when its options name none. */
export function defaultMirrorDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.EPOCHAL_MIRROR_DIR || join(defaultCacheDir(env), 'mirror'));
}

/** The worker's mirror: its files, and a content cache of fetched checkpoints and shards bounded by $EPOCHAL_MIRROR_CACHE_MB (default 8192). */
function workerMirror(dir: string): Mirror {
  const megabytes = Number(process.env.EPOCHAL_MIRROR_CACHE_MB) || 8192;
  return new Mirror(dir, new ContentCache(join(dir, 'objects'), megabytes * 1024 * 1024));
}

/** Creates (does not run) the workers; registers Epochal's search attributes first if the namespace lacks them. */
export async function createEpochalWorkers(options: EpochalWorkerOptions): Promise<EpochalWorkers> {
  await ensureSearchAttributes(options.connection, options.namespace);
  const cwd = options.cwd ?? process.cwd();
  const artifactRoot = options.artifactRoot ?? defaultArtifactRoot(cwd);
  const env = rootsFromEnv();
  const roots = workerRoots({ cwd, artifactRoot, read: options.readRoots ?? env.read, write: options.writeRoots ?? env.write });
  const { encrypted, ...dataConverter } = await epochalDataConverter(options.codecKeys);
  const mirror = workerMirror(options.mirrorDir ?? defaultMirrorDir());
  const activities = createActivities({ artifactRoot, cwd, roots, encrypted, mirror, ...(options.stageMemoryMb ? { stageMemoryMb: options.stageMemoryMb } : {}) });
  const common = { connection: options.connection, namespace: options.namespace, activities, dataConverter };
  const workers: Worker[] = [];
  const orchestration = options.taskQueue === undefined ? ORCHESTRATION_TASK_QUEUE : options.taskQueue;
  if (orchestration !== false) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: orchestration,
        ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
        shutdownGraceTime: '10 seconds',
      }),
    );
  }
  const training = options.trainingTaskQueue === undefined ? TRAINING_TASK_QUEUE : options.trainingTaskQueue;
  if (training !== false) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: training,
        // One chunk at a time: training takes the whole accelerator (or CPU).
        maxConcurrentActivityTaskExecutions: 1,
        // On shutdown the running chunk is cancelled at once: it saves at the next step and another worker resumes it.
        shutdownGraceTime: '1 second',
        // Checkpoint paths reach the server within a second, so a retry loses as little as possible.
        defaultHeartbeatThrottleInterval: '1 second',
        maxHeartbeatThrottleInterval: '2 seconds',
      }),
    );
  }
  if (workers.length === 0) throw new Error('A worker must serve the orchestration task queue, the training task queue, or both.');
  return {
    workers,
    encrypted,
    roots,
    mirrorDir: mirror.dir,
    run: async () => {
      await Promise.all(workers.map((worker) => worker.run()));
    },
    runUntil: <T>(work: Promise<T>) =>
      workers.reduce<() => Promise<T>>((inner, worker) => () => worker.runUntil(inner), () => work)(),
    shutdown: () => workers.forEach((worker) => worker.shutdown()),
  };
}
