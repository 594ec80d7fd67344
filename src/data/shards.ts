/**
 * Prepared data on disk: each split is a sequence of binary shards (records
 * back to back, each field's little-endian float32/int32 values in field-name
 * order). Beside each shard `<split>-NNNNN.bin` lie its record ids and groups
 * (`.ids`, `.groups`: one per line) and, for sequence data, each record's
 * length (`.lengths`: int32). Readers keep these compact (one string and
 * typed arrays per shard, a few shards at a time) and read records by offset
 * with synchronous positioned reads (the batch loop runs in the training
 * process, off the worker's event loop), so memory stays bounded however
 * large the split.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../artifacts/atomic.js';
import { verifySize, writeAll } from '../artifacts/verified-write.js';
import type { ArrayField, DataRecord, FieldSpec } from './dataset.js';

if (endianness() !== 'LE') throw new Error('Epochal prepared data is little-endian; this machine is big-endian.');

/** One shard: its data file (the `.ids`, `.groups` and `.lengths` files share its base name). */
export interface ShardRef {
  file: string;
  records: number;
  bytes: number;
  sha256: string;
}

const DEFAULT_SHARD_BYTES = 64 * 1024 * 1024;
/** At most this many records per shard, so a shard's ids and offsets stay small however tiny the records. */
const MAX_SHARD_RECORDS = 4_096;
/** Records are written a megabyte at a time, not one at a time. */
const WRITE_BYTES = 1024 * 1024;

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

const sidecar = (file: string, kind: 'ids' | 'groups' | 'lengths') => file.replace(/\.bin$/, `.${kind}`);

interface OpenShard {
  handle: FileHandle;
  hash: ReturnType<typeof createHash>;
  bytes: number;
  file: string;
  path: string;
  ids: string[];
  groups: string[];
  lengths: number[];
  pending: Buffer[];
  pendingBytes: number;
}

/** Writes one split's records into shards under `dir` (`<split>-00000.bin` and its sidecar files). */
export class ShardWriter {
  private readonly names: string[];
  private readonly sequence: boolean;
  private readonly shards: ShardRef[] = [];
  private current?: OpenShard;

  constructor(
    private readonly dir: string,
    private readonly split: string,
    private readonly fields: Record<string, FieldSpec>,
    private readonly maxShardBytes = DEFAULT_SHARD_BYTES,
    private readonly maxShardRecords = MAX_SHARD_RECORDS,
  ) {
    this.names = Object.keys(fields).sort();
    this.sequence = hasSequence(fields);
  }

  /** Appends a record (already validated against the field specs). */
  async write(record: DataRecord): Promise<void> {
    if (!this.current || this.current.bytes >= this.maxShardBytes || this.current.ids.length >= this.maxShardRecords) await this.roll();
    const shard = this.current!;
    for (const name of this.names) {
      const data = record.fields[name]!.data;
      const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      if (view.length >= WRITE_BYTES) {
        // A large array (a night of ECG) goes to disk as it is, before this returns: no copy of it is ever held.
        await flush(shard);
        await writeAll(shard.handle, view, shard.path);
        shard.hash.update(view);
      } else {
        const bytes = Buffer.from(view); // a copy: callers reuse arrays
        shard.pending.push(bytes);
        shard.pendingBytes += bytes.length;
      }
      shard.bytes += view.length;
    }
    shard.ids.push(record.id);
    shard.groups.push(record.group ?? record.id);
    if (this.sequence) shard.lengths.push(sequenceLength(this.fields, record));
    if (shard.pendingBytes >= WRITE_BYTES) await flush(shard);
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
      path: join(this.dir, file),
      hash: createHash('sha256'),
      bytes: 0,
      file,
      ids: [],
      groups: [],
      lengths: [],
      pending: [],
      pendingBytes: 0,
    };
  }

  private async close(): Promise<void> {
    const shard = this.current;
    if (!shard) return;
    this.current = undefined;
    await flush(shard);
    await shard.handle.sync();
    await shard.handle.close();
    await verifySize(shard.path, shard.bytes);
    await writeFileAtomically(join(this.dir, sidecar(shard.file, 'ids')), shard.ids.join('\n'));
    await writeFileAtomically(join(this.dir, sidecar(shard.file, 'groups')), shard.groups.join('\n'));
    if (this.sequence) {
      await writeFileAtomically(join(this.dir, sidecar(shard.file, 'lengths')), Buffer.from(Int32Array.from(shard.lengths).buffer));
    }
    this.shards.push({ file: shard.file, records: shard.ids.length, bytes: shard.bytes, sha256: shard.hash.digest('hex') });
  }
}

