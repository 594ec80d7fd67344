/**
 * A worker's local cache of artifact files, addressed by content (SHA-256)
 * and bounded in size: a retried or repeated stage on the same machine finds
 * the checkpoint or shard it downloaded before instead of fetching it again.
 * Every file is hashed as it enters, so the cache never hands out bytes
 * other than the ones asked for; the least recently used files go first when
 * it outgrows its bound (a file in use stays readable: callers link or copy
 * it out, and Unix keeps a removed file's open inode).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const SHA256 = /^[0-9a-f]{64}$/;

export interface CacheEntry {
  path: string;
  /** Whether it was there already (no download). */
  hit: boolean;
}

export class ContentCache {
  constructor(
    readonly dir: string,
    /** The most bytes kept; the newest file is kept even when it alone is larger. */
    readonly maxBytes: number,
  ) {}

  path(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`"${sha256}" is not a SHA-256 hex digest.`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  /**
   * The file with this content: from the cache, or written by `fill` into a
   * temporary file, checked against `sha256`, then kept.
   */
  async get(sha256: string, fill: (file: string) => Promise<unknown>, what = sha256): Promise<CacheEntry> {
    const path = this.path(sha256);
    const now = new Date();
    if (await utimes(path, now, now).then(() => true, () => false)) return { path, hit: true };
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = join(this.dir, `.fill-${randomBytes(6).toString('hex')}`);
    try {
      await fill(temporary);
      const actual = await sha256Of(temporary);
      if (actual !== sha256) throw new Error(`${what} arrived with SHA-256 ${actual}, not the ${sha256} its manifest records: it changed or was corrupted in transit. The attempt will be retried.`);
      await rename(temporary, path);
    } finally {
      await rm(temporary, { force: true });
    }
    await this.evict(path);
    return { path, hit: false };
  }

  /** Total bytes held. */
  async size(): Promise<number> {
    return (await this.entries()).reduce((total, entry) => total + entry.size, 0);
  }

  /** Removes least recently used files until the cache fits its bound, never `keep`. */
  private async evict(keep: string): Promise<void> {
    const entries = await this.entries();
    let total = entries.reduce((sum, entry) => sum + entry.size, 0);
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (total <= this.maxBytes) break;
      if (entry.path === keep) continue;
      await rm(entry.path, { force: true });
      total -= entry.size;
    }
  }

  private async entries(): Promise<{ path: string; size: number; used: number }[]> {
    const found = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch(() => []);
    const files = found.filter((entry) => entry.isFile() && SHA256.test(entry.name));
    const sized = await Promise.all(
      files.map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        const info = await stat(path).catch(() => undefined);
        return info ? { path, size: info.size, used: info.mtimeMs } : undefined;
      }),
    );
    return sized.filter((entry) => entry !== undefined);
  }
}

/** The SHA-256 of a file, streamed. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
