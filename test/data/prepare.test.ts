import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataConfig } from '../../src/config/data/data.js';
import { batches } from '../../src/data/batches.js';
import { prepareData } from '../../src/data/prepare.js';
import { PreparedData } from '../../src/data/prepared.js';
import type { PrepareProgress } from '../../src/data/progress.js';
import { registerDataset } from '../../src/data/registry.js';
import { SPLITS } from '../../src/data/split.js';

/** A small synthetic ECG data config (12 subjects, 20–30 epochs of 32-Hz ECG). */
function ecgData(overrides: Record<string, unknown> = {}) {
  return DataConfig.parse({
    source: { type: 'syntheticEcg', subjects: 12, nightEpochs: { min: 20, max: 30 }, samplingRateHz: 32, seed: 3 },
    classes: ['W', 'N1', 'N2', 'N3', 'REM'],
    split: { train: 0.5, validation: 0.25, test: 0.25, seed: 21 }, // a seed whose keyed hashes split the 12 subjects 6/3/3
    ...overrides,
  });
}

/** 60 rows of 20 machines, with their values as a CSV file's cells and as a plugin's records. */
const ROWS = Array.from({ length: 60 }, (_, i) => ({ id: `r${i}`, group: `m${(i * 7) % 20}`, features: [i / 4, (i % 9) - 4, 0.5], label: i % 3 }));

async function rowsCsv(): Promise<string> {
  const path = join(await cacheRoot(), 'rows.csv');
  await writeFile(path, ['id,machine,a,b,c,state', ...ROWS.map((r) => [r.id, r.group, ...r.features, ['x', 'y', 'z'][r.label]].join(','))].join('\n') + '\n');
  return path;
}

/** The same rows as a plugin dataset, which has no input files and cannot list its groups without reading its records. */
registerDataset('prepare-test-rows', () => ({ length: ROWS.length, get: (i) => ROWS[i]! }));

function rowsData(source: Record<string, unknown>) {
  return DataConfig.parse({ source, classes: ['x', 'y', 'z'], split: { train: 0.6, validation: 0.2, test: 0.2, seed: 5 } });
}

/** Each phase reported, in order, with the `done` counts it went through. */
function phases(reports: PrepareProgress[]): { phase: string; unit: string; total: number; done: number[] }[] {
  const out: { phase: string; unit: string; total: number; done: number[] }[] = [];
  for (const { phase, unit, total, done } of reports) {
    if (out.at(-1)?.phase !== phase) out.push({ phase, unit, total, done: [] });
    out.at(-1)!.done.push(done);
  }
  return out;
}

async function cacheRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'epochal-prepared-'));
}

/** Mean of field values over every record of one split, read back from the shards. */
async function splitMean(dir: string, split: 'train' | 'validation' | 'test', field: string): Promise<number> {
  const reader = (await PreparedData.open(dir))!.split(split);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < reader.length; i++) {
    for (const v of (await reader.read(i)).fields[field]!.data) {
      sum += v;
      count += 1;
    }
  }
  await reader.close();
  return sum / count;
}

