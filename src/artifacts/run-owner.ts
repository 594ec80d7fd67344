/**
 * Run folders belong to one workflow. `validateConfig` claims its run folder
 * (`owner.json`, see `folder-claim.ts`) with the workflow id and the id of its
 * first execution, which stays the same across retries, continue-as-new and
 * resets but differs for a new workflow under a reused id; every later stage
 * checks the claim before it writes. So reusing a run id never overwrites a
 * run, finished or running, and a folder that is not an Epochal run (a
 * user's) is never written into.
 */
import { RunFolderError } from '../errors.js';
import type { ArtifactStore } from '../store/store.js';
import { checkFolderOwner, claimFolder, claimStoredFolder, type ClaimRules, type FolderOwner } from './folder-claim.js';
import { runFolder, type RunFolder } from './run-folder.js';

export type RunOwner = FolderOwner;

export const OWNER_FILE = 'owner.json';

const RUN_FOLDERS: ClaimRules = {
  marker: OWNER_FILE,
  kind: 'Run folder',
  owns: (claim, owner) => claim.workflowId === owner.workflowId && claim.firstRunId === owner.firstRunId,
  fix: 'start the run under another id (epochal train --id, or the runId input); a run folder is never overwritten.',
  error: (message, folder, claim) => new RunFolderError(message, folder, claim),
};

/** Claims `root` for `owner`, or confirms it already has it (see `claimFolder`). */
export function claimRunFolder(root: string, owner: RunOwner): Promise<void> {
  return claimFolder(root, owner, RUN_FOLDERS);
}

/** Claims the run folder `key` of an artifact store for `owner` (see `claimStoredFolder`). */
export function claimStoredRunFolder(store: ArtifactStore, key: string, owner: RunOwner): Promise<void> {
  return claimStoredFolder(store, key, owner, RUN_FOLDERS);
}

/** Checks that `root` is still `owner`'s before a stage writes into it (runs from before ownership have no owner to check). */
export async function checkRunOwner(root: string, owner: RunOwner | undefined): Promise<void> {
  if (owner) await checkFolderOwner(root, owner, RUN_FOLDERS);
}

/** The folder of run `runId` under `artifactRoot`, once `checkRunOwner` confirms it is still `owner`'s. */
export async function ownedRunFolder(run: { artifactRoot: string; runId: string; owner?: RunOwner | undefined }): Promise<RunFolder> {
  const folder = runFolder(run.artifactRoot, run.runId);
  await checkRunOwner(folder.root, run.owner);
  return folder;
}
