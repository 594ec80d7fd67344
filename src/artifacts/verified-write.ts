/**
 * Writes that are checked before anything relies on them. A write can come
 * back short (a nearly full disk, a quota) without failing, and fsync can
 * report a lost write only once, so every byte count is checked, every file
 * is read back and hashed before it is renamed into place, and a disk that is
 * full is named, with the fix, in the error. Such errors are transient
 * (plain errors: Temporal retries the activity once space is freed).
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** An error for a write that did not reach the disk whole: what, how much, and the fix. */
export function writeFailure(path: string, detail: string, cause?: unknown): Error {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const full = code !== undefined && DISK_FULL.has(code);
  return new Error(
    `Writing ${path} failed: ${detail}${full ? ` (${code}: the disk holding ${dirname(path)} is full or over quota)` : ''}. ` +
      `Fix: free space on the disk holding ${dirname(path)}, or point the artifact root (or the output path) at a larger one; the write is retried.`,
    { cause },
  );
}

/** Writes all of `data` at the handle's position, looping over short writes; a write that makes no progress fails. */
export async function writeAll(handle: FileHandle, data: Uint8Array, path: string): Promise<void> {
  let written = 0;
  while (written < data.length) {
    let bytesWritten: number;
    try {
      ({ bytesWritten } = await handle.write(data, written, data.length - written));
    } catch (error) {
      throw writeFailure(path, `the disk took ${written} of ${data.length} bytes`, error);
    }
    if (bytesWritten <= 0) throw writeFailure(path, `the disk took ${written} of ${data.length} bytes and then no more`);
    written += bytesWritten;
  }
}

/** Checks that `file` holds exactly `data` (size, then SHA-256 of what reads back); errors name `path`, the file it will become. */
export async function verifyWritten(file: string, data: Uint8Array, path = file): Promise<void> {
  const { size } = await stat(file);
  if (size !== data.length) throw writeFailure(path, `${size} of ${data.length} bytes reached the disk`);
  const expected = createHash('sha256').update(data).digest('hex');
  const actual = createHash('sha256').update(await readFile(file)).digest('hex');
  if (actual !== expected) throw writeFailure(path, `the bytes read back do not match what was written (SHA-256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…)`);
}

/** Checks that `path` holds `bytes` bytes (for large streamed files, hashed as they were written). */
export async function verifySize(path: string, bytes: number): Promise<void> {
  const { size } = await stat(path);
  if (size !== bytes) throw writeFailure(path, `${size} of ${bytes} bytes reached the disk`);
}
