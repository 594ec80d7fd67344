/**
 * What the tabular sources (CSV, JSONL, NPY, NPZ) share: their fields (a
 * `features` vector and an optional class `label`), turning cells into
 * numbers, class indices and names with messages that point at the cell, and
 * a growable table of per-row offsets, the only per-row state the text
 * readers keep in memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { z } from 'zod';
import { didYouMean } from '../../config/issues.js';
import type { CsvSource } from '../../config/data/sources.js';
import { DataError } from '../../errors.js';
import type { DataRecord, DatasetContext, FieldSpec } from '../dataset.js';
import { fileError, quoteList, suggestion } from '../validate.js';

/** The column settings CSV and JSONL share: feature columns, and optional label, id and group columns. */
export type TabularColumns = Pick<z.infer<typeof CsvSource>, 'features' | 'label' | 'id' | 'group'>;

/** Where a value sits, for messages: the text before the colon, and the `DataError` location. */
export interface CellPlace {
  /** `m.csv line 15, column "rpm"`, `x.npy[13, 2]`. */
  at: string;
  location: DataError['location'];
  /** True for CSV cells, where an empty string reads as "the cell is empty". */
  textCell?: boolean;
}

/** The fields of a tabular dataset: `features` of `featureShape`, and `label` when there is a label column. */
export function tabularFields(featureShape: number[], hasLabel: boolean): Record<string, FieldSpec> {
  return {
    features: { kind: 'features', shape: featureShape, dtype: 'float32' },
    ...(hasLabel ? { label: { kind: 'label', shape: [], dtype: 'int32' } satisfies FieldSpec } : {}),
  };
}

/**
 * Throws a `DataError` naming the first configured column that `available`
 * lacks, with the columns there are and the closest one.
 */
export function requireColumns(
  file: string,
  available: readonly string[],
  columns: TabularColumns,
  wording: { noun: 'column' | 'key'; source: string },
): void {
  const wanted: [string, string][] = [
    ...columns.features.map((name, i): [string, string] => [name, `features[${i}]`]),
    ...(['label', 'id', 'group'] as const).flatMap((key): [string, string][] => (columns[key] ? [[columns[key], key]] : [])),
  ];
  const present = new Set(available);
  for (const [name, key] of wanted) {
    if (present.has(name)) continue;
    throw new DataError(
      `${file}: expected a ${wording.noun} ${JSON.stringify(name)} (${key}), but ${wording.source} has ` +
        `${available.length === 0 ? 'none' : quoteList(available)}.${suggestion(name, available)} ` +
        `Fix: correct ${key} in the data source, or the ${wording.noun} name in the file.`,
      { file, field: name },
    );
  }
}

/**
 * One tabular record from a row, where `cell(column)` gives the raw value of
 * a column (a string for CSV, any JSON value for JSONL) and `place(column)`
 * says where that cell is.
 */
export function tabularRecord(
  index: number,
  columns: TabularColumns,
  cell: (column: string) => unknown,
  place: (column: string) => CellPlace,
  context: DatasetContext,
): DataRecord {
  const features = new Float32Array(columns.features.length);
  columns.features.forEach((column, i) => {
    features[i] = parseNumber(cell(column), place(column));
    if (!Number.isFinite(features[i])) throw outOfFloat32(cell(column), place(column));
  });
  return {
    id: columns.id ? parseName(cell(columns.id), place(columns.id), 'an id') : String(index + 1),
    ...(columns.group ? { group: parseName(cell(columns.group), place(columns.group), 'a group') } : {}),
    fields: {
      features: { shape: [features.length], data: features },
      ...(columns.label ? { label: labelField(parseLabel(cell(columns.label), place(columns.label), context)) } : {}),
    },
  };
}

/** A scalar `label` field holding `index`. */
export function labelField(index: number): { shape: number[]; data: Int32Array } {
  return { shape: [], data: Int32Array.of(index) };
}

/** A feature value: a finite number, or a string that reads as one. */
export function parseNumber(value: unknown, place: CellPlace): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (Number.isFinite(number)) return number;
  throw new DataError(`${place.at}: expected a finite number, but ${found(value, place)}. Fix: clean or drop the row.`, place.location);
}

/** The error for a finite number too large for float32 (±3.4e38). */
export function outOfFloat32(value: unknown, place: CellPlace): DataError {
  return new DataError(`${place.at}: expected a number in the float32 range, but ${found(value, place)}. Fix: rescale the feature.`, place.location);
}

/**
 * A class label as its index: a class name from `context.classes`, or an
 * integer (or integer string) in `[0, classes)`.
 */
