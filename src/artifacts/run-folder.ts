/**
 * The layout of one run's artifacts: `<artifactRoot>/<runId>/` holds the
 * config snapshot, prepared data, checkpoints, metrics and the exported model.
 * Stages pass these paths (with hashes) to each other, never the data itself.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isStoreUrl } from '../store/store.js';

/** Paths of one run's artifact folder. */
export interface RunFolder {
  runId: string;
  root: string;
  /** Resolved configs and their hashes, as the run saw them. */
  config: string;
  /** Checkpoints, one folder each (`ckpt-<step>`). */
  checkpoints: string;
  /** Reports: freezing, pretrained compatibility, metrics. */
  reports: string;
}

/** The folder of run `runId` under `artifactRoot`. */
export function runFolder(artifactRoot: string, runId: string): RunFolder {
  const root = join(artifactRoot, folderName(runId));
  return { runId, root, config: join(root, 'config'), checkpoints: join(root, 'checkpoints'), reports: join(root, 'reports') };
}

/**
 * A run id as a single safe folder name. Workflow ids may contain any
 * character; `/`, `\`, `%` and the names `.` and `..` are percent-encoded.
 */
export function folderName(runId: string): string {
  if (runId === '.' || runId === '..') return encodeURIComponent(runId).replace(/\./g, '%2E');
  return runId.replace(/[%/\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The folder of the checkpoint taken after `step` optimizer steps (zero-padded so names sort by step). */
export function checkpointFolder(folder: RunFolder, step: number): string {
  return checkpointPath(folder.checkpoints, step);
}

/** `ckpt-<step>` under a checkpoints folder. */
export function checkpointPath(checkpoints: string, step: number): string {
  return join(checkpoints, `ckpt-${String(step).padStart(9, '0')}`);
}

/**
 * A path as manifests and the registry store it: relative to the artifact
 * root when inside it (so a moved or copied root keeps working), else as given.
 */
export function storedPath(artifactRoot: string, path: string): string {
  if (isStoreUrl(artifactRoot) || isStoreUrl(path)) {
    const base = `${artifactRoot.replace(/\/+$/, '')}/`;
    return path.startsWith(base) ? path.slice(base.length) : path;
  }
  const inside = relative(resolve(artifactRoot), resolve(path));
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : path;
}

/** A stored path (see `storedPath`) as an absolute path under `artifactRoot`. */
export function resolveStored(artifactRoot: string, stored: string): string {
  if (isAbsolute(stored) || isStoreUrl(stored)) return stored;
  return isStoreUrl(artifactRoot) ? `${artifactRoot.replace(/\/+$/, '')}/${stored}` : resolve(artifactRoot, stored);
}
