/**
 * Prepared data on disk: each split is a sequence of binary shards (records
 * back to back, each field's little-endian float32/int32 values in field-name
 * order) with a small JSON index per shard (ids, groups, sequence lengths), so
 * any record can be read by offset without loading a shard, let alone a split.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomically } from '../artifacts/atomic.js';
import type { ArrayField, DataRecord, FieldSpec } from './dataset.js';

if (endianness() !== 'LE') throw new Error('Epochal prepared data is little-endian; this machine is big-endian.');

/** One shard file and its index. */
export interface ShardRef {
  file: string;
  index: string;
  records: number;
  bytes: number;
  sha256: string;
}

/** The per-shard index: who each record is and, for sequence data, how long. */
export interface ShardIndex {
  ids: string[];
  groups: string[];
  /** Sequence length of each record, when the fields have a sequence axis. */
  lengths?: number[];
}

const DEFAULT_SHARD_BYTES = 64 * 1024 * 1024;

/** Bytes one record takes, given its sequence length. */
export function recordBytes(fields: Record<string, FieldSpec>, length: number): number {
  return Object.values(fields).reduce((total, spec) => total + 4 * spec.shape.reduce<number>((n, d) => n * (d ?? length), 1), 0);
}

/** Whether any field has a sequence axis. */
export function hasSequence(fields: Record<string, FieldSpec>): boolean {
  return Object.values(fields).some((spec) => spec.shape.includes(null));
}

/** The sequence length of a record (0 when the fields have no sequence axis). */
export function sequenceLength(fields: Record<string, FieldSpec>, record: DataRecord): number {
  for (const [name, spec] of Object.entries(fields)) {
    const axis = spec.shape.indexOf(null);
    if (axis >= 0) return record.fields[name]!.shape[axis]!;
  }
  return 0;
}

/** Writes one split's records into shards under `dir` (`<split>-00000.bin` + `.json`). */
export class ShardWriter {
  private readonly names: string[];
  private readonly shards: ShardRef[] = [];
  private current?: { handle: FileHandle; hash: ReturnType<typeof createHash>; bytes: number; index: ShardIndex; file: string };

  constructor(
    private readonly dir: string,
    private readonly split: string,
    private readonly fields: Record<string, FieldSpec>,
    private readonly maxShardBytes = DEFAULT_SHARD_BYTES,
  ) {
    this.names = Object.keys(fields).sort();
  }

  /** Appends a record (already validated against the field specs). */
  async write(record: DataRecord): Promise<void> {
    if (!this.current || this.current.bytes >= this.maxShardBytes) await this.roll();
    const shard = this.current!;
    const bytes = Buffer.concat(this.names.map((name) => bytesOf(record.fields[name]!)));
    await shard.handle.write(bytes);
    shard.hash.update(bytes);
    shard.bytes += bytes.length;
    shard.index.ids.push(record.id);
    shard.index.groups.push(record.group ?? record.id);
    if (shard.index.lengths) shard.index.lengths.push(sequenceLength(this.fields, record));
  }

  /** Closes the last shard; returns every shard written. */
  async finish(): Promise<ShardRef[]> {
    await this.close();
    return this.shards;
  }

  private async roll(): Promise<void> {
    await this.close();
    const file = `${this.split}-${String(this.shards.length).padStart(5, '0')}.bin`;
    this.current = {
      handle: await open(join(this.dir, file), 'w'),
      hash: createHash('sha256'),
      bytes: 0,
      index: { ids: [], groups: [], ...(hasSequence(this.fields) ? { lengths: [] } : {}) },
      file,
    };
  }

  private async close(): Promise<void> {
    const shard = this.current;
    if (!shard) return;
    this.current = undefined;
    await shard.handle.sync();
    await shard.handle.close();
    const index = shard.file.replace(/\.bin$/, '.json');
    await writeJsonAtomically(join(this.dir, index), shard.index);
    this.shards.push({ file: shard.file, index, records: shard.index.ids.length, bytes: shard.bytes, sha256: shard.hash.digest('hex') });
  }
}

/**
 * Random access to one split's records with bounded memory: shard indexes are
 * loaded on demand (a few at a time) and records read by offset.
 */
export class SplitReader {
  private readonly names: string[];
  private readonly starts: number[];
  private readonly cache = new Map<number, { index: ShardIndex; offsets: number[]; handle: FileHandle }>();

  constructor(
    private readonly dir: string,
    private readonly shards: readonly ShardRef[],
    private readonly fields: Record<string, FieldSpec>,
    private readonly maxOpenShards = 4,
  ) {
    this.names = Object.keys(fields).sort();
    let start = 0;
    this.starts = shards.map((shard) => {
      const first = start;
      start += shard.records;
      return first;
    });
  }

  get length(): number {
    return this.shards.reduce((total, shard) => total + shard.records, 0);
  }

  /** Record `i` of the split. */
  async read(i: number): Promise<DataRecord> {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`Record ${i} is outside this split (0..${this.length - 1}).`);
    let shardIndex = this.starts.length - 1;
    while (this.starts[shardIndex]! > i) shardIndex--;
    const shard = await this.shard(shardIndex);
    const local = i - this.starts[shardIndex]!;
    const length = shard.index.lengths?.[local] ?? 0;
    const size = recordBytes(this.fields, length);
    const buffer = Buffer.allocUnsafe(size);
    await shard.handle.read(buffer, 0, size, shard.offsets[local]!);
    const fields: Record<string, ArrayField> = {};
    let offset = 0;
    for (const name of this.names) {
      const spec = this.fields[name]!;
      const shape = spec.shape.map((d) => d ?? length);
      const count = shape.reduce((n, d) => n * d, 1);
      const bytes = buffer.buffer.slice(buffer.byteOffset + offset, buffer.byteOffset + offset + 4 * count);
      fields[name] = { shape, data: spec.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes) };
      offset += 4 * count;
    }
    return { id: shard.index.ids[local]!, group: shard.index.groups[local]!, fields };
  }

  /** Closes open shard files. */
  async close(): Promise<void> {
    await Promise.all([...this.cache.values()].map((entry) => entry.handle.close()));
    this.cache.clear();
  }

  private async shard(n: number) {
    const cached = this.cache.get(n);
    if (cached) {
      this.cache.delete(n);
      this.cache.set(n, cached); // most recently used last
      return cached;
    }
    if (this.cache.size >= this.maxOpenShards) {
      const [oldest, entry] = this.cache.entries().next().value as [number, { handle: FileHandle }];
      this.cache.delete(oldest);
      await entry.handle.close();
    }
    const ref = this.shards[n]!;
    const index = JSON.parse(await readFile(join(this.dir, ref.index), 'utf8')) as ShardIndex;
    const offsets: number[] = [];
    let offset = 0;
    for (let k = 0; k < ref.records; k++) {
      offsets.push(offset);
      offset += recordBytes(this.fields, index.lengths?.[k] ?? 0);
    }
    const entry = { index, offsets, handle: await open(join(this.dir, ref.file), 'r') };
    this.cache.set(n, entry);
    return entry;
  }
}

function bytesOf(field: ArrayField): Buffer {
  return Buffer.from(field.data.buffer, field.data.byteOffset, field.data.byteLength);
}
