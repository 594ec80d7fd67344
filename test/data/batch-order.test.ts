import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batchOrder } from '../../src/data/batches.js';
import { run } from '../helpers/processes.js';

const SCRIPT = fileURLToPath(new URL('../helpers/print-batch-order.ts', import.meta.url));

describe('batch order', () => {
  it('is the same for the same seed and epoch in another process', async () => {
    const { stdout, code, stderr } = await run(process.execPath, ['--import', 'tsx', SCRIPT, '500', '42', '3']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual(batchOrder(500, { seed: 42, epoch: 3 }));
  });

  it('changes from epoch to epoch and visits every record once', () => {
    const [first, second] = [batchOrder(500, { seed: 42, epoch: 1 }), batchOrder(500, { seed: 42, epoch: 2 })];
    expect(first).not.toEqual(second);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('keeps stored order when not shuffling', () => {
    expect(batchOrder(4)).toEqual([0, 1, 2, 3]);
  });
});
