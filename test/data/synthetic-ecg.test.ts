import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataRecord, DatasetContext } from '../../src/data/dataset.js';
import { openSyntheticEcg, type SyntheticEcgSource } from '../../src/data/sources/synthetic-ecg.js';
import { DataError } from '../../src/errors.js';

const context: DatasetContext = { classes: ['W', 'N1', 'N2', 'N3', 'REM'], target: 'stages', ignoreLabel: -1 };
const [W, N1, N2, N3, REM] = [0, 1, 2, 3, 4];

function source(overrides: Partial<SyntheticEcgSource> = {}): SyntheticEcgSource {
  return {
    type: 'syntheticEcg',
    subjects: 6,
    nightEpochs: { min: 40, max: 80 },
    samplingRateHz: 32,
    epochSeconds: 30,
    additionalFeatures: 8,
    seed: 7,
    ...overrides,
  };
}

function nights(overrides: Partial<SyntheticEcgSource>): DataRecord[] {
  const dataset = openSyntheticEcg(source(overrides), context);
  return Array.from({ length: dataset.length }, (_, i) => dataset.get(i));
}

function field(record: DataRecord, name: string): Float32Array | Int32Array {
  return record.fields[name]!.data;
}

/** SHA-256 of each field's bytes: equal digests mean bitwise-identical fields. */
function digests(record: DataRecord): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record.fields).map(([name, { data }]) => [
      name,
      createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex'),
    ]),
  );
}

