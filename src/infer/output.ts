/**
 * Inference output files: one per shard, as CSV, JSONL or NPY. A row is one
 * scored item: a record, or one step of a sequence record (one 30-s epoch of
 * a night), with its predicted class and, optionally, the class
 * probabilities. Probabilities are written as the shortest decimals that read
 * back to the exact float32 values the model produced.
 */

export interface OutputRow {
  id: string;
  /** The step within a sequence record; absent for records without one. */
  step?: number;
  probabilities: Float32Array;
  /** The true class, when known (kept test-set predictions). */
  label?: string;
}

export type OutputFormat = 'csv' | 'jsonl' | 'npy';

export interface OutputOptions {
  format: OutputFormat;
  classes: readonly string[];
  probabilities: boolean;
  sequence: boolean;
  /** A `label` column with each row's true class (CSV and JSONL). */
  labels?: boolean;
}

/** The file name of shard `shard`'s output. */
export function outputFileName(shard: number, format: OutputFormat): string {
  return `part-${String(shard).padStart(5, '0')}.${format}`;
}

/** The index of the largest probability (the first on ties). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The bytes of one shard's output. NPY holds a float32 [rows, 1 + classes] matrix (predicted class, then probabilities); ids go beside it. */
export function encodeOutput(rows: readonly OutputRow[], options: OutputOptions): { data: Buffer; ids?: string } {
  switch (options.format) {
    case 'csv':
      return { data: Buffer.from(csv(rows, options)) };
    case 'jsonl':
      return { data: Buffer.from(rows.map((row) => JSON.stringify(jsonRow(row, options))).join('\n') + (rows.length ? '\n' : '')) };
    case 'npy':
      return { data: npy(rows, options), ids: rows.map((row) => (row.step === undefined ? row.id : `${row.id}\t${row.step}`)).join('\n') + '\n' };
  }
}

function csv(rows: readonly OutputRow[], options: OutputOptions): string {
  const header = ['id', ...(options.sequence ? ['step'] : []), ...(options.labels ? ['label'] : []), 'class', ...(options.probabilities ? options.classes.map((c) => `p_${c}`) : [])];
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = rows.map((row) =>
    [
      quote(row.id),
      ...(options.sequence ? [String(row.step)] : []),
      ...(options.labels ? [quote(row.label ?? '')] : []),
      quote(options.classes[argmax(row.probabilities)]!),
      ...(options.probabilities ? Array.from(row.probabilities, String) : []),
    ].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

function jsonRow(row: OutputRow, options: OutputOptions): Record<string, unknown> {
  return {
    id: row.id,
    ...(row.step === undefined ? {} : { step: row.step }),
    ...(options.labels ? { label: row.label } : {}),
    class: options.classes[argmax(row.probabilities)],
    ...(options.probabilities ? { probabilities: Object.fromEntries(options.classes.map((c, i) => [c, row.probabilities[i]])) } : {}),
  };
}

function npy(rows: readonly OutputRow[], options: OutputOptions): Buffer {
  const columns = 1 + (options.probabilities ? options.classes.length : 0);
  const values = new Float32Array(rows.length * columns);
  rows.forEach((row, r) => {
    values[r * columns] = argmax(row.probabilities);
    if (options.probabilities) values.set(row.probabilities, r * columns + 1);
  });
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${columns}), }`;
  const header = dict + ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 'latin1');
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(values.buffer)]);
}
