/**
 * Downloads pinned files: streamed to disk while hashed, and accepted only
 * when the SHA-256 matches the pinned one, so a truncated or tampered download
 * never reaches a build.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';

/** A file Epochal downloads: where from, and what it must hash to. */
export interface PinnedFile {
  url: string;
  sha256: string;
  /** Size in bytes, for progress messages. */
  size: number;
}

/**
 * Downloads `file` to `target`, reporting progress about every 10 %; throws
 * (and removes the partial file) on an HTTP error or a hash mismatch.
 */
export async function downloadPinned(file: PinnedFile, target: string, log: (message: string) => void = () => {}): Promise<void> {
  const response = await fetch(file.url);
  if (!response.ok || !response.body) {
    throw new Error(`Downloading ${file.url} failed: HTTP ${response.status} ${response.statusText}.`);
  }
  const hash = createHash('sha256');
  let received = 0;
  let reported = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      const tenth = Math.floor((received / file.size) * 10);
      if (tenth > reported && tenth < 10) {
        reported = tenth;
        log(`  ${(received / 1e6).toFixed(0)} of ${(file.size / 1e6).toFixed(0)} MB`);
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream), meter, createWriteStream(target));
    const digest = hash.digest('hex');
    if (digest !== file.sha256) {
      throw new Error(`Downloaded ${file.url} has SHA-256 ${digest}, but ${file.sha256} was expected; the download is corrupt or was changed.`);
    }
  } catch (error) {
    await rm(target, { force: true });
    throw error;
  }
}
