/**
 * Statistics of the train split, gathered in one streaming pass: per-field
 * normalisation (signals with one scalar, feature vectors per feature) and
 * label counts for class weights. Validation and test data never contribute.
 */
import type { ArrayField, FieldSpec } from './dataset.js';

/** How to normalise one field: `(x - shift) / scale`, per feature or one scalar. */
export interface FieldNormalization {
  method: 'zscore' | 'minmax';
  /** One entry for a signal; one per feature (last axis) for feature vectors. */
  shift: number[];
  scale: number[];
}

/** Streaming mean/variance/min/max per channel (Chan et al.'s parallel update, in float64). */
class Moments {
  readonly count: number[];
  readonly mean: number[];
  readonly m2: number[];
  readonly min: number[];
  readonly max: number[];

  constructor(channels: number) {
    this.count = new Array<number>(channels).fill(0);
    this.mean = new Array<number>(channels).fill(0);
    this.m2 = new Array<number>(channels).fill(0);
    this.min = new Array<number>(channels).fill(Infinity);
    this.max = new Array<number>(channels).fill(-Infinity);
  }

  add(data: ArrayLike<number>, channels: number): void {
    for (let c = 0; c < channels; c++) {
      let n = 0;
      let mean = 0;
      let m2 = 0;
      for (let i = c; i < data.length; i += channels) {
        const x = data[i]!;
        n += 1;
        const delta = x - mean;
        mean += delta / n;
        m2 += delta * (x - mean);
        if (x < this.min[c]!) this.min[c] = x;
        if (x > this.max[c]!) this.max[c] = x;
      }
      if (n === 0) continue;
      const total = this.count[c]! + n;
      const delta = mean - this.mean[c]!;
      this.mean[c] = this.mean[c]! + (delta * n) / total;
      this.m2[c] = this.m2[c]! + m2 + (delta * delta * this.count[c]! * n) / total;
      this.count[c] = total;
    }
  }
}

/** Accumulates train-split statistics record by record. */
export class TrainStatistics {
  private readonly moments = new Map<string, { moments: Moments; channels: number }>();
  private readonly classCounts: number[];

  constructor(
    private readonly fields: Record<string, FieldSpec>,
    /** The fields to normalise. */
    normalized: readonly string[],
    private readonly target: string,
    classes: number,
    private readonly ignoreLabel: number,
  ) {
    for (const name of normalized) {
      const spec = fields[name]!;
      const channels = spec.kind === 'features' ? (spec.shape[spec.shape.length - 1] ?? 1) : 1;
      this.moments.set(name, { moments: new Moments(channels), channels });
    }
    this.classCounts = new Array<number>(classes).fill(0);
  }

  /** Adds one train record. */
  add(fields: Record<string, ArrayField>): void {
    for (const [name, { moments, channels }] of this.moments) moments.add(fields[name]!.data, channels);
    const labels = fields[this.target]?.data;
    if (labels) for (const label of labels) if (label !== this.ignoreLabel) this.classCounts[label] = (this.classCounts[label] ?? 0) + 1;
  }

  /** Normalisation per field, for `method`. A constant feature gets scale 1. */
  normalization(method: 'zscore' | 'minmax'): Record<string, FieldNormalization> {
    return Object.fromEntries(
      [...this.moments].map(([name, { moments }]) => {
        const shift = method === 'zscore' ? moments.mean : moments.min;
        const scale = moments.count.map((n, c) =>
          method === 'zscore'
            ? positiveOr1(Math.sqrt(n > 1 ? moments.m2[c]! / n : 0))
            : positiveOr1(moments.max[c]! - moments.min[c]!),
        );
        return [name, { method, shift: [...shift], scale }];
      }),
    );
  }

  /** Labelled positions per class in the train split. */
  counts(): number[] {
    return [...this.classCounts];
  }
}

/** Balanced class weights, n / (k · n_c); 0 for a class absent from the train split. */
export function balancedClassWeights(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((n) => (n > 0 ? total / (counts.length * n) : 0));
}

function positiveOr1(value: number): number {
  return value > 0 && Number.isFinite(value) ? value : 1;
}