describe('openSyntheticEcg: records', () => {
  it('generates bitwise-identical records for the same seed, whatever order subjects are read in', () => {
    const forward = openSyntheticEcg(source(), context);
    const backward = openSyntheticEcg(source(), context);
    const first = [0, 1, 2, 3].map((i) => forward.get(i));
    const second = [3, 2, 1, 0, 2].map((i) => backward.get(i));
    expect(digests(second[3]!)).toEqual(digests(first[0]!));
    expect(digests(second[0]!)).toEqual(digests(first[3]!));
    expect(digests(second[4]!)).toEqual(digests(first[2]!));
    expect(digests(second[1]!)).toEqual(digests(first[2]!));
  });

  it('generates a different night under another seed', () => {
    const a = openSyntheticEcg(source({ seed: 7 }), context).get(0);
    const b = openSyntheticEcg(source({ seed: 8 }), context).get(0);
    expect(digests(a).ecg).not.toBe(digests(b).ecg);
    expect(digests(a).additional).not.toBe(digests(b).additional);
  });

  it("makes a subject's night independent of how many subjects the dataset has", () => {
    const small = openSyntheticEcg(source({ subjects: 10 }), context).get(9);
    const large = openSyntheticEcg(source({ subjects: 10_000 }), context).get(9);
    expect(digests(large)).toEqual(digests(small));
  });

  it('holds no per-subject state: a dataset of two billion subjects opens at once and its last night generates', () => {
    const started = performance.now();
    const dataset = openSyntheticEcg(source({ subjects: 2_000_000_000 }), context);
    const last = dataset.get(1_999_999_999);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(dataset.length).toBe(2_000_000_000);
    expect(last.id).toBe('subject-1999999999');
  });

  it('declares the ECG-night fields with the configured epoch and feature sizes', () => {
    const dataset = openSyntheticEcg(source({ samplingRateHz: 64, epochSeconds: 20, additionalFeatures: 5 }), context);
    expect(dataset.fields).toEqual({
      ecg: { kind: 'signal', shape: [null, 1280], dtype: 'float32', samplingRateHz: 64 },
      additional: { kind: 'features', shape: [null, 5], dtype: 'float32' },
      stages: { kind: 'label', shape: [null], dtype: 'int32' },
      weights: { kind: 'weight', shape: [null], dtype: 'float32' },
    });
  });

  it('gives every record the declared shapes, an id per subject and the subject as its group', () => {
    const records = nights({ subjects: 3, nightEpochs: { min: 40, max: 45 } });
    expect(records.map((r) => [r.id, r.group])).toEqual([
      ['subject-000', 'subject-000'],
      ['subject-001', 'subject-001'],
      ['subject-002', 'subject-002'],
    ]);
    for (const record of records) {
      const epochs = record.fields.stages!.shape[0]!;
      expect(record.fields.ecg!.shape).toEqual([epochs, 960]);
      expect(record.fields.ecg!.data).toBeInstanceOf(Float32Array);
      expect(record.fields.ecg!.data.length).toBe(epochs * 960);
      expect(record.fields.additional!.shape).toEqual([epochs, 8]);
      expect(record.fields.additional!.data).toBeInstanceOf(Float32Array);
      expect(record.fields.stages!.data).toBeInstanceOf(Int32Array);
      expect(record.fields.weights!.shape).toEqual([epochs]);
      expect(record.fields.weights!.data).toBeInstanceOf(Float32Array);
      expect(Array.from(field(record, 'stages')).every((s) => s >= W && s <= REM)).toBe(true);
    }
  });

  it('draws night lengths within nightEpochs', () => {
    const lengths = nights({ subjects: 30, nightEpochs: { min: 40, max: 46 }, samplingRateHz: 8 }).map(
      (r) => r.fields.stages!.shape[0]!,
    );
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(46);
    expect(new Set(lengths).size).toBeGreaterThanOrEqual(4);
  });

  it('fills additional with constant demographics, then hours since midnight advancing by epochSeconds / 3600', () => {
    for (const record of nights({ subjects: 4 })) {
      const additional = field(record, 'additional');
      const epochs = record.fields.stages!.shape[0]!;
      const row = (e: number) => Array.from(additional.subarray(e * 8, e * 8 + 8));
      const [age, sex, bmi] = row(0);
      expect(age).toBeGreaterThanOrEqual(18);
      expect(age).toBeLessThanOrEqual(85);
      expect([0, 1]).toContain(sex);
      expect(bmi).toBeGreaterThanOrEqual(17);
      expect(bmi).toBeLessThanOrEqual(45);
      const start = row(0)[7]!;
      expect(start).toBeGreaterThanOrEqual(-3);
      expect(start).toBeLessThan(1);
      for (let e = 1; e < epochs; e++) {
        expect(row(e).slice(0, 7)).toEqual(row(0).slice(0, 7));
        expect(row(e)[7]! - row(e - 1)[7]!).toBeCloseTo(30 / 3600, 5);
      }
    }
  });

  it("keeps a subject's demographics whatever the night range or the number of additional features", () => {
    const demographics = (overrides: Partial<SyntheticEcgSource>) =>
      Array.from(field(openSyntheticEcg(source(overrides), context).get(2), 'additional').subarray(0, 7));
    const reference = demographics({});
    expect(demographics({ nightEpochs: { min: 100, max: 300 } })).toEqual(reference);
    expect(demographics({ additionalFeatures: 12 })).toEqual(reference);
    expect(demographics({ samplingRateHz: 64 })).toEqual(reference);
  });

  it('with a single additional feature, gives only hours since midnight', () => {
    const record = openSyntheticEcg(source({ additionalFeatures: 1, epochSeconds: 20 }), context).get(0);
    const hours = field(record, 'additional');
    expect(record.fields.additional!.shape).toEqual([record.fields.stages!.shape[0], 1]);
    expect(hours[1]! - hours[0]!).toBeCloseTo(20 / 3600, 5);
  });

  it('weights every epoch 1 except the flat lead-off stretches, which get 0', () => {
    const records = nights({ subjects: 20, seed: 3 });
    const flagged = records.filter((r) => Array.from(field(r, 'weights')).includes(0));
    expect(flagged.length).toBeGreaterThan(0);
    for (const record of records) {
      const weights = field(record, 'weights');
      expect(Array.from(weights).every((w) => w === 0 || w === 1)).toBe(true);
      expect(Array.from(weights).filter((w) => w === 0).length).toBeLessThanOrEqual(4);
      const ecg = field(record, 'ecg');
      weights.forEach((w, e) => {
        const sd = standardDeviation(Array.from(ecg.subarray(e * 960, (e + 1) * 960)));
        if (w === 0) expect(sd).toBeLessThan(0.02);
        else expect(sd).toBeGreaterThan(0.05);
      });
    }
  });
});

