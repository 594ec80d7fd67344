/**
 * The input of a batch-inference job, checked against the model and written
 * as prepared data: the source's fields are checked against what the model
 * was trained on before anything is read, each record is validated and
 * preprocessed as in training, and batches normalise with the model's train
 * statistics. The job scores it in shards of `shardSize` records (one
 * `inferShard` activity each, see `shards.ts`), described by two numbers
 * rather than a list, so what travels through workflow history does not grow
 * with the shard count; the files on disk are laid out as for training,
 * whatever the shard size. Keyed by a fingerprint of the data and the model's
 * preprocessing, so a retried or repeated job (with any shard size) reuses it.
 */
import { join } from 'node:path';
import { createFolderOnce, writeJsonAtomically } from '../artifacts/atomic.js';
import { sourceFields, type DataSource } from '../config/data/sources.js';
import { sha256 } from '../config/read-json.js';
import type { Dataset, FieldSpec } from '../data/dataset.js';
import { MASK_FIELD } from '../data/batches.js';
import { datasetFingerprint } from '../data/fingerprint.js';
import { INDEX_FILE, PreparedData, STATS_FILE, type PreparedIndex, type PreparedStats } from '../data/prepared.js';
import { preparedFields, preprocessRecord } from '../data/preprocess.js';
import { openDataset } from '../data/registry.js';
import { ShardWriter } from '../data/shards.js';
import { formatSpecShape, validateRecord } from '../data/validate.js';
import { DataError } from '../errors.js';
import type { Preprocessing } from './model-package.js';

/** Inference input lives in the prepared format's `test` split; the other splits are empty. */
export const INFERENCE_SPLIT = 'test';

/** The prepared input of a job: a reference and a few numbers, the same size however many shards it has. */
export interface InferenceInput {
  dir: string;
  fingerprint: string;
  reused: boolean;
  records: number;
  /** Records per shard: shard k scores records [k·shardSize, (k+1)·shardSize) of the input, the last one fewer. */
  shardSize: number;
  /** ⌈records / shardSize⌉. */
  shardCount: number;
}

export interface InferenceInputOptions {
  cacheRoot: string;
  shardSize: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/**
 * Which source field feeds each field the model was trained on: the job's
 * `data.inputs` (model input → source field) over the training mapping.
 */
export function fieldMapping(preprocessing: Preprocessing, jobInputs: Record<string, string>): Map<string, string> {
  const mapping = new Map<string, string>();
  for (const [input, trained] of Object.entries(preprocessing.inputs)) {
    if (trained === MASK_FIELD) continue; // built when batching
    mapping.set(trained, jobInputs[input] ?? trained);
  }
  return mapping;
}

/**
 * Every way the source's fields fail the model's inputs: a missing field, or
 * a shape or dtype other than the model was trained on (after the model's
 * resampling). Empty when the source fits.
 */
export function inputMismatches(dataset: Dataset, preprocessing: Preprocessing, mapping: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [trained, field] of mapping) {
    const expected = preprocessing.fields[trained]!;
    const spec = dataset.fields[field];
    if (!spec) {
      problems.push(`field "${field}" (model input for "${trained}") is missing; the source has ${Object.keys(dataset.fields).map((f) => `"${f}"`).join(', ')}`);
      continue;
    }
    const prepared = preparedFields({ [field]: spec }, preprocessing.steps)[field]!;
    if (formatSpecShape(prepared.shape) !== formatSpecShape(expected.shape) || prepared.dtype !== expected.dtype) {
      problems.push(
        `field "${field}" is ${prepared.dtype} ${formatSpecShape(prepared.shape)}, but the model was trained on ${expected.dtype} ${formatSpecShape(expected.shape)}`,
      );
    }
  }
  return problems;
}

/** Checks the source against the model, then writes (or reuses) its prepared shards. */
export async function prepareInferenceInput(
  source: DataSource,
  jobInputs: Record<string, string>,
  preprocessing: Preprocessing,
  options: InferenceInputOptions,
): Promise<InferenceInput> {
  const target = sourceFields(source).target;
  const dataset = await openDataset(source, { classes: preprocessing.classes, target, ignoreLabel: -1 });
  try {
    const mapping = fieldMapping(preprocessing, jobInputs);
    const problems = inputMismatches(dataset, preprocessing, mapping);
    if (problems.length > 0) {
      throw new DataError(
        `The input data ${dataset.origin} does not fit the model: ${problems.join('; ')}. ` +
          'Fix: map the model inputs to the right source fields in data.inputs, or score data shaped like the training data.',
        { file: dataset.origin, field: [...mapping.values()].join(', ') },
      );
    }
    const fingerprint = sha256(JSON.stringify({ data: await datasetFingerprint(dataset), mapping: [...mapping], preprocessing }));
    const dir = join(options.cacheRoot, fingerprint);
    const existing = await PreparedData.open(dir);
    if (existing) return refOf(existing, options.shardSize, true);

    await createFolderOnce(dir, (staging) => writeInput(dataset, mapping, preprocessing, fingerprint, staging, options));
    return refOf((await PreparedData.open(dir))!, options.shardSize, false);
  } finally {
    await dataset.close?.();
  }
}

async function writeInput(
  dataset: Dataset,
  mapping: Map<string, string>,
  preprocessing: Preprocessing,
  fingerprint: string,
  dir: string,
  options: Pick<InferenceInputOptions, 'onProgress'>,
): Promise<void> {
  const sourceSpecs: Record<string, FieldSpec> = {};
  const originalSpecs: Record<string, FieldSpec> = {};
  for (const [trained, field] of mapping) {
    sourceSpecs[field] = dataset.fields[field]!;
    originalSpecs[trained] = dataset.fields[field]!;
  }
  const fields = Object.fromEntries([...mapping.keys()].map((trained) => [trained, preprocessing.fields[trained]!]));
  const writer = new ShardWriter(dir, INFERENCE_SPLIT, fields); // files sized as for training: a shard of the job is a record range
  const context = { classes: preprocessing.classes, target: '', ignoreLabel: -1 };
  for (let i = 0; i < dataset.length; i++) {
    const raw = await dataset.get(i);
    validateRecord(raw, sourceSpecs, { origin: dataset.origin, index: i }, context);
    const renamed = { ...raw, fields: Object.fromEntries([...mapping].map(([trained, field]) => [trained, raw.fields[field]!])) };
    await writer.write(preprocessRecord(renamed, originalSpecs, fields, preprocessing.steps));
    await options.onProgress?.(i + 1, dataset.length);
  }
  const shards = await writer.finish();
  const empty = { records: 0, groups: 0, shards: [] };
  const index: PreparedIndex = {
    format: 'epochal-inference-input/1',
    fingerprint,
    createdAt: new Date().toISOString(),
    origin: dataset.describe?.() ?? dataset.origin,
    fields,
    target: '',
    classes: preprocessing.classes,
    ignoreLabel: -1,
    splits: { train: empty, validation: empty, test: { records: dataset.length, groups: dataset.length, shards } },
  };
  const stats: PreparedStats = { normalization: preprocessing.normalization, classCounts: [], warnings: [] };
  await writeJsonAtomically(join(dir, STATS_FILE), stats);
  await writeJsonAtomically(join(dir, INDEX_FILE), index); // last: marks the folder complete
}

function refOf(prepared: PreparedData, shardSize: number, reused: boolean): InferenceInput {
  const { records } = prepared.index.splits[INFERENCE_SPLIT];
  return { dir: prepared.dir, fingerprint: prepared.index.fingerprint, reused, records, shardSize, shardCount: Math.ceil(records / shardSize) };
}
