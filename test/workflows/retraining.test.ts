import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChampion } from '../../src/registry/champion.js';
import type { retrainingPipeline, RetrainingResult } from '../../workflows/retraining-pipeline.js';
import { editJson, quickSleepnet, readJson } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';
import { runPipeline, useSuiteServer, withWorker, type WorkerContext } from '../helpers/temporal.js';

function retrain(context: WorkerContext, trainParams: string): Promise<RetrainingResult> {
  return context.client.workflow.execute<typeof retrainingPipeline>('retrainingPipeline', {
    taskQueue: context.taskQueue,
    workflowId: `retrain-${randomUUID()}`,
    args: [{ trainParams, trainingTaskQueue: context.trainingTaskQueue }],
  });
}

describe('retrainingPipeline', () => {
  const env = useSuiteServer();

  it('promotes the first model of an experiment, then fine-tunes from it and keeps it when the challenger misses the margin', async () => {
    const trainParams = await quickSleepnet(2);
    await withWorker(env(), async (context) => {
      const first = await retrain(context, trainParams);
      expect(first).toMatchObject({ experiment: 'sleepnet-small', promoted: true, reason: expect.stringMatching(/^no champion yet/) });
      expect(first.champion).toBeUndefined();
      expect(first.current?.model).toBe(first.challenger.model);

      await editJson(trainParams, (train) => {
        train.promotion = { metric: 'cohenKappa', margin: 2 }; // kappa cannot improve by 2
      });
      const second = await retrain(context, trainParams);
      expect(second.promoted).toBe(false);
      expect(second.reason).toMatch(/^the challenger does not beat the champion on test cohenKappa by the margin: challenger -?\d\.\d{4} vs champion -?\d\.\d{4}/);
      expect(second.champion).toMatchObject({ model: first.challenger.model, metrics: { cohenKappa: expect.any(Number), loss: expect.any(Number) } });
      expect(second.current?.model).toBe(first.challenger.model);
      // The challenger started from the champion's weights.
      const pretrained = await readJson(join(context.artifactRoot, second.challenger.run, 'reports', 'pretrained.json'));
      expect(pretrained).toMatchObject({ source: first.challenger.model, policy: 'strict', missing: [], unexpected: [], shapeMismatches: [] });

      const registry = await readChampion(context.artifactRoot, 'sleepnet-small');
      expect(registry.current?.model).toBe(first.challenger.model);
      expect(registry.history.map((d) => d.promoted)).toEqual([true, false]);
      expect(registry.history[1]!.reason).toBe(second.reason);
    });
  }, 240_000);

  it('shows the champion and its history, and takes a champion promoted by hand (epochal champion)', async () => {
    const trainParams = await quickSleepnet(1);
    await withWorker(env(), async (context) => {
      const root = ['--artifact-root', context.artifactRoot];
      expect((await epochal(['champion', 'show', 'sleepnet-small', ...root])).stdout).toContain('Experiment sleepnet-small has no champion yet');
      const first = await retrain(context, trainParams);
      const shown = await epochal(['champion', 'show', 'sleepnet-small', ...root]);
      expect(shown.stdout).toContain(`sleepnet-small: ${first.challenger.model}`);
      expect(shown.stdout).toMatch(/promoted +\S+ \S+: no champion yet/);

      const other = await runPipeline(context, { trainParams });
      const otherModel = join(context.artifactRoot, other.runId, 'model');
      const promoted = await epochal(['champion', 'promote', 'sleepnet-small', otherModel, '--reason', 'new architecture, judged offline', ...root]);
      expect(promoted.code, promoted.stderr).toBe(0);
      expect(promoted.stdout).toContain(`sleepnet-small: ${otherModel} is the champion (was ${first.challenger.model})`);
      const registry = await readChampion(context.artifactRoot, 'sleepnet-small');
      expect(registry.current).toMatchObject({ model: otherModel, run: other.runId, metrics: { cohenKappa: expect.any(Number) } });
      expect(registry.history.at(-1)).toMatchObject({ promoted: true, reason: 'new architecture, judged offline', by: expect.stringContaining('epochal champion promote') });

      const notAModel = await epochal(['champion', 'promote', 'sleepnet-small', context.artifactRoot, '--reason', 'oops', ...root]);
      expect(notAModel.code).not.toBe(0);
      expect(notAModel.stderr + notAModel.stdout).toMatch(/No model at .*model\.json is missing.*Fix:/);
    });
  }, 240_000);

  it('promotes a challenger that beats the champion on the same holdout', async () => {
    const trainParams = await quickSleepnet(2);
    await editJson(trainParams, (train) => {
      train.training.optimizer.learningRate = 1e-7; // a champion that has barely learned
    });
    await withWorker(env(), async (context) => {
      const weak = await retrain(context, trainParams);
      expect(weak.promoted).toBe(true);
      await editJson(trainParams, (train) => {
        train.training.optimizer.learningRate = 0.01;
        train.promotion = { metric: 'loss', margin: 0.001 };
      });
      const better = await retrain(context, trainParams);
      expect(better.reason).toMatch(/^the challenger beats the champion on test loss/);
      expect(better.promoted).toBe(true);
      expect(better.challenger.metrics.loss!).toBeLessThan(better.champion!.metrics.loss! - 0.001);
      expect(better.current?.model).toBe(better.challenger.model);
      expect((await readChampion(context.artifactRoot, 'sleepnet-small')).history).toHaveLength(2);
    });
  }, 240_000);
});
