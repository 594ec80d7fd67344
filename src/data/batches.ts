/**
 * Streaming batches from prepared data, with bounded memory: records are read
 * one batch at a time, in an order derived only from (seed, epoch), so a
 * resumed run sees exactly the batches an uninterrupted one would. Variable-
 * length sequences are padded here (labels with the ignore label) and a
 * `mask` field marks the real steps; normalisation uses the train statistics.
 * The sequence axis, when there is one, is the leading axis of every field.
 */
import { MASK_FIELD } from '../config/data/sources.js';
import { deriveSeed } from '../model/seeds.js';
import type { ArrayField, FieldSpec } from './dataset.js';
import type { PreparedData } from './prepared.js';
import { hasSequence } from './shards.js';
import { seededPermutation } from './shuffle.js';
import type { SplitName } from './split.js';

export { MASK_FIELD };

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
  /** Only the records `[from, to)` of the split, in stored order (one inference shard); no shuffling. */
  records?: { from: number; to: number };
  /** Only these records of the split (indices in stored order), in this order; no shuffling. */
  indices?: readonly number[];
  /**
   * Refill the same arrays for every batch of the same shape instead of
   * allocating new ones, for loops that consume each batch (e.g. copy it into
   * tensors) before asking for the next: a batch's arrays are then valid only
   * until the next batch is requested. Without it, every batch of large
   * records (nights of ECG) leaves tens of megabytes of garbage behind.
   */
  reuseArrays?: boolean;
}

/** One batch: record ids and one `[batch, ...]` array per field. */
export interface Batch {
  index: number;
  ids: string[];
  fields: Record<string, ArrayField>;
}

/** Shards shuffled together: the reader keeps this many shards open, so memory stays bounded however large the split. */
export const SHUFFLE_WINDOW_SHARDS = 4;

/**
 * The order records are visited in, drawn only from (seed, epoch): the shard
 * order is shuffled, then the records of each window of
 * `SHUFFLE_WINDOW_SHARDS` consecutive shards are shuffled together (a split of
 * up to that many shards is shuffled as a whole). Stored order without `shuffle`.
 * `shardSizes` are the record counts of the split's shards, in stored order.
 * Lazy: only one window's permutation exists at a time.
 */
export function* recordOrder(shardSizes: readonly number[], shuffle?: { seed: number; epoch: number }): Generator<number> {
  const starts: number[] = [];
  let total = 0;
  for (const size of shardSizes) {
    starts.push(total);
    total += size;
  }
  if (!shuffle) {
    for (let i = 0; i < total; i++) yield i;
    return;
  }
  const shards = seededPermutation(shardSizes.length, deriveSeed(shuffle.seed, 'epoch', shuffle.epoch, 'shards'));
  for (let w = 0; w * SHUFFLE_WINDOW_SHARDS < shards.length; w++) {
    const window = shards
      .slice(w * SHUFFLE_WINDOW_SHARDS, (w + 1) * SHUFFLE_WINDOW_SHARDS)
      .flatMap((shard) => Array.from({ length: shardSizes[shard]! }, (_, i) => starts[shard]! + i));
    for (const i of seededPermutation(window.length, deriveSeed(shuffle.seed, 'epoch', shuffle.epoch, 'window', w))) yield window[i]!;
  }
}

/** The whole visiting order as an array (see `recordOrder`). */
export function batchOrder(shardSizes: readonly number[], shuffle?: { seed: number; epoch: number }): number[] {
  return [...recordOrder(shardSizes, shuffle)];
}

/** Number of batches in one pass over `length` records (the last batch may be smaller). */
export function batchCount(length: number, batchSize: number): number {
  return Math.ceil(length / batchSize);
}

/**
 * Batches of one split, read lazily: each batch's records are read one by one
 * into a scratch buffer and copied (normalised) into the batch's arrays, with
 * no allocation per record, so memory stays flat however large the split.
 */
export async function* batches(prepared: PreparedData, split: SplitName, options: BatchOptions): AsyncGenerator<Batch> {
  const reader = prepared.split(split);
  const specs = prepared.index.fields;
  const layout = fieldLayout(reader.fieldOrder, specs);
  const pool = options.reuseArrays ? new Map<string, Float32Array | Int32Array>() : undefined;
  try {
    let b = 0;
    const order = options.indices ?? (options.records ? range(options.records.from, options.records.to) : recordOrder(reader.shardSizes, options.shuffle));
    for (const indices of chunks(order, options.batchSize)) {
      if (b++ < (options.fromBatch ?? 0)) continue;
      let batch: BatchArrays | undefined;
      const ids: string[] = [];
      await reader.readBatch(indices, {
        start: (lengths) => {
          batch = allocate(prepared, lengths, options, pool);
        },
        record: (r, id, length, f32, i32) => {
          ids.push(id);
          place(prepared, batch!, layout, r, length, f32, i32);
        },
      });
      yield { index: b - 1, ids, fields: batch!.fields };
    }
  } finally {
    await reader.close();
  }
}