export function parseLabel(value: unknown, place: CellPlace, context: DatasetContext): number {
  const { classes } = context;
  if (isAbsent(value)) {
    throw new DataError(`${place.at}: expected a class label, but ${found(value, place)}. Fix: fill in the label or drop the row.`, place.location);
  }
  if (typeof value === 'string') {
    const text = value.trim();
    const named = classes.indexOf(text);
    if (named >= 0) return named;
    if (/^[+-]?\d+$/.test(text)) value = Number(text);
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < classes.length) return value;
  const closest = typeof value === 'string' ? didYouMean(value.trim(), classes) : undefined;
  const hint = closest === undefined ? '' : ` (did you mean ${JSON.stringify(closest)}?)`;
  const expected =
    classes.length === 0
      ? 'a class label listed in data.classes (none are)'
      : `a class name (one of ${quoteList(classes, 10)}) or a class index in [0, ${classes.length})`;
  throw new DataError(
    `${place.at}: expected ${expected}, but ${found(value, place)}${hint}. Fix: correct the label, or list its class in data.classes.`,
    place.location,
  );
}

/** An id or group name: a non-empty string, or a number written as one. */
export function parseName(value: unknown, place: CellPlace, what: 'an id' | 'a group'): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  const noun = what.split(' ')[1]!;
  throw new DataError(`${place.at}: expected ${what}, but ${found(value, place)}. Fix: fill in the ${noun} or drop the row.`, place.location);
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** "got "abc"", "the cell is empty", "the key is missing", "got NaN". */
function found(value: unknown, place: CellPlace): string {
  if (value === undefined) return 'the key is missing';
  if (place.textCell && typeof value === 'string' && value.trim() === '') return 'the cell is empty';
  if (typeof value === 'number') return `got ${String(value)}`;
  const text = JSON.stringify(value) ?? String(value);
  return `got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/**
 * A growable table of numbers, `width` per row (byte offsets, line numbers),
 * stored in one Float64Array; `seal` trims it to the rows pushed.
 */
export class OffsetTable {
  private data: Float64Array;
  private count = 0;

  constructor(readonly width: number) {
    this.data = new Float64Array(1024 * width);
  }

  /** Appends one row of `width` numbers. */
  push(...values: number[]): void {
    if ((this.count + 1) * this.width > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(values, this.count * this.width);
    this.count++;
  }

  get rows(): number {
    return this.count;
  }

  /** The table trimmed to its rows: row `i`, column `k` at `[i * width + k]`. */
  seal(): Float64Array {
    return this.data.slice(0, this.count * this.width);
  }
}

/**
 * A file opened on first use and kept open for positional reads until
 * `close()`; a read after `close()` opens it again.
 */
export class LazyFile {
  private opened: Promise<FileHandle> | undefined;
  /** The last block read: records are mostly read in order, so one read-ahead block saves a read per record. */
  private block: { start: number; bytes: Buffer } | undefined;
  private static readonly BLOCK_BYTES = 256 * 1024;

  constructor(
    readonly path: string,
    /** The file named in messages (an archive for a member extracted to a temporary file). */
    readonly shownAs: string = path,
  ) {}

  /** Reads `length` bytes at byte `position`; a `DataError` when the file ends first. */
  async read(position: number, length: number): Promise<Buffer> {
    const cached = this.block;
    if (cached && position >= cached.start && position + length <= cached.start + cached.bytes.length) {
      return cached.bytes.subarray(position - cached.start, position - cached.start + length);
    }
    if (length < LazyFile.BLOCK_BYTES) {
      const block = await this.readAtMost(position, LazyFile.BLOCK_BYTES);
      if (block.length >= length) {
        this.block = { start: position, bytes: block };
        return block.subarray(0, length);
      }
    }
    return this.readExactly(position, length);
  }

  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  private async readAtMost(position: number, length: number): Promise<Buffer> {
    const handle = await this.handle();
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, position);
    return bytes.subarray(0, bytesRead);
  }

  private handle(): Promise<FileHandle> {
    this.opened ??= open(this.path, 'r').catch((error: unknown) => {
      this.opened = undefined;
      throw fileError(this.shownAs, error);
    });
    return this.opened;
  }

  private async readExactly(position: number, length: number): Promise<Buffer> {
    const handle = await this.handle();
    const bytes = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
      if (bytesRead === 0) {
        throw new DataError(
          `${this.shownAs}: expected ${length} bytes at byte ${position}, but the file ends at byte ${position + done}. ` +
            'Fix: the file changed or was cut short since the dataset was opened; restore it.',
          { file: this.shownAs },
        );
      }
      done += bytesRead;
    }
    return bytes;
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) await (await opened.catch(() => undefined))?.close();
  }
}

/** Throws a RangeError (a caller's bug, not bad data) unless `index` is a record index of a dataset of `length`. */
export function checkIndex(index: number, length: number, origin: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`Record index ${index} is out of range for ${origin}, which has ${length} records.`);
  }
}
