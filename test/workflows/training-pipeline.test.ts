import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';
import { sha256 } from '../../src/config/read-json.js';
import type { ConfigIssue } from '../../src/config/issues.js';
import { BEST_METRIC, EXPERIMENT, MODEL, STAGE } from '../../workflows/search-attributes.js';
import { brokenSleepnet, quickSleepnet, readJson, TABULAR_TRAIN } from '../helpers/configs.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';
import { packageVersion } from '../../src/package.js';

const { RetryState } = proto.temporal.api.enums.v1;

describe('trainingPipeline on a real Temporal server', () => {
  const env = useSuiteServer();

  it('runs every stage on the small SleepNet: snapshot with hashes, data, model, trained chunks, evaluation, export', async () => {
    const trainParams = await quickSleepnet(3);
    await withWorker(env(), async (context) => {
      const workflowId = `sleepnet-${randomUUID()}`;
      const result = await runPipeline(context, { trainParams }, workflowId);
      const { artifactRoot } = context;

      expect(result).toMatchObject({
        runId: workflowId,
        runDir: join(artifactRoot, workflowId),
        experiment: 'sleepnet-small',
        model: 'sleepnet-small',
        completed: ['validateConfig', 'prepareData', 'buildModel', 'train', 'evaluate', 'export'],
      });
      const configDir = join(artifactRoot, workflowId, 'config');
      expect(result.config.dir).toBe(configDir);
      for (const name of ['train', 'net'] as const) {
        const file = join(configDir, `${name}_params.json`);
        expect(result.config[name]).toEqual({ path: file, sha256: sha256(await readFile(file)) });
      }
      expect(result.config.sources.train).toEqual({ file: trainParams, sha256: sha256(await readFile(trainParams)) });
      const snapshot = await readJson(join(configDir, 'train_params.json'));
      expect(snapshot.netParams).toBe('net_params.json');
      expect(snapshot.training.optimizer.beta2).toBe(0.999); // defaults are written out

      // Three one-epoch chunks, each epoch with its training loss and validation metrics.
      expect(result.training).toMatchObject({ epochs: 3, ended: 'budget' });
      expect(result.training.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      for (const epoch of result.training.history) {
        expect(epoch.loss).toBeGreaterThan(0);
        expect(epoch.val_cohenKappa).toBeGreaterThanOrEqual(-1);
      }
      expect(result.training.checkpoint).toBe(join(artifactRoot, workflowId, 'checkpoints', `ckpt-${String(result.training.step).padStart(9, '0')}`));

      const test = result.evaluation.test!;
      expect(test.perClass.map((c) => c.name)).toEqual(['W', 'N1', 'N2', 'N3', 'REM']);
      expect(test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(test.count);
      // With early stopping configured, the run evaluates and exports its best epoch (by val_cohenKappa).
      const best = result.training.history.reduce((a, b) => (b.val_cohenKappa! > a.val_cohenKappa! + 0.001 ? b : a));
      expect(result.training.exported).toMatchObject({ which: 'best', epoch: best.epoch });
      expect(await readJson(result.evaluation.report.path)).toMatchObject({ checkpoint: result.training.exported.checkpoint });

      // The exported model is that checkpoint's, byte for byte; metrics.json and the manifest describe the run.
      expect(await readFile(result.exported.weights.path)).toEqual(await readFile(join(result.training.exported.checkpoint, 'weights.bin')));
      const metrics = await readJson(result.exported.metrics.path);
      expect(metrics.history).toEqual(result.training.history);
      expect(metrics.test.cohenKappa).toBe(test.cohenKappa);
      const manifest = await readJson(result.exported.manifest.path);
      // Paths inside the artifact root are stored relative to it.
      const stored = (path: string) => relative(context.artifactRoot, path);
      expect(manifest).toMatchObject({
        run: workflowId,
        paths: 'relative to the artifact root',
        data: { fingerprint: result.data.fingerprint, dir: stored(result.data.dir) },
        configs: { train: { ...result.config.train, path: stored(result.config.train.path) }, net: { ...result.config.net, path: stored(result.config.net.path) } },
        backend: { trained: AVAILABLE_BACKENDS[0], built: result.built.backend, memory: { microBatchSize: 4, recompute: false } },
        ended: 'budget',
        model: { which: 'best', epoch: best.epoch, checkpoint: stored(result.training.exported.checkpoint) },
        epochal: { version: packageVersion() },
      });
      expect(manifest.epochal.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(Object.keys(manifest.timings)).toEqual(expect.arrayContaining(['validateConfig', 'prepareData', 'buildModel', 'train', 'evaluate']));

      const { typedSearchAttributes } = await context.client.workflow.getHandle(workflowId).describe();
      expect(typedSearchAttributes.get(EXPERIMENT)).toBe('sleepnet-small');
      expect(typedSearchAttributes.get(MODEL)).toBe('sleepnet-small');
      expect(typedSearchAttributes.get(STAGE)).toBe('done');
      expect(typedSearchAttributes.get(BEST_METRIC)).toBe(result.training.best!.value);
    });
  });

  it('runs the tabular MLP, a different architecture, given as an inline config object', async () => {
    await withWorker(env(), async (context) => {
      const train = await readJson(TABULAR_TRAIN);
      train.netParams = await readJson(join(TABULAR_TRAIN, '..', 'net_params.json'));
      train.data.source.path = join(TABULAR_TRAIN, '..', 'data', 'machines.csv');
      train.training.epochs = 4;
      train.training.epochsPerChunk = 2;
      const result = await runPipeline(context, { trainParams: train, runId: 'tabular-inline' });
      expect(result).toMatchObject({ runId: 'tabular-inline', model: 'machine-state-mlp', experiment: 'machine-state' });
      expect(result.config.sources.train.file).toBeUndefined();
      expect(result.training.history).toHaveLength(4);
      expect(result.evaluation.test!.perClass.map((c) => c.name)).toEqual(['normal', 'worn', 'faulty']);
    });
  });

  it('fails non-retryably on invalid configs, listing every problem with its JSON path, after one attempt', async () => {
    const dir = await brokenSleepnet();
    await withWorker(env(), async (context) => {
      const { client } = context;
      const workflowId = `broken-${randomUUID()}`;
      const error = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }, workflowId).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      const { issues } = (failure as ApplicationFailure).details![0] as { issues: ConfigIssue[] };
      expect(issues.map((issue) => issue.path.join('.')).sort()).toEqual([
        'data.source.nightEpochs.min',
        'netParams',
        'training.batchSzie',
        'training.epochs',
      ]);
      for (const line of [
        'training.batchSzie: Unknown key. Fix: did you mean "batchSize"?',
        'training.epochs: Expected a number ≥ 1, but got -5.',
        'data.source.nightEpochs.min: Expected a number, but got "six hundred".',
        `netParams: Expected a readable JSON file, but ${join(dir, 'nets', 'missing_net_params.json')} does not exist.`,
      ]) {
        expect(failure!.message).toContain(line);
      }

      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const scheduled = history.events!.filter((event) => event.activityTaskScheduledEventAttributes);
      const failed = history.events!.filter((event) => event.activityTaskFailedEventAttributes);
      expect(scheduled).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.activityTaskFailedEventAttributes!.retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    });
  });
});