function* range(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i;
}

/** Consecutive groups of `size` items (the last may be shorter). */
function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Where each field lies within a stored record: its element offset and count
 * are linear in the record's sequence length (`perStep · length + fixed`).
 */
type FieldLayout = Map<string, { offset: [perStep: number, fixed: number]; count: [perStep: number, fixed: number] }>;

function fieldLayout(order: readonly string[], specs: Record<string, FieldSpec>): FieldLayout {
  const layout: FieldLayout = new Map();
  let offset: [number, number] = [0, 0];
  for (const name of order) {
    const shape = specs[name]!.shape;
    const product = shape.reduce<number>((n, d) => n * (d ?? 1), 1);
    const count: [number, number] = shape.includes(null) ? [product, 0] : [0, product];
    layout.set(name, { offset, count });
    offset = [offset[0] + count[0], offset[1] + count[1]];
  }
  return layout;
}

interface BatchArrays {
  fields: Record<string, ArrayField>;
  /** Per-record slot size of each data field (values per record, padded). */
  slots: Record<string, number>;
}

/**
 * The batch's arrays, sized for records of these sequence lengths, with the
 * mask filled in; views on (cleared) `pool` buffers when they are large enough.
 */
function allocate(
  prepared: PreparedData,
  lengths: readonly number[],
  options: BatchOptions,
  pool?: Map<string, Float32Array | Int32Array>,
): BatchArrays {
  const array = (name: string, dtype: 'float32' | 'int32', size: number, fill: number) => {
    const pooled = pool?.get(name);
    if (pooled && pooled.length >= size) return pooled.subarray(0, size).fill(fill);
    const data = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
    pool?.set(name, data); // one buffer per field, as large as the largest batch so far
    return fill === 0 ? data : data.fill(fill);
  };
  const { fields: specs, ignoreLabel } = prepared.index;
  const sequence = hasSequence(specs);
  const steps = options.padTo ?? Math.max(0, ...lengths);
  const wanted = options.fields ?? [...Object.keys(specs), ...(sequence ? [MASK_FIELD] : [])];
  const fields: Record<string, ArrayField> = {};
  const slots: Record<string, number> = {};
  for (const name of wanted) {
    if (name === MASK_FIELD && sequence && !specs[name]) {
      const data = array(name, 'float32', lengths.length * steps, 0);
      lengths.forEach((length, r) => data.fill(1, r * steps, r * steps + Math.min(length, steps)));
      fields[name] = { shape: [lengths.length, steps], data };
      continue;
    }
    const spec = specs[name];
    if (!spec) throw new Error(`Prepared data has no field "${name}" (fields: ${Object.keys(specs).join(', ')}).`);
    const shape = spec.shape.map((d) => d ?? steps);
    const size = shape.reduce((n, d) => n * d, 1);
    const data = array(name, spec.dtype, lengths.length * size, spec.kind === 'label' ? ignoreLabel : 0);
    fields[name] = { shape: [lengths.length, ...shape], data };
    slots[name] = size;
  }
  return { fields, slots };
}

/** Copies record `r`'s values (elements of `f32`/`i32`) into its slot of every batch field, normalising on the way. */
function place(
  prepared: PreparedData,
  batch: BatchArrays,
  layout: FieldLayout,
  r: number,
  length: number,
  f32: Float32Array,
  i32: Int32Array,
): void {
  for (const [name, size] of Object.entries(batch.slots)) {
    const { offset: at, count: extent } = layout.get(name)!;
    const from = at[0] * length + at[1];
    const stored = extent[0] * length + extent[1];
    const source = prepared.index.fields[name]!.dtype === 'int32' ? i32 : f32;
    const target = batch.fields[name]!.data;
    const count = Math.min(stored, size); // the sequence axis leads, so truncation keeps the first steps
    const offset = r * size;
    const normalization = prepared.stats.normalization[name];
    if (!normalization) {
      target.set(source.subarray(from, from + count), offset);
      continue;
    }
    const { shift, scale } = normalization;
    const channels = shift.length;
    for (let k = 0; k < count; k++) target[offset + k] = (source[from + k]! - shift[k % channels]!) / scale[k % channels]!;
  }
}
