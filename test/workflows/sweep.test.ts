import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import { stopSignal, sweepProgressQuery } from '../../workflows/definitions.js';
import { STAGE } from '../../workflows/search-attributes.js';
import type { sweepPipeline } from '../../workflows/sweep-pipeline.js';
import { CHROMIUM_MISSING, inBrowser, pointsPerChart } from '../helpers/browser.js';
import { copySample, editJson } from '../helpers/configs.js';
import { epochal, trainingWorker } from '../helpers/processes.js';

type TrainingWorker = Awaited<ReturnType<typeof trainingWorker>>;
import { useSuiteServer, withWorker } from '../helpers/temporal.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

const { address, namespace, workflowBundlePath } = inject('temporal');

/**
 * The tabular MLP, 6 epochs of one chunk each, a worker presumed dead after
 * 2 s of silence; 8 trials: a learning rate that learns and one too small to
 * (varying slowest, so the good trials end first and the median rule has
 * them to judge the others against) × two widths × two dropouts.
 */
async function sweepJob(overrides: Record<string, unknown> = {}): Promise<string> {
  const dir = await copySample('tabular-mlp');
  await editJson(join(dir, 'train_params.json'), (train) => {
    train.training.epochs = 6;
    train.training.epochsPerChunk = 1;
    train.training.heartbeatTimeoutSeconds = 2;
    train.training.earlyStopping = { monitor: 'val_loss', patience: 10 };
  });
  const sweep = {
    trainParams: 'train_params.json',
    space: {
      'train.training.optimizer.learningRate': { values: [0.01, 1e-7] },
      'net.blocks.hidden.units': { values: [16, 32] },
      'net.blocks.hidden.dropout': { values: [0, 0.1] },
    },
    search: { type: 'grid' },
    parallelism: 2,
    earlyTermination: { type: 'median', afterEpochs: 1, minTrials: 2 },
    pollSeconds: 1,
    ...overrides,
  };
  await writeFile(join(dir, 'sweep_params.json'), JSON.stringify(sweep, null, 2));
  return join(dir, 'sweep_params.json');
}


/** Every execution (each run of each workflow id) the visibility store lists for `query`. */
async function executions(client: Client, query: string): Promise<{ workflowId: string; runId: string; status: string }[]> {
  const found = [];
  for await (const execution of client.workflow.list({ query })) found.push({ workflowId: execution.workflowId, runId: execution.runId, status: execution.status.name });
  return found;
}

/** The statuses of every trial read (observeTrials) in one run of a sweep. */
async function observations(client: Client, workflowId: string, runId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const payload = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
    const result = payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
    return Array.isArray(result) ? result.flatMap((read: { status?: unknown }) => (typeof read.status === 'string' ? [read.status] : [])) : [];
  });
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

const waitFor = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> => waitUntil(probe, what, timeoutMs, 100);

