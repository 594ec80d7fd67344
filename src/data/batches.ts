/**
 * Streaming batches from prepared data, with bounded memory: records are read
 * one batch at a time, in an order derived only from (seed, epoch), so a
 * resumed run sees exactly the batches an uninterrupted one would. Variable-
 * length sequences are padded here (labels with the ignore label) and a
 * `mask` field marks the real steps; normalisation uses the train statistics.
 * The sequence axis, when there is one, is the leading axis of every field.
 */
import { deriveSeed } from '../model/seeds.js';
import type { ArrayField, DataRecord } from './dataset.js';
import type { PreparedData } from './prepared.js';
import { hasSequence, sequenceLength } from './shards.js';
import { seededPermutation } from './shuffle.js';
import type { SplitName } from './split.js';
import { normalizeInPlace } from './stats.js';

/** The batch field holding 1 for real steps and 0 for padding (sequence data only). */
export const MASK_FIELD = 'mask';

export interface BatchOptions {
  batchSize: number;
  /** The fields to assemble (`mask` for the padding mask); all prepared fields when absent. */
  fields?: readonly string[];
  /** Shuffle deterministically for this (seed, epoch); stored order when absent. */
  shuffle?: { seed: number; epoch: number };
  /** Pad sequences to this many steps rather than to the batch's longest. */
  padTo?: number;
  /** Start at this batch (to resume mid-epoch). */
  fromBatch?: number;
}

/** One batch: record ids and one `[batch, ...]` array per field. */
export interface Batch {
  index: number;
  ids: string[];
  fields: Record<string, ArrayField>;
}

/** The order records are visited in: a permutation drawn from (seed, epoch), or stored order. */
export function batchOrder(length: number, shuffle?: { seed: number; epoch: number }): number[] {
  return shuffle ? seededPermutation(length, deriveSeed(shuffle.seed, 'epoch', shuffle.epoch)) : Array.from({ length }, (_, i) => i);
}

/** Number of batches in one pass over `length` records (the last batch may be smaller). */
export function batchCount(length: number, batchSize: number): number {
  return Math.ceil(length / batchSize);
}

/** Batches of one split, read lazily. */
export async function* batches(prepared: PreparedData, split: SplitName, options: BatchOptions): AsyncGenerator<Batch> {
  const reader = prepared.split(split);
  try {
    const order = batchOrder(reader.length, options.shuffle);
    for (let b = options.fromBatch ?? 0; b * options.batchSize < order.length; b++) {
      const indices = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
      const records: DataRecord[] = [];
      for (const i of indices) records.push(await reader.read(i));
      yield { index: b, ids: records.map((r) => r.id), fields: assemble(prepared, records, options) };
    }
  } finally {
    await reader.close();
  }
}

function assemble(prepared: PreparedData, records: DataRecord[], options: BatchOptions): Record<string, ArrayField> {
  const { fields: specs, ignoreLabel } = prepared.index;
  const lengths = records.map((record) => sequenceLength(specs, record));
  const sequence = hasSequence(specs);
  const steps = options.padTo ?? Math.max(0, ...lengths);
  const wanted = options.fields ?? [...Object.keys(specs), ...(sequence ? [MASK_FIELD] : [])];
  const out: Record<string, ArrayField> = {};
  for (const name of wanted) {
    if (name === MASK_FIELD && sequence && !specs[name]) {
      const data = new Float32Array(records.length * steps);
      lengths.forEach((length, r) => data.fill(1, r * steps, r * steps + Math.min(length, steps)));
      out[name] = { shape: [records.length, steps], data };
      continue;
    }
    const spec = specs[name];
    if (!spec) throw new Error(`Prepared data has no field "${name}" (fields: ${Object.keys(specs).join(', ')}).`);
    const shape = spec.shape.map((d) => d ?? steps);
    const size = shape.reduce((n, d) => n * d, 1);
    const data = spec.dtype === 'int32' ? new Int32Array(records.length * size) : new Float32Array(records.length * size);
    if (spec.kind === 'label') data.fill(ignoreLabel);
    const normalization = prepared.stats.normalization[name];
    records.forEach((record, r) => {
      const values = record.fields[name]!.data;
      if (normalization) normalizeInPlace(values as Float32Array, normalization);
      const kept = spec.shape[0] === null ? Math.min(values.length, size) : values.length;
      data.set(values.subarray(0, kept), r * size);
    });
    out[name] = { shape: [records.length, ...shape], data };
  }
  return out;
}
