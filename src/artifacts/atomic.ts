/**
 * Crash-safe, verified writes: a reader sees the old content or the new,
 * never half of either, and the new content is checked byte for byte before
 * it replaces the old (see `verified-write.ts`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { verifyWritten, writeAll, writeFailure } from './verified-write.js';

/**
 * Writes `data` to a temporary file beside `path`, fsyncs it, reads it back
 * to check every byte, then renames it over `path` and syncs the folder. A
 * short or lost write fails (retryably), and `path` keeps its old content.
 */
export async function writeFileAtomically(path: string, data: string | Buffer): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await writeAll(handle, bytes, path);
      await handle.sync().catch((error: unknown) => {
        throw writeFailure(path, 'fsync failed', error);
      });
    } finally {
      await handle.close();
    }
    await verifyWritten(temporary, bytes, path);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(folder);
}

/** Makes a rename in `folder` durable (best effort: some file systems refuse to open folders). */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/** Pretty-printed JSON, written atomically. */
export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Builds a folder under a temporary name with `fill`, then swaps it in for
 * `target` (replacing any previous one), so `target` is always complete.
 */
export async function writeFolderAtomically(
  target: string,
  fill: (staging: string) => Promise<void>,
  /** Runs after `fill`, before the swap (fault injection in crash tests). */
  beforeCommit?: (staging: string) => Promise<void>,
): Promise<void> {
  const suffix = ownedSuffix();
  const staging = `${target}.staging-${suffix}`;
  const retired = `${target}.retired-${suffix}`;
  await sweepDeadStaging(dirname(target));
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
    await beforeCommit?.(staging);
    await rename(target, retired).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(staging, target);
    await rm(retired, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Builds `target` under a temporary name with `fill`, then renames it into
 * place, for folders named by their content (a fingerprint): when another
 * writer got there first, its folder is identical and is kept.
 */
export async function createFolderOnce(target: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const staging = `${target}.staging-${ownedSuffix()}`;
  await sweepDeadStaging(dirname(target));
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(staging, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** `<host>-<pid>-<random>`: whose a staging folder is, so one left by a killed process can be told from one being written. */
function ownedSuffix(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

const OWNED = /\.(staging|retired)-(.+)-(\d+)-[0-9a-f]{8}$/;

/**
 * Removes the staging and retired folders in `parent` that a process on this
 * machine left when it was killed mid-write (its pid is gone). Folders of
 * live processes, and of other machines, are left alone.
 */
export async function sweepDeadStaging(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const owner = OWNED.exec(name);
    if (!owner || owner[2] !== hostname() || isAlive(Number(owner[3]))) continue;
    await rm(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
