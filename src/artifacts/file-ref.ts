/** References to artifacts: a path and the SHA-256 of its content, which is what stages pass around. */
import { readFile } from 'node:fs/promises';
import { sha256 } from '../config/read-json.js';
import { writeJsonAtomically } from './atomic.js';

export interface FileRef {
  path: string;
  sha256: string;
}

/** The reference of a file as it is now. */
export async function fileRef(path: string): Promise<FileRef> {
  return { path, sha256: sha256(await readFile(path)) };
}

/** Writes `value` as JSON atomically and returns its reference. */
export async function writeJsonRef(path: string, value: unknown): Promise<FileRef> {
  await writeJsonAtomically(path, value);
  return fileRef(path);
}
