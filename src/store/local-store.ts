/**
 * The artifact store as a local folder (the default, and what a single
 * machine or a shared volume uses). Writes go to a temporary file that is
 * fsynced and verified, then renamed (or hard-linked, for create-once) into
 * place; a compare-and-swap holds a lock file for the moment between
 * comparing and renaming. A tag names one write: the inode, modification
 * time and size of the file, which every rename changes.
 */
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import lockfile from 'proper-lockfile';
import { writeFileAtomically } from '../artifacts/atomic.js';
import { StoreConflictError } from '../errors.js';
import { checkKey, type ArtifactStore, type ByteRange, type StoredObject, type WriteOptions } from './store.js';

const TEMPORARY = /^\..+\.(tmp|part)-[0-9a-f]+$|\.lock$/;

export class LocalStore implements ArtifactStore {
  constructor(readonly root: string) {}

  describe(key: string): string {
    return this.path(key);
  }

  path(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const info = await stat(this.path(key), { bigint: true }).catch(missing);
    return info?.isFile() ? { key, size: Number(info.size), etag: tag(info) } : undefined;
  }

  async read(key: string): Promise<{ body: Buffer; etag: string } | undefined> {
    const handle = await open(this.path(key), 'r').catch(missing);
    if (!handle) return undefined;
    try {
      const info = await handle.stat({ bigint: true });
      return { body: await handle.readFile(), etag: tag(info) };
    } finally {
      await handle.close();
    }
  }

  async readRange(key: string, { start, end }: ByteRange): Promise<Buffer> {
    const handle = await open(this.path(key), 'r');
    try {
      const body = Buffer.alloc(end - start);
      const { bytesRead } = await handle.read(body, 0, body.length, start);
      if (bytesRead !== body.length) throw new Error(`${this.describe(key)} has ${start + bytesRead} bytes, fewer than the ${end} asked for.`);
      return body;
    } finally {
      await handle.close();
    }
  }

  async stream(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.path(key);
    await stat(path); // a missing object fails here, not on the first read
    return createReadStream(path, range ? { start: range.start, end: range.end - 1 } : {});
  }

  write(key: string, body: Buffer | string, options: WriteOptions = {}): Promise<StoredObject> {
    return this.place(key, options, (temporary) => writeFileAtomically(temporary, body));
  }

  upload(key: string, file: string, options: WriteOptions = {}): Promise<StoredObject> {
    return this.place(key, options, (temporary) => copyFile(file, temporary));
  }

  async download(key: string, file: string): Promise<StoredObject> {
    const object = await this.head(key);
    if (!object) throw new Error(`${this.describe(key)} does not exist.`);
    await mkdir(dirname(file), { recursive: true });
    const temporary = temporaryBeside(file);
    try {
      await copyFile(this.path(key), temporary);
      await rename(temporary, file);
    } finally {
      await rm(temporary, { force: true });
    }
    return object;
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const folder = prefix.endsWith('/') || prefix === '' ? prefix : prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const base = folder === '' ? this.root : this.path(folder.replace(/\/$/, ''));
    const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(missing);
    const keys = (entries ?? [])
      .filter((entry) => entry.isFile() && !TEMPORARY.test(entry.name))
      .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
    for (const key of keys) {
      const object = await this.head(key);
      if (object) yield object;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  /** Writes the object into a temporary file with `fill`, then publishes it under `options`' condition. */
  private async place(key: string, options: WriteOptions, fill: (temporary: string) => Promise<void>): Promise<StoredObject> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = temporaryBeside(path);
    try {
      await fill(temporary);
      if (options.ifNoneMatch) {
        await link(temporary, path).catch((error: NodeJS.ErrnoException) => {
          throw error.code === 'EEXIST' ? new StoreConflictError(path, 'ifNoneMatch') : error;
        });
      } else if (options.ifMatch !== undefined) {
        await this.swap(key, options.ifMatch, temporary);
      } else {
        await rename(temporary, path);
      }
    } finally {
      await rm(temporary, { force: true });
    }
    const written = await this.head(key);
    if (!written) throw new Error(`${path} vanished right after it was written.`);
    return written;
  }

  private async swap(key: string, expected: string, temporary: string): Promise<void> {
    const path = this.path(key);
    const release = await lockfile.lock(path, { realpath: false, lockfilePath: `${path}.lock`, retries: { retries: 50, minTimeout: 20, maxTimeout: 200 } });
    try {
      const current = await this.head(key);
      if (current?.etag !== expected) throw new StoreConflictError(path, 'ifMatch');
      await rename(temporary, path);
    } finally {
      await release();
    }
  }
}

function tag(info: { ino: bigint; mtimeNs: bigint; size: bigint }): string {
  return `${info.ino.toString(16)}-${info.mtimeNs.toString(16)}-${info.size.toString(16)}`;
}

function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.part-${randomBytes(4).toString('hex')}`);
}

function missing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
  throw error;
}