describe('sweepPipeline', () => {
  const env = useSuiteServer();

  it('runs 8 trials on two training workers, stops the unpromising early, exports the best, and survives kill -9 of a training worker with every trial run once', async () => {
    const started = Date.now();
    const sweepParams = await sweepJob();
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-sweep-'));
    const taskQueue = `sweep-${randomUUID()}`;
    const trainingTaskQueue = `${taskQueue}-training`;
    // Each worker's training process pauses 4 s before committing the checkpoint of step 20 (every trial that trains
    // that far writes one, mid-chunk or at a chunk's end), marking its own file: killed then, it surely holds a chunk.
    // Both pause, as either may be the one handed a later trial's chunk that reaches step 20.
    const paused = [join(artifactRoot, 'paused-at-step-20-a'), join(artifactRoot, 'paused-at-step-20-b')] as const;
    const workers = (await Promise.all(
      paused.map((marker) => trainingWorker(address, namespace, trainingTaskQueue, artifactRoot, { EPOCHAL_PAUSE_CHECKPOINT: `20:4000:${marker}` })),
    )) as [TrainingWorker, TrainingWorker];
    const orchestration = await createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: false, artifactRoot, workflowBundlePath });
    const sweepId = `sweep-${randomUUID()}`;
    const { result, killedWhile, status } = await orchestration.runUntil(
      (async () => {
        try {
          const handle = await env().client.workflow.start<typeof sweepPipeline>('sweepPipeline', {
            taskQueue,
            workflowId: sweepId,
            // A few progress reads per run: the sweep continues as new several times while trials train.
            args: [{ sweepParams, trainingTaskQueue, pollsPerRun: 4 }],
          });
          // Mid-sweep: two trials have ended and a worker holds a chunk of another.
          const progress = await waitFor(async () => {
            const seen = await handle.query(sweepProgressQuery);
            return seen.trials.filter((trial) => ['completed', 'stopped-early'].includes(trial.status)).length >= 2 ? seen : undefined;
          }, 'two trials to end');
          await Promise.all(paused.map((marker) => rm(marker, { force: true })));
          const holding = await waitFor(async () => {
            const index = paused.findIndex((marker) => existsSync(marker));
            return index >= 0 ? workers[index] : undefined;
          }, 'a worker to pause mid-chunk in a later trial');
          holding.child.kill('SIGKILL');
          const result = await handle.result();
          // `epochal status` of the finished sweep (its progress query answered by replaying it on this worker).
          const status = await epochal(['status', sweepId, '--address', address, '--namespace', namespace]);
          return { result, killedWhile: progress.trials.map((trial) => trial.status), status };
        } finally {
          for (const worker of workers) worker.child.kill('SIGKILL');
        }
      })(),
    );
    console.log(`sweep of 8 trials: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // The sweep itself continued as new (its trials kept running across its runs), each run's history small.
    const runs = await waitFor(async () => {
      const found = await executions(env().client, `WorkflowId = '${sweepId}'`);
      return found.some((run) => run.status === 'COMPLETED') ? found : undefined;
    }, 'the sweep in the visibility store', 30_000);
    expect(runs.length).toBeGreaterThan(1);
    const events = await Promise.all(runs.map(async ({ runId }) => (await env().client.workflow.getHandle(sweepId, runId).fetchHistory()).events?.length ?? 0));
    const reads = (await Promise.all(runs.map(({ runId }) => observations(env().client, sweepId, runId)))).flat();
    console.log(`sweep runs: ${runs.length}, history events per run: ${events.join(', ')}; trial reads: ${JSON.stringify(countBy(reads))}`);
    expect(Math.max(...events)).toBeLessThan(200);

    // Killed mid-sweep: trials still to run.
    expect(killedWhile.filter((status) => status === 'pending').length).toBeGreaterThan(0);
    expect(result.trials.map((trial) => trial.trial)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.trials.every((trial) => ['completed', 'stopped-early'].includes(trial.status))).toBe(true);
    const stopped = result.trials.filter((trial) => trial.status === 'stopped-early');
    expect(stopped.length).toBeGreaterThan(0);
    for (const trial of stopped) {
      expect(trial.ended).toBe('stopped');
      expect(trial.reason).toMatch(/^judged after epoch (\d): its best val_loss after \1 epochs?, \d\.\d{4}, is worse than the median \d\.\d{4} of \d+ other trials' running averages$/);
    }
    // A stop takes effect when the trial's running chunk ends: the trials that do not learn stop short of their budget.
    const unlearning = stopped.filter((trial) => trial.params['train.training.optimizer.learningRate'] === 1e-7);
    expect(unlearning.length).toBeGreaterThan(0);
    expect(Math.min(...unlearning.map((trial) => trial.epochs))).toBeLessThan(6);

    // The best trial: a learning one, its exported model on disk, its value the best of all.
    const best = result.best!;
    expect(best.params['train.training.optimizer.learningRate']).toBe(0.01);
    expect((await stat(join(best.model, 'model.json'))).isFile()).toBe(true);
    const values = result.trials.flatMap((trial) => (trial.exported?.value !== undefined ? [trial.exported.value] : []));
    expect(best.value).toBe(Math.min(...values));

    // Every trial ran exactly once: 8 executions carry the sweep's search attribute, one per trial id, none continued or rerun.
    const trialIds = Array.from({ length: 8 }, (_, i) => `${sweepId}-trial-${i + 1}`);
    const listed = await waitFor(async () => {
      const found = await executions(env().client, `EpochalSweep = '${sweepId}'`);
      return found.length >= 8 && found.every((execution) => execution.status === 'COMPLETED') ? found : undefined;
    }, 'the trials in the visibility store', 30_000);
    expect(listed.map((execution) => execution.workflowId).sort()).toEqual(trialIds);

    // The chunk the killed worker held was retried on the other worker.
    const attempts = await Promise.all(
      trialIds.map(async (id) => {
        const history = await env().client.workflow.getHandle(id).fetchHistory();
        return Math.max(...(history.events ?? []).flatMap((event) => (event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes.attempt ?? 1] : [])));
      }),
    );
    expect(Math.max(...attempts)).toBeGreaterThan(1);

    // Results table and report in the sweep folder.
    expect(result.folder).toBe(join(artifactRoot, 'sweeps', sweepId));
    const table = JSON.parse(await readFile(result.results, 'utf8')) as { rows: unknown[]; best: unknown };
    expect(table.rows).toEqual(result.trials);
    expect(table.best).toEqual(best);
    const html = await readFile(result.report!, 'utf8');
    expect(html.match(/<tr>/g)?.length).toBe(1 + 8);
    expect(html).toContain(`data-best="${best.trial}"`);
    expect(html).toContain('data-chart="curves"');
    if (!CHROMIUM_MISSING) {
      // In a browser: a row per trial, and a point per trial and epoch trained on the curves.
      const { errors, result: seen } = await inBrowser(result.report!, 'sweep-report', async (page) => ({
        rows: await page.locator('table[data-table="trials"] tbody tr').count(),
        points: (await pointsPerChart(page)).curves,
      }));
      expect(errors).toEqual([]);
      expect(seen).toEqual({ rows: 8, points: result.trials.reduce((sum, trial) => sum + trial.epochs, 0) });
    }

    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${sweepId}: completed, done`);
    expect(status.stdout).toMatch(new RegExp(`trials +8 trials: ${8 - stopped.length} completed, ${stopped.length} stopped early \\(2 at a time\\)`));
    expect(status.stdout).toMatch(new RegExp(`best +trial ${best.trial} \\(`));
    expect(status.stdout).toContain(`temporal workflow list --query "EpochalSweep='${sweepId}'"`);
  }, 600_000);

  it('stops when asked: no trial starts after, the running one stops early and still exports, the rest are skipped', async () => {
    const sweepParams = await sweepJob({ space: { 'train.training.optimizer.learningRate': { values: [0.01, 0.001, 0.0001] } }, parallelism: 1, earlyTermination: undefined });
    await withWorker(env(), async (context) => {
      const handle = await context.client.workflow.start<typeof sweepPipeline>('sweepPipeline', {
        taskQueue: context.taskQueue,
        workflowId: `sweep-${randomUUID()}`,
        args: [{ sweepParams, trainingTaskQueue: context.trainingTaskQueue }],
      });
      await waitFor(async () => ((await handle.query(sweepProgressQuery)).trials[0]?.status === 'running' ? true : undefined), 'the first trial to start');
      await handle.signal(stopSignal);
      const result = await handle.result();
      expect(result.stopped).toBe(true);
      expect(result.trials.map((trial) => [trial.status, trial.ended, trial.reason])).toEqual([
        ['stopped-early', 'stopped', 'the sweep was stopped'],
        ['skipped', undefined, 'the sweep was stopped before this trial started'],
        ['skipped', undefined, 'the sweep was stopped before this trial started'],
      ]);
      // The stopped trial evaluated and exported what it had trained.
      expect((await stat(join(result.trials[0]!.exported!.model, 'model.json'))).isFile()).toBe(true);
      expect((await handle.describe()).typedSearchAttributes.get(STAGE)).toBe('stopped');
      expect(JSON.parse(await readFile(result.results, 'utf8'))).toMatchObject({ stopped: true, rows: result.trials });
    });
  }, 300_000);
});
