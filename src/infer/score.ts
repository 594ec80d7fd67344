/**
 * Scoring one inference shard (in the training process: TensorFlow.js work
 * is synchronous): stream its batches, predict, and write the shard's output
 * atomically (temporary name, fsync, rename), then a `.done.json` marker with
 * the output's row count and hash. A shard whose output and marker already
 * match is not scored again, so retries and crashes neither lose nor
 * duplicate a row.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomically, writeJsonAtomically } from '../artifacts/atomic.js';
import { useBackend } from '../backend/index.js';
import type { BackendName } from '../backend/names.js';
import type { NetParams } from '../config/net/net-params.js';
import { sha256 } from '../config/read-json.js';
import { batches, MASK_FIELD } from '../data/batches.js';
import { PreparedData } from '../data/prepared.js';
import { hasSequence } from '../data/shards.js';
import { buildModel } from '../model/build.js';
import { loadPretrained } from '../model/pretrained.js';
import type { Preprocessing } from './model-package.js';
import { argmax, encodeOutput, outputFileName, type OutputFormat, type OutputRow } from './output.js';
import { INFERENCE_SPLIT } from './prepare-input.js';

export interface ScoreShardRequest {
  inputDir: string;
  shard: number;
  /** The shard's records: `[from, to)` of the input. */
  records: { from: number; to: number };
  /** `digest` identifies the weights (a training process keeps the last model it loaded, by digest). */
  model: { weights: string; digest: string; net: NetParams; preprocessing: Preprocessing };
  batchSize: number;
  backend: BackendName | 'auto';
  output: { dir: string; format: OutputFormat; probabilities: boolean };
  /** Identifies what produces this output (model, input, options): existing output is reused only under the same key. */
  key: string;
  /** The job scoring it (its first run id): an output another job wrote under the same key counts as reused. */
  job?: string;
}

export interface ShardOutput {
  shard: number;
  file: string;
  rows: number;
  sha256: string;
  seconds: number;
  /** True when this job did not score it: an earlier job under the same id had written a matching output. */
  reused: boolean;
  /** Rows predicted as each class (the most probable), in class order; absent for outputs written before it was kept. */
  predicted?: number[];
}

interface DoneMarker {
  key: string;
  rows: number;
  sha256: string;
  seconds: number;
  predicted?: number[];
  /** The job that scored it (absent in markers written before it was kept). */
  job?: string;
}

const markerOf = (file: string) => `${file}.done.json`;

/**
 * What shard `shard`'s marker in `dir` records, when it was written under
 * `key` (the output file itself is not read; `existingOutput` checks its hash).
 */
export async function finishedOutput(dir: string, format: OutputFormat, shard: number, key: string, job?: string): Promise<ShardOutput | undefined> {
  const file = join(dir, outputFileName(shard, format));
  let marker: DoneMarker;
  try {
    marker = JSON.parse(await readFile(markerOf(file), 'utf8')) as DoneMarker;
  } catch {
    return undefined;
  }
  if (marker.key !== key) return undefined;
  const reused = job === undefined || marker.job !== job;
  return { shard, file, rows: marker.rows, sha256: marker.sha256, seconds: marker.seconds, reused, ...(marker.predicted ? { predicted: marker.predicted } : {}) };
}

/** The shard's finished output, when one exists for this key and its hash still matches. */
export async function existingOutput(request: ScoreShardRequest): Promise<ShardOutput | undefined> {
  const output = await finishedOutput(request.output.dir, request.output.format, request.shard, request.key, request.job);
  if (!output) return undefined;
  const bytes = await readFile(output.file).catch(() => undefined);
  return bytes && sha256(bytes) === output.sha256 ? output : undefined;
}

