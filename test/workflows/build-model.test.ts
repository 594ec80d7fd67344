import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, verifyCheckpoint, writeCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { loadNetConfig } from '../../src/config/load.js';
import { longestSequence, PreparedData } from '../../src/data/prepared.js';
import { buildModel } from '../../src/model/build.js';
import { editJson, quickSleepnet, readJson } from '../helpers/configs.js';
import { maxAbsDiff } from '../helpers/model.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

const sizeOf = (weights: readonly tf.LayerVariable[]) => weights.reduce((sum, w) => sum + w.shape.reduce<number>((n, d) => n * (d ?? 1), 1), 0);

/** A "previous run" of the small SleepNet: a checkpoint of it built from another seed. */
async function pretrainedSleepnet(netFile: string, edit?: (net: Record<string, unknown>) => void) {
  await tf.setBackend('cpu');
  const { net } = await loadNetConfig(netFile);
  edit?.(net as unknown as Record<string, unknown>);
  const model = buildModel(net, 2024);
  const dir = join(await mkdtemp(join(tmpdir(), 'epochal-prev-')), 'ckpt-000000120');
  await writeCheckpoint(dir, { model, state: { epoch: 6, step: 120, seed: 2024, trainable: [] } });
  return { dir, model };
}

describe('trainingPipeline builds the model', () => {
  const env = useSuiteServer();

  it('builds the small SleepNet from a pretrained checkpoint with freeze patterns, writing the checkpoint and both reports', async () => {
    const dir = join(await quickSleepnet(1), '..');
    const previous = await pretrainedSleepnet(join(dir, 'net_params.json'));
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.fineTune = { pretrained: { path: previous.dir, policy: 'partial' }, trainable: ['outer_dense', 'stages'] };
    });

    await withWorker(env(), async (context) => {
      const { artifactRoot } = context;
      const workflowId = `build-${randomUUID()}`;
      const result = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }, workflowId);

      const runDir = join(artifactRoot, workflowId);
      expect(result.completed).toContain('buildModel');
      expect(result.built.checkpoint.path).toBe(join(runDir, 'checkpoints', 'ckpt-000000000'));
      expect(result.built.pretrained).toEqual({ policy: 'partial', matched: previous.model.weights.length, missing: 0, unexpected: 0, shapeMismatches: 0 });
      expect((await readdir(join(runDir, 'reports'))).sort()).toEqual(['evaluation.json', 'freeze.json', 'history.json', 'memory.json', 'pretrained.json', 'report.html', 'test-predictions.csv']);
      // Short nights of a small network: the whole batch in one pass, activations stored, within the limit.
      // The plan is for the batch size and the longest training night.
      const memory = await readJson(join(runDir, 'reports', 'memory.json'));
      const longest = await longestSequence((await PreparedData.open(result.data.dir))!, 'train');
      expect(memory).toMatchObject({ batch: { samples: 4, steps: longest }, microBatchSize: 4, recompute: false, notes: [] });
      expect(memory.estimatedBytes).toBeLessThan(memory.limitBytes);
      expect(result.built.memory).toMatchObject({ microBatchSize: 4, recompute: false });

      const freeze = await readJson(join(runDir, 'reports', 'freeze.json'));
      expect(freeze.trainable.every((name: string) => name.startsWith('outer_dense/') || name.startsWith('stages/'))).toBe(true);
      expect(freeze.frozen).toContain('tcn/block_1/conv_0/kernel');
      const total = previous.model.countParams();
      const trainable = sizeOf(previous.model.weights.filter((w) => freeze.trainable.includes(w.originalName)));
      const nonTrainable = sizeOf(previous.model.weights.filter((w) => !w.trainable)); // batch-norm statistics, if any
      expect(trainable).toBeGreaterThan(0);
      expect(result.built.parameters).toEqual({ total, trainable, frozen: total - trainable - nonTrainable, nonTrainable });
      const pretrained = await readJson(join(runDir, 'reports', 'pretrained.json'));
      expect(pretrained).toMatchObject({ source: previous.dir, policy: 'partial', missing: [], unexpected: [], shapeMismatches: [] });

      await verifyCheckpoint(result.built.checkpoint.path);
      const { net } = await loadNetConfig(join(dir, 'net_params.json'));
      const reloaded = buildModel(net, 1);
      const state = await loadCheckpoint(result.built.checkpoint.path, reloaded);
      expect(state).toMatchObject({ epoch: 0, step: 0, seed: 42 });
      expect(state.trainable).toEqual(freeze.trainable);
      for (const weight of previous.model.weights) {
        const loaded = reloaded.weights.find((w) => w.originalName === weight.originalName)!;
        expect(maxAbsDiff(loaded.read(), weight.read()), weight.originalName).toBe(0);
      }
    });
  });

  it('fails non-retryably when strict pretrained weights do not fit, naming the weights', async () => {
    const dir = join(await quickSleepnet(1), '..');
    const previous = await pretrainedSleepnet(join(dir, 'net_params.json'), (net) => {
      (net.blocks as Record<string, { units?: number }>).stages!.units = 4;
    });
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.fineTune = { pretrained: { path: previous.dir, policy: 'strict' } };
    });
    await withWorker(env(), async (context) => {
      const error = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
      expect(failure).toMatchObject({ type: 'IncompatibleWeights', nonRetryable: true });
      expect(failure.message).toContain('stages/dense/kernel: shape [16,4] where the network has [16,5]');
      expect(failure.details![0]).toMatchObject({ source: previous.dir });
    });
  });

  it('fails non-retryably when a freeze pattern matches no weight, listing the closest weight names', async () => {
    const dir = join(await quickSleepnet(1), '..');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.fineTune = { trainable: ['outer_dense/dense_9'] };
    });
    await withWorker(env(), async (context) => {
      const error = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }).catch((e: unknown) => e);
      const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
      expect(failure).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      expect(failure.message).toContain(`${join(dir, 'train_params.json')}`);
      expect(failure.message).toContain('fineTune.trainable[0]: Pattern "outer_dense/dense_9" matches no weight of the network.');
      expect(failure.message).toContain('"outer_dense/dense_0/bias"');
    });
  });
});