describe('openSyntheticEcg: dataset description', () => {
  it('fingerprints the config: equal for equal configs whatever the key order, different when any setting changes', () => {
    const fingerprint = (overrides: Partial<SyntheticEcgSource>) => openSyntheticEcg(source(overrides), context).fingerprint();
    const reordered = { ...source(), nightEpochs: { max: 80, min: 40 } };
    expect(openSyntheticEcg(reordered, context).fingerprint()).toBe(fingerprint({}));
    expect(fingerprint({})).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      { seed: 8 },
      { subjects: 7 },
      { nightEpochs: { min: 40, max: 81 } },
      { samplingRateHz: 64 },
      { epochSeconds: 20 },
      { additionalFeatures: 7 },
    ];
    expect(new Set([fingerprint({}), ...variants.map(fingerprint)]).size).toBe(variants.length + 1);
  });

  it('names the seed and subject count in its origin and describes itself in one line', () => {
    const dataset = openSyntheticEcg(source({ seed: 5, subjects: 12 }), context);
    expect(dataset.origin).toBe('synthetic ECG (seed 5, 12 subjects)');
    expect(dataset.describe()).toBe(
      '12 synthetic ECG nights of 40–80 30-s epochs at 32 Hz with 8 additional features (seed 5)',
    );
  });

  it('rejects nightEpochs.min above nightEpochs.max with a DataError naming both', () => {
    const open = () => openSyntheticEcg(source({ nightEpochs: { min: 90, max: 80 } }), context);
    expect(open).toThrow(DataError);
    expect(open).toThrow('Expected data.source.nightEpochs.min ≤ max, but got min 90 and max 80. Fix: swap the two values.');
  });

  it('rejects classes that do not name five stages', () => {
    const open = () => openSyntheticEcg(source(), { ...context, classes: ['wake', 'sleep'] });
    expect(open).toThrow(
      'Expected data.classes to name the 5 sleep stages of a syntheticEcg source, but got ["wake","sleep"]. ' +
        'Fix: set data.classes to ["W","N1","N2","N3","REM"].',
    );
  });

  it('rejects a record index outside the dataset, naming the range', () => {
    const dataset = openSyntheticEcg(source(), context);
    expect(() => dataset.get(6)).toThrow('Expected a record index in [0, 6), but got 6.');
    expect(() => dataset.get(-1)).toThrow(DataError);
    expect(() => dataset.get(1.5)).toThrow(DataError);
  });
});

describe('openSyntheticEcg: sleep structure over 40 full-length nights', () => {
  let hypnograms: number[][] = [];
  let all: number[] = [];
  beforeAll(() => {
    hypnograms = nights({ subjects: 40, nightEpochs: { min: 600, max: 960 }, samplingRateHz: 4, seed: 21 }).map((r) =>
      Array.from(field(r, 'stages')),
    );
    all = hypnograms.flat();
  });
  const share = (stage: number) => all.filter((s) => s === stage).length / all.length;

  it('has stage proportions in the usual adult ranges', () => {
    expect(share(W)).toBeGreaterThanOrEqual(0.1);
    expect(share(W)).toBeLessThanOrEqual(0.2);
    expect(share(N1)).toBeGreaterThanOrEqual(0.05);
    expect(share(N1)).toBeLessThanOrEqual(0.1);
    expect(share(N2)).toBeGreaterThanOrEqual(0.4);
    expect(share(N2)).toBeLessThanOrEqual(0.55);
    expect(share(N3)).toBeGreaterThanOrEqual(0.1);
    expect(share(N3)).toBeLessThanOrEqual(0.2);
    expect(share(REM)).toBeGreaterThanOrEqual(0.15);
    expect(share(REM)).toBeLessThanOrEqual(0.25);
  });

  it('starts every night awake', () => {
    for (const stages of hypnograms) expect(stages.slice(0, 3)).toEqual([W, W, W]);
  });

  it('puts N3 mostly in the first half of the night and REM mostly in the second', () => {
    const inHalf = (stage: number, half: 'first' | 'second') => {
      let inside = 0;
      let total = 0;
      for (const stages of hypnograms) {
        stages.forEach((s, e) => {
          if (s !== stage) return;
          total++;
          if ((e < stages.length / 2) === (half === 'first')) inside++;
        });
      }
      return inside / total;
    };
    expect(inHalf(N3, 'first')).toBeGreaterThanOrEqual(0.7);
    expect(inHalf(REM, 'second')).toBeGreaterThanOrEqual(0.6);
  });

  it('changes stage in runs, not every epoch', () => {
    const runs = hypnograms.flatMap((stages) => runLengths(stages));
    const transitionsPerHour = (runs.length - hypnograms.length) / (all.length / 120);
    expect(transitionsPerHour).toBeGreaterThan(5);
    expect(transitionsPerHour).toBeLessThan(30);
    expect(median(runs)).toBeGreaterThanOrEqual(3);
  });

  it('compresses short nights so that they still start awake and hold every stage', () => {
    const short = nights({ subjects: 12, nightEpochs: { min: 40, max: 80 } }).map((r) => Array.from(field(r, 'stages')));
    for (const stages of short) expect(stages[0]).toBe(W);
    const stagesSeen = new Set(short.flat());
    expect([...stagesSeen].sort()).toEqual([W, N1, N2, N3, REM]);
  });
});

