/**
 * A worker's mirror of the artifacts it uses from object storage. Stages
 * work on local files (training processes, TensorFlow.js and the config
 * loaders read paths), so a worker keeps `s3://bucket/key` at
 * `<mirror>/s3/bucket/key`: before a stage runs it pulls what the stage
 * reads, after it pushes what the stage wrote. Workflows only ever see the
 * `s3://` references, so a stage can run on any worker; each worker's mirror
 * is its own (workers share no folder).
 *
 * Plain files are synced through a ledger beside the mirror (the tag and
 * digest of what was last pulled or pushed), so nothing is fetched or sent
 * twice and only what a stage changed goes up. Checkpoints and prepared
 * data are published folders (`folders.ts`): fetched through the worker's
 * content cache, published once, never rewritten; a checkpoint this worker
 * pruned is removed from the store too.
 */
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { writeFileAtomically } from '../artifacts/atomic.js';
import { StoreConflictError } from '../errors.js';
import { sha256Of, type ContentCache } from './content-cache.js';
import { FOLDER_MANIFEST, fetchFolder, publishFolder, readFolderManifest, type FolderManifest } from './folders.js';
import { parseS3Url, s3ClientFromEnvironment, S3Store } from './s3-store.js';
import { joinKey, type ArtifactStore, type StoredObject } from './store.js';

export { isStoreUrl } from './store.js';

/** Folders published whole, by a manifest: checkpoints and prepared data. */
const PUBLISHED = /(^|\/)(checkpoints\/ckpt-\d+|prepared\/[^/]+|prepared-inference\/[^/]+)$/;
/** What is never synced: temporary files of atomic writes, claims being made, folders being swapped in, corrupt checkpoints set aside. */
const TRANSIENT = /(^|\/)\.[^/]+\.(tmp|part)-[0-9a-f]+$|(^|\/)\.[^/]+\.json\.[0-9a-f-]{36}$|\.lock$|\.(staging|retired|corrupt)-[^/]+$/;

interface FileEntry {
  etag: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

interface FolderEntry {
  /** The published manifest, as a digest of its file list. */
  manifest: string;
  /** The local copy's files, sizes and modification times when it was last synced. */
  stamp?: string;
}

export class Mirror {
  private readonly stores = new Map<string, ArtifactStore>();

  constructor(
    /** The worker's mirror folder. */
    readonly dir: string,
    readonly cache: ContentCache,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The local path of `s3://bucket/key`. */
  local(url: string): string {
    const { bucket, prefix } = parseS3Url(url);
    return join(this.dir, 's3', bucket, ...(prefix ? prefix.split('/') : []));
  }

  /** The `s3://` reference of a local path in the mirror, or undefined for a path outside it. */
  url(path: string): string | undefined {
    const inside = relative(join(this.dir, 's3'), path);
    if (inside === '' || inside.startsWith('..') || inside.startsWith(sep)) return undefined;
    return `s3://${inside.split(sep).join('/')}`;
  }

  /** The store holding `url`'s bucket, and the key of `url` in it. */
  locate(url: string): { store: ArtifactStore; key: string } {
    const { bucket, prefix } = parseS3Url(url);
    let store = this.stores.get(bucket);
    if (!store) {
      store = new S3Store(`s3://${bucket}`, s3ClientFromEnvironment(this.env));
      this.stores.set(bucket, store);
    }
    return { store, key: prefix };
  }

  /**
   * Brings `url` into the mirror: an object, a published folder, or every
   * object under it as a folder (`skip` leaves out keys relative to it, and
   * published folders inside are fetched only when `folders` says so).
   */
  async pull(url: string, options: { skip?: RegExp } = {}): Promise<void> {
    const { store, key } = this.locate(url);
    const object = key ? await store.head(key) : undefined;
    if (object) return this.pullObject(url, object);
    const published = await readFolderManifest(store, key);
    if (published) return this.pullFolder(url, published);
    const seen = new Set<string>();
    for await (const found of store.list(key ? `${key}/` : '')) {
      const inner = found.key.slice(key ? key.length + 1 : 0);
      const folder = publishedFolderOf(inner);
      if (folder !== undefined) {
        if (!options.skip?.test(folder) && !seen.has(folder) && inner === `${folder}/${FOLDER_MANIFEST}`) {
          seen.add(folder);
          await this.pullFolder(`${url}/${folder}`);
        }
        continue;
      }
      if (options.skip?.test(inner) || TRANSIENT.test(inner)) continue;
      await this.pullObject(`${url}/${inner}`, found);
    }
  }

  /** The published checkpoints of a run folder, newest first, as references. */
  async checkpoints(runUrl: string): Promise<string[]> {
    const { store, key } = this.locate(runUrl);
    const found: string[] = [];
    for await (const object of store.list(joinKey(key, 'checkpoints') + '/')) {
      const match = /\/checkpoints\/(ckpt-\d+)\/\.epochal-folder\.json$/.exec(`/${object.key}`);
      if (match) found.push(`${runUrl}/checkpoints/${match[1]}`);
    }
    return found.sort().reverse();
  }

  /** Fetches a published folder (once per manifest: a folder already here as published is left as it is); `read` is its manifest when the caller has it already. */
  async pullFolder(url: string, read?: FolderManifest): Promise<void> {
    const { store, key } = this.locate(url);
    const manifest = read ?? (await readFolderManifest(store, key));
    if (!manifest) return;
    const digest = JSON.stringify(manifest.files);
    const ledger = await this.readLedger<FolderEntry>(url, FOLDER_MANIFEST);
    if (ledger?.manifest === digest && (await exists(this.local(url)))) return;
    await fetchFolder(store, key, this.local(url), this.cache);
    await this.writeLedger<FolderEntry>(url, FOLDER_MANIFEST, { manifest: digest, stamp: await folderStamp(this.local(url)) });
  }

  /**
   * Sends what changed under the local copy of `url` (a file or a folder):
   * new or changed files are uploaded, new published folders published
   * (when one was published meanwhile by another worker, with other bytes,
   * that one is kept and fetched here: both are the same artifact).
   */
  async push(url: string): Promise<void> {
    const path = this.local(url);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) return this.pushFile(url);
    if (!info?.isDirectory()) return;
    if (PUBLISHED.test(parseS3Url(url).prefix)) return this.publish(url);
    const entries = await readdir(path, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = `${url}/${entry.name}`;
      if (TRANSIENT.test(entry.name)) continue;
      if (entry.isDirectory() || entry.isFile()) await this.push(child);
    }
  }

