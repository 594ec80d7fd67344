/**
 * TensorBoard scalars for a run: one event file per folder, rewritten whole
 * (atomically) with the full history after every training chunk, so that
 * `tensorboard --logdir runs` shows each run's curves while it trains.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRICS } from '../config/train/training.js';
import type { EpochRecord } from '../train/chunk.js';
import { encodeEvent, tfRecord } from './tensorboard-records.js';

/** One scalar value at one training step. */
export interface ScalarPoint {
  /** The curve it belongs to, e.g. `loss/train`; TensorBoard groups curves by the part before the first `/`. */
  tag: string;
  /** The x axis: a non-negative integer (the epoch, for histories). */
  step: number;
  value: number;
  /** When it was recorded, in seconds since the Unix epoch (fractions allowed). */
  wallTime: number;
}

export interface TensorBoardOptions {
  /**
   * The wall time of the file's header event and of its name, in seconds
   * since the Unix epoch. Default: the earliest point's wall time (the current
   * time when there are no points). Keep it fixed across rewrites so the file
   * keeps its name.
   */
  startTime?: number;
}

/** The `file_version` of TensorBoard's current event format. */
const FILE_VERSION = 'brain.Event:2';
/** Event files this module writes; any but the current one in the folder are stale and removed. */
const OWN_EVENT_FILE = /^events\.out\.tfevents\.\d+\.epochal$/;

/**
 * Writes `scalars` as the one TensorBoard event file in `dir` (created if
 * missing), `events.out.tfevents.<start seconds>.epochal`, replacing the
 * previous content whole: the file is written under a temporary name
 * (one TensorBoard ignores, without "tfevents") and renamed over the old
 * one. Points sharing a step and wall time become one event. A rewrite
 * that extends the same history keeps the old bytes as its prefix, so a
 * running TensorBoard, which reads on from where it stopped, sees each
 * point once. Returns the file's path.
 */
export async function writeTensorBoardScalars(dir: string, scalars: readonly ScalarPoint[], options: TensorBoardOptions = {}): Promise<string> {
  scalars.forEach(checkPoint);
  const startTime = options.startTime ?? (scalars.length > 0 ? scalars.reduce((earliest, point) => Math.min(earliest, point.wallTime), Infinity) : Date.now() / 1000);
  if (!Number.isFinite(startTime)) throw new RangeError(`Expected options.startTime to be seconds since the Unix epoch, but got ${startTime}.`);
  const records = [tfRecord(encodeEvent({ wallTime: startTime, fileVersion: FILE_VERSION }))];
  for (const event of groupByStep(scalars)) records.push(tfRecord(encodeEvent(event)));

  const name = `events.out.tfevents.${Math.floor(startTime)}.epochal`;
  const path = join(dir, name);
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.epochal-scalars-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, Buffer.concat(records), { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const stale = (await readdir(dir)).filter((entry) => entry !== name && OWN_EVENT_FILE.test(entry));
  await Promise.all(stale.map((entry) => rm(join(dir, entry), { force: true })));
  return path;
}

function checkPoint(point: ScalarPoint, index: number): void {
  if (!Number.isSafeInteger(point.step) || point.step < 0) throw new RangeError(`Expected scalars[${index}].step to be a non-negative integer, but got ${point.step}.`);
  if (!Number.isFinite(point.wallTime)) throw new RangeError(`Expected scalars[${index}].wallTime to be seconds since the Unix epoch, but got ${point.wallTime}.`);
}

/** One event per (step, wall time), in the order each first appears. */
function groupByStep(scalars: readonly ScalarPoint[]): { wallTime: number; step: number; values: { tag: string; value: number }[] }[] {
  const events = new Map<string, { wallTime: number; step: number; values: { tag: string; value: number }[] }>();
  for (const { tag, step, value, wallTime } of scalars) {
    const key = `${step}@${wallTime}`;
    const event = events.get(key) ?? { wallTime, step, values: [] };
    event.values.push({ tag, value });
    events.set(key, event);
  }
  return [...events.values()];
}

export interface HistoryScalarOptions {
  /**
   * When training began, in seconds since the Unix epoch. Epoch records carry
   * no wall time, so each epoch's is this plus the `seconds` of every epoch up
   * to and including it (monotonic; negative or missing durations count as 0).
   */
  startTime: number;
  /** The learning rate of each epoch, in the order of `history`. Default: each record's own `learningRate`, where it has one. */
  learningRates?: readonly number[];
}

/**
 * The scalar points of an epoch history, stepped by epoch number: for the
 * loss and every metric, `<name>/train` and `<name>/validation` (e.g.
 * `loss/train`, `cohenKappa/validation`) where the record has a value, and
 * `learning_rate` where the epoch's learning rate is known.
 */
export function historyScalars(history: readonly EpochRecord[], options: HistoryScalarOptions): ScalarPoint[] {
  const { startTime, learningRates } = options;
  if (learningRates && learningRates.length !== history.length) {
    throw new RangeError(`Expected options.learningRates to have one entry per epoch record (${history.length}), but got ${learningRates.length}.`);
  }
  const points: ScalarPoint[] = [];
  let wallTime = startTime;
  history.forEach((record, index) => {
    wallTime += Number.isFinite(record.seconds) && record.seconds > 0 ? record.seconds : 0;
    const at = { step: record.epoch, wallTime };
    for (const name of ['loss', ...METRICS] as const) {
      const train = record[name];
      const validation = record[`val_${name}`];
      if (train != null) points.push({ tag: `${name}/train`, value: train, ...at });
      if (validation != null) points.push({ tag: `${name}/validation`, value: validation, ...at });
    }
    const learningRate = learningRates ? learningRates[index] : record.learningRate;
    if (learningRate !== undefined) points.push({ tag: 'learning_rate', value: learningRate, ...at });
  });
  return points;
}
