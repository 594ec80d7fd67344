import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/config/read-json.js';
import type { InferenceInput } from '../../src/infer/prepare-input.js';
import { jobOutputs, shardCount, shardKey, shardRecords, type ListedInferenceInput, type OutputIdentity } from '../../src/infer/shards.js';

const input: InferenceInput = { dir: '/data/input', fingerprint: 'f1', reused: false, records: 10, shardSize: 4, shardCount: 3 };
const listed: ListedInferenceInput = { dir: '/data/input', fingerprint: 'f1', reused: false, records: 5, shards: [2, 2, 1] };
const identity: OutputIdentity = { model: 'digest-a', batchSize: 8, output: { format: 'csv', path: '/out', probabilities: true } };

describe('inference shards', () => {
  it('are ranges of shardSize records, the last one shorter', () => {
    expect(shardCount(input)).toBe(3);
    expect([0, 1, 2].map((shard) => shardRecords(input, shard))).toEqual([
      { from: 0, to: 4 },
      { from: 4, to: 8 },
      { from: 8, to: 10 },
    ]);
  });

  it('of an input that lists them (a job started before shards were ranges) cover the records the list gives', () => {
    expect(shardCount(listed)).toBe(3);
    expect([0, 1, 2].map((shard) => shardRecords(listed, shard))).toEqual([
      { from: 0, to: 2 },
      { from: 2, to: 4 },
      { from: 4, to: 5 },
    ]);
  });

  it('outside the job are refused, naming the shards there are', () => {
    expect(() => shardRecords(input, 3)).toThrow('Expected a shard from 0 to 2 of input /data/input, but got 3.');
    expect(() => shardRecords(input, -1)).toThrow(RangeError);
  });

  it('are keyed by model, input, records and options, so an output is reused only for the same work', () => {
    const key = shardKey(input, 1, identity);
    expect(shardKey(input, 1, { ...identity })).toBe(key);
    expect(shardKey({ ...input, shardSize: 5, shardCount: 2 }, 1, identity)).not.toBe(key); // other records
    expect(shardKey(input, 1, { ...identity, model: 'digest-b' })).not.toBe(key);
    expect(shardKey(input, 1, { ...identity, batchSize: 4 })).not.toBe(key);
    expect(shardKey(input, 1, { ...identity, output: { ...identity.output, probabilities: false } })).not.toBe(key);
  });

  it('do not depend on where a worker sees the output folder (each keeps its own copy of an s3:// folder)', () => {
    expect(shardKey(input, 1, { ...identity, output: { ...identity.output, path: '/elsewhere/mirror/outputs' } })).toBe(shardKey(input, 1, identity));
  });

  it('of a listed input keep the key such jobs wrote their outputs under, so they reuse them', () => {
    const { model, batchSize, output } = identity;
    expect(shardKey(listed, 1, identity)).toBe(sha256(JSON.stringify({ model, input: 'f1', shard: 1, batchSize, output })));
  });

  it('without a finished output in the folder fail the job’s finish, naming the shard and the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-shards-'));
    await expect(jobOutputs(input, { ...identity, output: { ...identity.output, path: dir } })).rejects.toThrow(
      new RegExp(`^Shard 0 of 3 has no finished output in ${dir} .*Run the job again under the same id: it scores only the shards without output\\.$`),
    );
  });
});
