/**
 * The Epochal plugin's worker configuration, by role: what it adds, what it
 * leaves to the worker, and what it refuses. (Workers made with it run
 * against a real server throughout the suite: test/helpers/temporal.ts.)
 */
import type { PayloadCodec } from '@temporalio/common';
import type { WorkerOptions } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { epochalPlugin, type EpochalPlugin } from '../../src/temporal/plugin.js';
import { WORKFLOWS_PATH } from '../../src/temporal/worker-defaults.js';

const codec = (name: string): PayloadCodec & { name: string } => ({ name, encode: async (payloads) => payloads, decode: async (payloads) => payloads });
const KEYS = { current: 'k1', keys: new Map([['k1', Buffer.alloc(32, 7)]]), source: 'the test' };

describe('the Epochal worker plugin', () => {
  let plugin: EpochalPlugin;
  beforeAll(async () => {
    plugin = await epochalPlugin({ trainingTaskQueue: 'gpus', deployment: { name: 'fleet', buildId: '9.9.9+abc' }, codecKeys: KEYS });
  });
  const configure = (options: Partial<WorkerOptions> & { taskQueue: string }) => plugin.configureWorker(options as WorkerOptions);

  it('makes a worker on any queue but the training one an orchestration worker: Epochal workflows and activities beside its own, a 10-s shutdown grace', async () => {
    const mine = async () => 'mine';
    const options = await configure({ taskQueue: 'my-app', activities: { mine } });
    expect(options.workflowsPath).toBe(WORKFLOWS_PATH);
    expect(Object.keys(options.activities ?? {})).toEqual(expect.arrayContaining(['mine', 'validateConfig', 'prepareData', 'trainChunk', 'inferShard']));
    expect(options.shutdownGraceTime).toBe('10 seconds');
    expect(options.maxConcurrentActivityTaskExecutions).toBeUndefined();
  });

  it('makes a worker on the training queue train one activity at a time, with no workflows and fast heartbeats', async () => {
    const options = await configure({ taskQueue: 'gpus' });
    expect(options.workflowsPath).toBeUndefined();
    expect(options.workflowBundle).toBeUndefined();
    expect(options).toMatchObject({ maxConcurrentActivityTaskExecutions: 1, shutdownGraceTime: '1 second', defaultHeartbeatThrottleInterval: '1 second', maxHeartbeatThrottleInterval: '2 seconds' });
  });

  it("keeps what the worker sets itself: its workflows module, tuning and deployment", async () => {
    const deployment = { version: { deploymentName: 'theirs', buildId: '1' }, useWorkerVersioning: true as const, defaultVersioningBehavior: 'PINNED' as const };
    const options = await configure({ taskQueue: 'gpus', maxConcurrentActivityTaskExecutions: 3, shutdownGraceTime: '30 seconds', workerDeploymentOptions: deployment });
    expect(options).toMatchObject({ maxConcurrentActivityTaskExecutions: 3, shutdownGraceTime: '30 seconds', workerDeploymentOptions: deployment });
    expect((await configure({ taskQueue: 'my-app', workflowsPath: '/their/workflows.js' })).workflowsPath).toBe('/their/workflows.js');
  });

  it('declares its Worker Deployment version, auto-upgrading, on every worker that declares none', async () => {
    for (const taskQueue of ['my-app', 'gpus']) {
      expect((await configure({ taskQueue })).workerDeploymentOptions).toEqual({
        version: { deploymentName: 'fleet', buildId: '9.9.9+abc' },
        useWorkerVersioning: true,
        defaultVersioningBehavior: 'AUTO_UPGRADE',
      });
    }
    const unversioned = await epochalPlugin({ deployment: false });
    expect((await unversioned.configureWorker({ taskQueue: 'x' } as WorkerOptions)).workerDeploymentOptions).toBeUndefined();
  });

  it('runs the worker\'s own payload codecs before its own, and keeps a failure converter the worker brings', async () => {
    const theirs = codec('theirs');
    const options = await configure({ taskQueue: 'my-app', dataConverter: { payloadCodecs: [theirs], failureConverterPath: '/their/failure-converter.js' } });
    const codecs = options.dataConverter?.payloadCodecs ?? [];
    expect(codecs).toHaveLength(2);
    expect(codecs[0]).toBe(theirs);
    expect(codecs[1]?.constructor.name).toBe('AesGcmCodec');
    expect(options.dataConverter?.failureConverterPath).toBe('/their/failure-converter.js');
    const client = plugin.configureClient({ namespace: 'default' });
    expect(client.dataConverter?.payloadCodecs).toHaveLength(1);
  });

  it('refuses an activity of the worker that has the name of one of its own, naming it', async () => {
    await expect(configure({ taskQueue: 'my-app', activities: { trainChunk: async () => undefined, mine: async () => undefined } })).rejects.toThrow(
      "The worker's activities trainChunk have the names of Epochal activities: rename them (Epochal's workflows call its own by name).",
    );
  });

  it('is not refused when given to a worker twice (on the worker and on its connection)', async () => {
    const once = await configure({ taskQueue: 'my-app' });
    const twice = await plugin.configureWorker(once);
    expect(Object.keys(twice.activities ?? {})).toEqual(Object.keys(once.activities ?? {}));
    expect(twice.dataConverter?.payloadCodecs).toHaveLength(1);
  });
});
