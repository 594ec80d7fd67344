/**
 * Per-record preprocessing before records are written to shards: resampling
 * signals, cropping long sequences, casting every field to its declared
 * dtype, and (training data) cutting long sequences into windows. Normalisation is applied when batches are read, with the train
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
    if (options.maxSteps !== undefined && axis === 0 && field.shape[0]! > options.maxSteps) field = slice(field, 0, options.maxSteps);
    const before = original[name]!.shape[original[name]!.shape.length - 1];
    const after = spec.shape[spec.shape.length - 1];
    if (spec.kind === 'signal' && before !== after && after != null) field = resampleLastAxis(field, after);
    fields[name] = field;
  }
  return { ...record, fields };
}

/**
 * A record cut into windows of `epochs` steps along its sequence axis,
 * starting every `stride` steps; the last window ends at the sequence's end
 * (it may be shorter), so every step is in a window. Fields without a
 * sequence axis are shared by every window; each window keeps the record's
 * group and gets the id `<id>#<first step>`. A record no longer than a
 * window is returned as it is.
 */
export function windowRecord(record: DataRecord, specs: Record<string, FieldSpec>, epochs: number, stride: number): DataRecord[] {
  const sequence = Object.keys(specs).filter((name) => specs[name]!.shape[0] === null && record.fields[name]);
  const length = sequence.length > 0 ? record.fields[sequence[0]!]!.shape[0]! : 0;
  if (length <= epochs) return [record];
  const windows: DataRecord[] = [];
  for (let start = 0; ; start += stride) {
    const end = Math.min(start + epochs, length);
    const fields = { ...record.fields };
    for (const name of sequence) fields[name] = slice(record.fields[name]!, start, end);
    windows.push({ ...record, id: `${record.id}#${start}`, group: record.group ?? record.id, fields });
    if (end === length) return windows;
  }
}

/** Entries [start, end) of the leading axis. */
function slice(field: ArrayField, start: number, end: number): ArrayField {
  const row = field.shape.slice(1).reduce((n, d) => n * d, 1);
  return { shape: [end - start, ...field.shape.slice(1)], data: field.data.slice(start * row, end * row) };
}

function cast(field: ArrayField, dtype: 'float32' | 'int32'): ArrayField {
  if (dtype === 'float32' && field.data instanceof Float32Array) return field;
  if (dtype === 'int32' && field.data instanceof Int32Array) return field;
  return { shape: field.shape, data: dtype === 'float32' ? Float32Array.from(field.data) : Int32Array.from(field.data) };
}


/** Zero crossings of the sinc on each side of an output sample: the filter's length, in cutoff periods. */
const ZERO_CROSSINGS = 8;

/** The Blackman window on [-1, 1]. */
function blackman(u: number): number {
  return 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** sin(πx) / (πx). */
function sinc(x: number): number {
  return x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
}

/**
 * Band-limited resampling along the last axis to `length` samples per row:
 * windowed-sinc interpolation (Blackman window, 8 zero crossings) whose
 * cutoff is the lower of the two Nyquist frequencies, so downsampling
 * low-pass filters first and nothing above the new Nyquist aliases into the
 * signal. The leading axis is time (the 30-s epochs of a night, each a row of
 * samples; any axes between are channels), so each channel is filtered as one
 * recording across epoch boundaries; output sample k sits at input position
 * k · from / length, so each epoch maps onto its own epoch. At the
 * recording's ends the truncated filter is renormalised (a constant stays
 * constant).
 */
export function resampleLastAxis(field: ArrayField, length: number): ArrayField {
  const { shape, data } = field;
  const from = shape[shape.length - 1]!;
  const epochs = shape.length > 1 ? shape[0]! : 1;
  const channels = data.length / (epochs * from);
  const ratio = from / length; // input samples per output sample
  const cutoff = Math.min(1, 1 / ratio) / 2; // cycles per input sample
  const halfWidth = ZERO_CROSSINGS / (2 * cutoff); // input samples
  // Output sample k = q·P + phase sits at input position q·(from / g) + phase·ratio: the filter taps repeat every P outputs.
  const g = gcd(from, length);
  const period = length / g;
  const kernels = Array.from({ length: period }, (_, phase) => {
    const x = phase * ratio;
    const first = Math.ceil(x - halfWidth);
    const taps = Float64Array.from({ length: Math.floor(x + halfWidth) - first + 1 }, (_, j) => {
      const d = first + j - x;
      return sinc(2 * cutoff * d) * blackman(d / halfWidth);
    });
    return { first, taps };
  });
  const inTotal = epochs * from;
  const out = new Float32Array(epochs * channels * length);
  // Sample p of channel c's recording: epoch ⌊p / from⌋, sample p mod from.
  const at = (c: number, p: number) => data[(Math.floor(p / from) * channels + c) * from + (p % from)]!;
  for (let c = 0; c < channels; c++) {
    for (let k = 0; k < epochs * length; k++) {
      const phase = k % period;
      const { first, taps } = kernels[phase]!;
      const start = ((k - phase) / period) * (from / g) + first;
      let sum = 0;
      let weights = 0;
      for (let j = Math.max(0, -start); j < taps.length && start + j < inTotal; j++) {
        sum += taps[j]! * at(c, start + j);
        weights += taps[j]!;
      }
      out[(Math.floor(k / length) * channels + c) * length + (k % length)] = sum / weights;
    }
  }
  return { shape: [...shape.slice(0, -1), length], data: out };
}
