import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { PreparedData } from '../../src/data/prepared.js';
import { loadPlugins } from '../../src/data/registry.js';
import type { TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import { copySample, editJson, quickSleepnet } from '../helpers/configs.js';
import { writeCsv, writeJsonl, writeNight, writeNpy, writeNpz } from '../helpers/data-files.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

const CLASSES = ['normal', 'worn', 'faulty'];
const FEATURES = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];

/** 24 machines × 4 readings: features derived from the row number, so every value is known. */
const ROWS = Array.from({ length: 96 }, (_, i) => ({
  id: `r${i}`,
  group: `m${i % 24}`,
  features: FEATURES.map((_, f) => i + f / 10),
  label: i % 3,
}));

/** A copy of the tabular MLP sample whose data source is `source` (paths relative to the copy). */
async function tabularJob(source: (dir: string) => Promise<Record<string, unknown>>): Promise<string> {
  const dir = await copySample('tabular-mlp');
  const data = await source(dir);
  await editJson(join(dir, 'train_params.json'), (train) => {
    train.data.source = data;
    train.training.epochs = 1; // these tests are about the data
    train.training.epochsPerChunk = 1;
  });
  return join(dir, 'train_params.json');
}

function csvJob() {
  return tabularJob(async (dir) => {
    await writeCsv(join(dir, 'data', 'rows.csv'), [
      ['id', 'machine', ...FEATURES, 'state'],
      ...ROWS.map((row) => [row.id, row.group, ...row.features, CLASSES[row.label]!]),
    ]);
    return { type: 'csv', path: 'data/rows.csv', features: FEATURES, label: 'state', id: 'id', group: 'machine' };
  });
}

