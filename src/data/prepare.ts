/**
 * The prepareData stage: read the source once, record by record, validating,
 * preprocessing and writing each record into the shards of its split while
 * gathering train-split statistics. Keyed by a fingerprint of the data and
 * every setting that shapes the result: a second run with the same
 * fingerprint reuses the prepared shards and does no work. Memory stays flat
 * as records grow: one record at a time, streaming statistics, shards
 * flushed as they fill, and per record only its group number.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFolderOnce, writeJsonAtomically } from '../artifacts/atomic.js';
import type { FileRef } from '../artifacts/file-ref.js';
import { sourceFields } from '../config/data/sources.js';
import type { DataConfig } from '../config/data/data.js';
import { sha256 } from '../config/read-json.js';
import type { Dataset, DatasetContext, FieldSpec } from './dataset.js';
import { datasetFingerprint, PREPARED_FORMAT, preparedFingerprint } from './fingerprint.js';
import { recordGroups } from './groups.js';
import { INDEX_FILE, PreparedData, STATS_FILE, type PreparedIndex, type PreparedStats } from './prepared.js';
import { preparedFields, preprocessRecord, windowRecord } from './preprocess.js';
import type { OnPrepareProgress } from './progress.js';
import { openDataset } from './registry.js';
import { ShardWriter } from './shards.js';
import { assignGroups, SPLITS, type SplitName } from './split.js';
import { balancedClassWeights, TrainStatistics } from './stats.js';
import { validateRecord } from './validate.js';

/** What prepareData produced, by reference. */
export interface PreparedRef {
  dir: string;
  fingerprint: string;
  /** True when identical prepared data already existed and was reused. */
  reused: boolean;
  /** Records read and written by this call (0 when reused). */
  processed: number;
  records: Record<SplitName, number>;
  fields: Record<string, FieldSpec>;
  index: FileRef;
  stats: FileRef;
  warnings: string[];
}

export interface PrepareOptions {
  /** Folder holding prepared datasets, one per fingerprint (`<artifactRoot>/prepared`). */
  cacheRoot: string;
  /** Called as the long phases go (bytes hashed, records scanned or written, splits closed); awaited. */
  onProgress?: OnPrepareProgress;
}

/** The dataset context a data config implies (labels, target field, ignore label). */
export function datasetContext(data: DataConfig): DatasetContext {
  return { classes: data.classes, target: data.target ?? sourceFields(data.source).target, ignoreLabel: data.preprocessing.ignoreLabel };
}

/** Prepares `data`, or reuses the prepared data with the same fingerprint. */
export async function prepareData(data: DataConfig, options: PrepareOptions): Promise<PreparedRef> {
  const context = datasetContext(data);
  const dataset = await openDataset(data.source, context);
  try {
    const fingerprint = preparedFingerprint({
      data: await datasetFingerprint(dataset, options.onProgress),
      target: context.target,
      classes: data.classes,
      split: data.split,
      preprocessing: data.preprocessing,
    });
    const dir = join(options.cacheRoot, fingerprint);
    const existing = await PreparedData.open(dir);
    if (existing) return refOf(existing, true, 0);

    // Another run may prepare the same fingerprint meanwhile: its result is identical, and is kept.
    await createFolderOnce(dir, (staging) => writePrepared(dataset, data, context, fingerprint, staging, options));
    const prepared = await PreparedData.open(dir);
    if (!prepared) throw new Error(`Prepared data in ${dir} vanished after it was written.`);
    return refOf(prepared, false, dataset.length);
  } finally {
    await dataset.close?.();
  }
}

