/**
 * CSV source: one record per data row, the header naming the columns. Opening
 * streams through the file once with csv-parse, keeping only where each row
 * starts (its byte offset and line); `get(i)` reads and parses just that byte
 * range, so files larger than memory work, quoted cells with delimiters and
 * newlines included.
 */
import { createReadStream } from 'node:fs';
import { CsvError, parse, type Options } from 'csv-parse';
import { parse as parseRows } from 'csv-parse/sync';
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
  type TabularColumns,
} from './tabular.js';

export type CsvSourceConfig = Extract<DataSource, { type: 'csv' }>;

/** Opens a CSV file as a dataset; a `DataError` when it is unreadable, malformed or lacks a configured column. */
export async function openCsv(source: CsvSourceConfig, context: DatasetContext): Promise<CsvDataset> {
  const scan = await scanCsv(source.path, source.delimiter);
  requireColumns(source.path, scan.header, source, { noun: 'column', source: 'the header' });
  return new CsvDataset(source, context, scan);
}

/** What one pass over a CSV file learns: the header, and where each data row starts. */
interface CsvScan {
  header: string[];
  /** Per data row: its first byte and its 1-based line (the header is line 1). */
  rows: Float64Array;
  /** The byte after the last row. */
  end: number;
}

/** A CSV file read row by row from byte offsets recorded when it was opened. */
export class CsvDataset implements Dataset {
  private static readonly BLOCK_ROWS = 512;
  private parsed: { first: number; rows: string[][] } | undefined;
  readonly length: number;
  readonly fields: Record<string, FieldSpec>;
  readonly origin: string;
  readonly files: readonly string[];
  /** Per data row, its first byte and its line, `[start0, line0, start1, line1, ...]`: all this keeps per row. */
  readonly rows: Float64Array;
  private readonly end: number;
  private readonly columnIndex: Map<string, number>;
  private readonly file: LazyFile;

  constructor(
    private readonly source: CsvSourceConfig,
    private readonly context: DatasetContext,
    scan: CsvScan,
  ) {
    this.origin = source.path;
    this.files = [source.path];
    this.rows = scan.rows;
    this.end = scan.end;
    this.length = scan.rows.length / 2;
    this.fields = tabularFields([source.features.length], source.label !== undefined);
    this.columnIndex = new Map();
    scan.header.forEach((name, i) => {
      if (!this.columnIndex.has(name)) this.columnIndex.set(name, i);
    });
    this.file = new LazyFile(source.path);
  }

  async get(index: number): Promise<DataRecord> {
    checkIndex(index, this.length, this.origin);
    const cells = await this.cells(index);
    return this.record(index, cells, this.rows[2 * index + 1]!);
  }

  /**
   * The cells of row `index`. Rows are parsed a block at a time: records are
   * mostly read in order, and one parse of 512 rows costs far less than 512
   * parses of one.
   */
  private async cells(index: number): Promise<string[]> {
    const block = this.parsed;
    if (block && index >= block.first && index < block.first + block.rows.length) return block.rows[index - block.first] ?? [];
    const last = Math.min(index + CsvDataset.BLOCK_ROWS, this.length);
    const start = this.rows[2 * index]!;
    const end = last < this.length ? this.rows[2 * last]! : this.end;
    const rows = parseRows(await this.file.read(start, end - start), rowOptions(this.source.delimiter)) as string[][];
    this.parsed = { first: index, rows };
    return rows[0] ?? [];
  }

  /** The group column of every row (the id column when there is none, else row numbers), read in one pass. */
  async groups(): Promise<string[]> {
    const column = this.source.group ?? this.source.id;
    if (column === undefined) return Array.from({ length: this.length }, (_, i) => String(i + 1));
    const what = this.source.group === undefined ? 'an id' : 'a group';
    const groups: string[] = [];
    await scanCsv(this.source.path, this.source.delimiter, (cells, line) => {
      groups.push(parseName(cells[this.columnIndex.get(column)!], this.place(groups.length, line, column), what));
    });
    return groups;
  }