describe('prepareData on the real Temporal server', () => {
  const env = useSuiteServer();

  async function run(trainParams: string, artifactRoot?: string): Promise<TrainingPipelineResult> {
    return withWorker(env(), (context) => runPipeline(context, { trainParams, runId: `run-${randomUUID()}` }), artifactRoot ? { artifactRoot } : {});
  }

  /** Every prepared record's features by id, read back from the shards. */
  async function preparedRows(dir: string): Promise<Map<string, { group: string; features: number[]; label: number }>> {
    const prepared = (await PreparedData.open(dir))!;
    const rows = new Map<string, { group: string; features: number[]; label: number }>();
    for (const split of ['train', 'validation', 'test'] as const) {
      const reader = prepared.split(split);
      for (let i = 0; i < reader.length; i++) {
        const record = await reader.read(i);
        rows.set(record.id, { group: record.group!, features: Array.from(record.fields.features!.data), label: record.fields.label!.data[0]! });
      }
      await reader.close();
    }
    return rows;
  }

  async function expectRowsPrepared(result: TrainingPipelineResult): Promise<void> {
    expect(result.completed).toContain('prepareData');
    expect(result.data.records.train + result.data.records.validation + result.data.records.test).toBe(ROWS.length);
    expect(result.data.fields).toMatchObject({ features: { kind: 'features', shape: [6] }, label: { kind: 'label', shape: [] } });
    const rows = await preparedRows(result.data.dir);
    for (const row of ROWS) {
      const prepared = rows.get(row.id) ?? rows.get(String(Number(row.id.slice(1)) + 1));
      expect(prepared, row.id).toBeDefined();
      expect(prepared!.label).toBe(row.label);
      prepared!.features.forEach((value, f) => expect(value).toBeCloseTo(row.features[f]!, 5));
    }
  }

  it('prepares a CSV file', async () => {
    await expectRowsPrepared(await run(await csvJob()));
  });

  it('prepares a JSONL file', async () => {
    const job = await tabularJob(async (dir) => {
      await writeJsonl(
        join(dir, 'data', 'rows.jsonl'),
        ROWS.map((row) => ({ id: row.id, machine: row.group, state: CLASSES[row.label], ...Object.fromEntries(FEATURES.map((f, k) => [f, row.features[k]])) })),
      );
      return { type: 'jsonl', path: 'data/rows.jsonl', features: FEATURES, label: 'state', id: 'id', group: 'machine' };
    });
    await expectRowsPrepared(await run(job));
  });

  it('prepares NPY arrays', async () => {
    const job = await tabularJob(async (dir) => {
      await writeNpy(join(dir, 'data', 'x.npy'), { descr: '<f4', shape: [ROWS.length, 6], values: ROWS.flatMap((r) => r.features) });
      await writeNpy(join(dir, 'data', 'y.npy'), { descr: '<i8', shape: [ROWS.length], values: ROWS.map((r) => r.label) });
      await writeNpy(join(dir, 'data', 'g.npy'), { descr: '<U3', shape: [ROWS.length], values: ROWS.map((r) => r.group) });
      return { type: 'npy', features: 'data/x.npy', labels: 'data/y.npy', groups: 'data/g.npy' };
    });
    await expectRowsPrepared(await run(job));
  });

  it('prepares an NPZ archive', async () => {
    const job = await tabularJob(async (dir) => {
      await writeNpz(
        join(dir, 'data', 'all.npz'),
        {
          x: { descr: '<f8', shape: [ROWS.length, 6], values: ROWS.flatMap((r) => r.features) },
          y: { descr: '<i4', shape: [ROWS.length], values: ROWS.map((r) => r.label) },
          g: { descr: '<U3', shape: [ROWS.length], values: ROWS.map((r) => r.group) },
        },
        'deflated',
      );
      return { type: 'npz', path: 'data/all.npz', keys: { features: 'x', labels: 'y', groups: 'g' } };
    });
    await expectRowsPrepared(await run(job));
  });

  it('prepares HDF5 nights in the seed layout for the small SleepNet', async () => {
    const dir = join(await quickSleepnet(1), '..');
    await mkdir(join(dir, 'nights'));
    for (let s = 0; s < 6; s++) {
      const epochs = 10 + s;
      await writeNight(join(dir, 'nights', `subject-${s}.h5`), {
        ecgs: { shape: [epochs, 960], values: Float32Array.from({ length: epochs * 960 }, (_, k) => Math.sin(k / (5 + s))) },
        demographics: [40 + s, s % 2, 25, 38, 120, 80, 5],
        midnightOffset: -3600,
        stages: [...Array.from({ length: epochs }, (_, e) => e % 5), -1, -1],
        weights: Array.from({ length: epochs }, () => 1),
      });
    }
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.source = { type: 'hdf5', files: 'nights/*.h5', samplingRateHz: 32 };
    });
    const result = await run(join(dir, 'train_params.json'));
    expect(result.data.records).toEqual({ train: 4, validation: 1, test: 1 });
    expect(result.data.fields).toMatchObject({ ecg: { shape: [null, 960] }, additional: { shape: [null, 8] }, stages: { shape: [null] } });
    const prepared = (await PreparedData.open(result.data.dir))!;
    const reader = prepared.split('train');
    const record = await reader.read(0);
    await reader.close();
    const subject = Number(record.id.split('-')[1]);
    expect(record.fields.stages!.shape).toEqual([10 + subject]);
    expect(Array.from(record.fields.additional!.data.subarray(0, 8))).toEqual([40 + subject, subject % 2, 25, 38, 120, 80, 5, -1]);
  });

  it('prepares a custom dataset registered from a plugin module', async () => {
    const dir = await copySample('tabular-mlp');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.epochs = 1;
      train.training.epochsPerChunk = 1;
    });
    const plugin = join(dir, 'my-datasets.mjs');
    await writeFile(
      plugin,
      `export default {
  wearables: (options) => ({
    length: options.rows,
    get: (i) => ({ id: 'w' + i, group: 'user' + (i % 8), features: [i, 2 * i, i % 3, 1, 2, 3], label: i % 3 }),
  }),
};
`,
    );
    expect(await loadPlugins([plugin])).toEqual(['wearables']);
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.source = { type: 'plugin', name: 'wearables', options: { rows: 40 } };
    });
    const result = await run(join(dir, 'train_params.json'));
    expect(result.data.records.train + result.data.records.validation + result.data.records.test).toBe(40);
    const rows = await preparedRows(result.data.dir);
    expect(rows.get('w7')).toEqual({ group: 'user7', features: [7, 14, 1, 1, 2, 3], label: 1 });
  });

  describe('memoization', () => {
    let job: string;
    let artifactRoot: string;
    beforeAll(async () => {
      job = await csvJob();
      artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-shared-runs-'));
    });

    it('reuses the prepared shards of an earlier run with the same data and settings, doing no work', async () => {
      const first = await run(job, artifactRoot);
      const shard = join(first.data.dir, 'train-00000.bin');
      const written = (await stat(shard)).mtimeMs;
      const second = await run(job, artifactRoot);
      expect(first.data).toMatchObject({ reused: false, processed: ROWS.length });
      expect(second.data).toMatchObject({ reused: true, processed: 0, dir: first.data.dir, fingerprint: first.data.fingerprint });
      expect((await stat(shard)).mtimeMs).toBe(written);
      const recorded = JSON.parse(await readFile(join(second.runDir, 'data.json'), 'utf8')) as { reused: boolean };
      expect(recorded.reused).toBe(true);
    });

    it('prepares again after a one-byte change in an input file', async () => {
      const first = await run(job, artifactRoot);
      const csv = join(job, '..', 'data', 'rows.csv');
      await writeFile(csv, (await readFile(csv, 'utf8')).replace('\nr0,', '\nq0,')); // one byte: an id
      const second = await run(job, artifactRoot);
      expect(second.data.reused).toBe(false);
      expect(second.data.fingerprint).not.toBe(first.data.fingerprint);
    });
  });

  it('fails non-retryably on bad data, naming the file, row and field', async () => {
    const job = await tabularJob(async (dir) => {
      const rows = ROWS.map((row) => [row.id, row.group, ...row.features.map(String), CLASSES[row.label]!]);
      rows[13]![4] = 'NaN';
      await writeCsv(join(dir, 'data', 'rows.csv'), [['id', 'machine', ...FEATURES, 'state'], ...rows]);
      return { type: 'csv', path: 'data/rows.csv', features: FEATURES, label: 'state', id: 'id', group: 'machine' };
    });
    const error = await run(job).catch((e: unknown) => e);
    const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'InvalidData', nonRetryable: true });
    expect(failure.message).toBe(
      `${join(job, '..', 'data', 'rows.csv')} line 15, column "f3": expected a finite number, but got "NaN". Fix: clean or drop the row.`,
    );
    expect(failure.details![0]).toMatchObject({ file: join(job, '..', 'data', 'rows.csv'), row: 15, field: 'f3' });
  });
});
