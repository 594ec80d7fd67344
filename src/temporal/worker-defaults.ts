/** Where an Epochal worker finds its workflows, and what it uses when its options leave something out. */
import { join, resolve } from 'node:path';
import { defaultCacheDir } from '../cache-dir.js';
import { ownModule } from '../process/own-module.js';
import { ContentCache } from '../store/content-cache.js';
import { Mirror } from '../store/mirror.js';
import { isStoreUrl } from '../store/store.js';

/** The workflow module workers bundle (`epochal/workflows`). */
export const WORKFLOWS_PATH = ownModule(import.meta.url, '../../workflows/index');

/** The default training task queue (train_params `training.taskQueue`). */
export const TRAINING_TASK_QUEUE = 'epochal-gpu';

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
export function workerMirror(dir: string): Mirror {
  const megabytes = Number(process.env.EPOCHAL_MIRROR_CACHE_MB) || 8192;
  return new Mirror(dir, new ContentCache(join(dir, 'objects'), megabytes * 1024 * 1024));
}
