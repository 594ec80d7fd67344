/**
 * The production-shaped Temporal topology, run for real: PostgreSQL, the
 * Temporal server with its schema, the namespace and the Web UI, as plain
 * processes; then a real Epochal worker trains on it. A cold cache first
 * builds the three Go binaries (minutes); a warm one pays only for startup.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startProductionTemporal, type ProductionTemporal } from '../../src/topology/index.js';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import { EXPERIMENT, STAGE } from '../../workflows/search-attributes.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { readJson, TABULAR_TRAIN } from '../helpers/configs.js';

const log = (message: string) => console.log(`[topology] ${message}`);

describe('a production-shaped Temporal topology (PostgreSQL, Temporal server, Web UI) run without Docker', () => {
  let dir: string;
  let topology: ProductionTemporal | undefined;
  /** The run the first test makes; the later ones inspect it. */
  let workflowId: string | undefined;
  const started = () => topology ?? expect.unreachable('the topology starts in beforeAll');
  const trained = () => workflowId ?? expect.unreachable('the first test trains the run the others inspect');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epochal-topology-'));
    const begun = Date.now();
    topology = await startProductionTemporal({ dir, log });
    log(`started in ${((Date.now() - begun) / 1000).toFixed(1)} s: ${JSON.stringify(topology.startupMs)}`);
  }, 20 * 60_000);

  afterAll(async () => {
    const begun = Date.now();
    await topology?.stop();
    log(`stopped in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('runs a trainingPipeline on a real Epochal worker to its exported model', async () => {
    const { address, namespace } = started();
    const train = await readJson(TABULAR_TRAIN);
    train.netParams = await readJson(join(TABULAR_TRAIN, '..', 'net_params.json'));
    train.data.source.path = join(TABULAR_TRAIN, '..', 'data', 'machines.csv');
    train.training.epochs = 2;
    train.training.epochsPerChunk = 1;
    const taskQueue = `topology-${randomUUID()}`;
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-topology-runs-'));
    const id = `topology-${randomUUID()}`;

    const workerConnection = await NativeConnection.connect({ address });
    const clientConnection = await Connection.connect({ address });
    try {
      const workers = await createEpochalWorkers({
        connection: workerConnection,
        namespace,
        taskQueue,
        trainingTaskQueue: `${taskQueue}-training`,
        artifactRoot,
        workflowBundlePath: inject('temporal').workflowBundlePath,
      });
      const client = new Client({ connection: clientConnection, namespace });
      const result = await workers.runUntil(
        client.workflow.execute<typeof trainingPipeline>('trainingPipeline', {
          taskQueue,
          workflowId: id,
          args: [{ trainParams: train, trainingTaskQueue: `${taskQueue}-training` }],
        }),
      );

      expect(result).toMatchObject({ runId: id, experiment: 'machine-state', completed: ['validateConfig', 'prepareData', 'buildModel', 'train', 'evaluate', 'export'] });
      expect(result.training.history.map((epoch) => epoch.epoch)).toEqual([1, 2]);
      expect(await readFile(result.exported.weights.path)).toEqual(await readFile(join(result.training.exported.checkpoint, 'weights.bin')));
      const { typedSearchAttributes } = await client.workflow.getHandle(id).describe();
      expect(typedSearchAttributes.get(STAGE)).toBe('done');
      workflowId = id;
    } finally {
      await clientConnection.close();
      await workerConnection.close();
      await rm(artifactRoot, { recursive: true, force: true });
    }
  }, 5 * 60_000);

  it('keeps the run\'s history and visibility in PostgreSQL, listed by its EpochalExperiment search attribute', async () => {
    const { address, namespace, postgres } = started();
    const workflowId = trained();
    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection, namespace });
      const listed: string[] = [];
      for await (const execution of client.workflow.list({ query: `${EXPERIMENT.name} = 'machine-state'` })) listed.push(execution.workflowId);
      expect(listed).toEqual([workflowId]);

      const { runId } = await client.workflow.getHandle(workflowId).describe();
      const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
      // Visibility: status 2 is COMPLETED; its history length is the events the frontend serves.
      expect(await postgres.query('temporal_visibility', `SELECT status, history_length FROM executions_visibility WHERE workflow_id = '${workflowId}'`)).toBe(`2|${events!.length}`);
      // History: the run's event batches are rows of history_node, keyed by the run id.
      const nodes = Number(await postgres.query('temporal', `SELECT count(*) FROM history_node WHERE tree_id = decode('${runId.replaceAll('-', '')}', 'hex')`));
      expect(nodes).toBeGreaterThan(1);
      expect(nodes).toBeLessThanOrEqual(events!.length);
    } finally {
      await connection.close();
    }
  });

  it('serves the Web UI, whose API reads the same cluster', async () => {
    const { uiUrl, namespace } = started();
    const workflowId = trained();
    const page = await fetch(`${uiUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');

    const api = await fetch(`${uiUrl}/api/v1/namespaces/${namespace}/workflows?query=${encodeURIComponent(`WorkflowId = '${workflowId}'`)}`);
    expect(api.status).toBe(200);
    const body = (await api.json()) as { executions: Array<{ execution: { workflowId: string }; status: string }> };
    expect(body.executions.map((execution) => [execution.execution.workflowId, execution.status])).toEqual([[workflowId, 'WORKFLOW_EXECUTION_STATUS_COMPLETED']]);
  });
});
