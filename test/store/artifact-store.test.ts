/**
 * The artifact store's contract, held by both stores: a local folder and S3
 * (a real versitygw server). Whatever a stage relies on — atomic whole
 * writes, create-once, compare-and-swap without locks, ranged reads,
 * multipart uploads of large files, ordered listing — behaves the same.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../src/errors.js';
import { LocalStore } from '../../src/store/local-store.js';
import { openStore } from '../../src/store/open.js';
import { MULTIPART_THRESHOLD } from '../../src/store/s3-store.js';
import type { ArtifactStore } from '../../src/store/store.js';
import { useS3Server } from '../helpers/s3.js';

const server = useS3Server(['artifacts']);
let prefixes = 0;

const stores: [string, () => Promise<ArtifactStore>][] = [
  ['a local folder', async () => new LocalStore(await mkdtemp(join(tmpdir(), 'epochal-store-')))],
  ['S3 (versitygw)', async () => openStore(`s3://artifacts/suite-${++prefixes}`, { ...process.env, ...server().env })],
];

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Reads a JSON counter, adds one, writes it back only if nobody wrote in between; retries when someone did. */
async function increment(store: ArtifactStore, key: string): Promise<number> {
  for (;;) {
    const current = await store.read(key);
    const value = current ? (JSON.parse(current.body.toString()) as number) + 1 : 1;
    try {
      await store.write(key, JSON.stringify(value), current ? { ifMatch: current.etag } : { ifNoneMatch: true });
      return value;
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }
}

describe.each(stores)('the artifact store on %s', (_name, open) => {
  it('reads back what it wrote, with a tag that changes on every write', async () => {
    const store = await open();
    expect(await store.head('runs/a/state.json')).toBeUndefined();
    expect(await store.read('runs/a/state.json')).toBeUndefined();
    const first = await store.write('runs/a/state.json', '{"epoch":1}');
    expect(first).toMatchObject({ key: 'runs/a/state.json', size: 11 });
    expect((await store.read('runs/a/state.json'))?.body.toString()).toBe('{"epoch":1}');
    const second = await store.write('runs/a/state.json', '{"epoch":2}');
    expect(second.etag).not.toBe(first.etag);
    expect(await store.head('runs/a/state.json')).toEqual(second);
  });

  it('creates a write-once object once: the second writer gets a conflict and the first content stays', async () => {
    const store = await open();
    await store.write('runs/b/owner.json', 'first', { ifNoneMatch: true });
    await expect(store.write('runs/b/owner.json', 'second', { ifNoneMatch: true })).rejects.toBeInstanceOf(StoreConflictError);
    expect((await store.read('runs/b/owner.json'))?.body.toString()).toBe('first');
  });

  it('swaps only from the tag it read: a stale tag is refused, and 12 concurrent increments all land', async () => {
    const store = await open();
    const created = await store.write('registry/x.json', '0');
    await store.write('registry/x.json', '5', { ifMatch: created.etag });
    await expect(store.write('registry/x.json', '7', { ifMatch: created.etag })).rejects.toBeInstanceOf(StoreConflictError);
    expect((await store.read('registry/x.json'))?.body.toString()).toBe('5');

    const results = await Promise.all(Array.from({ length: 12 }, () => increment(store, 'registry/counter.json')));
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect((await store.read('registry/counter.json'))?.body.toString()).toBe('12');
  });

  it('reads a byte range, as a buffer or a stream, and refuses a range past the end', async () => {
    const store = await open();
    await store.write('prepared/p/shard-0.bin', 'abcdefghijklmnopqrstuvwxyz');
    expect((await store.readRange('prepared/p/shard-0.bin', { start: 3, end: 8 })).toString()).toBe('defgh');
    expect(await text(await store.stream('prepared/p/shard-0.bin', { start: 20, end: 26 }))).toBe('uvwxyz');
    expect(await text(await store.stream('prepared/p/shard-0.bin'))).toBe('abcdefghijklmnopqrstuvwxyz');
    await expect(store.readRange('prepared/p/shard-0.bin', { start: 20, end: 40 })).rejects.toThrow();
  });

  it('uploads a file larger than one part and downloads it bit for bit', async () => {
    const store = await open();
    const dir = await mkdtemp(join(tmpdir(), 'epochal-upload-'));
    const bytes = randomBytes(MULTIPART_THRESHOLD + 3 * 1024 * 1024 + 17);
    await writeFile(join(dir, 'weights.bin'), bytes);
    const uploaded = await store.upload('runs/c/checkpoints/step-4/weights.bin', join(dir, 'weights.bin'));
    expect(uploaded.size).toBe(bytes.length);
    await store.download('runs/c/checkpoints/step-4/weights.bin', join(dir, 'copy.bin'));
    expect(sha(await readFile(join(dir, 'copy.bin')))).toBe(sha(bytes));
    expect((await store.readRange('runs/c/checkpoints/step-4/weights.bin', { start: bytes.length - 17, end: bytes.length })).equals(bytes.subarray(-17))).toBe(true);
  }, 120_000);

  it('lists the objects under a prefix in key order, and forgets a removed one', async () => {
    const store = await open();
    for (const key of ['runs/d/b.json', 'runs/d/a.json', 'runs/d/sub/c.json', 'runs/dx/other.json']) await store.write(key, key);
    const listed = async (prefix: string) => {
      const keys = [];
      for await (const object of store.list(prefix)) keys.push(object.key);
      return keys;
    };
    expect(await listed('runs/d/')).toEqual(['runs/d/a.json', 'runs/d/b.json', 'runs/d/sub/c.json']);
    expect(await listed('runs/d')).toEqual(['runs/d/a.json', 'runs/d/b.json', 'runs/d/sub/c.json', 'runs/dx/other.json']);
    await store.remove('runs/d/b.json');
    await store.remove('runs/d/never-written.json');
    expect(await listed('runs/d/')).toEqual(['runs/d/a.json', 'runs/d/sub/c.json']);
  });

  it('refuses keys that would leave the store', async () => {
    const store = await open();
    for (const key of ['../escape', 'runs/../../x', '/abs', 'a//b', 'a\\b']) await expect(store.write(key, 'x')).rejects.toThrow(/Invalid artifact key/);
  });
});

describe('the S3 store, misconfigured', () => {
  it('says which bucket is missing and how to fix it, without retrying', async () => {
    const store = openStore('s3://no-such-bucket/runs', { ...process.env, ...server().env });
    const failure = await store.write('a.json', '{}').catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'StoreAccessError', retryable: false });
    expect(String(failure)).toMatch(/bucket "no-such-bucket" of artifact root s3:\/\/no-such-bucket\/runs does not exist.*Fix: create it/);
  });

  it('says the credentials were refused and where to set them', async () => {
    const store = openStore('s3://artifacts/runs', { ...process.env, ...server().env, AWS_SECRET_ACCESS_KEY: 'wrong' });
    const failure = await store.write('a.json', '{}').catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'StoreAccessError', retryable: false });
    expect(String(failure)).toMatch(/refused s3:\/\/artifacts\/runs\/a\.json.*Fix: check AWS_ACCESS_KEY_ID/);
  });

  it('refuses an artifact root that is not an S3 location', () => {
    expect(() => openStore('s3://Bad_Bucket/x')).toThrow(/not an S3 location.*Fix: write it as s3:\/\/<bucket>\/<prefix>/);
  });
});
