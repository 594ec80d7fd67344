/**
 * Epochal on many machines, run for real on one: the production Temporal
 * topology (PostgreSQL, Temporal server, Web UI), an S3-compatible server
 * (versitygw), one orchestration worker and two training workers, each an
 * `epochal worker` process in its own folder, sharing no folder: every
 * artifact goes through S3, and the workflows pass only `s3://` references.
 * A SleepNet run trains, evaluates and exports; the training worker holding
 * its chunk is killed with kill -9 and the run still ends bitwise equal to
 * an uninterrupted one; a batch inference job is scored by both training
 * workers.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingHeartbeat } from '../../activities/index.js';
import { sha256 } from '../../src/config/read-json.js';
import { s3ClientFromEnvironment, S3Store } from '../../src/store/s3-store.js';
import { startProductionTemporal, type ProductionTemporal } from '../../src/topology/index.js';
import type { BatchInferenceResult } from '../../workflows/batch-inference.js';
import type { trainingPipeline, TrainingPipelineResult } from '../../workflows/training-pipeline.js';
import { CONFIGS, crashSizedSleepnet, editJson } from '../helpers/configs.js';
import { EPOCHAL_BIN, startUntil } from '../helpers/processes.js';
import { useS3Server } from '../helpers/s3.js';
import { waitFor } from '../helpers/wait.js';

const log = (message: string) => console.log(`[many machines] ${message}`);
const BUCKET = 'epochal';
const ARTIFACT_ROOT = `s3://${BUCKET}/runs`;

/** The steps a worker's training processes traced ("<pid> <step>" lines). */
async function tracedSteps(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').filter(Boolean).map((line) => Number(line.split(' ')[1]));
}

interface Machine {
  name: string;
  dir: string;
  child: ChildProcess;
  output: () => string;
}

