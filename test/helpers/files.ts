/** Test helpers that fingerprint folders, to show that nothing in them changed. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every file under `root` with the SHA-256 of its bytes, by relative path: equal maps mean nothing under it changed. */
export async function fileHashes(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  const hashes = await Promise.all(files.map(async (file) => [relative(root, file), createHash('sha256').update(await readFile(file)).digest('hex')] as const));
  return Object.fromEntries(hashes.sort(([a], [b]) => a.localeCompare(b)));
}
