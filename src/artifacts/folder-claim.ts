/**
 * Folders that belong to one workflow. The first stage that writes into a
 * folder claims it by linking a marker file into it (exclusively: of two
 * workflows racing for one folder, one wins; a reader never sees half a
 * marker); every later write checks the claim first. A folder that holds
 * files but no marker is someone else's and is never claimed, and a path
 * that is a file is refused. Run folders and inference output folders are
 * claimed this way, with their own marker, sameness rule and fix.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreConflictError, type EpochalError } from '../errors.js';
import { joinKey, type ArtifactStore } from '../store/store.js';

/** A workflow, as the owner of a folder. */
export interface FolderOwner {
  workflowId: string;
  /** The id of the workflow's first execution (`workflowInfo().firstExecutionRunId`): the same across retries, continue-as-new and resets. */
  firstRunId: string;
}

export interface Claim extends FolderOwner {
  claimedAt: string;
}

/** How one kind of folder is claimed. */
export interface ClaimRules {
  /** The marker file's name inside the folder. */
  marker: string;
  /** What the folder is, for messages ("Run folder"). */
  kind: string;
  /** Whether `claim` was made by `owner` (or by one that may write alongside it). */
  owns(claim: Claim, owner: FolderOwner): boolean;
  /** What to do instead, for messages. */
  fix: string;
  /** The non-retryable error to throw. */
  error(message: string, folder: string, claim?: Claim): EpochalError;
}

async function readClaim(root: string, rules: ClaimRules): Promise<Claim | undefined> {
  try {
    return JSON.parse(await readFile(join(root, rules.marker), 'utf8')) as Claim;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function taken(root: string, claim: Claim, owner: FolderOwner, rules: ClaimRules): EpochalError {
  const whose = claim.workflowId === owner.workflowId ? 'an earlier workflow with the same id' : `workflow ${claim.workflowId}`;
  return rules.error(
    `${rules.kind} ${root} belongs to ${whose} (first run ${claim.firstRunId}, since ${claim.claimedAt}); this workflow (${owner.workflowId}) will not write into it. Fix: ${rules.fix}`,
    root,
    claim,
  );
}

async function makeFolder(root: string, rules: ClaimRules): Promise<void> {
  try {
    await mkdir(root, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    throw rules.error(`${rules.kind} ${root} is a file (or lies under one), not a folder; nothing was written. Fix: ${rules.fix}`, root);
  }
}

/**
 * Claims `root` for `owner`, or confirms it already has it. Fails with the
 * rules' non-retryable error when another workflow owns the folder, when it
 * holds files but no claim, or when it is a file.
 */
export async function claimFolder(root: string, owner: FolderOwner, rules: ClaimRules): Promise<void> {
  await makeFolder(root, rules);
  const existing = await readClaim(root, rules);
  if (existing) {
    if (!rules.owns(existing, owner)) throw taken(root, existing, owner, rules);
    return;
  }
  const pendingPrefix = `.${rules.marker}.`; // another workflow's claim being made
  const files = (await readdir(root)).filter((name) => !name.startsWith(pendingPrefix));
  if (files.includes(rules.marker)) return claimFolder(root, owner, rules); // a claim landed since: check whose it is
  if (files.length > 0) {
    const listed = `${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`;
    throw rules.error(`${rules.kind} ${root} already holds files (${listed}) that no Epochal workflow wrote; nothing was written into it. Fix: ${rules.fix}`, root);
  }
  const claim: Claim = { ...owner, claimedAt: new Date().toISOString() };
  const pending = join(root, `${pendingPrefix}${randomUUID()}`);
  await writeFile(pending, `${JSON.stringify(claim, null, 2)}\n`, { flag: 'wx' });
  try {
    await link(pending, join(root, rules.marker));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return claimFolder(root, owner, rules);
  } finally {
    await rm(pending, { force: true });
  }
}

/** Checks, before a stage writes into `root`, that the folder is still `owner`'s. */
export async function checkFolderOwner(root: string, owner: FolderOwner, rules: ClaimRules): Promise<void> {
  const existing = await readClaim(root, rules);
  if (!existing) throw rules.error(`${rules.kind} ${root} lost its ${rules.marker}; this workflow will not write into it. Fix: restore the file, or ${rules.fix}`, root);
  if (!rules.owns(existing, owner)) throw taken(root, existing, owner, rules);
}

/**
 * Claims the folder `key` of an artifact store for `owner` by the same rules,
 * with a create-once write of the marker instead of a link (object stores
 * have no links and need no locks: of two racing writers one wins).
 */
export async function claimStoredFolder(store: ArtifactStore, key: string, owner: FolderOwner, rules: ClaimRules): Promise<void> {
  const where = store.describe(key);
  const marker = joinKey(key, rules.marker);
  const existing = await store.read(marker);
  if (existing) {
    const claim = JSON.parse(existing.body.toString('utf8')) as Claim;
    if (!rules.owns(claim, owner)) throw taken(where, claim, owner, rules);
    return;
  }
  const files: string[] = [];
  for await (const object of store.list(`${key}/`)) {
    files.push(object.key.slice(key.length + 1));
    if (files.length > 3) break;
  }
  if (files.length > 0) {
    const listed = `${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`;
    throw rules.error(`${rules.kind} ${where} already holds files (${listed}) that no Epochal workflow wrote; nothing was written into it. Fix: ${rules.fix}`, where);
  }
  const claim: Claim = { ...owner, claimedAt: new Date().toISOString() };
  try {
    await store.write(marker, `${JSON.stringify(claim, null, 2)}\n`, { ifNoneMatch: true });
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    return claimStoredFolder(store, key, owner, rules); // another claim landed first: check whose it is
  }
}