  /**
   * Publishes a folder unless it is unchanged since it was last synced. One
   * this worker synced before and a stage has since rewritten (a checkpoint
   * of the same step taken again at the end of its epoch) replaces the
   * published one.
   */
  private async publish(url: string): Promise<void> {
    const ledger = await this.readLedger<FolderEntry>(url, FOLDER_MANIFEST);
    const stamp = await folderStamp(this.local(url));
    if (ledger?.stamp === stamp) return;
    const { store, key } = this.locate(url);
    try {
      const manifest = await publishFolder(store, this.local(url), key, { replace: ledger !== undefined });
      await this.writeLedger<FolderEntry>(url, FOLDER_MANIFEST, { manifest: JSON.stringify(manifest.files), stamp });
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      await rm(this.local(url), { recursive: true, force: true });
      await this.pullFolder(url);
    }
  }

  /**
   * Removes a published folder from the store, manifest first (readers stop
   * seeing it at once): for checkpoints a stage pruned from its local copy.
   */
  async removePublished(url: string): Promise<void> {
    const { store, key } = this.locate(url);
    const manifest = await readFolderManifest(store, key);
    if (!manifest) return;
    await store.remove(joinKey(key, FOLDER_MANIFEST));
    for (const file of manifest.files) await store.remove(joinKey(key, file.path));
    await rm(this.ledgerPath(url, FOLDER_MANIFEST), { force: true });
  }

  private async pullObject(url: string, object: StoredObject): Promise<void> {
    const path = this.local(url);
    const ledger = await this.readLedger<FileEntry>(url);
    const here = await stat(path).catch(() => undefined);
    if (ledger?.etag === object.etag && here?.isFile() && here.size === ledger.size) return;
    const { store, key } = this.locate(url);
    const fetched = await store.download(key, path);
    const after = await stat(path);
    await this.writeLedger<FileEntry>(url, '', { etag: fetched.etag, size: after.size, mtimeMs: after.mtimeMs, sha256: await sha256Of(path) });
  }

  private async pushFile(url: string): Promise<void> {
    const path = this.local(url);
    const info = await stat(path);
    const ledger = await this.readLedger<FileEntry>(url);
    if (ledger && ledger.size === info.size && ledger.mtimeMs === info.mtimeMs) return;
    const sha256 = await sha256Of(path);
    if (ledger?.sha256 !== sha256) {
      const { store, key } = this.locate(url);
      const uploaded = await store.upload(key, path);
      await this.writeLedger<FileEntry>(url, '', { etag: uploaded.etag, size: info.size, mtimeMs: info.mtimeMs, sha256 });
    } else {
      await this.writeLedger<FileEntry>(url, '', { ...ledger, mtimeMs: info.mtimeMs });
    }
  }

  private ledgerDir(url: string): string {
    const { bucket, prefix } = parseS3Url(url);
    return join(this.dir, 'ledger', bucket, ...(prefix ? prefix.split('/') : []));
  }

  private ledgerPath(url: string, name: string): string {
    const base = this.ledgerDir(url);
    return name ? join(base, `${name}.ledger.json`) : `${base}.ledger.json`;
  }

  private async readLedger<T>(url: string, name = ''): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.ledgerPath(url, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  private async writeLedger<T>(url: string, name: string, entry: T): Promise<void> {
    const path = this.ledgerPath(url, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomically(path, JSON.stringify(entry));
  }
}

/** The published folder a relative key lies in (`checkpoints/ckpt-000000002` of `checkpoints/ckpt-000000002/weights.bin`), if any. */
function publishedFolderOf(inner: string): string | undefined {
  const parts = inner.split('/');
  for (let end = parts.length - 1; end > 0; end -= 1) {
    const folder = parts.slice(0, end).join('/');
    if (PUBLISHED.test(folder)) return folder;
  }
  return undefined;
}

/** A folder's files with their sizes and modification times: what changes when any file is rewritten. */
async function folderStamp(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        const info = await stat(path);
        return `${relative(dir, path)}:${info.size}:${info.mtimeMs}:${info.ino}`;
      }),
  );
  return files.sort().join('\n');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
