/**
 * A worker's mirror of object storage, against a real S3-compatible server:
 * two workers with their own mirrors see each other's artifacts only through
 * the bucket; nothing unchanged is fetched or sent twice; checkpoints travel
 * as published folders (a rewritten one replaces its published copy, a
 * pruned one is withdrawn); run folders are claimed by create-once writes;
 * and the activity wrapper hands a stage local paths and the workflow
 * references.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mirrored, references } from '../../activities/mirrored.js';
import { claimStoredRunFolder } from '../../src/artifacts/run-owner.js';
import { RunFolderError } from '../../src/errors.js';
import { ContentCache } from '../../src/store/content-cache.js';
import { readFolderManifest } from '../../src/store/folders.js';
import { Mirror } from '../../src/store/mirror.js';
import { localPath, recordedPath } from '../../src/store/recorded-paths.js';
import { useS3Server } from '../helpers/s3.js';

const server = useS3Server(['artifacts']);
const temp = (name: string) => mkdtemp(join(tmpdir(), `epochal-${name}-`));

/** A worker: its own mirror folder and content cache, the same bucket. */
async function worker(name: string): Promise<Mirror> {
  const dir = await temp(`mirror-${name}`);
  return new Mirror(dir, new ContentCache(join(dir, 'objects'), 50_000_000), { ...process.env, ...server().env });
}

async function write(path: string, body: string | Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, body);
}

