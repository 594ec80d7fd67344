/**
 * Per-record preprocessing before records are written to shards: resampling
 * signals, cropping long sequences, and casting every field to its declared
 * dtype. Normalisation is applied when batches are read, with the train
 * split's statistics stored beside the shards.
 */
import type { ArrayField, DataRecord, FieldSpec } from './dataset.js';

export interface PreprocessOptions {
  /** Resample signal fields (those declaring samplingRateHz) to this rate. */
  resampleHz?: number;
  /** Crop sequences longer than this many steps. */
  maxSteps?: number;
}

/** The field specs after preprocessing: resampled signals have their new sample counts. */
export function preparedFields(fields: Record<string, FieldSpec>, options: PreprocessOptions): Record<string, FieldSpec> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, spec]) => {
      if (!options.resampleHz || spec.kind !== 'signal' || !spec.samplingRateHz) return [name, spec];
      const last = spec.shape[spec.shape.length - 1];
      const resampled = last == null ? null : Math.round((last * options.resampleHz) / spec.samplingRateHz);
      return [name, { ...spec, shape: [...spec.shape.slice(0, -1), resampled], samplingRateHz: options.resampleHz }];
    }),
  );
}

/** Applies resampling, cropping and dtype casts to one record, per the original and prepared specs. */
export function preprocessRecord(
  record: DataRecord,
  original: Record<string, FieldSpec>,
  prepared: Record<string, FieldSpec>,
  options: PreprocessOptions,
): DataRecord {
  const fields: Record<string, ArrayField> = {};
  for (const [name, spec] of Object.entries(prepared)) {
    let field = cast(record.fields[name]!, spec.dtype);
    const axis = spec.shape.indexOf(null);
    if (options.maxSteps !== undefined && axis === 0 && field.shape[0]! > options.maxSteps) field = crop(field, options.maxSteps);
    const before = original[name]!.shape[original[name]!.shape.length - 1];
    const after = spec.shape[spec.shape.length - 1];
    if (spec.kind === 'signal' && before !== after && after != null) field = resampleLastAxis(field, after);
    fields[name] = field;
  }
  return { ...record, fields };
}

function cast(field: ArrayField, dtype: 'float32' | 'int32'): ArrayField {
  if (dtype === 'float32' && field.data instanceof Float32Array) return field;
  if (dtype === 'int32' && field.data instanceof Int32Array) return field;
  return { shape: field.shape, data: dtype === 'float32' ? Float32Array.from(field.data) : Int32Array.from(field.data) };
}

/** Keeps the first `steps` entries of the leading axis. */
function crop(field: ArrayField, steps: number): ArrayField {
  const row = field.shape.slice(1).reduce((n, d) => n * d, 1);
  return { shape: [steps, ...field.shape.slice(1)], data: field.data.slice(0, steps * row) };
}

/** Linear interpolation of every row along the last axis to `length` samples (endpoints kept). */
export function resampleLastAxis(field: ArrayField, length: number): ArrayField {
  const from = field.shape[field.shape.length - 1]!;
  const rows = field.data.length / from;
  const out = new Float32Array(rows * length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < length; j++) {
      const position = length === 1 ? 0 : (j * (from - 1)) / (length - 1);
      const left = Math.floor(position);
      const right = Math.min(left + 1, from - 1);
      const t = position - left;
      out[r * length + j] = field.data[r * from + left]! * (1 - t) + field.data[r * from + right]! * t;
    }
  }
  return { shape: [...field.shape.slice(0, -1), length], data: out };
}
