/**
 * Deploying a new release under a running training: workers of version A
 * start a run, stop mid-run, workers of version B (a changed, compatible
 * release) take over, and the run ends with the weights of an uninterrupted
 * run. Each test has a deployment of its own, so making its versions current
 * never moves the suite's other workers.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { sha256 } from '../../src/config/read-json.js';
import type { Promotion } from '../../src/temporal/deployment.js';
import { createEpochalWorkers, type EpochalWorkers } from '../../src/temporal/worker.js';
import { pauseSignal, progressQuery, resumeSignal } from '../../workflows/definitions.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { copySample, editJson } from '../helpers/configs.js';
import { useSuiteServer } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

const { namespace, workflowBundlePath } = inject('temporal');
const RELEASE_B = fileURLToPath(new URL('../fixtures/release-b/workflows.ts', import.meta.url));

/** Runs `workers` until each has settled whether its version became current; returns that, and the run. */
async function runPromoted(workers: EpochalWorkers): Promise<{ promotions: Promotion[]; running: Promise<void> }> {
  const running = workers.run();
  await waitFor(async () => (workers.plugin.promotions.length === workers.workers.length ? true : undefined), 'every worker to poll', 30_000, 50);
  return { promotions: await Promise.all(workers.plugin.promotions), running };
}

describe('Worker Deployment versions', () => {
  const env = useSuiteServer();

  it('moves a running training from the workers of release A to those of release B, which end it with the weights of an uninterrupted run', async () => {
    const dir = await copySample('tabular-mlp');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.epochs = 6;
      train.training.epochsPerChunk = 1;
    });
    const trainParams = join(dir, 'train_params.json');
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-deploy-'));
    const taskQueue = `deploy-${randomUUID()}`;
    const trainingTaskQueue = `${taskQueue}-training`;
    const deployment = `deploy-test-${randomUUID().slice(0, 8)}`;
    const release = (buildId: string): Promise<EpochalWorkers> =>
      createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue, artifactRoot, workflowBundlePath, deployment: { name: deployment, buildId } });
    const client = env().client;
    const start = (workflowId: string) =>
      client.workflow.start<typeof trainingPipeline>('trainingPipeline', { taskQueue, workflowId, args: [{ trainParams, trainingTaskQueue }] });

    const a = await release('release-a');
    const { running: runningA } = await runPromoted(a);
    // Release B is built now (its own bundle, with the workflow it adds) and polls only when A goes.
    const b = await createEpochalWorkers({
      connection: env().nativeConnection,
      namespace,
      taskQueue,
      trainingTaskQueue,
      artifactRoot,
      deployment: { name: deployment, buildId: 'release-b' },
      plugins: [{ name: 'release-b', configureWorker: (options) => (options.taskQueue === taskQueue ? { ...options, workflowsPath: RELEASE_B } : options) }],
    });

    const reference = await (await start(`deploy-reference-${randomUUID()}`)).result();
    const handle = await start(`deploy-${randomUUID()}`);
    // Mid-run: two epochs trained on release A, then held at a chunk boundary while the releases change.
    await waitFor(async () => ((await handle.query(progressQuery)).epoch >= 2 ? true : undefined), 'two epochs on release A', 60_000, 100);
    await handle.signal(pauseSignal);
    await waitFor(async () => ((await handle.query(progressQuery)).phase === 'paused' ? true : undefined), 'the run to pause', 60_000, 100);
    const { promotions, running: runningB } = await runPromoted(b);
    expect(promotions).toContainEqual({ outcome: 'current', changed: true });
    a.shutdown();
    await runningA;
    await handle.signal(resumeSignal);
    const upgraded = await handle.result();
    b.shutdown();
    await runningB;

    // Trained across both releases, exactly as if never interrupted.
    expect(upgraded.training.epochs).toBe(6);
    expect(sha256(await readFile(upgraded.exported.weights.path))).toBe(sha256(await readFile(reference.exported.weights.path)));
    // Its workflow tasks ran on A, then on B; it ends pinned to nothing, auto-upgrading, on B.
    const history = await handle.fetchHistory();
    const builds = (history.events ?? []).flatMap((event) => {
      const version = event.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId;
      return version ? [version] : [];
    });
    expect(builds[0]).toBe('release-a');
    expect(builds.at(-1)).toBe('release-b');
    expect(builds.indexOf('release-b')).toBeGreaterThan(builds.lastIndexOf('release-a'));
    const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
    expect(info?.behavior).toBe(2); // VERSIONING_BEHAVIOR_AUTO_UPGRADE
    expect(info?.deploymentVersion?.buildId).toBe('release-b');
  }, 240_000);

  it('never lets a restarted worker of an older release take the deployment back from a newer one', async () => {
    const deployment = `deploy-test-${randomUUID().slice(0, 8)}`;
    const taskQueue = `deploy-${randomUUID()}`;
    const release = (buildId: string) =>
      createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: false, workflowBundlePath, deployment: { name: deployment, buildId } });
    const settled = async (buildId: string) => {
      const workers = await release(buildId);
      const { promotions, running } = await runPromoted(workers);
      workers.shutdown();
      await running;
      return promotions;
    };
    expect(await settled('older')).toEqual([{ outcome: 'current', changed: true }]);
    expect(await settled('newer')).toEqual([{ outcome: 'current', changed: true }]);
    expect(await settled('older')).toEqual([{ outcome: 'kept', current: `${deployment}.newer`, reason: `it is newer than ${deployment}.older` }]);
    expect(await settled('newer')).toEqual([{ outcome: 'current', changed: false }]);
  });
});