/** Scores the shard and writes its output atomically (see the module comment); `onBatch` follows its progress. */
export async function scoreShard(request: ScoreShardRequest, onBatch?: (batch: number) => void): Promise<ShardOutput> {
  const started = performance.now();
  await useBackend(request.backend);
  const prepared = await PreparedData.open(request.inputDir);
  if (!prepared) throw new Error(`No prepared inference input in ${request.inputDir}.`);
  const { preprocessing } = request.model;
  const model = await loadedModel(request);
  const rows = await predictRows(model, prepared, request, onBatch);
  const file = join(request.output.dir, outputFileName(request.shard, request.output.format));
  const { data, ids } = encodeOutput(rows, {
    format: request.output.format,
    classes: preprocessing.classes,
    probabilities: request.output.probabilities,
    sequence: hasSequence(preprocessing.fields),
  });
  if (ids !== undefined) await writeFileAtomically(`${file.replace(/\.npy$/, '')}.ids.txt`, ids);
  await writeFileAtomically(file, data);
  const seconds = (performance.now() - started) / 1000;
  const predicted = predictedCounts(rows, preprocessing.classes.length);
  const marker: DoneMarker = { key: request.key, rows: rows.length, sha256: sha256(data), seconds, predicted, ...(request.job ? { job: request.job } : {}) };
  await writeJsonAtomically(markerOf(file), marker);
  return { shard: request.shard, file, rows: marker.rows, sha256: marker.sha256, seconds, reused: false, predicted };
}

/** How many rows predict each class (the first most probable one on ties). */
export function predictedCounts(rows: readonly OutputRow[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const { probabilities } of rows) counts[argmax(probabilities)]! += 1;
  return counts;
}

/** The last model this process loaded is kept: the next shard of the same job skips building it and reading its weights. */
let loaded: { key: string; model: tf.LayersModel } | undefined;

async function loadedModel(request: ScoreShardRequest): Promise<tf.LayersModel> {
  const key = `${request.model.digest}:${tf.getBackend()}`;
  if (loaded?.key === key) return loaded.model;
  loaded?.model.dispose();
  loaded = undefined;
  const model = buildModel(request.model.net, 0);
  try {
    await loadPretrained(model, request.model.weights, 'strict');
  } catch (error) {
    model.dispose();
    throw error;
  }
  loaded = { key, model };
  return model;
}

/** One row per record, or per real (unpadded) step of a sequence record. */
async function predictRows(model: tf.LayersModel, prepared: PreparedData, request: ScoreShardRequest, onBatch?: (batch: number) => void): Promise<OutputRow[]> {
  const { preprocessing } = request.model;
  const inputFields = Object.keys(request.model.net.inputs).map((input) => preprocessing.inputs[input] ?? input);
  const sequence = hasSequence(preprocessing.fields);
  const rows: OutputRow[] = [];
  let done = 0;
  for await (const batch of batches(prepared, INFERENCE_SPLIT, { batchSize: request.batchSize, fields: [...new Set([...inputFields, ...(sequence ? [MASK_FIELD] : [])])], records: request.records })) {
    const probabilities = tf.tidy(() => {
      const inputs = inputFields.map((field) => tf.tensor(batch.fields[field]!.data, batch.fields[field]!.shape));
      return model.predict(inputs) as tf.Tensor;
    });
    const values = (await probabilities.data()) as Float32Array;
    const classes = probabilities.shape[probabilities.shape.length - 1]!;
    probabilities.dispose();
    onBatch?.((done += 1));
    if (!sequence) {
      batch.ids.forEach((id, r) => rows.push({ id, probabilities: values.slice(r * classes, (r + 1) * classes) }));
      continue;
    }
    const mask = batch.fields[MASK_FIELD]!;
    const steps = mask.shape[1]!;
    batch.ids.forEach((id, r) => {
      for (let t = 0; t < steps && mask.data[r * steps + t] === 1; t++) {
        const at = (r * steps + t) * classes;
        rows.push({ id, step: t, probabilities: values.slice(at, at + classes) });
      }
    });
  }
  return rows;
}