describe('prepareData', () => {
  it('writes every record into the shards of its split, with no subject in two splits', async () => {
    const ref = await prepareData(ecgData(), { cacheRoot: await cacheRoot() });
    expect(ref).toMatchObject({ reused: false, processed: 12, records: { train: 6, validation: 3, test: 3 } });
    const prepared = (await PreparedData.open(ref.dir))!;
    const groups = new Map<string, string>();
    for (const split of ['train', 'validation', 'test'] as const) {
      const reader = prepared.split(split);
      for (let i = 0; i < reader.length; i++) {
        const record = await reader.read(i);
        expect(groups.get(record.group!) ?? split).toBe(split);
        groups.set(record.group!, split);
        expect(record.fields.ecg!.shape[1]).toBe(960);
        expect(record.fields.stages!.shape[0]).toBe(record.fields.ecg!.shape[0]);
      }
      await reader.close();
    }
    expect(groups.size).toBe(12);
  });

  it('takes normalisation statistics from the train split only', async () => {
    const ref = await prepareData(ecgData(), { cacheRoot: await cacheRoot() });
    const prepared = (await PreparedData.open(ref.dir))!;
    const shift = prepared.stats.normalization.ecg!.shift[0]!;
    expect(shift).toBeCloseTo(await splitMean(ref.dir, 'train', 'ecg'), 5);
    expect(Math.abs(shift - (await splitMean(ref.dir, 'test', 'ecg')))).toBeGreaterThan(1e-4);
    expect(prepared.stats.normalization.additional!.shift).toHaveLength(8);
    expect(prepared.stats.classCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('reuses identical prepared data without doing any work, and prepares again when a setting changes', async () => {
    const root = await cacheRoot();
    const first = await prepareData(ecgData(), { cacheRoot: root });
    const written = (await stat(join(first.dir, 'train-00000.bin'))).mtimeMs;
    let progress = 0;
    const second = await prepareData(ecgData(), { cacheRoot: root, onProgress: () => void (progress += 1) });
    expect(second).toMatchObject({ reused: true, processed: 0, dir: first.dir, fingerprint: first.fingerprint });
    expect(progress).toBe(0);
    expect((await stat(join(first.dir, 'train-00000.bin'))).mtimeMs).toBe(written);

    const changed = await prepareData(ecgData({ preprocessing: { maxEpochs: 22 } }), { cacheRoot: root });
    expect(changed.reused).toBe(false);
    expect(changed.fingerprint).not.toBe(first.fingerprint);
  });

  it('reports each long phase as it goes: input bytes hashed, records written, splits closed', async () => {
    const csv = await rowsCsv();
    const reports: PrepareProgress[] = [];
    await prepareData(rowsData({ type: 'csv', path: csv, features: ['a', 'b', 'c'], label: 'state', id: 'id', group: 'machine' }), {
      cacheRoot: await cacheRoot(),
      onProgress: (progress) => void reports.push(progress),
    });
    const [hashing, writing, finishing, ...rest] = phases(reports);
    const bytes = (await stat(csv)).size;
    expect(hashing).toMatchObject({ phase: 'fingerprinting', unit: 'bytes', total: bytes });
    expect(hashing!.done.at(-1)).toBe(bytes);
    expect(writing).toEqual({ phase: 'writing', unit: 'records', total: 60, done: ROWS.map((_, i) => i + 1) });
    expect(finishing).toEqual({ phase: 'finishing', unit: 'splits', total: 3, done: [1, 2, 3] });
    expect(rest).toEqual([]);
  });

  it('reports the records it reads to fingerprint, and to learn the groups of, a dataset that cannot tell them otherwise', async () => {
    const reports: PrepareProgress[] = [];
    await prepareData(rowsData({ type: 'plugin', name: 'prepare-test-rows', options: {} }), { cacheRoot: await cacheRoot(), onProgress: (progress) => void reports.push(progress) });
    const every = ROWS.map((_, i) => i + 1);
    expect(phases(reports)).toEqual([
      { phase: 'fingerprinting', unit: 'records', total: 60, done: every },
      { phase: 'scanning', unit: 'records', total: 60, done: every },
      { phase: 'writing', unit: 'records', total: 60, done: every },
      { phase: 'finishing', unit: 'splits', total: 3, done: [1, 2, 3] },
    ]);
  });

  it('writes the same shards whether the source lists its groups or they are read from its records', async () => {
    const listed = await prepareData(rowsData({ type: 'csv', path: await rowsCsv(), features: ['a', 'b', 'c'], label: 'state', id: 'id', group: 'machine' }), { cacheRoot: await cacheRoot() });
    const read = await prepareData(rowsData({ type: 'plugin', name: 'prepare-test-rows', options: {} }), { cacheRoot: await cacheRoot() });
    const [a, b] = [(await PreparedData.open(listed.dir))!, (await PreparedData.open(read.dir))!];
    for (const split of SPLITS) {
      expect(b.index.splits[split]).toEqual(a.index.splits[split]); // records, groups, and each shard's size and SHA-256
      expect(await b.recordGroups(split)).toEqual(await a.recordGroups(split));
    }
    expect(a.index.splits.train.records + a.index.splits.validation.records + a.index.splits.test.records).toBe(60);
    expect(b.stats).toEqual(a.stats);
  });

  it('resamples signals and crops long nights as configured', async () => {
    const ref = await prepareData(ecgData({ preprocessing: { resampleHz: 16, maxEpochs: 22 } }), { cacheRoot: await cacheRoot() });
    expect(ref.fields.ecg).toMatchObject({ shape: [null, 480], samplingRateHz: 16 });
    const reader = (await PreparedData.open(ref.dir))!.split('train');
    for (let i = 0; i < reader.length; i++) expect((await reader.read(i)).fields.ecg!.shape[0]).toBeLessThanOrEqual(22);
    await reader.close();
  });

  it('cuts nights into windows: overlapping in the train split, not elsewhere, every epoch kept, subjects and statistics unchanged', async () => {
    const whole = (await PreparedData.open((await prepareData(ecgData(), { cacheRoot: await cacheRoot() })).dir))!;
    const windowed = (await PreparedData.open((await prepareData(ecgData({ preprocessing: { window: { epochs: 8, strideEpochs: 4 } } }), { cacheRoot: await cacheRoot() })).dir))!;
    const nights = async (prepared: PreparedData, split: 'train' | 'validation' | 'test') => {
      const reader = prepared.split(split);
      const out = [];
      for (let i = 0; i < reader.length; i++) {
        const record = await reader.read(i);
        out.push({ id: record.id, group: record.group!, stages: Array.from(record.fields.stages!.data) });
      }
      await reader.close();
      return out;
    };
    for (const split of ['train', 'validation', 'test'] as const) {
      const original = await nights(whole, split);
      const windows = await nights(windowed, split);
      expect(new Set(windows.map((w) => w.group))).toEqual(new Set(original.map((n) => n.group)));
      for (const night of original) {
        const own = windows.filter((w) => w.id.startsWith(`${night.id}#`));
        expect(own.every((w) => w.stages.length <= 8 && w.group === night.group)).toBe(true);
        // Each window is the night's labels from its first epoch on; together they cover the night.
        const covered = new Set<number>();
        for (const w of own) {
          const start = Number(w.id.split('#')[1]);
          expect(w.stages).toEqual(night.stages.slice(start, start + w.stages.length));
          w.stages.forEach((_, t) => covered.add(start + t));
        }
        expect(covered.size).toBe(night.stages.length);
        const starts = own.map((w) => Number(w.id.split('#')[1]));
        expect(starts[1]! - starts[0]!).toBe(split === 'train' ? 4 : 8);
      }
    }
    expect(windowed.stats.normalization).toEqual(whole.stats.normalization);
    expect(windowed.stats.classCounts).toEqual(whole.stats.classCounts);
  });

  it('refuses a window stride longer than the window, which would skip epochs', () => {
    expect(() => ecgData({ preprocessing: { window: { epochs: 8, strideEpochs: 9 } } })).toThrow(/strideEpochs at most epochs/);
  });

  it('streams padded, masked, normalised batches in an order fixed by (seed, epoch)', async () => {
    const ref = await prepareData(ecgData({ preprocessing: { classWeights: 'balanced' } }), { cacheRoot: await cacheRoot() });
    const prepared = (await PreparedData.open(ref.dir))!;
    const collect = async (epoch: number) => {
      const out = [];
      for await (const batch of batches(prepared, 'train', { batchSize: 4, shuffle: { seed: 9, epoch } })) out.push(batch);
      return out;
    };
    const [a, b, c] = [await collect(1), await collect(1), await collect(2)];
    expect(a.map((batch) => batch.ids)).toEqual(b.map((batch) => batch.ids));
    expect(a.map((batch) => batch.ids)).not.toEqual(c.map((batch) => batch.ids));
    expect(a.map((batch) => batch.ids.length)).toEqual([4, 2]);

    const [first] = a;
    const [size, steps] = first!.fields.mask!.shape as [number, number];
    const reader = prepared.split('train');
    const records = await Promise.all(first!.ids.map(async (id) => {
      for (let i = 0; i < reader.length; i++) {
        const record = await reader.read(i);
        if (record.id === id) return record;
      }
      throw new Error(id);
    }));
    await reader.close();
    const lengths = records.map((record) => record.fields.stages!.shape[0]!);
    // Values are normalised with the train statistics: (x - shift) / scale, per feature for `additional`.
    const { shift, scale } = prepared.stats.normalization.additional!;
    const raw = records[1]!.fields.additional!.data;
    const normalised = first!.fields.additional!.data.subarray(steps * 8, steps * 8 + 8);
    Array.from(normalised).forEach((value, f) => expect(value).toBeCloseTo((raw[f]! - shift[f]!) / scale[f]!, 5));
    expect(size).toBe(4);
    expect(steps).toBe(Math.max(...lengths));
    expect(first!.fields.ecg!.shape).toEqual([4, steps, 960]);
    for (let r = 0; r < 4; r++) {
      const mask = Array.from(first!.fields.mask!.data.subarray(r * steps, (r + 1) * steps));
      expect(mask).toEqual(Array.from({ length: steps }, (_, t) => (t < lengths[r]! ? 1 : 0)));
      const labels = Array.from(first!.fields.stages!.data.subarray(r * steps, (r + 1) * steps));
      expect(labels.slice(lengths[r]!).every((label) => label === -1)).toBe(true);
    }
    expect(prepared.stats.classWeights).toHaveLength(5);
  });

  it('can refill one set of arrays for every batch, giving the same values as fresh arrays', async () => {
    const ref = await prepareData(ecgData(), { cacheRoot: await cacheRoot() });
    const prepared = (await PreparedData.open(ref.dir))!;
    const options = { batchSize: 3, shuffle: { seed: 2, epoch: 1 } };
    const fresh: number[][] = [];
    for await (const batch of batches(prepared, 'train', options)) fresh.push(Array.from(batch.fields.ecg!.data));
    const reused: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const batch of batches(prepared, 'train', { ...options, reuseArrays: true })) {
      reused.push(Array.from(batch.fields.ecg!.data)); // copied before asking for the next batch
      buffers.add(batch.fields.ecg!.data.buffer);
    }
    expect(reused).toEqual(fresh);
    expect(buffers.size).toBeLessThan(fresh.length);
  });
});
