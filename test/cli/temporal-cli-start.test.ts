import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { brokenSleepnet, quickSleepnet } from '../helpers/configs.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';
import { epochal, EPOCHAL_BIN, run, startUntil, stop } from '../helpers/processes.js';

const { address, namespace, cliPath } = inject('temporal');

describe.runIf(cliPath)('a run started with the real temporal CLI', () => {
  it('is executed by an `epochal worker` process and completes', async () => {
    const taskQueue = `cli-${randomUUID()}`;
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-cli-runs-'));
    const trainParams = await quickSleepnet(1);
    const worker = await startUntil(
      process.execPath,
      [EPOCHAL_BIN, 'worker', '--task-queue', taskQueue, '--training-task-queue', `${taskQueue}-training`, '--artifact-root', artifactRoot],
      'Worker polling',
      { env: { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } },
    );
    try {
      const workflowId = `temporal-cli-${randomUUID()}`;
      const temporal = (args: string[]) => run(cliPath!, [...args, '--address', address, '--namespace', namespace]);
      const started = await temporal([
        'workflow',
        'start',
        '--type',
        'trainingPipeline',
        '--task-queue',
        taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        JSON.stringify({ trainParams, trainingTaskQueue: `${taskQueue}-training` }),
      ]);
      expect(started.code, started.stderr).toBe(0);

      const result = await temporal(['workflow', 'result', '--workflow-id', workflowId, '--output', 'json']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('"experiment": "sleepnet-small"');
      expect(result.stdout).toContain('COMPLETED');
      expect(await readdir(join(artifactRoot, workflowId))).toEqual(['checkpoints', 'config', 'data.json', 'manifest.json', 'metrics.json', 'model', 'owner.json', 'reports', 'tensorboard']);
      expect(await readdir(join(artifactRoot, workflowId, 'config'))).toEqual([
        'manifest.json',
        'net_params.json',
        'train_params.json',
      ]);

      const found = await temporal([
        'workflow',
        'list',
        '--query',
        `WorkflowId = '${workflowId}' AND EpochalExperiment = 'sleepnet-small' AND EpochalModel = 'sleepnet-small'`,
      ]);
      expect(found.code, found.stderr).toBe(0);
      expect(found.stdout).toContain(workflowId);
    } finally {
      expect(await stop(worker.child)).toBe(0);
    }
  });
});

describe('epochal train', () => {
  const env = useSuiteServer();

  it('starts trainingPipeline, prints its id and UI link, and with --wait its result', async () => {
    const trainParams = await quickSleepnet(2);
    await withWorker(env(), async ({ taskQueue, trainingTaskQueue }) => {
      const workflowId = `epochal-train-${randomUUID()}`;
      const { code, stdout, stderr } = await epochal([
        'train',
        trainParams,
        '--training-task-queue',
        trainingTaskQueue,
        '--address',
        address,
        '--namespace',
        namespace,
        '--task-queue',
        taskQueue,
        '--id',
        workflowId,
        '--wait',
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`Started trainingPipeline ${workflowId}`);
      expect(stdout).toContain(`/namespaces/${namespace}/workflows/${workflowId}`);
      expect(stdout).toContain('stages       validateConfig → prepareData → buildModel → train → evaluate → export');
      expect(stdout).toMatch(/epoch 2\/2: loss \d+\.\d{4}/); // progress, one line per epoch off a terminal
      expect(stdout).toMatch(/test \((?:best|last)\) +loss \d+\.\d{4}, accuracy \d\.\d{3}, Cohen's kappa -?\d\.\d{3}/);
      const description = await env().client.workflow.getHandle(workflowId).describe();
      expect(await description.staticSummary()).toBe('Train sleepnet-small · sleepnet-small');
    });
  });

  it('refuses to start anything for an invalid config', async () => {
    const dir = await brokenSleepnet();
    const { code, stderr } = await epochal(['train', join(dir, 'train_params.json'), '--address', address]);
    expect(code).toBe(1);
    expect(stderr).toContain('is invalid; nothing was started');
  });
});
