/**
 * HDF5 source in the seed's layout: one file per subject holding one night,
 * read with h5wasm. Each file has `ecgs` (`[epochs, samplesPerEpoch]`, or a
 * continuous 1-D `[samples]` cut into epochs), `demographics` (`[features]`),
 * `midnight_offset` (seconds from midnight to the first epoch, negative
 * before midnight), `stages` (padded with -1) and optionally `weights`.
 * Opening reads only the first file's shapes; `get(i)` opens file `i`, reads
 * it and closes it again.
 */
import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm/node';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { DataSource } from '../../config/data/sources.js';
import { DataError } from '../../errors.js';
import { carriesHdf5Signature, h5wasmLibrary as lib, hdf5Reason, initH5wasm } from '../../hdf5/library.js';
import type { DataRecord, Dataset, DatasetContext, FieldSpec } from '../dataset.js';
import { fileError, formatShape, quoteList, suggestion, validateRecord } from '../validate.js';
import { checkIndex } from './tabular.js';

export type Hdf5SourceConfig = Extract<DataSource, { type: 'hdf5' }>;
type DatasetKey = keyof Hdf5SourceConfig['datasets'];

/** The stage value that marks an unscored epoch or padding in the files. */
const FILE_PADDING = -1;

/** Opens the nights in `source.files` as a dataset; a `DataError` when a file is missing or the first one is not in the layout. */
export async function openHdf5(source: Hdf5SourceConfig, context: DatasetContext): Promise<Hdf5Dataset> {
  const files = await resolveFiles(source.files);
  const ids = new Map<string, string>();
  for (const file of files) {
    const id = basename(file, extname(file));
    const other = ids.get(id);
    if (other !== undefined) {
      throw new DataError(
        `${file}: expected one file per subject with its own name, but ${other} has the same name "${id}". Fix: rename one of them.`,
        { file },
      );
    }
    ids.set(id, file);
  }
  const first = files[0]!;
  await checkSignature(first);
  await initH5wasm();
  const demographics = withFile(first, (h5) => {
    ecgLayout(readDataset(h5, first, source, 'ecg')!.shape, first, source);
    return size(readDataset(h5, first, source, 'demographics')!.shape);
  });
  return new Hdf5Dataset(source, context, files, demographics);
}

/** Nights stored one per HDF5 file. */
export class Hdf5Dataset implements Dataset {
  readonly length: number;
  readonly fields: Record<string, FieldSpec>;
  readonly origin: string;
  private readonly samplesPerEpoch: number;

  constructor(
    private readonly source: Hdf5SourceConfig,
    private readonly context: DatasetContext,
    readonly files: readonly string[],
    /** Demographic features per subject, as in the first file. */
    private readonly demographics: number,
  ) {
    this.length = files.length;
    this.origin = typeof source.files === 'string' ? source.files : source.files.join(', ');
    this.samplesPerEpoch = source.samplingRateHz * source.epochSeconds;
    this.fields = {
      ecg: { kind: 'signal', shape: [null, this.samplesPerEpoch], dtype: 'float32', samplingRateHz: source.samplingRateHz },
      additional: { kind: 'features', shape: [null, demographics + 1], dtype: 'float32' },
      stages: { kind: 'label', shape: [null], dtype: 'int32' },
      weights: { kind: 'weight', shape: [null], dtype: 'float32' },
    };
  }

  async get(index: number): Promise<DataRecord> {
    checkIndex(index, this.length, this.origin);
    const file = this.files[index]!;
    await checkSignature(file);
    await initH5wasm();
    const record = withFile(file, (h5) => this.night(h5, file));
    validateRecord(record, this.fields, { origin: file, index }, this.context);
    return record;
  }

  /** One subject per file: every record's group is its file name. */
  groups(): string[] {
    return this.files.map((file) => basename(file, extname(file)));
  }

  describe(): string {
    const { samplingRateHz, epochSeconds } = this.source;
    return `HDF5 ${this.origin}: ${this.length} nights, ECG at ${samplingRateHz} Hz in ${epochSeconds}-s epochs, ${this.demographics} demographic features`;
  }

