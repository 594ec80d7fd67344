/**
 * TensorBoard scalars: an epoch history becomes tagged points, and the event
 * file we write reads back through TensorBoard's own reader point for point,
 * also after a rewrite with a longer history, with its CRCs checked.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyScalars, writeTensorBoardScalars, type ScalarPoint } from '../../src/report/tensorboard.js';
import type { EpochRecord } from '../../src/train/chunk.js';
import { readTensorBoardScalars, TENSORBOARD_MISSING, tensorBoardReader, type ReadScalars } from '../helpers/tensorboard.js';

const START = 1_790_000_000.25;

/** Four epochs: validation metrics from the second on, a macro-F1 of exactly 0, and awkward float32 values. */
const HISTORY: EpochRecord[] = [
  { epoch: 1, loss: 1.3862943611198906, accuracy: 0.25, cohenKappa: 0, seconds: 12.5 },
  { epoch: 2, loss: 0.9, accuracy: 0.6, cohenKappa: 0.41, val_loss: 1.1, val_accuracy: 0.55, val_cohenKappa: 0.3, val_macroF1: 0, seconds: 11.75 },
  { epoch: 3, loss: 0.7000000000000001, accuracy: 0.71, cohenKappa: 0.52, macroF1: 0.48, val_loss: 0.95, val_accuracy: 0.66, val_cohenKappa: 0.45, val_macroF1: 0.4, seconds: 12 },
  { epoch: 4, loss: 1e-7, accuracy: 0.99, cohenKappa: 0.98, macroF1: 0.97, val_loss: 123456.789, val_accuracy: 0.7, val_cohenKappa: 0.5, val_macroF1: 0.45, seconds: 13.125 },
];
const LEARNING_RATES = [1e-3, 1e-3, 5e-4, 2.5e-4];

const scratch = () => mkdtemp(join(tmpdir(), 'epochal-tensorboard-'));

/** What TensorBoard should show for `points`: by tag, each step once, values as float32. */
function expected(points: readonly ScalarPoint[]): ReadScalars {
  const byTag: ReadScalars = {};
  for (const { tag, step, value, wallTime } of points) (byTag[tag] ??= []).push({ step, value: Math.fround(value), wallTime });
  return byTag;
}

describe('historyScalars', () => {
  it('tags the loss and each metric per split, steps them by epoch and times them from the start plus cumulative seconds', () => {
    const points = historyScalars(HISTORY.slice(0, 2), { startTime: START, learningRates: LEARNING_RATES.slice(0, 2) });
    expect(points).toEqual([
      { tag: 'loss/train', step: 1, value: 1.3862943611198906, wallTime: START + 12.5 },
      { tag: 'accuracy/train', step: 1, value: 0.25, wallTime: START + 12.5 },
      { tag: 'cohenKappa/train', step: 1, value: 0, wallTime: START + 12.5 },
      { tag: 'learning_rate', step: 1, value: 1e-3, wallTime: START + 12.5 },
      { tag: 'loss/train', step: 2, value: 0.9, wallTime: START + 24.25 },
      { tag: 'loss/validation', step: 2, value: 1.1, wallTime: START + 24.25 },
      { tag: 'accuracy/train', step: 2, value: 0.6, wallTime: START + 24.25 },
      { tag: 'accuracy/validation', step: 2, value: 0.55, wallTime: START + 24.25 },
      { tag: 'cohenKappa/train', step: 2, value: 0.41, wallTime: START + 24.25 },
      { tag: 'cohenKappa/validation', step: 2, value: 0.3, wallTime: START + 24.25 },
      { tag: 'macroF1/validation', step: 2, value: 0, wallTime: START + 24.25 },
      { tag: 'learning_rate', step: 2, value: 1e-3, wallTime: START + 24.25 },
    ]);
  });

  it("takes each epoch's learning rate from its record when no list is given, and writes none for records without one", () => {
    const history: EpochRecord[] = [
      { epoch: 1, loss: 1, learningRate: 0.01, seconds: 1 },
      { epoch: 2, loss: 1, seconds: 1 },
      { epoch: 3, loss: 1, learningRate: 0, seconds: 1 },
    ];
    const rates = historyScalars(history, { startTime: 0 }).filter((point) => point.tag === 'learning_rate');
    expect(rates).toEqual([
      { tag: 'learning_rate', step: 1, value: 0.01, wallTime: 1 },
      { tag: 'learning_rate', step: 3, value: 0, wallTime: 3 },
    ]);
  });

  it('keeps wall times monotonic when an epoch reports a negative or missing duration', () => {
    const history: EpochRecord[] = [
      { epoch: 1, loss: 1, seconds: 5 },
      { epoch: 2, loss: 1, seconds: -3 },
      { epoch: 3, loss: 1, seconds: Number.NaN },
      { epoch: 4, loss: 1, seconds: 2 },
    ];
    expect(historyScalars(history, { startTime: 100 }).map((point) => point.wallTime)).toEqual([105, 105, 105, 107]);
  });

  it('rejects a learning-rate list that does not match the history, naming both lengths', () => {
    expect(() => historyScalars(HISTORY, { startTime: START, learningRates: [1e-3] })).toThrow(
      'Expected options.learningRates to have one entry per epoch record (4), but got 1.',
    );
  });
});