describe('openSyntheticEcg: the ECG encodes the stage', () => {
  const rate = 32;
  let perSubject: { stages: number[]; peaks: number[]; features: number[][] }[] = [];
  beforeAll(() => {
    perSubject = nights({ subjects: 16, nightEpochs: { min: 600, max: 800 }, samplingRateHz: rate, seed: 11 }).map((record) => {
      const stages = Array.from(field(record, 'stages'));
      const peaks = detectRPeaks(field(record, 'ecg'), rate);
      return { stages, peaks, features: standardize(epochFeatures(peaks, stages.length)) };
    });
  });

  it('shows heart rate falling from wake to N3, rising again in REM, and RR variability lowest in N3', () => {
    const byStage = (k: number, stage: number) =>
      mean(perSubject.flatMap((s) => s.features.filter((_, e) => s.stages[e] === stage).map((f) => f[k]!)));
    const heartRate = [W, N1, N2, N3, REM].map((stage) => byStage(0, stage));
    expect(heartRate[W]).toBeGreaterThan(heartRate[N1]!);
    expect(heartRate[N1]).toBeGreaterThan(heartRate[N2]!);
    expect(heartRate[N2]).toBeGreaterThan(heartRate[N3]!);
    expect(heartRate[REM]).toBeGreaterThan(heartRate[N2]! + 0.5);
    const variability = [W, N1, N2, N3, REM].map((stage) => byStage(1, stage));
    expect(Math.min(...variability)).toBe(variability[N3]);
    expect(variability[REM]).toBeGreaterThan(variability[N2]!);
  });

  it('runs beats on across epoch boundaries: in quiet sleep, RR intervals spanning a boundary look like those mid-epoch', () => {
    const ratioAt = (peaks: number[], t: number) => {
      const next = peaks.findIndex((p) => p >= t);
      if (next < 3) return undefined;
      const before = mean([1, 2].map((k) => peaks[next - k]! - peaks[next - k - 1]!));
      return (peaks[next]! - peaks[next - 1]!) / before;
    };
    const atBoundary: number[] = [];
    const midEpoch: number[] = [];
    for (const { stages, peaks } of perSubject) {
      for (let b = 1; b < stages.length; b++) {
        if (stages[b - 1] !== N2 || stages[b] !== N2) continue;
        atBoundary.push(ratioAt(peaks, b * 30) ?? NaN);
        midEpoch.push(ratioAt(peaks, (b + 0.5) * 30) ?? NaN);
      }
    }
    const regular = (ratios: number[]) => ratios.filter((r) => r > 0.8 && r < 1.25).length / ratios.length;
    expect(atBoundary.length).toBeGreaterThan(1000);
    expect(median(atBoundary)).toBeCloseTo(1, 1);
    expect(regular(atBoundary)).toBeGreaterThan(0.95);
    expect(regular(atBoundary)).toBeGreaterThan(regular(midEpoch) - 0.02);
  });

  it('lets a non-deep R-peak baseline stage held-out subjects far better than chance', () => {
    const rows = perSubject.flatMap((s, subject) => s.features.map((f, e) => ({ f, stage: s.stages[e]!, subject })));
    const model = fitGaussianNaiveBayes(rows.filter((r) => r.subject % 2 === 0));
    const held = rows.filter((r) => r.subject % 2 === 1);
    const predicted = held.map((r) => model(r.f));
    const { accuracy, kappa } = agreement(
      held.map((r) => r.stage),
      predicted,
    );
    const majority = Math.max(...[W, N1, N2, N3, REM].map((c) => held.filter((r) => r.stage === c).length)) / held.length;
    expect(kappa).toBeGreaterThanOrEqual(0.3);
    expect(accuracy).toBeGreaterThan(majority + 0.1);
  });
});

describe('openSyntheticEcg: speed', () => {
  it('generates a full-size night (900 epochs at 256 Hz) in under three seconds, even on a busy machine', () => {
    const dataset = openSyntheticEcg(source({ nightEpochs: { min: 900, max: 900 }, samplingRateHz: 256 }), context);
    const started = performance.now();
    const record = dataset.get(0);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(record.fields.ecg!.data.length).toBe(900 * 7680);
  });
});

/**
 * R-peak times (s): high-pass by a moving average, then local maxima above
 * half each epoch's 99th percentile, refined by a parabola through 3 samples.
 */