  private night(h5: H5File, file: string): DataRecord {
    const { source } = this;
    const ecgDataset = readDataset(h5, file, source, 'ecg')!;
    const { epochs } = ecgLayout(ecgDataset.shape, file, source);
    const samples = numbers(ecgDataset, file, source.datasets.ecg);
    const count = epochs * this.samplesPerEpoch;
    const ecg = samples instanceof Float32Array && samples.length === count ? samples : Float32Array.from(samples.slice(0, count));

    const demographics = numbers(readDataset(h5, file, source, 'demographics')!, file, source.datasets.demographics);
    if (demographics.length !== this.demographics) {
      throw new DataError(
        `${file}, dataset "${source.datasets.demographics}": expected ${this.demographics} values, as in ${this.files[0]}, but got ${demographics.length}. ` +
          'Fix: give every subject the same demographic features.',
        { file, field: source.datasets.demographics },
      );
    }
    const offsetName = source.datasets.midnightOffset;
    const offset = numbers(readDataset(h5, file, source, 'midnightOffset')!, file, offsetName);
    if (offset.length !== 1 || !Number.isFinite(offset[0])) {
      const found = offset.length === 1 ? `got ${offset[0]}` : `got ${offset.length} values`;
      throw new DataError(
        `${file}, dataset "${offsetName}": expected one finite number (seconds from midnight to the first epoch), but ${found}. Fix: store it as a scalar.`,
        { file, field: offsetName },
      );
    }
    const width = this.demographics + 1;
    const additional = new Float32Array(epochs * width);
    for (let e = 0; e < epochs; e++) {
      additional.set(demographics, e * width);
      additional[e * width + this.demographics] = (offset[0]! + e * source.epochSeconds) / 3600;
    }

    const stagesDataset = readDataset(h5, file, source, 'stages', false);
    const stages = this.stages(stagesDataset ? numbers(stagesDataset, file, source.datasets.stages) : [], epochs, file);
    const weightsDataset = readDataset(h5, file, source, 'weights', false);
    const storedWeights = weightsDataset ? numbers(weightsDataset, file, source.datasets.weights) : [];
    const weights = Float32Array.from({ length: epochs }, (_, e) => (e < storedWeights.length ? storedWeights[e]! : 1));

    const id = basename(file, extname(file));
    return {
      id,
      group: id,
      fields: {
        ecg: { shape: [epochs, this.samplesPerEpoch], data: ecg },
        additional: { shape: [epochs, width], data: additional },
        stages: { shape: [epochs], data: stages },
        weights: { shape: [epochs], data: weights },
      },
    };
  }

  /** The stages of the night's `epochs`, -1 padding as the ignore label; stages past the night must be padding. */
  private stages(stored: ArrayLike<number>, epochs: number, file: string): Int32Array {
    const name = this.source.datasets.stages;
    const stages = new Int32Array(epochs).fill(this.context.ignoreLabel);
    for (let e = 0; e < stored.length; e++) {
      const value = stored[e]!;
      if (!Number.isInteger(value)) {
        throw new DataError(
          `${file}, dataset "${name}": expected integer stages, but got ${value} at [${e}]. Fix: store the stages as integers (-1 for unscored epochs).`,
          { file, field: name },
        );
      }
      if (e < epochs) stages[e] = value === FILE_PADDING ? this.context.ignoreLabel : value;
      else if (value !== FILE_PADDING) {
        throw new DataError(
          `${file}, dataset "${name}": expected only padding (${FILE_PADDING}) after the night's ${epochs} ECG epochs, but got ${value} at [${e}]. ` +
            `Fix: cut the stages to the night's length, or pad them with ${FILE_PADDING}.`,
          { file, field: name },
        );
      }
    }
    return stages;
  }
}

/** Every file `files` names, globs expanded, sorted; a `DataError` for a missing file or a glob matching none. */
async function resolveFiles(files: string | string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of typeof files === 'string' ? [files] : files) {
    // A path such as "night (1).h5" looks like a glob too: it is taken literally when that file exists.
    if (isDynamicPattern(pattern) && !(await isFile(pattern))) {
      const matches = await glob(pattern, { absolute: true, onlyFiles: true });
      if (matches.length === 0) {
        throw new DataError(`${pattern}: expected HDF5 files matching this pattern, but none match. Fix: check files in the data source.`, {
          file: pattern,
        });
      }
      for (const match of matches) found.add(match);
    } else {
      await stat(pattern).catch((error: unknown) => {
        throw fileError(pattern, error, 'check files in the data source.');
      });
      found.add(pattern);
    }
  }
  return [...found].sort();
}

function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