async function flush(shard: OpenShard): Promise<void> {
  if (shard.pendingBytes === 0) return;
  const bytes = Buffer.concat(shard.pending, shard.pendingBytes);
  shard.pending = [];
  shard.pendingBytes = 0;
  await writeAll(shard.handle, bytes, shard.path);
  shard.hash.update(bytes);
}

/** Newline-separated names kept as one string, sliced on demand. */
class Lines {
  private readonly starts: Int32Array;

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = Int32Array.from(starts);
  }

  get(k: number): string {
    const end = k + 1 < this.starts.length ? this.starts[k + 1]! - 1 : this.text.length;
    return this.text.slice(this.starts[k]!, end);
  }
}

interface LoadedShard {
  /** Read synchronously: a positioned read of a cached page is cheaper than the promise machinery around it. */
  fd: number;
  ids: Lines;
  lengths?: Int32Array;
  offsets: Float64Array;
  groups?: Lines;
  /** Reads in flight; an evicted shard closes its file when the last one ends. */
  busy: number;
  evicted: boolean;
  closed: boolean;
}

/** Ends one use of a shard, closing it if it was evicted meanwhile and this was the last use. */
function release(shard: LoadedShard): void {
  shard.busy -= 1;
  if (shard.evicted && shard.busy === 0) closeShard(shard);
}

function closeShard(shard: LoadedShard): void {
  if (shard.closed) return;
  shard.closed = true;
  closeSync(shard.fd);
}

/** Receives a batch of records from `SplitReader.readBatch`. */
export interface BatchVisitor {
  /** Called first, with each record's sequence length. */
  start(lengths: readonly number[]): void;
  /** Record `r` of the batch: its values start at element `0` of `f32`/`i32`, fields in `fieldOrder`. */
  record(r: number, id: string, length: number, f32: Float32Array, i32: Int32Array): void;
}

/**
 * Random access to one split's records with bounded memory: a few shards are
 * open at a time (least recently used closed first) and records read by offset.
 */