async function writePrepared(
  dataset: Dataset,
  data: DataConfig,
  context: DatasetContext,
  fingerprint: string,
  dir: string,
  options: PrepareOptions,
): Promise<void> {
  const { preprocessing } = data;
  const steps = { ...(preprocessing.resampleHz ? { resampleHz: preprocessing.resampleHz } : {}), ...(preprocessing.maxEpochs ? { maxSteps: preprocessing.maxEpochs } : {}) };
  const fields = preparedFields(dataset.fields, steps);
  const groups = await recordGroups(dataset, options.onProgress);
  const assignment = assignGroups(groups.names, data.split, dataset.origin);
  const splitOfGroup = groups.names.map((name) => assignment.get(name)!);
  const normalized = normalizedFields(fields, preprocessing.normalize);
  const statistics = new TrainStatistics(fields, normalized, context.target, data.classes.length, context.ignoreLabel);
  const writers = Object.fromEntries(SPLITS.map((split) => [split, new ShardWriter(dir, split, fields)])) as Record<SplitName, ShardWriter>;

  for (let i = 0; i < dataset.length; i++) {
    const raw = await dataset.get(i);
    validateRecord(raw, dataset.fields, { origin: dataset.origin, index: i }, context);
    const record = preprocessRecord(raw, dataset.fields, fields, steps);
    const split = splitOfGroup[groups.of(i)]!;
    if (split === 'train') statistics.add(record.fields); // each epoch once, however windows overlap
    if (!preprocessing.window) await writers[split].write(record);
    else {
      // Overlapping windows only where they train: a validation or test epoch is scored once.
      const { epochs, strideEpochs = epochs } = preprocessing.window;
      for (const window of windowRecord(record, fields, epochs, split === 'train' ? strideEpochs : epochs)) await writers[split].write(window);
    }
    await options.onProgress?.({ phase: 'writing', done: i + 1, total: dataset.length, unit: 'records' });
  }

  const splitGroups = (split: SplitName) => [...assignment.values()].filter((s) => s === split).length;
  const splits = {} as PreparedIndex['splits'];
  for (const [k, split] of SPLITS.entries()) {
    const shards = await writers[split].finish();
    splits[split] = { records: shards.reduce((n, shard) => n + shard.records, 0), groups: splitGroups(split), shards };
    await options.onProgress?.({ phase: 'finishing', done: k + 1, total: SPLITS.length, unit: 'splits' });
  }
  const counts = statistics.counts();
  const warnings = counts.flatMap((n, c) => (n === 0 ? [`Class "${data.classes[c]}" has no labelled examples in the train split.`] : []));
  const classWeights =
    preprocessing.classWeights === 'balanced'
      ? balancedClassWeights(counts)
      : Array.isArray(preprocessing.classWeights)
        ? preprocessing.classWeights
        : undefined;
  const stats: PreparedStats = {
    normalization: preprocessing.normalize.method === 'none' ? {} : statistics.normalization(preprocessing.normalize.method),
    classCounts: counts,
    ...(classWeights ? { classWeights } : {}),
    warnings,
  };
  const index: PreparedIndex = {
    format: PREPARED_FORMAT,
    fingerprint,
    createdAt: new Date().toISOString(),
    origin: dataset.describe?.() ?? dataset.origin,
    fields,
    target: context.target,
    classes: data.classes,
    ignoreLabel: context.ignoreLabel,
    splits,
  };
  await writeJsonAtomically(join(dir, STATS_FILE), stats);
  await writeJsonAtomically(join(dir, INDEX_FILE), index); // last: its presence marks the folder complete
}

/** The float fields to normalise: those named in the config, else every signal and feature field. */
function normalizedFields(fields: Record<string, FieldSpec>, normalize: DataConfig['preprocessing']['normalize']): string[] {
  if (normalize.method === 'none') return [];
  const names = normalize.fields ?? Object.keys(fields).filter((name) => ['signal', 'features'].includes(fields[name]!.kind));
  return names.filter((name) => fields[name]?.dtype === 'float32');
}

async function refOf(prepared: PreparedData, reused: boolean, processed: number): Promise<PreparedRef> {
  const { index, dir } = prepared;
  const ref = async (file: string): Promise<FileRef> => ({ path: join(dir, file), sha256: sha256(await readFile(join(dir, file))) });
  return {
    dir,
    fingerprint: index.fingerprint,
    reused,
    processed,
    records: { train: index.splits.train.records, validation: index.splits.validation.records, test: index.splits.test.records },
    fields: index.fields,
    index: await ref(INDEX_FILE),
    stats: await ref(STATS_FILE),
    warnings: prepared.stats.warnings,
  };
}

