/**
 * JSONL source: one JSON object per line (blank lines skipped), whose keys
 * play the part of CSV columns. Opening scans the file's bytes once, keeping only
 * where each line starts and ends; `get(i)` reads and parses that one line.
 * Lines Python's `json` module writes with `NaN` or `Infinity` are read (as
 * JSON5) so that those values are reported as non-finite features rather
 * than as broken JSON.
 */
import { createReadStream } from 'node:fs';
import JSON5 from 'json5';
import type { DataSource } from '../../config/data/sources.js';
import { DataError } from '../../errors.js';
import type { DataRecord, Dataset, DatasetContext, FieldSpec } from '../dataset.js';
import { fileError } from '../validate.js';
import {
  checkIndex,
  LazyFile,
  OffsetTable,
  parseName,
  requireColumns,
  tabularFields,
  tabularRecord,
  type CellPlace,
} from './tabular.js';

export type JsonlSourceConfig = Extract<DataSource, { type: 'jsonl' }>;

/** Opens a JSONL file as a dataset; a `DataError` when it is unreadable, empty, or its first object lacks a configured key. */
export async function openJsonl(source: JsonlSourceConfig, context: DatasetContext): Promise<JsonlDataset> {
  const lines = await scanLines(source.path);
  if (lines.length === 0) {
    throw new DataError(`${source.path}: expected at least one JSON object, but the file has none. Fix: write one object per line.`, {
      file: source.path,
    });
  }
  const dataset = new JsonlDataset(source, context, lines);
  const first = await dataset.object(0);
  requireColumns(source.path, Object.keys(first), source, { noun: 'key', source: `the first object (line ${lines[2]})` });
  return dataset;
}

/** A JSONL file read line by line from byte offsets recorded when it was opened. */
export class JsonlDataset implements Dataset {
  readonly length: number;
  readonly fields: Record<string, FieldSpec>;
  readonly origin: string;
  readonly files: readonly string[];
  /** Per object, its first byte, the byte after it, and its line, `[start0, end0, line0, ...]`: all this keeps per row. */
  readonly lines: Float64Array;
  private readonly file: LazyFile;

  constructor(
    private readonly source: JsonlSourceConfig,
    private readonly context: DatasetContext,
    lines: Float64Array,
  ) {
    this.origin = source.path;
    this.files = [source.path];
    this.lines = lines;
    this.length = lines.length / 3;
    this.fields = tabularFields([source.features.length], source.label !== undefined);
    this.file = new LazyFile(source.path);
  }

  async get(index: number): Promise<DataRecord> {
    const object = await this.object(index);
    const line = this.lines[3 * index + 2]!;
    return tabularRecord(index, this.source, (key) => object[key], (key) => this.place(index, line, key), this.context);
  }

  /** The group key of every object (the id key when there is none, else line numbers). */
  async groups(): Promise<string[]> {
    const key = this.source.group ?? this.source.id;
    if (key === undefined) return Array.from({ length: this.length }, (_, i) => String(i + 1));
    const what = this.source.group === undefined ? 'an id' : 'a group';
    const groups: string[] = [];
    for (let i = 0; i < this.length; i++) {
      groups.push(parseName((await this.object(i))[key], this.place(i, this.lines[3 * i + 2]!, key), what));
    }
    return groups;
  }

  describe(): string {
    const label = this.source.label ? `, label key "${this.source.label}"` : '';
    return `JSONL ${this.origin}: ${this.length} objects, ${this.source.features.length} feature keys${label}`;
  }

  close(): Promise<void> {
    return this.file.close();
  }

  /** The parsed object on the `index`-th non-blank line. */
  async object(index: number): Promise<Record<string, unknown>> {
    checkIndex(index, this.length, this.origin);
    const [start, end, line] = [this.lines[3 * index]!, this.lines[3 * index + 1]!, this.lines[3 * index + 2]!];
    const text = (await this.file.read(start, end - start)).toString('utf8').replace(/^\uFEFF/, '');
    const at = `${this.origin} line ${line}`;
    const location = { file: this.origin, record: index, row: line };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      try {
        value = JSON5.parse(text);
      } catch (error) {
        const reason = (error as Error).message.replace(/^JSON5: /, '');
        throw new DataError(`${at}: expected a JSON object, but the line is not valid JSON (${reason}). Fix: repair or drop the line.`, location);
      }
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const found = Array.isArray(value) ? 'an array' : JSON.stringify(value);
      throw new DataError(`${at}: expected a JSON object, but got ${found}. Fix: write one object per line.`, location);
    }
    return value as Record<string, unknown>;
  }

  private place(index: number, line: number, key: string): CellPlace {
    const file = this.origin;
    return { at: `${file} line ${line}, key "${key}"`, location: { file, record: index, row: line, field: key } };
  }
}

const NEWLINE = 0x0a;

/** True for the bytes a blank line may hold: space, tab, CR. */
function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/** Each non-blank line's first byte, end (before its newline) and 1-based line number. */
async function scanLines(path: string): Promise<Float64Array> {
  const table = new OffsetTable(3);
  let position = 0;
  let lineStart = 0;
  let line = 1;
  let blank = true;
  const endLine = (end: number) => {
    if (!blank) table.push(lineStart, end, line);
    line++;
    lineStart = end + 1;
    blank = true;
  };
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (byte === NEWLINE) endLine(position + i);
        else if (blank && !isBlank(byte)) blank = false;
      }
      position += chunk.length;
    }
  } catch (error) {
    throw fileError(path, error);
  }
  if (!blank) table.push(lineStart, position, line);
  return table.seal();
}
