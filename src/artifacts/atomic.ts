/** Crash-safe writes: a reader sees the old content or the new, never half of either. */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** Writes `data` to a temporary file, fsyncs it and renames it over `path`. */
export async function writeFileAtomically(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, data, { fsync: true });
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
  const suffix = randomBytes(4).toString('hex');
  const staging = `${target}.staging-${suffix}`;
  const retired = `${target}.retired-${suffix}`;
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
  const staging = `${target}.staging-${randomBytes(4).toString('hex')}`;
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
