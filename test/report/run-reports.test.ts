import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import { CHROMIUM_MISSING, inBrowser, pointsPerChart } from '../helpers/browser.js';
import { editJson, quickSleepnet, readJson } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';
import { TENSORBOARD_MISSING, tensorBoardReader } from '../helpers/tensorboard.js';

const { address, namespace } = inject('temporal');
const cluster = ['--address', address, '--namespace', namespace];
const EPOCHS = 3;

/** Two finished runs of one experiment that differ in their learning rate. */
describe('reports of real runs', () => {
  const env = useSuiteServer();
  const experiment = `reports-${randomUUID().slice(0, 8)}`;
  let artifactRoot: string;
  const runs: { id: string; result: TrainingPipelineResult; learningRate: number }[] = [];

  beforeAll(async () => {
    await withWorker(env() as TestWorkflowEnvironment, async (context) => {
      artifactRoot = context.artifactRoot;
      for (const learningRate of [0.003, 0.001]) {
        const trainParams = await quickSleepnet(EPOCHS);
        await editJson(trainParams, (train) => {
          train.experiment = experiment;
          train.training.optimizer = { ...train.training.optimizer, learningRate };
        });
        const id = `report-${randomUUID()}`;
        runs.push({ id, learningRate, result: await runPipeline(context, { trainParams }, id) });
      }
    });
  }, 300_000);
  afterAll(() => undefined);

  it('refreshes the report after every chunk while training, and at export', async () => {
    const { id, result } = runs[0]!;
    const history = await env().client.workflow.getHandle(id).fetchHistory();
    const reportTasks = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'writeRunReport');
    expect(reportTasks).toHaveLength(EPOCHS); // one chunk per epoch in this config
    // Each refresh carries only its chunk's epochs (the history grows with the run, not its square); the file holds them all.
    const inputs = reportTasks.map((event) => JSON.parse(Buffer.from(event.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString()));
    expect(inputs.map((input) => input.newEpochs.records.map((r: { epoch: number }) => r.epoch))).toEqual([[1], [2], [3]]);
    expect(inputs.every((input) => input.history === undefined)).toBe(true);
    expect(await readJson(join(result.runDir, 'reports', 'history.json'))).toEqual(result.training.history);
    expect(result.exported.report).toBe(join(result.runDir, 'reports', 'report.html'));
  });

  it.skipIf(CHROMIUM_MISSING)('opens in Chromium without errors: a point per epoch and split on each curve, a confusion matrix summing to the test count', async () => {
    const { id, result } = runs[0]!;
    const metrics = await readJson(join(result.runDir, 'metrics.json'));
    const { errors, result: seen, screenshot } = await inBrowser(result.exported.report!, `run-report-${id}`, async (page) => ({
      points: await pointsPerChart(page),
      cells: (await page.locator('figure[data-chart="confusion"] g.counts_marks text').allTextContents()).map(Number),
      perClassRows: await page.locator('table[data-table="per-class"] tbody tr').count(),
      title: await page.title(),
    }));
    expect(errors).toEqual([]);
    const history = metrics.history as Record<string, number>[];
    expect(history).toHaveLength(EPOCHS);
    const withValidation = (field: string) => history.filter((r) => r[field] !== undefined).length;
    expect(seen.points.loss).toBe(EPOCHS + withValidation('val_loss'));
    expect(seen.points["Cohen's kappa"]).toBe(withValidation('cohenKappa') + withValidation('val_cohenKappa'));
    const classes = (metrics.test.perClass as unknown[]).length;
    expect(seen.cells).toHaveLength(classes * classes);
    expect(seen.cells.reduce((a, b) => a + b, 0)).toBe(metrics.test.count);
    expect(seen.perClassRows).toBe(classes);
    expect(seen.title).toContain(id);
    expect(existsSync(screenshot)).toBe(true);
  });

  it('keeps every labelled test prediction: rows that rebuild the confusion matrix the evaluation reports', async () => {
    const { result } = runs[0]!;
    const test = result.evaluation.test!;
    const [header, ...lines] = (await readFile(result.evaluation.predictions!.path, 'utf8')).trim().split('\n');
    const classes = test.perClass.map((c) => c.name);
    expect(header).toBe(['id', 'step', 'label', 'class', ...classes.map((c) => `p_${c}`)].join(','));
    expect(lines).toHaveLength(test.count);
    const confusion = classes.map(() => classes.map(() => 0));
    for (const line of lines) {
      const [, , label, predicted, ...probabilities] = line.split(',');
      confusion[classes.indexOf(label!)]![classes.indexOf(predicted!)]! += 1;
      expect(probabilities.map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(confusion).toEqual(test.confusion);
  });

  it.skipIf(TENSORBOARD_MISSING)("writes TensorBoard scalars that TensorBoard's own reader reads back as metrics.json says", async () => {
    const { result } = runs[0]!;
    const metrics = await readJson(join(result.runDir, 'metrics.json'));
    const reader = tensorBoardReader(join(result.runDir, 'tensorboard'));
    try {
      const scalars = await reader.reload();
      const history = metrics.history as Record<string, number>[];
      const curve = (tag: string) => scalars[tag]!.map(({ step, value }) => [step, value]);
      expect(curve('loss/train')).toEqual(history.map((r) => [r.epoch, expect.closeTo(r.loss!, 6)]));
      expect(curve('loss/validation')).toEqual(history.map((r) => [r.epoch, expect.closeTo(r.val_loss!, 6)]));
      expect(curve('cohenKappa/validation')).toEqual(history.map((r) => [r.epoch, expect.closeTo(r.val_cohenKappa!, 6)]));
      expect(curve('learning_rate')).toEqual(history.map((r) => [r.epoch, expect.closeTo(runs[0]!.learningRate, 9)]));
    } finally {
      await reader.close();
    }
  });

  it('lists both runs of the experiment as completed, with their best metric', async () => {
    const listed = await epochal(['runs', 'list', '--experiment', experiment, '--artifact-root', artifactRoot, ...cluster]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+stage\s+best\s+start\s+duration$/);
    for (const { id, result } of runs) {
      const line = lines.find((l) => l.startsWith(id));
      expect(line, listed.stdout).toBeDefined();
      const best = result.training.best!;
      expect(line).toMatch(new RegExp(`${id}\\s+completed\\s+done\\s+${best.monitor} \\d\\.\\d{4}`));
    }
    expect(lines).toHaveLength(1 + runs.length);

    const failed = await epochal(['runs', 'list', '--experiment', experiment, '--status', 'failed', '--artifact-root', artifactRoot, ...cluster]);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toContain(`No training runs of experiment "${experiment}" with status failed`);
  });

  it('compares the runs: the learning rate as the one config difference, metrics side by side, curves overlaid', async () => {
    const [a, b] = runs;
    const compared = await epochal(['runs', 'compare', a!.id, b!.id, '--artifact-root', artifactRoot]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/train\.training\.optimizer\.learningRate\s+0\.003\s+0\.001/);
    const differences = compared.stdout.slice(compared.stdout.indexOf('Config differences:'), compared.stdout.indexOf('Metrics:')).trim().split('\n');
    expect(differences).toHaveLength(3); // the heading, the table header, one difference
    for (const { id, result } of runs) expect(compared.stdout).toMatch(new RegExp(`${id}\\s+${EPOCHS}\\s+.*${result.evaluation.test!.loss.toFixed(4)}`));
    const page = compared.stdout.match(/Comparison with overlaid curves: (.+\.html)/)![1]!;
    expect(dirname(page)).toBe(join(artifactRoot, 'comparisons'));
    const html = await readFile(page, 'utf8');
    expect(html).toContain('train.training.optimizer.learningRate');
    if (CHROMIUM_MISSING) return;
    const { errors, result: points } = await inBrowser(page, 'run-comparison', pointsPerChart);
    expect(errors).toEqual([]);
    expect(points['validation loss']).toBe(EPOCHS * runs.length);
    expect(points['training loss']).toBe(EPOCHS * runs.length);
  });
});
