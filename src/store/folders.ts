/**
 * Folders in the artifact store (a checkpoint, an exported model, prepared
 * shards): published by uploading every file, then a manifest of their
 * SHA-256 digests written once (`If-None-Match`), so a folder exists for
 * readers only when all of it does; fetched into a local folder through the
 * worker's content cache, every file checked against the manifest.
 */
import { copyFile, link, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { StoreConflictError } from '../errors.js';
import { sha256Of, type ContentCache } from './content-cache.js';
import { joinKey, type ArtifactStore } from './store.js';

/** The manifest that publishes a folder. */
export const FOLDER_MANIFEST = '.epochal-folder.json';

export interface PublishedFile {
  /** Relative to the folder, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
}

export interface FolderManifest {
  files: PublishedFile[];
}

/**
 * Uploads every file of `dir` under `prefix`, then publishes the folder;
 * publishing the same content again is a no-op. A folder published with
 * other contents is a conflict, unless `replace` (the writer rewrote the
 * folder it had published): then it is withdrawn first (its manifest
 * removed), so no reader ever sees a manifest that its files do not match.
 */
export async function publishFolder(store: ArtifactStore, dir: string, prefix: string, options: { replace?: boolean } = {}): Promise<FolderManifest> {
  const files = await describeFolder(dir);
  const published = await readFolderManifest(store, prefix);
  if (published) {
    if (JSON.stringify(published.files) === JSON.stringify(files)) return published;
    if (!options.replace) throw new StoreConflictError(store.describe(prefix), 'ifNoneMatch');
    await store.remove(joinKey(prefix, FOLDER_MANIFEST));
  }
  for (const file of files) await store.upload(joinKey(prefix, file.path), join(dir, ...file.path.split('/')));
  const manifest: FolderManifest = { files };
  const key = joinKey(prefix, FOLDER_MANIFEST);
  try {
    await store.write(key, `${JSON.stringify(manifest, null, 2)}\n`, { ifNoneMatch: true });
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    const existing = await readFolderManifest(store, prefix);
    if (JSON.stringify(existing?.files) !== JSON.stringify(files)) throw error;
  }
  return manifest;
}

/** What a local folder's manifest would list. */
async function describeFolder(dir: string): Promise<PublishedFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: PublishedFile[] = [];
  for (const entry of entries.filter((e) => e.isFile()).sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
    const file = join(entry.parentPath, entry.name);
    const path = relative(dir, file).split(sep).join('/');
    if (path !== FOLDER_MANIFEST) files.push({ path, size: (await stat(file)).size, sha256: await sha256Of(file) });
  }
  return files;
}

/** The manifest of a published folder, or undefined when it is not (yet) published. */
export async function readFolderManifest(store: ArtifactStore, prefix: string): Promise<FolderManifest | undefined> {
  const read = await store.read(joinKey(prefix, FOLDER_MANIFEST));
  return read ? (JSON.parse(read.body.toString('utf8')) as FolderManifest) : undefined;
}

/** Copies a published folder into `dir` through `cache`; reports how many files came from the cache. */
export async function fetchFolder(store: ArtifactStore, prefix: string, dir: string, cache: ContentCache): Promise<{ files: number; cached: number }> {
  const manifest = await readFolderManifest(store, prefix);
  if (!manifest) throw new Error(`${store.describe(prefix)} is not a published folder (it has no ${FOLDER_MANIFEST}); it may still be being written.`);
  let cached = 0;
  for (const file of manifest.files) {
    const key = joinKey(prefix, file.path);
    const entry = await cache.get(file.sha256, (temporary) => store.download(key, temporary), store.describe(key));
    if (entry.hit) cached += 1;
    const target = join(dir, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { force: true });
    await link(entry.path, target).catch(() => copyFile(entry.path, target));
  }
  return { files: manifest.files.length, cached };
}
