/**
 * Data sources, chosen by `type`: built-in formats, seeded synthetic ECG
 * nights, or a dataset registered by a plugin. Readers live in `src/data/`.
 */
import { z } from 'zod';
import { FilePath, PositiveInt, Seed } from '../common.js';

const tabularColumns = {
  features: z.array(z.string().min(1)).min(1).describe('Feature columns, in the order the model input expects.'),
  label: z
    .string()
    .min(1)
    .optional()
    .describe('Label column (class name or index); required for training, optional for inference.'),
  id: z.string().min(1).optional().describe('Row id column; defaults to the row number.'),
  group: z
    .string()
    .min(1)
    .optional()
    .describe('Group column (e.g. subject); splits never put one group in two splits. Rows split alone when absent.'),
};

/**
 * Bounds on the numbers that size what is held in memory at once (a night,
 * a batch): a typo of a few zeros fails validation instead of exhausting a
 * worker. 36-hour nights, 4 kHz, 5-minute epochs.
 */
const MAX_NIGHT_EPOCHS = 4_320;
const MAX_SAMPLING_RATE_HZ = 4_096;
const MAX_EPOCH_SECONDS = 300;
/** Samples of one night's signal that one record may hold (256 MB as float32). */
export const MAX_NIGHT_SAMPLES = 64 * 1024 * 1024;

export const SyntheticEcgSource = z.strictObject({
  type: z.literal('syntheticEcg'),
  subjects: z.int().min(3).max(100_000).default(40).describe('Number of simulated subjects (one night each).'),
  nightEpochs: z
    .strictObject({ min: PositiveInt.max(MAX_NIGHT_EPOCHS), max: PositiveInt.max(MAX_NIGHT_EPOCHS) })
    .default({ min: 600, max: 960 })
    .describe('Range of night lengths in 30-s epochs; each subject gets a length in this range.'),
  samplingRateHz: PositiveInt.max(MAX_SAMPLING_RATE_HZ).default(256).describe('ECG sampling rate.'),
  epochSeconds: PositiveInt.max(MAX_EPOCH_SECONDS).default(30).describe('Length of one scoring epoch.'),
  additionalFeatures: PositiveInt.max(1024).default(8).describe('Number of demographics-like features per epoch.'),
  seed: Seed.default(0),
});

export const Hdf5Source = z.strictObject({
  type: z.literal('hdf5'),
  files: z
    .union([FilePath, z.array(FilePath).min(1)])
    .describe('One HDF5 file per subject: a path, a glob (data/*.h5), or a list.'),
  samplingRateHz: PositiveInt.max(MAX_SAMPLING_RATE_HZ).default(256).describe('Sampling rate of the stored ECG.'),
  epochSeconds: PositiveInt.max(MAX_EPOCH_SECONDS).default(30).describe('Length of one scoring epoch; a 1-D ECG is cut into epochs of this length.'),
  datasets: z
    .strictObject({
      ecg: z.string().default('ecgs'),
      demographics: z.string().default('demographics'),
      midnightOffset: z.string().default('midnight_offset'),
      stages: z.string().default('stages'),
      weights: z.string().default('weights'),
    })
    .prefault({})
    .describe('Dataset names inside each file; the defaults are the seed layout.'),
});

export const CsvSource = z.strictObject({
  type: z.literal('csv'),
  path: FilePath,
  delimiter: z.string().length(1).default(','),
  ...tabularColumns,
});

export const JsonlSource = z.strictObject({
  type: z.literal('jsonl'),
  path: FilePath,
  ...tabularColumns,
});

export const NpySource = z.strictObject({
  type: z.literal('npy'),
  features: FilePath.describe('.npy array of shape [rows, ...features].'),
  labels: FilePath.optional().describe('.npy array of shape [rows] with class indices; required for training.'),
  groups: FilePath.optional().describe('.npy array of shape [rows] with group ids.'),
});

export const NpzSource = z.strictObject({
  type: z.literal('npz'),
  path: FilePath,
  keys: z
    .strictObject({
      features: z.string().default('x'),
      labels: z.string().optional().describe('Label array; required for training.'),
      groups: z.string().optional(),
    })
    .prefault({})
    .describe('Array names inside the .npz archive.'),
});

export const PluginSource = z.strictObject({
  type: z.literal('plugin'),
  name: z.string().min(1).describe('Name a plugin module registered its dataset under (see `epochal worker --plugins`).'),
  options: z.record(z.string(), z.unknown()).default({}).describe('Passed to the dataset factory as is.'),
});

/** Any data source, chosen by its `type`. */
export const DataSource = z.discriminatedUnion('type', [
  SyntheticEcgSource,
  Hdf5Source,
  CsvSource,
  JsonlSource,
  NpySource,
  NpzSource,
  PluginSource,
]);
export type DataSource = z.infer<typeof DataSource>;

/** What a source provides: its fields (when known before reading) and the default target field. */
export interface SourceFields {
  fields: readonly string[] | 'dynamic';
  target: string;
}

/** The batch field that marks real steps of padded sequences (1 = real, 0 = padding); added when sequences are batched. */
export const MASK_FIELD = 'mask';

/** Fields of ECG night sources, the padding mask included. */
const ECG_FIELDS: SourceFields = { fields: ['ecg', 'additional', 'stages', 'weights', MASK_FIELD], target: 'stages' };
const TABULAR_FIELDS: SourceFields = { fields: ['features', 'label'], target: 'label' };

/** The fields each source type yields, used to check that every model input is fed. */
export function sourceFields(source: DataSource): SourceFields {
  switch (source.type) {
    case 'syntheticEcg':
    case 'hdf5':
      return ECG_FIELDS;
    case 'csv':
    case 'jsonl':
    case 'npy':
    case 'npz':
      return TABULAR_FIELDS;
    case 'plugin':
      return { fields: 'dynamic', target: 'label' };
  }
}

/** The file paths a source names (globs included), each with its key path inside the source. */
export function sourcePaths(source: DataSource): { key: (string | number)[]; value: string }[] {
  switch (source.type) {
    case 'hdf5':
      return typeof source.files === 'string'
        ? [{ key: ['files'], value: source.files }]
        : source.files.map((value, i) => ({ key: ['files', i], value }));
    case 'csv':
    case 'jsonl':
    case 'npz':
      return [{ key: ['path'], value: source.path }];
    case 'npy':
      return [
        { key: ['features'], value: source.features },
        ...(source.labels ? [{ key: ['labels'], value: source.labels }] : []),
        ...(source.groups ? [{ key: ['groups'], value: source.groups }] : []),
      ];
    case 'syntheticEcg':
    case 'plugin':
      return [];
  }
}

/** The same source with every path passed through `resolve` (e.g. made absolute). */
export function mapSourcePaths(source: DataSource, resolve: (path: string) => string): DataSource {
  switch (source.type) {
    case 'hdf5':
      return { ...source, files: typeof source.files === 'string' ? resolve(source.files) : source.files.map(resolve) };
    case 'csv':
    case 'jsonl':
    case 'npz':
      return { ...source, path: resolve(source.path) };
    case 'npy':
      return {
        ...source,
        features: resolve(source.features),
        ...(source.labels ? { labels: resolve(source.labels) } : {}),
        ...(source.groups ? { groups: resolve(source.groups) } : {}),
      };
    case 'syntheticEcg':
    case 'plugin':
      return source;
  }
}
