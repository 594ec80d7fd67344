/**
 * Paths written into artifact files (a run's `data.json`, an inference
 * job's manifest) outlive the worker that wrote them. A stage running on a
 * worker's mirror of object storage (see `mirror.ts`) sees its files at
 * local paths that mean nothing on another machine, so what it records is
 * the `s3://` reference instead, and what it reads back is mapped to its own
 * copy. Outside such a stage both are the identity.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface PathMapping {
  /** A local path as the reference other machines understand. */
  recorded(path: string): string;
  /** A recorded reference as this worker's local path. */
  local(path: string): string;
}

const mapping = new AsyncLocalStorage<PathMapping>();

/** Runs `work` with `paths` mapping what it records and reads back. */
export function withPathMapping<T>(paths: PathMapping, work: () => Promise<T>): Promise<T> {
  return mapping.run(paths, work);
}

/** `path` as it should be written into an artifact file. */
export function recordedPath(path: string): string {
  return mapping.getStore()?.recorded(path) ?? path;
}

/** A path read from an artifact file, as this worker reaches it. */
export function localPath(path: string): string {
  return mapping.getStore()?.local(path) ?? path;
}