describe("a worker's mirror of an s3:// artifact root", () => {
  it('maps references to its own folder and back, and nothing outside it', async () => {
    const mirror = await worker('paths');
    const local = mirror.local('s3://artifacts/runs/a/config/train_params.json');
    expect(local).toBe(join(mirror.dir, 's3', 'artifacts', 'runs', 'a', 'config', 'train_params.json'));
    expect(mirror.url(local)).toBe('s3://artifacts/runs/a/config/train_params.json');
    expect(mirror.url('/somewhere/else/file.json')).toBeUndefined();
    expect(mirror.url(join(mirror.dir, 'ledger', 'x'))).toBeUndefined();
  });

  it("shares a run's files between two workers only through the bucket, sending and fetching only what changed", async () => {
    const [a, b] = [await worker('a'), await worker('b')];
    const run = `s3://artifacts/runs/share-${randomUUID()}`;
    await write(join(a.local(run), 'config', 'train_params.json'), '{"seed": 1}');
    await write(join(a.local(run), 'reports', 'history.json'), '[]');
    await a.push(run);

    await b.pull(run);
    expect(await readFile(join(b.local(run), 'config', 'train_params.json'), 'utf8')).toBe('{"seed": 1}');
    const { store, key } = a.locate(`${run}/config/train_params.json`);
    const before = await store.head(key);

    await write(join(b.local(run), 'reports', 'history.json'), '[{"epoch":1}]');
    const pulledAt = (await stat(join(b.local(run), 'config', 'train_params.json'))).mtimeMs;
    await b.push(run);
    expect((await store.head(key))!.etag).toBe(before!.etag); // the unchanged file was not sent again

    await a.pull(run);
    expect(await readFile(join(a.local(run), 'reports', 'history.json'), 'utf8')).toBe('[{"epoch":1}]');
    await b.pull(run);
    expect((await stat(join(b.local(run), 'config', 'train_params.json'))).mtimeMs).toBe(pulledAt); // nor fetched again
  });

  it('publishes checkpoints as folders, fetched through the cache, and leaves them out of a run pull unless named', async () => {
    const [a, b] = [await worker('ckpt-a'), await worker('ckpt-b')];
    const run = `s3://artifacts/runs/ckpt-${randomUUID()}`;
    const checkpoint = `${run}/checkpoints/ckpt-000000004`;
    await write(join(a.local(checkpoint), 'weights.bin'), randomBytes(100_000));
    await write(join(a.local(checkpoint), 'state.json'), '{"step":4}');
    await write(join(a.local(checkpoint), '..', 'ckpt-000000008.staging-1-abc', 'weights.bin'), 'half written');
    await a.push(run);
    const { store, key } = a.locate(checkpoint);
    expect((await readFolderManifest(store, key))?.files.map((file) => file.path)).toEqual(['state.json', 'weights.bin']);
    expect(await store.head(key.replace(/ckpt-000000004$/, 'ckpt-000000008.staging-1-abc/weights.bin'))).toBeUndefined(); // a folder still being written stays local

    await b.pull(run, { skip: /^checkpoints\// });
    await expect(stat(b.local(checkpoint))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await b.checkpoints(run)).toEqual([checkpoint]);
    await b.pull(checkpoint);
    expect(await readFile(join(b.local(checkpoint), 'weights.bin'))).toEqual(await readFile(join(a.local(checkpoint), 'weights.bin')));
  });

  it('replaces a checkpoint it published when a stage rewrites it (the same step saved again at the end of its epoch)', async () => {
    const [a, b] = [await worker('rewrite-a'), await worker('rewrite-b')];
    const checkpoint = `s3://artifacts/runs/rewrite-${randomUUID()}/checkpoints/ckpt-000000008`;
    await write(join(a.local(checkpoint), 'state.json'), '{"epoch":1,"batchInEpoch":4}');
    await a.push(checkpoint);
    await rm(a.local(checkpoint), { recursive: true });
    await write(join(a.local(checkpoint), 'state.json'), '{"epoch":2,"batchInEpoch":0}');
    await a.push(checkpoint);
    await b.pull(checkpoint);
    expect(await readFile(join(b.local(checkpoint), 'state.json'), 'utf8')).toBe('{"epoch":2,"batchInEpoch":0}');
  });

  it('keeps the published copy, and fetches it, when another worker published the same folder first', async () => {
    const [a, b] = [await worker('first-a'), await worker('first-b')];
    const prepared = `s3://artifacts/runs/prepared/${randomUUID()}`;
    await write(join(a.local(prepared), 'index.json'), '{"by":"a"}');
    await write(join(b.local(prepared), 'index.json'), '{"by":"b"}');
    await a.push(prepared);
    await b.push(prepared);
    expect(await readFile(join(b.local(prepared), 'index.json'), 'utf8')).toBe('{"by":"a"}');
  });

  it('withdraws a published checkpoint, manifest first', async () => {
    const a = await worker('withdraw');
    const checkpoint = `s3://artifacts/runs/withdraw-${randomUUID()}/checkpoints/ckpt-000000002`;
    await write(join(a.local(checkpoint), 'weights.bin'), 'w');
    await a.push(checkpoint);
    await a.removePublished(checkpoint);
    const { store, key } = a.locate(checkpoint);
    expect(await readFolderManifest(store, key)).toBeUndefined();
    expect(await store.head(`${key}/weights.bin`)).toBeUndefined();
  });

  it('claims a run folder in the bucket once: the same workflow again is fine, another one is refused by name', async () => {
    const a = await worker('claim');
    const { store, key } = a.locate(`s3://artifacts/runs/claimed-${randomUUID()}`);
    const owner = { workflowId: 'train-1', firstRunId: 'r1' };
    await claimStoredRunFolder(store, key, owner);
    await claimStoredRunFolder(store, key, owner);
    const other = claimStoredRunFolder(store, key, { workflowId: 'train-1', firstRunId: 'r2' });
    await expect(other).rejects.toBeInstanceOf(RunFolderError);
    await expect(other).rejects.toThrow(/belongs to an earlier workflow with the same id \(first run r1/);
    const racing = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => claimStoredRunFolder(store, `${key}-race`, { workflowId: `w${i}`, firstRunId: `r${i}` })));
    expect(racing.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses to claim a folder that holds files no workflow wrote', async () => {
    const a = await worker('foreign');
    const { store, key } = a.locate(`s3://artifacts/runs/foreign-${randomUUID()}`);
    await store.write(`${key}/notes.txt`, 'mine');
    await expect(claimStoredRunFolder(store, key, { workflowId: 'w', firstRunId: 'r' })).rejects.toThrow(/already holds files \(notes\.txt\) that no Epochal workflow wrote/);
  });
});

describe('a stage on the mirror (the activity wrapper)', () => {
  it('finds the run folders and references an input names, but not the artifact root itself', () => {
    const input = { config: { artifactRoot: 's3://artifacts/runs', runId: 'a/b', snapshot: { train: { path: 's3://artifacts/runs/a%2Fb/config/train_params.json' } } }, preparedDir: 's3://artifacts/runs/prepared/f1', local: '/data/x.csv' };
    expect(references(input)).toEqual({ runs: ['s3://artifacts/runs/a%2Fb'], urls: ['s3://artifacts/runs/a%2Fb/config/train_params.json', 's3://artifacts/runs/prepared/f1'] });
  });

  it('runs the stage on local copies, records references in what it writes, and returns references', async () => {
    const mirror = await worker('stage');
    const run = `s3://artifacts/runs/stage-${randomUUID()}`;
    const seed = await worker('seed');
    await write(join(seed.local(run), 'config', 'train_params.json'), '{"seed": 7}');
    await seed.push(run);

    const stage = mirrored(mirror, async (input: { artifactRoot: string; runId: string; trainParams: string }) => {
      const config = await readFile(input.trainParams, 'utf8');
      const report = join(input.artifactRoot, input.runId, 'reports', 'seen.json');
      await write(report, JSON.stringify({ config, from: recordedPath(input.trainParams), back: localPath(recordedPath(input.trainParams)) === input.trainParams }));
      return { report };
    });
    const result = await stage({ artifactRoot: 's3://artifacts/runs', runId: run.split('/').at(-1)!, trainParams: `${run}/config/train_params.json` });
    expect(result).toEqual({ report: `${run}/reports/seen.json` });
    await seed.pull(run);
    expect(JSON.parse(await readFile(join(seed.local(run), 'reports', 'seen.json'), 'utf8'))).toEqual({ config: '{"seed": 7}', from: `${run}/config/train_params.json`, back: true });
  });
});
