/**
 * Test helpers that write data files in every format Epochal reads (CSV,
 * JSONL, NPY with a hand-written header, NPZ stored or deflated, HDF5 nights
 * in the seed's layout) into temporary folders the tests remove.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { zipSync, type Zippable } from 'fflate';
import h5wasm from 'h5wasm/node';
import { afterEach, beforeEach, expect } from 'vitest';
import type { DatasetContext } from '../../src/data/dataset.js';
import { DataError } from '../../src/errors.js';

/** The context the source tests open datasets with. */
export const CONTEXT: DatasetContext = { classes: ['cat', 'dog', 'fish'], target: 'label', ignoreLabel: -1 };

/**
 * The message and location of the `DataError` that `action` (a promise, or a
 * function that throws) fails with; a failed expectation when it fails
 * otherwise or not at all.
 */
export async function dataError(action: Promise<unknown> | (() => unknown)): Promise<{ message: string; location: DataError['location'] }> {
  const error = await (typeof action === 'function' ? Promise.resolve().then(action) : action).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  const { message, location } = error as DataError;
  return { message, location };
}

/** A fresh temporary folder for each test of the calling suite (`.path`), removed after the test. */
export function useTempDir(): { readonly path: string } {
  const holder = { path: '' };
  beforeEach(async () => {
    holder.path = await mkdtemp(join(tmpdir(), 'epochal-data-'));
  });
  afterEach(async () => {
    await rm(holder.path, { recursive: true, force: true });
  });
  return holder;
}

/** Writes `rows` (the first one the header) as CSV, quoting cells as needed. */
export async function writeCsv(path: string, rows: (string | number)[][], delimiter = ','): Promise<string> {
  await writeFile(path, stringify(rows, { delimiter }));
  return path;
}

/** Writes one JSON object per line; a string is written as the line itself. */
export async function writeJsonl(path: string, lines: (Record<string, unknown> | string)[]): Promise<string> {
  await writeFile(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return path;
}

/** An array to write as `.npy`: its dtype descr (`<f4`, `<i8`, `<U5`, ...), shape and flat values. */
export interface NpyArraySpec {
  descr: string;
  shape: number[];
  values: readonly (number | string)[];
  fortranOrder?: boolean;
  /** Format version (1 by default). */
  version?: 1 | 2 | 3;
}

/** The bytes of a `.npy` file: magic, version, a header padded to 64 bytes, then the data. */
export function npyBytes(spec: NpyArraySpec): Uint8Array {
  const version = spec.version ?? 1;
  const shape = spec.shape.length === 1 ? `(${spec.shape[0]},)` : `(${spec.shape.join(', ')})`;
  const dict = `{'descr': '${spec.descr}', 'fortran_order': ${spec.fortranOrder ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const prefix = version === 1 ? 10 : 12;
  const padded = dict + ' '.repeat(63 - ((prefix + dict.length) % 64)) + '\n';
  const head = Buffer.alloc(prefix);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = version;
  head[7] = 0;
  if (version === 1) head.writeUInt16LE(padded.length, 8);
  else head.writeUInt32LE(padded.length, 8);
  return Buffer.concat([head, Buffer.from(padded, 'latin1'), npyData(spec)]);
}

/** The data of a `.npy` array, little-endian (big-endian and half-float descrs are written only to be refused, so their bytes do not matter). */
function npyData({ descr, values }: NpyArraySpec): Buffer {
  const [kind, size] = [descr[1]!, Number(descr.slice(2))];
  if (kind === 'U') {
    const out = Buffer.alloc(values.length * size * 4);
    values.forEach((value, i) => [...String(value)].forEach((char, k) => out.writeUInt32LE(char.codePointAt(0)!, (i * size + k) * 4)));
    return out;
  }
  const out = Buffer.alloc(values.length * size);
  values.forEach((raw, i) => {
    const value = Number(raw);
    const at = i * size;
    if (kind === 'f' && size === 4) out.writeFloatLE(value, at);
    else if (kind === 'f' && size === 8) out.writeDoubleLE(value, at);
    else if (kind === 'f') return;
    else if (size === 8) out.writeBigInt64LE(BigInt(value), at);
    else if (kind === 'u' || kind === 'b') out.writeUIntLE(value, at, size);
    else out.writeIntLE(value, at, size);
  });
  return out;
}

/** Writes a `.npy` file. */
export async function writeNpy(path: string, spec: NpyArraySpec): Promise<string> {
  await writeFile(path, npyBytes(spec));
  return path;
}

/** Writes an `.npz` archive with one `<name>.npy` member per array, stored or deflated. */
export async function writeNpz(path: string, arrays: Record<string, NpyArraySpec>, compression: 'stored' | 'deflated'): Promise<string> {
  const level = compression === 'stored' ? 0 : 6;
  const members: Zippable = {};
  for (const [name, spec] of Object.entries(arrays)) members[`${name}.npy`] = [npyBytes(spec), { level }];
  await writeFile(path, zipSync(members));
  return path;
}

/** One subject's night in the seed's HDF5 layout; datasets left undefined are not written. */
export interface NightFile {
  /** `[epochs, samplesPerEpoch]` or `[samples]`. */
  ecgs?: { shape: number[]; values: Float32Array };
  demographics?: number[];
  midnightOffset?: number;
  stages?: number[];
  weights?: number[];
}

/** Writes a night as an HDF5 file with h5wasm. */
export async function writeNight(path: string, night: NightFile): Promise<string> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    if (night.ecgs) file.create_dataset({ name: 'ecgs', data: night.ecgs.values, shape: night.ecgs.shape, dtype: '<f' });
    if (night.demographics) file.create_dataset({ name: 'demographics', data: Float64Array.from(night.demographics), dtype: '<d' });
    if (night.midnightOffset !== undefined) file.create_dataset({ name: 'midnight_offset', data: night.midnightOffset, dtype: '<d' });
    if (night.stages) file.create_dataset({ name: 'stages', data: Int32Array.from(night.stages), dtype: '<i' });
    if (night.weights) file.create_dataset({ name: 'weights', data: Float32Array.from(night.weights), dtype: '<f' });
  } finally {
    file.close();
  }
  return path;
}