  describe(): string {
    const label = this.source.label ? `, label column "${this.source.label}"` : '';
    return `CSV ${this.origin}: ${this.length} rows, ${this.source.features.length} feature columns${label}`;
  }

  close(): Promise<void> {
    return this.file.close();
  }

  private record(index: number, cells: string[], line: number): DataRecord {
    const columns: TabularColumns = this.source;
    const cell = (column: string) => cells[this.columnIndex.get(column)!];
    return tabularRecord(index, columns, cell, (column) => this.place(index, line, column), this.context);
  }

  private place(index: number, line: number, column: string): CellPlace {
    const file = this.origin;
    return { at: `${file} line ${line}, column "${column}"`, location: { file, record: index, row: line, field: column }, textCell: true };
  }
}

function rowOptions(delimiter: string): Options {
  return { delimiter, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] };
}

/**
 * Streams through the file once, recording where each data row starts, and
 * calling `visit` with each data row's cells and line when given.
 */
async function scanCsv(path: string, delimiter: string, visit?: (cells: string[], line: number) => void): Promise<CsvScan> {
  const rows = new OffsetTable(2);
  let header: string[] | undefined;
  let line = 1;
  let start = 0;
  let end = 0;
  const input = createReadStream(path);
  const parser = input.pipe(parse({ ...rowOptions(delimiter), bom: true, info: true, raw: true }));
  input.on('error', (error) => parser.destroy(error));
  try {
    for await (const { record, raw, info } of parser as AsyncIterable<{ record: string[]; raw: string; info: { bytes: number } }>) {
      const recordLine = line + newlines(/^(?:[^\S\r\n]*(?:\r\n|\n|\r))*/.exec(raw)![0]);
      if (header === undefined) header = record.map((name) => name.trim());
      else {
        rows.push(start, recordLine);
        visit?.(record, recordLine);
      }
      line += newlines(raw);
      start = end = info.bytes;
    }
  } catch (error) {
    throw error instanceof CsvError ? csvProblem(path, delimiter, error, { columns: header?.length, rowStart: line }) : fileError(path, error);
  } finally {
    input.destroy();
    parser.destroy();
  }
  if (header === undefined || rows.rows === 0) {
    throw new DataError(
      `${path}: expected a header row and at least one data row, but the file has ${header ? 'only the header' : 'no rows'}. Fix: write the data below a header row.`,
      { file: path },
    );
  }
  return { header, rows: rows.seal(), end };
}

function newlines(text: string): number {
  return text.match(/\r\n|\n|\r/g)?.length ?? 0;
}

/** A csv-parse error as a `DataError`; `rowStart` is the line where the row being parsed starts (blank lines before it included). */
function csvProblem(path: string, delimiter: string, error: CsvError, { columns, rowStart }: { columns?: number | undefined; rowStart: number }): DataError {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
    return new DataError(
      `${path} line ${rowStart}: expected valid CSV, but a quote opened in the row starting here is never closed. ` +
        'Fix: close the quote, and double quotes inside quoted values ("").',
      { file: path, row: rowStart },
    );
  }
  const line = (error as CsvError & { lines?: number }).lines;
  const at = line === undefined ? path : `${path} line ${line}`;
  const location = { file: path, ...(line === undefined ? {} : { row: line }) };
  const record = (error as CsvError & { record?: unknown[] }).record;
  if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && columns !== undefined && record) {
    return new DataError(
      `${at}: expected ${columns} columns, as in the header, but got ${record.length}. ` +
        `Fix: give every row ${columns} values, quoting values that contain ${JSON.stringify(delimiter)}.`,
      location,
    );
  }
  return new DataError(
    `${at}: expected valid CSV, but the CSV parser reports ${JSON.stringify(error.message)}. ` +
      `Fix: repair the file (check its quotes, and that ${JSON.stringify(delimiter)} is its delimiter).`,
    location,
  );
}
