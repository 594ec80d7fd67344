import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { PreparedData } from '../../src/data/prepared.js';
import { readChampion } from '../../src/registry/champion.js';
import type { retrainingPipeline, RetrainingResult } from '../../workflows/retraining-pipeline.js';
import { editJson, quickSleepnet, readJson } from '../helpers/configs.js';
import { CHROMIUM_MISSING, inBrowser } from '../helpers/browser.js';
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

      // Same split seed: the challenger's test subjects are all new to the champion, and the reason says on how many both were scored.
      const tested = (await readJson(join(context.artifactRoot, second.challenger.run, 'manifest.json'))).data.records.test;
      expect(second.reason).toMatch(new RegExp(`Both were scored on the \\d+ test subjects \\(${tested} records\\) neither trained on\\.$`));

      const registry = await readChampion(context.artifactRoot, 'sleepnet-small');
      expect(registry.current?.model).toBe(first.challenger.model);
      expect(registry.history.map((d) => d.promoted)).toEqual([true, false]);
      expect(registry.history[1]!.reason).toBe(second.reason);
      // The registry file stores model folders relative to the artifact root.
      const stored = await readJson(registry.file);
      expect(stored.current.model).toBe(`${first.challenger.run}/model`);

      // The decision report: kept, with the gate, both models' scores on the same holdout.
      const decision = join(context.artifactRoot, second.challenger.run, 'reports', 'decision.html');
      const html = await readFile(decision, 'utf8');
      expect(html).toContain('data-verdict="kept"');
      expect(html).toContain("Gate: the challenger's cohenKappa must beat the champion's by more than 2.");
      if (CHROMIUM_MISSING) return;
      const { errors, result: seen } = await inBrowser(decision, 'decision-report', async (page) => ({
        rows: await page.locator('table[data-table="scores"] tbody tr').count(),
        bars: await page.locator('figure[data-chart="scores"] g.mark-rect path').count(),
      }));
      expect(errors).toEqual([]);
      const metrics = Object.keys(second.challenger.metrics).length;
      expect(seen).toEqual({ rows: metrics, bars: 2 * metrics });
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
      expect(notAModel.stderr + notAModel.stdout).toMatch(/No model at .*model\.json is missing[\s\S]*fix +point model\.path at an exported model folder/);
    });
  }, 240_000);

  it('judges champion and challenger only on test subjects neither learned from, when the split changed', async () => {
    const trainParams = await quickSleepnet(1);
    await withWorker(env(), async (context) => {
      const first = await retrain(context, trainParams);
      const championManifest = await readJson(join(context.artifactRoot, first.challenger.run, 'manifest.json'));
      const learned = new Set<string>([...championManifest.data.groups.train, ...championManifest.data.groups.validation]);
      expect(learned.size).toBeGreaterThan(0);
      await editJson(trainParams, (train) => {
        train.data.split.seed = 5; // another split: 2 of its 3 test subjects are ones the champion trained or was validated on
        train.promotion = { metric: 'cohenKappa', margin: 2 };
      });
      const second = await retrain(context, trainParams);
      const prepared = (await PreparedData.open(join(context.artifactRoot, (await readJson(join(context.artifactRoot, second.challenger.run, 'manifest.json'))).data.dir)))!;
      const testGroups = await prepared.recordGroups('test');
      const fresh = testGroups.filter((group) => !learned.has(group));
      const leftOut = new Set(testGroups.filter((group) => learned.has(group))).size;
      expect(leftOut).toBeGreaterThan(0);
      expect(fresh.length).toBeGreaterThan(0);
      expect(second.reason).toContain(
        `Both were scored on the ${new Set(fresh).size} test subjects (${fresh.length} records) neither trained on; ${leftOut} the champion trained or was validated on were left out.`,
      );
      expect(second.champion!.metrics.cohenKappa).toEqual(expect.any(Number));

      // A split whose every test subject the champion learned from leaves nothing to judge on: a clear, non-retryable failure.
      await editJson(trainParams, (train) => {
        train.data.split.seed = 3;
      });
      const failed = (await retrain(context, trainParams).catch((error: unknown) => error)) as WorkflowFailedError;
      expect(failed).toBeInstanceOf(WorkflowFailedError);
      const cause = failed.cause as ApplicationFailure;
      expect(cause).toMatchObject({ type: 'InvalidData', nonRetryable: true });
      expect(cause.message).toMatch(/^Every test subject of .* is one the champion .* trained or was validated on.*Fix: /s);
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