/** Epochs in an `ecgs` dataset of `shape`; a `DataError` when it is neither `[epochs, samplesPerEpoch]` nor `[samples]`. */
function ecgLayout(shape: number[] | null, file: string, source: Hdf5SourceConfig): { epochs: number } {
  const name = source.datasets.ecg;
  const perEpoch = source.samplingRateHz * source.epochSeconds;
  const rate = `${source.samplingRateHz} Hz × ${source.epochSeconds} s`;
  const fail = (expected: string, fix: string) =>
    new DataError(`${file}, dataset "${name}": expected ${expected}, but got shape ${formatShape(shape ?? [])}. Fix: ${fix}`, { file, field: name });
  if (shape?.length === 2) {
    if (shape[1] !== perEpoch) {
      throw fail(`${perEpoch} samples per epoch (${rate})`, 'set samplingRateHz and epochSeconds in the data source to match the file.');
    }
    return { epochs: shape[0]! };
  }
  if (shape?.length === 1) {
    const epochs = Math.floor(shape[0]! / perEpoch);
    if (epochs === 0) throw fail(`at least one epoch of ${perEpoch} samples (${rate})`, 'drop this file, or check samplingRateHz and epochSeconds.');
    return { epochs };
  }
  throw fail(`[epochs, ${perEpoch}] or a continuous [samples]`, `store the ECG as [epochs, ${perEpoch}] or 1-D.`);
}

/** Opens `file`, runs `read` on it and closes it; HDF5 errors become `DataError`s naming the file. */
function withFile<T>(file: string, read: (h5: H5File) => T): T {
  const unreadable = (error: unknown) =>
    new DataError(`${file}: expected a readable HDF5 file, but HDF5 reports "${hdf5Reason(error)}". Fix: check the file, or export it again.`, {
      file,
    });
  let h5: H5File;
  try {
    h5 = new (lib().File)(file, 'r');
  } catch (error) {
    throw unreadable(error);
  }
  try {
    return read(h5);
  } catch (error) {
    throw error instanceof Error && error.message.startsWith('HDF5-DIAG') ? unreadable(error) : error;
  } finally {
    h5.close();
  }
}

/** Throws a `DataError` unless `file` can be read and carries the HDF5 signature (at byte 0, 512, 1024, ...). */
async function checkSignature(file: string): Promise<void> {
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw fileError(file, error, 'check files in the data source.');
  });
  try {
    if (await carriesHdf5Signature(handle)) return;
  } finally {
    await handle.close();
  }
  throw new DataError(`${file}: expected an HDF5 file, but it does not carry the HDF5 signature. Fix: check that the file is HDF5 (.h5).`, { file });
}

/** The dataset `source.datasets[key]` names in `h5`; a `DataError` when a required one is missing. */
function readDataset(h5: H5File, file: string, source: Hdf5SourceConfig, key: DatasetKey, required = true): H5Dataset | undefined {
  const name = source.datasets[key];
  const entity = h5.get(name);
  if (entity instanceof lib().Dataset) return entity;
  if (!entity && !required) return undefined;
  const names = h5.keys();
  const found = entity ? `it is a ${entity.constructor.name.toLowerCase()}` : `the file has ${names.length === 0 ? 'none' : quoteList(names)}`;
  throw new DataError(
    `${file}: expected a dataset ${JSON.stringify(name)} (datasets.${key}), but ${found}.${entity ? '' : suggestion(name, names)} ` +
      `Fix: set datasets.${key} in the data source to the name the files use.`,
    { file, field: name },
  );
}

/** Numbers as h5wasm returns them: a typed array, or an array for scalars and 64-bit integers. */
type Numbers = ArrayLike<number> & { slice(start: number, end: number): ArrayLike<number> };

/** A dataset's values as numbers; a `DataError` for strings or other non-numeric data. */
function numbers(dataset: H5Dataset, file: string, name: string): Numbers {
  const value = dataset.value;
  if (typeof value === 'number') return [value];
  if (typeof value === 'bigint') return [Number(value)];
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Array.from(value, Number);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as Float64Array;
  throw new DataError(
    `${file}, dataset "${name}": expected numbers, but got data of HDF5 type ${JSON.stringify(dataset.dtype)}. Fix: store it as numbers.`,
    { file, field: name },
  );
}

function size(shape: number[] | null): number {
  return (shape ?? []).reduce((n, d) => n * d, 1);
}