function detectRPeaks(ecg: Float32Array | Int32Array, rate: number): number[] {
  const half = Math.round(0.3 * rate);
  const cumulative = new Float64Array(ecg.length + 1);
  ecg.forEach((v, i) => (cumulative[i + 1] = cumulative[i]! + v));
  const filtered = new Float32Array(ecg.length);
  for (let i = 0; i < ecg.length; i++) {
    const [a, b] = [Math.max(0, i - half), Math.min(ecg.length, i + half + 1)];
    filtered[i] = ecg[i]! - (cumulative[b]! - cumulative[a]!) / (b - a);
  }
  const perEpoch = 30 * rate;
  const refractory = Math.round(0.3 * rate);
  const peaks: number[] = [];
  for (let start = 0; start < ecg.length; start += perEpoch) {
    const sorted = filtered.slice(start, start + perEpoch).sort();
    const threshold = 0.5 * sorted[Math.floor(0.99 * sorted.length)]!;
    for (let i = Math.max(1, start); i < Math.min(ecg.length - 1, start + perEpoch); i++) {
      if (filtered[i]! < threshold || !isLocalMaximum(filtered, i, refractory)) continue;
      const [a, b, c] = [filtered[i - 1]!, filtered[i]!, filtered[i + 1]!];
      const curvature = a - 2 * b + c;
      const offset = curvature === 0 ? 0 : Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curvature));
      peaks.push((i + offset) / rate);
    }
  }
  return peaks;
}

function isLocalMaximum(x: Float32Array, i: number, radius: number): boolean {
  for (let j = Math.max(0, i - radius); j <= Math.min(x.length - 1, i + radius); j++) {
    if (x[j]! > x[i]! || (x[j] === x[i] && j < i)) return false;
  }
  return true;
}

/** Per epoch: mean heart rate (bpm) and log RMSSD / mean RR; NaN where fewer than 3 intervals. */
function epochFeatures(peaks: number[], epochs: number): number[][] {
  const intervals: number[][] = Array.from({ length: epochs }, () => []);
  for (let i = 1; i < peaks.length; i++) {
    const rr = peaks[i]! - peaks[i - 1]!;
    if (rr > 0.3 && rr < 2) intervals[Math.floor(peaks[i]! / 30)]?.push(rr);
  }
  return intervals.map((rr) => {
    if (rr.length < 3) return [NaN, NaN];
    const meanRr = mean(rr);
    const rmssd = Math.sqrt(mean(rr.slice(1).map((v, i) => (v - rr[i]!) ** 2)));
    return [60 / meanRr, Math.log(rmssd / meanRr)];
  });
}

/** Z-scores each feature within one subject's night; missing values become 0 (the subject's mean). */
function standardize(rows: number[][]): number[][] {
  const columns = rows[0]!.map((_, k) => rows.map((r) => r[k]!).filter(Number.isFinite));
  const stats = columns.map((c) => ({ mean: mean(c), sd: standardDeviation(c) }));
  return rows.map((r) => r.map((v, k) => (Number.isFinite(v) ? (v - stats[k]!.mean) / stats[k]!.sd : 0)));
}

/** A Gaussian naive Bayes classifier with class priors. */
function fitGaussianNaiveBayes(rows: { f: number[]; stage: number }[]): (f: number[]) => number {
  const classes = [W, N1, N2, N3, REM].map((stage) => {
    const members = rows.filter((r) => r.stage === stage).map((r) => r.f);
    const means = members[0]!.map((_, k) => mean(members.map((f) => f[k]!)));
    const variances = means.map((m, k) => mean(members.map((f) => (f[k]! - m) ** 2)) + 1e-6);
    return { logPrior: Math.log(members.length / rows.length), means, variances };
  });
  return (f) => {
    const scores = classes.map((c) =>
      f.reduce((sum, v, k) => sum - 0.5 * Math.log(c.variances[k]!) - (v - c.means[k]!) ** 2 / (2 * c.variances[k]!), c.logPrior),
    );
    return scores.indexOf(Math.max(...scores));
  };
}

function agreement(truth: number[], predicted: number[]): { accuracy: number; kappa: number } {
  const n = truth.length;
  const accuracy = truth.filter((t, i) => t === predicted[i]).length / n;
  const chance = [W, N1, N2, N3, REM].reduce(
    (sum, c) => sum + (truth.filter((t) => t === c).length / n) * (predicted.filter((p) => p === c).length / n),
    0,
  );
  return { accuracy, kappa: (accuracy - chance) / (1 - chance) };
}

function runLengths(stages: number[]): number[] {
  const runs: number[] = [];
  let length = 1;
  for (let e = 1; e <= stages.length; e++) {
    if (e < stages.length && stages[e] === stages[e - 1]) length++;
    else {
      runs.push(length);
      length = 1;
    }
  }
  return runs;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function standardDeviation(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}
