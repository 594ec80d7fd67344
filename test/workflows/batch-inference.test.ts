import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { useBackend } from '../../src/backend/index.js';
import { openDataset } from '../../src/data/registry.js';
import { resolveModel } from '../../src/infer/model-package.js';
import { buildModel } from '../../src/model/build.js';
import { loadPretrained } from '../../src/model/pretrained.js';
import type { retrainingPipeline } from '../../workflows/retraining-pipeline.js';
import { copySample, editJson, quickSleepnet } from '../helpers/configs.js';
import { CHROMIUM_MISSING, inBrowser } from '../helpers/browser.js';
import { epochal } from '../helpers/processes.js';
import { infer, inferJob, readManifest, SOURCE } from '../helpers/inference.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

/** CSV rows as objects. */
function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i]!, value])));
}

describe('batchInference', () => {
  const env = useSuiteServer();
  let trainParams: string;
  beforeAll(async () => {
    trainParams = await quickSleepnet(1);
  });

  it('scores every epoch of every night exactly once, equal to model.predict on the same batches', async () => {
    await withWorker(env(), async (context) => {
      const trained = await runPipeline(context, { trainParams });
      const modelDir = join(trained.exported.model.path, '..');
      const { file, output } = await inferJob(context, { type: 'exported', path: modelDir });
      const result = await infer(context, file);

      // One row per (night, epoch): ids and steps cover the source exactly.
      const dataset = await openDataset(SOURCE as never, { classes: ['W', 'N1', 'N2', 'N3', 'REM'], target: 'stages', ignoreLabel: -1 });
      const nights: { id: string; ecg: Float32Array; additional: Float32Array; length: number }[] = [];
      for (let i = 0; i < dataset.length; i++) {
        const record = await dataset.get(i);
        nights.push({ id: record.id, ecg: Float32Array.from(record.fields.ecg!.data), additional: Float32Array.from(record.fields.additional!.data), length: record.fields.ecg!.shape[0]! });
      }
      const expectedRows = nights.reduce((n, night) => n + night.length, 0);
      expect(result).toMatchObject({ records: 5, rows: expectedRows, shards: 3, reusedShards: 0 });
      const manifest = await readManifest(output);
      expect(manifest).toMatchObject({ rows: expectedRows, format: 'csv' });
      expect(manifest.shards.map((s) => s.shard)).toEqual([0, 1, 2]);
      expect(manifest.shards.map((s) => s.rows).reduce((a, b) => a + b)).toBe(expectedRows);
      const rows = (await Promise.all(manifest.shards.map((s) => readFile(s.file, 'utf8')))).flatMap(parseCsv);
      expect(rows).toHaveLength(expectedRows);
      expect(new Set(rows.map((r) => `${r.id}#${r.step}`)).size).toBe(expectedRows);

      // The same batches through model.predict, assembled here from the raw records.
      await useBackend('wasm');
      const model = await resolveModel({ type: 'exported', path: modelDir }, context.artifactRoot);
      const network = buildModel(model.net, 0);
      await loadPretrained(network, model.weights, 'strict');
      const { normalization } = model.preprocessing;
      const normalize = (values: Float32Array, field: string, into: Float32Array, at: number) => {
        const { shift, scale } = normalization[field]!;
        for (let k = 0; k < values.length; k++) into[at + k] = (values[k]! - shift[k % shift.length]!) / scale[k % shift.length]!;
      };
      let maxDifference = 0;
      let row = 0;
      for (let b = 0; b < nights.length; b += 2) {
        const batch = nights.slice(b, b + 2);
        const steps = Math.max(...batch.map((n) => n.length));
        const ecg = new Float32Array(batch.length * steps * 960);
        const additional = new Float32Array(batch.length * steps * 8);
        const mask = new Float32Array(batch.length * steps);
        batch.forEach((night, r) => {
          normalize(night.ecg, 'ecg', ecg, r * steps * 960);
          normalize(night.additional, 'additional', additional, r * steps * 8);
          mask.fill(1, r * steps, r * steps + night.length);
        });
        const predicted = network.predict([
          tf.tensor(ecg, [batch.length, steps, 960]),
          tf.tensor(additional, [batch.length, steps, 8]),
          tf.tensor(mask, [batch.length, steps]),
        ]) as tf.Tensor;
        const values = predicted.dataSync();
        batch.forEach((night, r) => {
          for (let t = 0; t < night.length; t++, row++) {
            expect(rows[row]).toMatchObject({ id: night.id, step: String(t) });
            model.preprocessing.classes.forEach((c, k) => {
              maxDifference = Math.max(maxDifference, Math.abs(Math.fround(Number(rows[row]![`p_${c}`])) - values[(r * steps + t) * 5 + k]!));
            });
          }
        });
      }
      expect(maxDifference).toBe(0);

      // The job's report: rows by predicted class (as the rows say), one line per shard; it opens cleanly in a browser.
      const classes = model.preprocessing.classes;
      const argmax = (r: Record<string, string>) => classes.reduce((best, c, k) => (Number(r[`p_${c}`]) > Number(r[`p_${classes[best]}`]) ? k : best), 0);
      const expected = classes.map((_, k) => rows.filter((r) => argmax(r) === k).length);
      expect(classes.map((c) => manifest.predicted![c])).toEqual(expected);
      if (CHROMIUM_MISSING) return;
      const { errors, result: seen } = await inBrowser(join(output, 'report.html'), 'inference-report', async (page) => ({
        bars: await page.locator('figure[data-chart="predictions"] g.mark-rect path').count(),
        shards: await page.locator('table[data-table="shards"] tbody tr').count(),
      }));
      expect(errors).toEqual([]);
      expect(seen).toEqual({ bars: classes.length, shards: result.shards });
    });
  }, 180_000);

  it('run again under its id, reuses finished shard outputs, writes nothing twice, and leaves no stale shard files', async () => {
    await withWorker(env(), async (context) => {
      const trained = await runPipeline(context, { trainParams });
      const { file, output } = await inferJob(context, { type: 'checkpoint', path: trained.training.checkpoint });
      const jobId = `infer-${randomUUID()}`;
      const first = await infer(context, file, jobId);
      const firstManifest = await readManifest(output);
      const again = await infer(context, file, jobId);
      const againManifest = await readManifest(output);
      expect(first).toMatchObject({ shards: 3, reusedShards: 0 });
      expect(again).toMatchObject({ shards: 3, reusedShards: 3 });
      expect(firstManifest.shards.map((s) => s.reused)).toEqual([false, false, false]);
      expect(againManifest.shards.map((s) => s.reused)).toEqual([true, true, true]);
      expect(againManifest.shards.map((s) => s.sha256)).toEqual(firstManifest.shards.map((s) => s.sha256));

      // The same output folder for a job with fewer shards: only that job's files remain.
      await editJson(file, (job) => {
        job.shardSize = 5;
      });
      await writeFile(join(output, 'part-00009.csv'), 'a file of the user’s that looks like a shard\n');
      const fewer = await infer(context, file, jobId);
      expect(fewer.shards).toBe(1);
      expect((await readdir(output)).sort()).toEqual(['.epochal-job.json', 'manifest.json', 'part-00000.csv', 'part-00000.csv.done.json', 'part-00009.csv', 'report.html']);
    });
  }, 180_000);

  it('runs from the CLI: epochal infer --wait prints the rows scored and the manifest', async () => {
    const { address, namespace } = inject('temporal');
    await withWorker(env(), async (context) => {
      const trained = await runPipeline(context, { trainParams });
      const npyDir = join(tmpdir(), `epochal-npy-${randomUUID()}`);
      const { file } = await inferJob(context, { type: 'exported', path: join(trained.exported.model.path, '..') }, { output: { format: 'npy', path: npyDir } });
      const { code, stdout, stderr } = await epochal(['infer', file, '--wait', '--address', address, '--namespace', namespace, '--task-queue', context.taskQueue]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/Started batchInference infer-/);
      expect(stdout).toMatch(/Scored 5 records: \d+ rows in 3 shards/);
      expect(stdout).toMatch(/manifest +.*manifest\.json/);
      const id = /Started batchInference (\S+)/.exec(stdout)![1]!;
      const status = await epochal(['status', id, '--address', address, '--namespace', namespace]);
      expect(status.stdout).toContain(`${id}: completed, done`);
      expect(status.stdout).toMatch(/shards +3 of 3 \(5 records\)/);
      // NPY: a float32 [rows, 1 + classes] matrix per shard (predicted class, then probabilities), ids beside it.
      const manifest = JSON.parse(await readFile(join(npyDir, 'manifest.json'), 'utf8'));
      const first = manifest.shards[0];
      const header = (await readFile(first.file)).subarray(0, 128).toString('latin1');
      expect(header).toContain(`'descr': '<f4', 'fortran_order': False, 'shape': (${first.rows}, 6)`);
      expect((await readFile(join(npyDir, 'part-00000.ids.txt'), 'utf8')).trim().split('\n')).toHaveLength(first.rows);
    });
  }, 180_000);

  it("scores tabular CSV records with the experiment's champion, one row per record", async () => {
    const dir = await copySample('tabular-mlp');
    await withWorker(env(), async (context) => {
      const retrained = await context.client.workflow.execute<typeof retrainingPipeline>('retrainingPipeline', {
        taskQueue: context.taskQueue,
        workflowId: `retrain-${randomUUID()}`,
        args: [{ trainParams: join(dir, 'train_params.json'), trainingTaskQueue: context.trainingTaskQueue }],
      });
      expect(retrained.promoted).toBe(true);
      const output = join(dir, 'scores');
      await editJson(join(dir, 'infer_params.json'), (job) => {
        Object.assign(job, { output: { ...job.output, path: output }, taskQueue: context.trainingTaskQueue, artifactRoot: context.artifactRoot, backend: 'wasm' });
      });
      const result = await infer(context, join(dir, 'infer_params.json'));
      expect(result.model).toMatchObject({ requested: { type: 'champion', experiment: 'machine-state' }, path: retrained.current!.model });
      const csvIds = (await readFile(join(dir, 'data', 'machines.csv'), 'utf8')).trim().split('\n').slice(1).map((line) => line.split(',')[0]);
      const rows = (await Promise.all((await readManifest(output)).shards.map((s) => readFile(s.file, 'utf8')))).flatMap((text) => text.trim().split('\n').map((line) => JSON.parse(line) as { id: string; class: string }));
      expect(rows.map((r) => r.id)).toEqual(csvIds);
      expect(rows.every((r) => typeof r.class === 'string')).toBe(true);

      // Weights nobody promoted, put in the champion's folder, are never scored as the champion.
      const weights = join(retrained.current!.model, 'weights.bin');
      const bytes = await readFile(weights);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await writeFile(weights, bytes);
      const tampered = await infer(context, join(dir, 'infer_params.json')).catch((e: unknown) => e);
      const failure = (tampered as WorkflowFailedError).cause as ApplicationFailure;
      expect(failure).toMatchObject({ type: 'ModelChanged', nonRetryable: true });
      expect(failure.message).toContain(`The model in ${retrained.current!.model} is not the champion of machine-state that was recorded`);
      expect(failure.message).toContain('changed: weights.bin');
    });
  }, 180_000);

  it('fails fast and non-retryably without a model, or with input the model was not trained on', async () => {
    await withWorker(env(), async (context) => {
      const missing = await inferJob(context, { type: 'champion', experiment: 'nobody-trained-this' });
      const noChampion = await infer(context, missing.file).catch((e: unknown) => e);
      expect(noChampion).toBeInstanceOf(WorkflowFailedError);
      expect((noChampion as WorkflowFailedError).cause).toMatchObject({ type: 'ModelNotFound', nonRetryable: true });
      expect(((noChampion as WorkflowFailedError).cause as ApplicationFailure).message).toMatch(/Experiment "nobody-trained-this" has no champion in .*registry\/nobody-trained-this\.json\. Fix:/);

      const trained = await runPipeline(context, { trainParams });
      const wrongRate = await inferJob(context, { type: 'exported', path: join(trained.exported.model.path, '..') });
      await writeFile(
        wrongRate.file,
        JSON.stringify({ ...JSON.parse(await readFile(wrongRate.file, 'utf8')), data: { source: { ...SOURCE, samplingRateHz: 64 }, inputs: {} } }),
      );
      const mismatch = await infer(context, wrongRate.file).catch((e: unknown) => e);
      const failure = (mismatch as WorkflowFailedError).cause as ApplicationFailure;
      expect(failure).toMatchObject({ type: 'InvalidData', nonRetryable: true });
      expect(failure.message).toMatch(/field "ecg" is float32 \[\*, 1920\], but the model was trained on float32 \[\*, 960\].*Fix:/);
    });
  }, 180_000);
});
