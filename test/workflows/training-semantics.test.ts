/**
 * What training does, checked on real pipelines (real server, real workers):
 * early stopping ends a run and the best epoch is exported; an unfreeze
 * schedule thaws layers at its epoch; a learning rate set by hand wins over
 * later schedule steps; and state survives continue-as-new unchanged.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readFolderWeights } from '../../src/checkpoint/tfjs-folder.js';
import { setLearningRateUpdate } from '../../workflows/definitions.js';
import type { trainingPipeline, TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import { editJson, quickSleepnet, readJson } from '../helpers/configs.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

interface SavedCheckpoint {
  path: string;
  epoch: number;
  batchInEpoch: number;
  groups: { learningRate: number }[];
}

/** Every checkpoint a run left, oldest first, with the state it recorded. */
async function checkpointsOf(runDir: string): Promise<SavedCheckpoint[]> {
  const dir = join(runDir, 'checkpoints');
  const names = (await readdir(dir)).filter((name) => /^ckpt-\d+$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => {
      const state = await readJson(join(dir, name, 'state.json'));
      const optimizer = await readJson(join(dir, name, 'optimizer.json')).catch(() => ({ groups: [] })); // none in the built one
      return { path: join(dir, name), epoch: state.epoch, batchInEpoch: state.batchInEpoch ?? 0, groups: optimizer.groups };
    }),
  );
}

/** Weight values by name, read from a checkpoint or model folder. */
async function weightsIn(folder: string): Promise<Map<string, Float32Array>> {
  const tensors = await readFolderWeights(folder);
  const values = new Map([...tensors].map(([name, t]) => [name, t.dataSync() as Float32Array]));
  tf.dispose([...tensors.values()]);
  return values;
}

/** Whether every weight whose name starts with `prefix` is bitwise the same in `a` and `b` (and there is one). */
function sameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>, prefix: string): boolean {
  const names = [...a.keys()].filter((name) => name.startsWith(prefix));
  expect(names.length).toBeGreaterThan(0);
  return names.every((name) => Buffer.compare(Buffer.from(a.get(name)!.buffer), Buffer.from(b.get(name)!.buffer)) === 0);
}

/** 4 epochs, 2 a chunk; the head trains from the start, the TCN thaws at epoch 3 with its own rate; nothing pruned. */
async function scheduledRun(): Promise<string> {
  const trainParams = await quickSleepnet(4);
  await editJson(trainParams, (train) => {
    train.training.epochsPerChunk = 2;
    train.training.keepCheckpoints = 1000;
    train.training.optimizer = { type: 'adam', learningRate: 0.01 };
    train.fineTune = {
      trainable: ['outer_dense/**', 'stages/**'],
      unfreezeSchedule: [{ atEpoch: 3, trainable: ['tcn/**'], learningRate: 0.001 }],
    };
  });
  return trainParams;
}

const withoutTimes = (result: TrainingPipelineResult) => result.training.history.map(({ seconds: _, ...record }) => record);