describe('Epochal across machines that share no folder: artifacts on S3, production Temporal, three worker processes', () => {
  const s3 = useS3Server([BUCKET]);
  let dir: string;
  let topology: ProductionTemporal | undefined;
  let connection: Connection | undefined;
  const machines: Machine[] = [];
  const trainingQueue = `trainers-${randomUUID()}`;
  const orchestrationQueue = `orchestration-${randomUUID()}`;
  const client = () => new Client({ connection: connection ?? expect.unreachable('connected in beforeAll'), namespace: topology!.namespace });
  const store = () => new S3Store(`s3://${BUCKET}`, s3ClientFromEnvironment(s3().env));
  let trained: TrainingPipelineResult | undefined;

  /** Starts `epochal worker` in a fresh folder of its own: its working folder, its mirror, its temporary files. */
  async function machine(name: string, role: 'orchestration' | 'training'): Promise<Machine> {
    const home = join(dir, name);
    await mkdir(join(home, 'tmp'), { recursive: true });
    const queues = role === 'orchestration' ? ['--task-queue', orchestrationQueue, '--training-task-queue', 'none'] : ['--task-queue', 'none', '--training-task-queue', trainingQueue, '--backend', 'wasm'];
    const started = await startUntil(process.execPath, [EPOCHAL_BIN, 'worker', ...queues, '--artifact-root', ARTIFACT_ROOT, '--mirror-dir', join(home, 'mirror')], 'Worker polling', {
      cwd: home,
      // Each may read and write only its own folder and the bucket.
      env: { ...s3().env, EPOCHAL_READ_ROOTS: `${home}:s3://${BUCKET}`, EPOCHAL_WRITE_ROOTS: `${home}:s3://${BUCKET}`, TEMPORAL_ADDRESS: topology!.address, TEMPORAL_NAMESPACE: topology!.namespace, TMPDIR: join(home, 'tmp'), EPOCHAL_TRACE_STEPS: join(home, 'steps.log') },
      timeoutMs: 180_000,
    });
    const running = { name, dir: home, ...started };
    machines.push(running);
    log(`${name} started (pid ${started.child.pid})`);
    return running;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epochal-machines-'));
    topology = await startProductionTemporal({ dir: join(dir, 'temporal'), log });
    connection = await Connection.connect({ address: topology.address });
    const orchestration = await machine('orchestration', 'orchestration');
    await cp(join(CONFIGS, 'sleepnet-small'), join(orchestration.dir, 'configs'), { recursive: true });
    await crashSizedSleepnet(join(orchestration.dir, 'configs', 'train_params.json'), { epochsPerChunk: 2, heartbeatTimeoutSeconds: 5 });
    await Promise.all([machine('trainer-a', 'training'), machine('trainer-b', 'training')]);
  }, 30 * 60_000);

  afterAll(async () => {
    for (const { child } of machines) child.kill('SIGKILL');
    await connection?.close();
    await topology?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  function train(workflowId: string): Promise<WorkflowHandle<typeof trainingPipeline>> {
    return client().workflow.start<typeof trainingPipeline>('trainingPipeline', {
      taskQueue: orchestrationQueue,
      workflowId,
      args: [{ trainParams: 'configs/train_params.json', trainingTaskQueue: trainingQueue }],
    });
  }

  it('trains, evaluates and exports with every artifact on S3, surviving kill -9 of the training worker that holds the chunk, bitwise equal to an uninterrupted run', async () => {
    const handle = await train(`machines-${randomUUID()}`);
    const holder = await waitFor(async () => {
      const { raw } = await handle.describe();
      const pending = raw.pendingActivities?.find((activity) => activity.activityType?.name === 'trainChunk');
      const payload = pending?.heartbeatDetails?.payloads?.[0];
      const beat = payload ? (defaultPayloadConverter.fromPayload(payload) as TrainingHeartbeat) : undefined;
      return beat && Number(/ckpt-(\d+)$/.exec(beat.checkpoint)?.[1]) >= 4 ? { identity: pending!.lastWorkerIdentity!, beat } : undefined;
    }, 'a heartbeat naming a published checkpoint after the first steps', 600_000, 200);
    expect(holder.beat.checkpoint).toMatch(new RegExp(`^${ARTIFACT_ROOT}/${handle.workflowId}/checkpoints/ckpt-\\d+$`));
    const victim = machines.find((m) => holder.identity.startsWith(`${m.child.pid}@`)) ?? expect.unreachable(`no trainer is ${holder.identity}`);
    log(`killing ${victim.name} (${holder.identity}), which holds the chunk at ${holder.beat.checkpoint}`);
    victim.child.kill('SIGKILL');
    await machine('trainer-c', 'training'); // a replacement machine: empty folder, empty mirror

    trained = await handle.result();
    expect(trained.completed).toEqual(['validateConfig', 'prepareData', 'buildModel', 'train', 'evaluate', 'export']);
    expect(trained.training).toMatchObject({ epochs: 4 });
    // Resumed from what the killed worker published, not from the start: no step up to its heartbeat's checkpoint ran twice.
    const steps = (await Promise.all(machines.filter((m) => m.name.startsWith('trainer')).map((m) => tracedSteps(join(m.dir, 'steps.log'))))).flat();
    const beatStep = Number(/ckpt-(\d+)$/.exec(holder.beat.checkpoint)![1]);
    for (let step = 1; step <= trained.training.step; step++) expect(steps.filter((s) => s === step).length, `step ${step}`).toBe(step <= beatStep ? 1 : steps.filter((s) => s === step).length || 1);
    expect(new Set(steps).size).toBe(trained.training.step);
    for (const reference of [trained.runDir, trained.exported.weights.path, trained.data.dir, trained.training.checkpoint]) expect(reference).toMatch(/^s3:\/\/epochal\/runs\//);

    // No local path of any worker reached the workflow: stages handed each other S3 references only.
    const history = JSON.stringify((await handle.fetchHistory()).events);
    for (const { dir: folder } of machines) expect(history).not.toContain(folder);

    // The artifacts are in S3: the run folder, the published checkpoints and the exported model.
    const keys: string[] = [];
    for await (const object of store().list(`runs/${handle.workflowId}/`)) keys.push(object.key.slice(`runs/${handle.workflowId}/`.length));
    expect(keys).toEqual(expect.arrayContaining(['owner.json', 'config/train_params.json', 'data.json', 'model/weights.bin', 'metrics.json', 'manifest.json', 'reports/evaluation.json', 'reports/report.html']));
    expect(keys.filter((key) => key.endsWith('/.epochal-folder.json') && key.startsWith('checkpoints/')).length).toBeGreaterThan(0);

    const reference = await (await train(`machines-reference-${randomUUID()}`)).result();
    const weights = async (result: TrainingPipelineResult) => sha256((await store().read(result.exported.weights.path.slice(`s3://${BUCKET}/`.length)))!.body);
    expect(await weights(trained)).toBe(await weights(reference));
    expect(trained.training.history.map((epoch) => epoch.epoch)).toEqual([1, 2, 3, 4]);
    expect(trained.training.history).toEqual(reference.training.history.map((epoch, i) => ({ ...epoch, seconds: trained!.training.history[i]!.seconds })));

    // The replacement worker trained from the checkpoint the killed one published (its mirror fetched it from S3).
    const resumed = await readdir(join(dir, 'trainer-c', 'mirror', 's3', BUCKET, 'runs', handle.workflowId, 'checkpoints')).catch(() => []);
    const trainedHere = machines.filter((m) => m.name !== victim.name && m.name !== 'orchestration');
    expect(resumed.length + (await readdir(join(trainedHere[0]!.dir, 'mirror', 's3', BUCKET, 'runs', handle.workflowId, 'checkpoints')).catch(() => [])).length).toBeGreaterThan(0);
  }, 30 * 60_000);

  it('scores a batch inference job on both training workers, its output on S3', async () => {
    const model = (trained ?? expect.unreachable('the training test runs first')).exported.weights.path.replace(/\/weights\.bin$/, '');
    const jobId = `machines-infer-${randomUUID()}`;
    const orchestration = machines.find((m) => m.name === 'orchestration')!;
    const inferParams = join(orchestration.dir, 'configs', 'infer_params.json');
    await editJson(inferParams, (infer) => {
      infer.model = { type: 'exported', path: model };
      infer.output.path = `s3://${BUCKET}/outputs/${jobId}`;
      infer.data.source.subjects = 16;
      infer.shardSize = 2;
      infer.parallelism = 2;
      infer.taskQueue = trainingQueue;
    });
    const handle = await client().workflow.start('batchInference', { taskQueue: orchestrationQueue, workflowId: jobId, args: [{ inferParams: 'configs/infer_params.json' }] });
    const result = (await handle.result()) as BatchInferenceResult;
    expect(result).toMatchObject({ shards: 8, reusedShards: 0, output: `s3://${BUCKET}/outputs/${jobId}` });

    const started = (await handle.fetchHistory()).events!.filter((event) => event.activityTaskStartedEventAttributes);
    const scheduled = new Map((await handle.fetchHistory()).events!.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => [String(event.eventId), event.activityTaskScheduledEventAttributes!.activityType!.name]));
    const scorers = new Set(started.filter((event) => scheduled.get(String(event.activityTaskStartedEventAttributes!.scheduledEventId)) === 'inferShard').map((event) => event.activityTaskStartedEventAttributes!.identity));
    expect(scorers.size).toBe(2);

    const keys: string[] = [];
    for await (const object of store().list(`outputs/${jobId}/`)) keys.push(object.key.slice(`outputs/${jobId}/`.length));
    expect(keys.filter((key) => /^part-\d{5}\.csv$/.test(key))).toHaveLength(8);
    expect(keys).toEqual(expect.arrayContaining(['manifest.json', '.epochal-job.json']));
    const manifest = JSON.parse((await store().read(`outputs/${jobId}/manifest.json`))!.body.toString('utf8')) as { rows: number; shards: { sha256: string; file: string }[] };
    expect(manifest.rows).toBe(result.rows);
    for (const shard of manifest.shards) {
      const body = (await store().read(shard.file.slice(`s3://${BUCKET}/`.length)))!.body;
      expect(sha256(body)).toBe(shard.sha256);
    }
  }, 15 * 60_000);

  it('scores with a checkpoint of the run, its configs and preprocessing fetched from S3 by the workers that need them', async () => {
    const checkpoint = (trained ?? expect.unreachable('the training test runs first')).training.checkpoint;
    const jobId = `machines-checkpoint-${randomUUID()}`;
    const orchestration = machines.find((m) => m.name === 'orchestration')!;
    await editJson(join(orchestration.dir, 'configs', 'infer_params.json'), (infer) => {
      infer.model = { type: 'checkpoint', path: checkpoint };
      infer.output.path = `s3://${BUCKET}/outputs/${jobId}`;
      infer.data.source.subjects = 4;
      infer.shardSize = 8;
    });
    const handle = await client().workflow.start('batchInference', { taskQueue: orchestrationQueue, workflowId: jobId, args: [{ inferParams: 'configs/infer_params.json' }] });
    const result = (await handle.result()) as BatchInferenceResult;
    expect(result).toMatchObject({ shards: 1, model: { type: 'checkpoint', path: checkpoint } });
    expect(result.rows).toBeGreaterThan(0);
    const manifest = JSON.parse((await store().read(`outputs/${jobId}/manifest.json`))!.body.toString('utf8')) as { model: { path: string }; rows: number };
    expect(manifest).toMatchObject({ model: { path: checkpoint }, rows: result.rows });
  }, 10 * 60_000);
});
