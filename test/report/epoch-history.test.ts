import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extendEpochHistory } from '../../src/report/epoch-history.js';
import type { EpochRecord } from '../../src/train/chunk.js';

const epoch = (n: number, loss: number): EpochRecord => ({ epoch: n, loss, seconds: 1 });

describe('the epoch history behind a training run report', () => {
  it('grows by each chunk’s epochs and is kept in reports/history.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-history-'));
    await extendEpochHistory(dir, 0, [epoch(1, 0.9), epoch(2, 0.8)]);
    const history = await extendEpochHistory(dir, 2, [epoch(3, 0.7)]);
    expect(history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(JSON.parse(await readFile(join(dir, 'history.json'), 'utf8'))).toEqual(history);
  });

  it('replaces the epochs of a discarded timeline with those of the chunk that trained them again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-history-'));
    await extendEpochHistory(dir, 0, [epoch(1, 0.9), epoch(2, 0.8), epoch(3, 0.7), epoch(4, 0.6)]);
    const history = await extendEpochHistory(dir, 1, [epoch(2, 0.85)]); // a reset to after epoch 1
    expect(history).toEqual([epoch(1, 0.9), epoch(2, 0.85)]);
  });
});
