/**
 * Publishing and fetching folders through the artifact store and a worker's
 * content cache: a folder is visible only once whole, a re-publish of the
 * same content is harmless while different content is refused, a second
 * fetch on the same machine downloads nothing, a corrupted object is caught
 * by its digest, and the cache stays within its bound.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../src/errors.js';
import { ContentCache, sha256Of } from '../../src/store/content-cache.js';
import { fetchFolder, publishFolder, readFolderManifest } from '../../src/store/folders.js';
import { openStore } from '../../src/store/open.js';
import { useS3Server } from '../helpers/s3.js';

const server = useS3Server(['artifacts']);
const temp = (name: string) => mkdtemp(join(tmpdir(), `epochal-${name}-`));

async function checkpointFolder(): Promise<string> {
  const dir = await temp('checkpoint');
  await mkdir(join(dir, 'optimizer'));
  await writeFile(join(dir, 'model.json'), '{"format":"layers-model"}');
  await writeFile(join(dir, 'weights.bin'), randomBytes(200_000));
  await writeFile(join(dir, 'optimizer', 'state.bin'), randomBytes(50_000));
  return dir;
}

describe('folders in the S3 artifact store', () => {
  it('publishes every file then its manifest, and fetches it bit for bit; the second fetch comes from the cache', async () => {
    const store = openStore('s3://artifacts/folders-1', { ...process.env, ...server().env });
    const source = await checkpointFolder();
    expect(await readFolderManifest(store, 'runs/r/checkpoints/step-4')).toBeUndefined();
    const manifest = await publishFolder(store, source, 'runs/r/checkpoints/step-4');
    expect(manifest.files.map((f) => f.path)).toEqual(['model.json', 'optimizer/state.bin', 'weights.bin']);

    const cache = new ContentCache(await temp('cache'), 10_000_000);
    const first = await fetchFolder(store, 'runs/r/checkpoints/step-4', await temp('worker-a'), cache);
    expect(first).toEqual({ files: 3, cached: 0 });
    const target = await temp('worker-a-retry');
    const again = await fetchFolder(store, 'runs/r/checkpoints/step-4', target, cache);
    expect(again).toEqual({ files: 3, cached: 3 });
    for (const file of manifest.files) expect(await sha256Of(join(target, file.path))).toBe(file.sha256);
    expect(await readFile(join(target, 'model.json'), 'utf8')).toBe('{"format":"layers-model"}');
  });

  it('treats publishing the same folder twice (a retried attempt) as done, and refuses different content under the same name', async () => {
    const store = openStore('s3://artifacts/folders-2', { ...process.env, ...server().env });
    const source = await checkpointFolder();
    await publishFolder(store, source, 'runs/r/checkpoints/step-8');
    await publishFolder(store, source, 'runs/r/checkpoints/step-8');
    await expect(publishFolder(store, await checkpointFolder(), 'runs/r/checkpoints/step-8')).rejects.toBeInstanceOf(StoreConflictError);
  });

  it('refuses to fetch a folder that is not published yet', async () => {
    const store = openStore('s3://artifacts/folders-3', { ...process.env, ...server().env });
    await store.write('runs/r/checkpoints/step-12/weights.bin', 'half a checkpoint');
    await expect(fetchFolder(store, 'runs/r/checkpoints/step-12', await temp('w'), new ContentCache(await temp('c'), 1e6))).rejects.toThrow(/is not a published folder/);
  });

  it('catches an object changed after publishing by its digest, and keeps nothing of it', async () => {
    const store = openStore('s3://artifacts/folders-4', { ...process.env, ...server().env });
    await publishFolder(store, await checkpointFolder(), 'runs/r/checkpoints/step-16');
    await store.write('runs/r/checkpoints/step-16/weights.bin', randomBytes(10));
    const cache = new ContentCache(await temp('cache'), 1e7);
    await expect(fetchFolder(store, 'runs/r/checkpoints/step-16', await temp('w'), cache)).rejects.toThrow(
      /weights\.bin arrived with SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} its manifest records/,
    );
    expect(await cache.size()).toBeLessThan(200_000); // model.json (and perhaps the optimizer state), never the bad weights
  });
});

describe("a worker's content cache", () => {
  it('evicts the least recently used files beyond its bound, keeping the newest', async () => {
    const cache = new ContentCache(await temp('cache'), 250_000);
    const blobs = await Promise.all([0, 1, 2].map(async (i) => {
      const file = join(await temp(`blob-${i}`), 'b');
      await writeFile(file, randomBytes(100_000));
      return { file, sha: await sha256Of(file) };
    }));
    const put = (blob: { file: string; sha: string }) => cache.get(blob.sha, async (target) => writeFile(target, await readFile(blob.file)));
    await put(blobs[0]!);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put(blobs[1]!);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await put(blobs[0]!)).hit).toBe(true); // used again: now the most recent
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put(blobs[2]!);
    expect(await cache.size()).toBe(200_000);
    expect((await put(blobs[0]!)).hit).toBe(true);
    expect((await put(blobs[1]!)).hit).toBe(false); // the least recently used went
  });
});