export class SplitReader {
  private readonly names: string[];
  private readonly starts: number[];
  private readonly total: number;
  private readonly cache = new Map<number, Promise<LoadedShard>>();
  private scratch = new ArrayBuffer(0);

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
    this.total = start;
  }

  get length(): number {
    return this.total;
  }

  /** The group of every record, in stored order (read from the shards' sidecars, without touching the data). */
  async groups(): Promise<string[]> {
    const all: string[] = [];
    for (const shard of this.shards) {
      const lines = new Lines(await readFile(join(this.dir, sidecar(shard.file, 'groups')), 'utf8'));
      for (let k = 0; k < shard.records; k++) all.push(lines.get(k));
    }
    return all;
  }

  /** Records per shard, in stored order. */
  get shardSizes(): number[] {
    return this.shards.map((shard) => shard.records);
  }

  /** Record `i` of the split, with its group, in arrays of its own. */
  async read(i: number): Promise<DataRecord> {
    return this.using(i, async (shard, local, n) => {
      shard.groups ??= new Lines(await readFile(join(this.dir, sidecar(this.shards[n]!.file, 'groups')), 'utf8'));
      const record = this.readAt(shard, local, new ArrayBuffer(recordBytes(this.fields, shard.lengths?.[local] ?? 0)));
      return { ...record, group: shard.groups.get(local) };
    });
  }

  /**
   * Record `i` read into `scratch` at `byteOffset` (a multiple of 4, with
   * `recordBytes` free from there): its fields are views on `scratch`, valid
   * until the next read into that space, and its group is left out. For
   * streaming without an allocation per record.
   */
  async readInto(i: number, scratch: ArrayBuffer, byteOffset = 0): Promise<DataRecord> {
    return this.using(i, async (shard, local) => this.readAt(shard, local, scratch, byteOffset));
  }

  /** The sequence length of record `i` (0 without a sequence axis), from the shard's lengths alone. */
  async sequenceLength(i: number): Promise<number> {
    return this.using(i, async (shard, local) => shard.lengths?.[local] ?? 0);
  }

  /**
   * Reads the records `indices` (a batch) for `visit`, with no allocation per
   * record: their shards are loaded first, then each record is read into one
   * scratch buffer and handed over as element offsets into its float32/int32
   * views, in order. `visit` must copy what it needs before returning.
   */
  async readBatch(indices: readonly number[], visit: BatchVisitor): Promise<void> {
    const located = indices.map((i) => this.locate(i));
    const needed = [...new Set(located.map(([n]) => n))];
    const shards = new Map<number, LoadedShard>();
    try {
      for (const n of needed) {
        const shard = await this.shard(n);
        shard.busy += 1; // at once: loading the next shard may evict this one, which must stay open until released
        shards.set(n, shard);
      }
      const lengths = located.map(([n, local]) => shards.get(n)!.lengths?.[local] ?? 0);
      visit.start(lengths);
      const biggest = Math.max(0, ...lengths.map((length) => recordBytes(this.fields, length)));
      if (this.scratch.byteLength < biggest) this.scratch = new ArrayBuffer(biggest);
      const f32 = new Float32Array(this.scratch);
      const i32 = new Int32Array(this.scratch);
      located.forEach(([n, local], r) => {
        const shard = shards.get(n)!;
        const size = recordBytes(this.fields, lengths[r]!);
        const read = readSync(shard.fd, new Uint8Array(this.scratch, 0, size), 0, size, shard.offsets[local]!);
        if (read !== size) throw new Error(`Shard read short at record ${local}: ${read} of ${size} bytes; the prepared data is damaged.`);
        visit.record(r, shard.ids.get(local), lengths[r]!, f32, i32);
      });
    } finally {
      for (const shard of shards.values()) release(shard);
    }
  }

  /** The fields' names in storage order (each record holds them back to back). */
  get fieldOrder(): readonly string[] {
    return this.names;
  }

  /** Closes open shard files. */
  async close(): Promise<void> {
    const entries = await Promise.all(this.cache.values());
    this.cache.clear();
    for (const entry of entries) closeShard(entry);
  }

  /** Runs `use` with record `i`'s shard held open (an evicted shard closes once its last user is done). */
  private async using<T>(i: number, use: (shard: LoadedShard, local: number, n: number) => Promise<T>): Promise<T> {
    const [n, local] = this.locate(i);
    const shard = await this.shard(n);
    shard.busy += 1; // in the same continuation as the await: no eviction can close it in between
    try {
      return await use(shard, local, n);
    } finally {
      release(shard);
    }
  }

  /** The shard holding record `i` and its position there. */
  private locate(i: number): [shard: number, local: number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.total) throw new RangeError(`Record ${i} is outside this split (0..${this.total - 1}).`);
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= i) low = mid;
      else high = mid - 1;
    }
    return [low, i - this.starts[low]!];
  }

  private readAt(shard: LoadedShard, local: number, buffer: ArrayBuffer, byteOffset = 0): DataRecord {
    const length = shard.lengths?.[local] ?? 0;
    const size = recordBytes(this.fields, length);
    const read = readSync(shard.fd, new Uint8Array(buffer, byteOffset, size), 0, size, shard.offsets[local]!);
    if (read !== size) throw new Error(`Shard read short at record ${local}: ${read} of ${size} bytes; the prepared data is damaged.`);
    const fields: Record<string, ArrayField> = {};
    let offset = byteOffset;
    for (const name of this.names) {
      const spec = this.fields[name]!;
      const shape = spec.shape.map((d) => d ?? length);
      const count = shape.reduce((k, d) => k * d, 1);
      fields[name] = { shape, data: spec.dtype === 'int32' ? new Int32Array(buffer, offset, count) : new Float32Array(buffer, offset, count) };
      offset += 4 * count;
    }
    return { id: shard.ids.get(local), fields };
  }

  /** Shard `n`, loaded once (concurrent callers share the load); the least recently used is evicted past the limit. */
  private shard(n: number): Promise<LoadedShard> {
    const cached = this.cache.get(n);
    if (cached) {
      this.cache.delete(n);
      this.cache.set(n, cached); // most recently used last
      return cached;
    }
    if (this.cache.size >= this.maxOpenShards) {
      const [oldest, entry] = this.cache.entries().next().value as [number, Promise<LoadedShard>];
      this.cache.delete(oldest);
      void entry.then((shard) => {
        shard.evicted = true;
        if (shard.busy === 0) closeShard(shard);
      });
    }
    const loading = this.load(n);
    this.cache.set(n, loading);
    return loading;
  }

  private async load(n: number): Promise<LoadedShard> {
    const ref = this.shards[n]!;
    const lengths = hasSequence(this.fields) ? new Int32Array(bufferOf(readFileSync(join(this.dir, sidecar(ref.file, 'lengths'))))) : undefined;
    const offsets = new Float64Array(ref.records);
    for (let k = 1; k < ref.records; k++) offsets[k] = offsets[k - 1]! + recordBytes(this.fields, lengths?.[k - 1] ?? 0);
    return {
      fd: openSync(join(this.dir, ref.file), 'r'),
      ids: new Lines(readFileSync(join(this.dir, sidecar(ref.file, 'ids')), 'utf8')),
      ...(lengths ? { lengths } : {}),
      offsets,
      busy: 0,
      evicted: false,
      closed: false,
    };
  }
}

function bufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
