import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batchOrder, SHUFFLE_WINDOW_SHARDS } from '../../src/data/batches.js';
import { run } from '../helpers/processes.js';

const SCRIPT = fileURLToPath(new URL('../helpers/print-batch-order.ts', import.meta.url));
const SHARDS = [100, 100, 100, 100, 100, 100, 100, 100, 100, 37];
const sorted = (order: number[]) => [...order].sort((a, b) => a - b);

describe('batch order', () => {
  it('is the same for the same seed and epoch in another process', async () => {
    const { stdout, code, stderr } = await run(process.execPath, ['--import', 'tsx', SCRIPT, '42', '3', ...SHARDS.map(String)]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual(batchOrder(SHARDS, { seed: 42, epoch: 3 }));
  });

  it('changes from epoch to epoch and visits every record exactly once', () => {
    const [first, second] = [batchOrder(SHARDS, { seed: 42, epoch: 1 }), batchOrder(SHARDS, { seed: 42, epoch: 2 })];
    expect(first).not.toEqual(second);
    expect(sorted(first)).toEqual(Array.from({ length: 937 }, (_, i) => i));
  });

  it('shuffles a small split as a whole, and a large one within windows of a few shards, so memory stays bounded', () => {
    const small = batchOrder([50, 50], { seed: 1, epoch: 1 });
    expect(small.slice(0, 20).some((i) => i >= 50) && small.slice(0, 20).some((i) => i < 50)).toBe(true);
    const large = batchOrder([100, 100, 100, 100, 100, 100, 100, 100], { seed: 1, epoch: 1 });
    const shardsIn = (from: number, to: number) => new Set(large.slice(from, to).map((i) => Math.floor(i / 100)));
    // Each window of 400 records draws from exactly SHUFFLE_WINDOW_SHARDS shards, and the two windows from different ones.
    expect(shardsIn(0, 400).size).toBe(SHUFFLE_WINDOW_SHARDS);
    expect(shardsIn(400, 800).size).toBe(SHUFFLE_WINDOW_SHARDS);
    expect([...shardsIn(0, 400)].some((shard) => shardsIn(400, 800).has(shard))).toBe(false);
  });

  it('keeps stored order when not shuffling', () => {
    expect(batchOrder([2, 2])).toEqual([0, 1, 2, 3]);
  });
});