describe('writeTensorBoardScalars', () => {
  it('writes one file named after the start second, and removes the file of an earlier start when rewritten', async () => {
    const dir = await scratch();
    const points = historyScalars(HISTORY, { startTime: START });
    await writeTensorBoardScalars(dir, points, { startTime: START - 60 });
    expect(await readdir(dir)).toEqual([`events.out.tfevents.${Math.floor(START - 60)}.epochal`]);
    const path = await writeTensorBoardScalars(dir, points);
    expect(path).toBe(join(dir, `events.out.tfevents.${Math.floor(START + 12.5)}.epochal`));
    expect(await readdir(dir)).toEqual([`events.out.tfevents.${Math.floor(START + 12.5)}.epochal`]);
  });

  it('keeps the earlier file as the exact prefix of a rewrite that extends the history', async () => {
    const dir = await scratch();
    const path = await writeTensorBoardScalars(dir, historyScalars(HISTORY.slice(0, 2), { startTime: START }));
    const before = await readFile(path);
    await writeTensorBoardScalars(dir, historyScalars(HISTORY, { startTime: START }));
    const after = await readFile(path);
    expect(after.length).toBeGreaterThan(before.length);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
  });

  it('rejects a point whose step is not a non-negative integer, naming it', async () => {
    const point = { tag: 'loss/train', step: 1.5, value: 1, wallTime: START };
    await expect(writeTensorBoardScalars(await scratch(), [point])).rejects.toThrow('Expected scalars[0].step to be a non-negative integer, but got 1.5.');
  });
});

const skipped = TENSORBOARD_MISSING !== undefined && !process.env.CI;

describe.skipIf(skipped)(`event files read by TensorBoard${skipped ? ` (skipped: ${TENSORBOARD_MISSING})` : ''}`, () => {
  beforeAll(() => {
    if (TENSORBOARD_MISSING) throw new Error(`${TENSORBOARD_MISSING}. CI is set, so this fails rather than skips: .ci/run should have installed it before npm test.`);
  });

  it('shows every tag, step and value of a history (values as float32) with its wall time', async () => {
    const dir = await scratch();
    const points = historyScalars(HISTORY, { startTime: START, learningRates: LEARNING_RATES });
    await writeTensorBoardScalars(dir, points);
    const read = await readTensorBoardScalars(dir);
    expect(Object.keys(read).sort()).toEqual(
      [
        'accuracy/train',
        'accuracy/validation',
        'cohenKappa/train',
        'cohenKappa/validation',
        'learning_rate',
        'loss/train',
        'loss/validation',
        'macroF1/train',
        'macroF1/validation',
      ].sort(),
    );
    expect(read).toEqual(expected(points));
  });

  it('shows each point once when a running reader sees the file rewritten with a longer history', async () => {
    const dir = await scratch();
    const reader = tensorBoardReader(dir);
    try {
      const first = historyScalars(HISTORY.slice(0, 2), { startTime: START, learningRates: LEARNING_RATES.slice(0, 2) });
      await writeTensorBoardScalars(dir, first);
      expect(await reader.reload()).toEqual(expected(first));

      const all = historyScalars(HISTORY, { startTime: START, learningRates: LEARNING_RATES });
      await writeTensorBoardScalars(dir, all);
      expect(await readdir(dir)).toHaveLength(1);
      expect(await reader.reload()).toEqual(expected(all));
    } finally {
      await reader.close();
    }
    expect(await readTensorBoardScalars(dir)).toEqual(expected(historyScalars(HISTORY, { startTime: START, learningRates: LEARNING_RATES })));
  });

  it('stops at a record whose data fails its CRC, keeping the points before it', async () => {
    const dir = await scratch();
    const points = historyScalars(HISTORY, { startTime: START });
    const path = await writeTensorBoardScalars(dir, points);
    const bytes = await readFile(path);
    bytes[bytes.length - 5]! ^= 0x01; // the last data byte of the last record (epoch 4), just before its CRC
    await writeFile(path, bytes);
    expect(await readTensorBoardScalars(dir)).toEqual(expected(points.filter((point) => point.step < 4)));
  });
});
