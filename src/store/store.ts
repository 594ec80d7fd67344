/**
 * The artifact store: where run folders, checkpoints, prepared shards,
 * exported models, inference outputs, reports and the champion registry
 * live. One small interface over keys (`/`-separated, relative to the
 * artifact root) with two implementations: a local folder (the default) and
 * S3-compatible object storage (`s3://bucket/prefix`), so workers on
 * machines that share no disk share their artifacts. Stages see keys, bytes
 * and streams, never which store is behind them.
 *
 * Writes are whole-object and atomic (a reader sees the old object or the
 * new); conditional writes (`ifNoneMatch`, `ifMatch`) are the only way two
 * writers coordinate: no locks.
 */
import type { Readable } from 'node:stream';

/** An object's size and version tag (an ETag: it changes with every write). */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
}

export interface WriteOptions {
  /** Write only if no object has this key (create once); else `StoreConflictError`. */
  ifNoneMatch?: true;
  /** Write only if the object's current tag is this one (compare and swap); else `StoreConflictError`. */
  ifMatch?: string;
}

/** A byte range, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ArtifactStore {
  /** The store's root, as a user would write it (`/data/artifacts`, `s3://bucket/prefix`). */
  readonly root: string;
  /** Where a key lives, for messages (`s3://bucket/prefix/runs/a/owner.json`). */
  describe(key: string): string;
  /** The object's size and tag, or undefined when there is none. */
  head(key: string): Promise<StoredObject | undefined>;
  /** The whole object, or undefined when there is none. */
  read(key: string): Promise<{ body: Buffer; etag: string } | undefined>;
  /** Bytes `[start, end)` of an object; an object shorter than `end` is an error. */
  readRange(key: string, range: ByteRange): Promise<Buffer>;
  /** The object (or a range of it) as a stream. */
  stream(key: string, range?: ByteRange): Promise<Readable>;
  /** Writes a whole object from memory. */
  write(key: string, body: Buffer | string, options?: WriteOptions): Promise<StoredObject>;
  /** Writes a whole object from a local file (in parts when large). */
  upload(key: string, file: string, options?: WriteOptions): Promise<StoredObject>;
  /** Copies an object into a local file, written atomically. */
  download(key: string, file: string): Promise<StoredObject>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** Removes an object (nothing when there is none). */
  remove(key: string): Promise<void>;
}

/** Whether a path is an object-store reference (`s3://bucket/key`) rather than a local path. */
export function isStoreUrl(path: string): boolean {
  return path.startsWith('s3://');
}

/** Joins key parts with `/`, dropping empty parts and stray separators. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((part) => part.split('/'))
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** A key that names something inside the store: relative, no `..`, no backslashes. */
export function checkKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.includes('\\') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`Invalid artifact key "${key}": keys are relative, '/'-separated paths without '.', '..' or empty parts.`);
  }
  return key;
}
