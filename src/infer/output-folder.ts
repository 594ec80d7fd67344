/**
 * Inference output folders belong to one job (one workflow id): `planInference`
 * claims `output.path` (`.epochal-job.json`, see `folder-claim.ts`) before
 * anything is written, and every shard and the manifest check the claim
 * first. A job writes only into a new or empty folder, or one an earlier run
 * of the same job id wrote (whose finished shards it then reuses); a second
 * job on the folder fails non-retryably, naming the owner. When a job
 * finishes, only files Epochal wrote there are tidied away.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { checkFolderOwner, claimFolder, claimStoredFolder, type ClaimRules, type FolderOwner } from '../artifacts/folder-claim.js';
import type { ArtifactStore } from '../store/store.js';
import { OutputFolderError } from '../errors.js';

export const OUTPUT_MARKER = '.epochal-job.json';

const OUTPUT_FOLDERS: ClaimRules = {
  marker: OUTPUT_MARKER,
  kind: 'Output folder',
  owns: (claim, owner) => claim.workflowId === owner.workflowId, // a rerun of the same job may reuse its output
  fix: 'point output.path at a new or empty folder, or run the job again under the id that wrote this folder (epochal infer --id <that id>).',
  error: (message, folder, claim) => new OutputFolderError(message, folder, claim),
};

/** Claims the output folder `dir` for the job `owner` (see the module comment). */
export function claimOutputFolder(dir: string, owner: FolderOwner): Promise<void> {
  return claimFolder(dir, owner, OUTPUT_FOLDERS);
}

/** Claims the output folder `key` of an artifact store for the job `owner`. */
export function claimStoredOutputFolder(store: ArtifactStore, key: string, owner: FolderOwner): Promise<void> {
  return claimStoredFolder(store, key, owner, OUTPUT_FOLDERS);
}

/** Checks, before a shard or the manifest is written, that `dir` is still the job's. */
export function checkOutputOwner(dir: string, owner: FolderOwner): Promise<void> {
  return checkFolderOwner(dir, owner, OUTPUT_FOLDERS);
}

/** A shard output, its `.done.json` marker, or (NPY) its ids file. */
const SHARD_FILE = /^part-\d{5}\.(csv|jsonl|npy)$/;
/** A temporary file of an atomic write cut short by a crash (see `atomic.ts`). */
const CUT_SHORT = /^\.(part-\d{5}\.[a-z.]+|manifest\.json)\.tmp-[0-9a-f]+$/;

/**
 * After a job: shard outputs that an earlier run of the same job wrote (it
 * had more shards, or another format) and are not this run's, and temporary
 * files of writes cut short, are removed, so every `part-*` file left is this
 * run's. A file counts as Epochal's only with its `.done.json` marker beside
 * it; anything else (a file the user put there) is left alone.
 */
export async function removeStaleOutputs(dir: string, kept: readonly string[]): Promise<void> {
  const names = new Set(await readdir(dir));
  const ours = new Set(kept.map((file) => basename(file)));
  for (const name of names) {
    if (CUT_SHORT.test(name)) await rm(join(dir, name), { force: true });
    if (!SHARD_FILE.test(name) || ours.has(name) || !names.has(`${name}.done.json`)) continue;
    const ids = name.endsWith('.npy') ? [`${name.slice(0, -'.npy'.length)}.ids.txt`] : [];
    for (const file of [name, `${name}.done.json`, ...ids]) await rm(join(dir, file), { force: true });
  }
}
