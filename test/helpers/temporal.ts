/** Integration-test helpers: real workers on the suite's real Temporal server, one task queue per test. */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import type { trainingPipeline, TrainingPipelineInput, TrainingPipelineResult } from '../../workflows/training-pipeline.js';

/**
 * Connects the calling test file to the suite's dev server (started once by
 * the global setup) for all its tests; returns a getter for the environment.
 */
export function useSuiteServer(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    const { address, namespace } = inject('temporal');
    env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
  });
  afterAll(() => env?.teardown());
  return () => env ?? expect.unreachable('the suite server is connected in beforeAll');
}

export interface WorkerContext {
  client: Client;
  taskQueue: string;
  /** The training task queue of this test's workers: pass it as the workflow's `trainingTaskQueue`. */
  trainingTaskQueue: string;
  /** A fresh artifact root for this test. */
  artifactRoot: string;
}

/**
 * Runs `body` while real Epochal workers poll task queues of their own (orchestration and training), with
 * a fresh artifact root unless `artifactRoot` shares one between runs, and the suite's roots
 * (the checkout and the temp folder, see vitest.config.ts) unless `readRoots`/`writeRoots` narrow them.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  body: (context: WorkerContext) => Promise<T>,
  options: { artifactRoot?: string; readRoots?: string[]; writeRoots?: string[] } = {},
): Promise<T> {
  const { namespace, workflowBundlePath } = inject('temporal');
  const taskQueue = `test-${randomUUID()}`;
  const artifactRoot = options.artifactRoot ?? (await mkdtemp(join(tmpdir(), 'epochal-runs-')));
  const trainingTaskQueue = `${taskQueue}-training`;
  const workers = await createEpochalWorkers({
    connection: env.nativeConnection,
    namespace,
    taskQueue,
    trainingTaskQueue,
    artifactRoot,
    workflowBundlePath,
    ...(options.readRoots ? { readRoots: options.readRoots } : {}),
    ...(options.writeRoots ? { writeRoots: options.writeRoots } : {}),
  });
  return workers.runUntil(body({ client: env.client, taskQueue, trainingTaskQueue, artifactRoot }));
}

/** Starts trainingPipeline on this test's workers (both task queues) and waits for its result. */
export function runPipeline(
  context: WorkerContext,
  input: Omit<TrainingPipelineInput, 'trainingTaskQueue'>,
  workflowId = `pipeline-${randomUUID()}`,
): Promise<TrainingPipelineResult> {
  return context.client.workflow.execute<typeof trainingPipeline>('trainingPipeline', {
    taskQueue: context.taskQueue,
    workflowId,
    args: [{ ...input, trainingTaskQueue: context.trainingTaskQueue }],
  });
}