describe('training semantics on real pipelines', () => {
  const env = useSuiteServer();

  it('early stopping ends the run, and the best epoch is evaluated and exported though newer checkpoints were pruned', async () => {
    const trainParams = await quickSleepnet(10);
    await editJson(trainParams, (train) => {
      // Nothing after epoch 1 can improve val_loss by 100: early stopping ends the run after `patience` epochs.
      train.training.earlyStopping = { monitor: 'val_loss', patience: 2, minDelta: 100 };
      train.training.epochsPerChunk = 2;
      train.training.keepCheckpoints = 1;
    });
    await withWorker(env(), async (context) => {
      const result = await runPipeline(context, { trainParams });
      expect(result.training).toMatchObject({ ended: 'earlyStopping', epochs: 3, best: { monitor: 'val_loss', epoch: 1 } });
      expect(result.training.exported).toMatchObject({ which: 'best', epoch: 1 });
      expect(result.training.exported.checkpoint).not.toBe(result.training.checkpoint);
      const exported = await weightsIn(join(result.runDir, 'model'));
      expect(sameWeights(exported, await weightsIn(result.training.exported.checkpoint), '')).toBe(true);
      expect(sameWeights(exported, await weightsIn(result.training.checkpoint), 'stages/')).toBe(false);
      expect(await readJson(result.evaluation.report.path)).toMatchObject({ checkpoint: result.training.exported.checkpoint });
      const metrics = await readJson(result.exported.metrics.path);
      expect(metrics).toMatchObject({ exported: { which: 'best', epoch: 1 }, best: { epoch: 1 } });
      expect(metrics.history[0]).toMatchObject({ epoch: 1, accuracy: expect.any(Number), cohenKappa: expect.any(Number), val_loss: expect.any(Number) });
      // keepCheckpoints 1 at rest: the newest checkpoint, and the exported one.
      const kept = await readdir(join(result.runDir, 'checkpoints'));
      expect(kept.sort()).toEqual([basename(result.training.exported.checkpoint), basename(result.training.checkpoint)].sort());
    });
  }, 300_000);

  it('an unfreeze schedule thaws its layers at its epoch with its rate; frozen layers stay bitwise unchanged', async () => {
    const trainParams = await scheduledRun();
    await withWorker(env(), async (context) => {
      const result = await runPipeline(context, { trainParams });
      const built = await weightsIn(result.built.checkpoint.path);
      const saved = await checkpointsOf(result.runDir);
      const endOf = (epoch: number) => saved.find((c) => c.epoch === epoch && c.batchInEpoch === 0)!;
      const [afterTwo, afterFour] = [await weightsIn(endOf(2).path), await weightsIn(endOf(4).path)];
      expect(sameWeights(built, afterTwo, 'tcn/')).toBe(true); // frozen before epoch 3
      expect(sameWeights(built, afterTwo, 'stages/')).toBe(false);
      expect(sameWeights(built, afterFour, 'tcn/')).toBe(false); // thawed at epoch 3
      expect(sameWeights(built, afterFour, 'ecg_tower/')).toBe(true); // never thawed
      expect(endOf(2).groups.at(-1)!.learningRate).toBe(0.01);
      expect(endOf(4).groups.at(-1)!.learningRate).toBe(0.001);
      // The report marks both events where they happened.
      const report = await readFile(result.exported.report!, 'utf8');
      expect(report).toContain('unfreeze tcn/**');
      expect(report).toContain('learning rate 0.001');
      expect(result.training.history.map((record) => record.learningRate)).toEqual([0.01, 0.01, 0.001, 0.001]);
    });
  }, 300_000);

  it('a learning rate set by setLearningRate changes the rate the optimizer applies and wins over a later schedule step', async () => {
    const trainParams = await scheduledRun();
    await withWorker(env(), async (context) => {
      const { client, taskQueue, trainingTaskQueue } = context;
      const handle = await client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
        taskQueue,
        workflowId: `steered-${randomUUID()}`,
        args: [{ trainParams, trainingTaskQueue }],
      });
      expect(await handle.executeUpdate(setLearningRateUpdate, { args: [0.02] })).toBe(0.02);
      const steered = await handle.result();
      const plain = await runPipeline(context, { trainParams });
      // The rate recorded at the end of each chunk (epochs 2 and 4; the thaw at epoch 3 between them).
      const rates = async (result: TrainingPipelineResult) => {
        const saved = await checkpointsOf(result.runDir);
        return [2, 4].map((epoch) => saved.find((c) => c.epoch === epoch && c.batchInEpoch === 0)!.groups.at(-1)!.learningRate);
      };
      expect(await rates(steered)).toEqual([0.02, 0.02]);
      expect(await rates(plain)).toEqual([0.01, 0.001]);
      // The rate is applied, not only recorded: the head trained differently in the first chunk.
      const second = async (result: TrainingPipelineResult) => weightsIn((await checkpointsOf(result.runDir)).find((c) => c.epoch === 2 && c.batchInEpoch === 0)!.path);
      expect(sameWeights(await second(steered), await second(plain), 'stages/')).toBe(false);
    });
  }, 300_000);

  it('keeps history, best epoch, schedule and learning rate identical across a continue-as-new after every chunk', async () => {
    const trainParams = await scheduledRun();
    await withWorker(env(), async (context) => {
      const once = await runPipeline(context, { trainParams });
      const renewed = await runPipeline(context, { trainParams, chunksPerRun: 1 });
      expect(withoutTimes(renewed)).toEqual(withoutTimes(once));
      expect(renewed.training.best).toEqual(once.training.best);
      expect(renewed.training.exported).toMatchObject({ which: once.training.exported.which, epoch: once.training.exported.epoch });
      expect(await readFile(renewed.exported.weights.path)).toEqual(await readFile(once.exported.weights.path));
      const lastRate = async (result: TrainingPipelineResult) => (await checkpointsOf(result.runDir)).at(-1)!.groups.at(-1)!.learningRate;
      expect(await lastRate(renewed)).toBe(await lastRate(once));
    });
  }, 300_000);
});
