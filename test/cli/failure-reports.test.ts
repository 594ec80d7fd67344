import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { progressQuery } from '../../workflows/definitions.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { editJson, quickSleepnet } from '../helpers/configs.js';
import { inferJob } from '../helpers/inference.js';
import { epochal } from '../helpers/processes.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';

const { address, namespace } = inject('temporal');
const cluster = ['--address', address, '--namespace', namespace];

/** A port nothing listens on: bound once to get a free number, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function untilTraining(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await handle.query(progressQuery).catch(() => undefined))?.phase !== 'training') {
    if (Date.now() > deadline) throw new Error('the run did not reach training within 30 s');
    await sleep(200);
  }
}

describe('the epochal CLI says why a command failed', () => {
  const env = useSuiteServer();

  it('train --wait prints the failed run’s message, type and fix and exits 1; status then shows ✗ and the same reason', async () => {
    // Valid as a file, but one training step cannot fit in 0.1 GB: the worker's validateConfig fails the run.
    const trainParams = await quickSleepnet(1);
    await editJson(trainParams, (train) => {
      train.data.source.nightEpochs = { min: 40, max: 4320 };
      train.training.memoryLimitGB = 0.1;
      train.training.recompute = 'never';
    });
    await withWorker(env(), async ({ taskQueue, trainingTaskQueue }) => {
      const workflowId = `why-train-${randomUUID()}`;
      const trained = await epochal(['train', trainParams, '--wait', '--id', workflowId, '--task-queue', taskQueue, '--training-task-queue', trainingTaskQueue, ...cluster]);
      expect(trained.code, trained.stderr).toBe(1);
      expect(trained.stdout).toContain(`Started trainingPipeline ${workflowId}`);
      expect(trained.stderr).toContain('✗ The workflow failed: Invalid config (1 problem):');
      expect(trained.stderr).toMatch(/^ {4}training\.batchSize: Expected one training step of sleepnet-small .* to fit in 0\.1 GB.* Fix: .*set training\.recompute to "auto"/m);
      expect(trained.stderr).toMatch(/^ {2}type +InvalidConfig \(not retryable: fix the cause and start again\)$/m);
      expect(trained.stderr).not.toContain('Workflow execution failed');

      const status = await epochal(['status', workflowId, ...cluster]);
      expect(status.code, status.stderr).toBe(1);
      expect(status.stdout).toContain(`✗ ${workflowId}: failed while validating`);
      const reason = /^( {2}reason +)Invalid config \(1 problem\):$/m.exec(status.stdout);
      expect(reason, status.stdout).not.toBeNull();
      const indent = ' '.repeat(reason![1]!.length); // the problem's lines, aligned under the reason
      expect(status.stdout).toContain(`\n${indent}${trainParams}\n${indent}  training.batchSize: Expected one training step`);
      expect(status.stdout).toMatch(/^ {2}type +InvalidConfig/m);
    });
  });

  it('infer --wait prints why the job failed (no champion, and the fix) and exits 1; status of the job shows ✗, not ✓, and the reason', async () => {
    await withWorker(env(), async (context) => {
      const { file } = await inferJob(context, { type: 'champion', experiment: 'nothing-promoted' });
      const workflowId = `why-infer-${randomUUID()}`;
      const inferred = await epochal(['infer', file, '--wait', '--id', workflowId, '--task-queue', context.taskQueue, ...cluster]);
      expect(inferred.code, inferred.stderr).toBe(1);
      expect(inferred.stderr).toContain(`✗ The workflow failed: Experiment "nothing-promoted" has no champion in ${context.artifactRoot}`);
      expect(inferred.stderr).toMatch(/^ {2}type +ModelNotFound \(not retryable: fix the cause and start again\)$/m);
      expect(inferred.stderr).toMatch(/^ {2}fix +train and promote one \(a retrainingPipeline run promotes its first model\), or point model at a checkpoint or exported model\.$/m);

      const status = await epochal(['status', workflowId, ...cluster]);
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(new RegExp(`^✗ ${workflowId}: failed while planning$`, 'm'));
      expect(status.stdout).toMatch(/^ {2}reason +Experiment "nothing-promoted" has no champion in /m);
      expect(status.stdout).toMatch(/^ {2}fix +train and promote one/m);
    });
  });

  it("set-learning-rate prints the validator's reason for refusing the update and exits 1; a terminated run's status says who ended it", async () => {
    const trainParams = await quickSleepnet(3);
    await withWorker(env(), async ({ client, taskQueue, trainingTaskQueue }) => {
      const workflowId = `why-update-${randomUUID()}`;
      const handle = await client.workflow.start<typeof trainingPipeline>('trainingPipeline', { taskQueue, workflowId, args: [{ trainParams, trainingTaskQueue }] });
      await untilTraining(handle);
      const refused = await epochal(['set-learning-rate', workflowId, '-1', ...cluster]);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe('✗ The update was refused: Expected a learning rate above 0 and at most 10, but got -1.');
      expect((await handle.query(progressQuery)).learningRate).not.toBe(-1);

      await handle.terminate('replaced by a longer run');
      const status = await epochal(['status', workflowId, ...cluster]);
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(new RegExp(`^✗ ${workflowId}: terminated while training$`, 'm'));
      expect(status.stdout).toMatch(/^ {2}reason +replaced by a longer run$/m);
      expect(status.stdout).not.toMatch(/ETA|stopping/);
    });
  });

  it('a command pointed where no Temporal listens names the address, what chose it and how to point elsewhere, and exits 3', async () => {
    const port = await closedPort();
    const started = Date.now();
    const { code, stdout, stderr } = await epochal(['status', 'any-run', '--address', `127.0.0.1:${port}`]);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toContain(`✗ Cannot reach Temporal at 127.0.0.1:${port} (from --address): Failed to connect before the deadline.`);
    expect(stderr).toMatch(/fix +start a local server with `npx epochal dev`, or point at a running one with --address host:port or TEMPORAL_ADDRESS/);
    expect(Date.now() - started).toBeLessThan(30_000); // the SDK's 10 s connect deadline, and the CLI's start-up
  });

  it('status of a workflow id the namespace does not hold says where it looked, and exits 1', async () => {
    const workflowId = `nobody-${randomUUID()}`;
    const { code, stderr } = await epochal(['status', workflowId, ...cluster]);
    expect(code).toBe(1);
    expect(stderr).toContain(`✗ Workflow ${workflowId} in namespace ${namespace} at ${address}:`);
    expect(stderr).toMatch(/fix +check the id \(temporal workflow list, or the Web UI\) and --namespace/);
  });
});
