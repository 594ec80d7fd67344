import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PrepareHeartbeat, PreparedRef } from '../../activities/prepare-data.js';
import { PreparedData } from '../../src/data/prepared.js';
import type { PrepareProgress } from '../../src/data/progress.js';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/codec/data-converter.js';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import { SLEEPNET_TRAIN } from '../helpers/configs.js';
import { useSuiteServer } from '../helpers/temporal.js';

/**
 * Far shorter than the pipeline's 2 minutes, and shorter than the silences of
 * the per-record heartbeats this replaced: starting the stage process and
 * generating the first 256-Hz night took 1.6–1.9 s before the first heartbeat
 * on an idle 2-core machine, and single nights took over 2 s on a loaded one
 * (where that code failed this test: heartbeat timeouts on both attempts).
 */
const HEARTBEAT_TIMEOUT_MS = 1_000;

const FIXTURE = fileURLToPath(new URL('../fixtures/workflows/prepare-alone.ts', import.meta.url));

describe('prepareData heartbeats', () => {
  const env = useSuiteServer();
  const scratch: string[] = [];
  let bundle: string;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-prepare-bundle-'));
    scratch.push(dir);
    const { code } = await bundleWorkflowCode({ workflowsPath: FIXTURE, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quiet });
    bundle = join(dir, 'bundle.js');
    await writeFile(bundle, code);
  });
  afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

  /** Phases seen in the pending activity's heartbeat details, polled until `done` settles. */
  async function watchHeartbeats(handle: WorkflowHandle, done: Promise<unknown>): Promise<PrepareHeartbeat[]> {
    const seen: PrepareHeartbeat[] = [];
    let settled = false;
    void done.finally(() => (settled = true)).catch(() => {});
    while (!settled) {
      const { raw } = await handle.describe();
      const payload = raw.pendingActivities?.find((a) => a.activityType?.name === 'prepareData')?.heartbeatDetails?.payloads?.[0];
      if (payload) seen.push(defaultPayloadConverter.fromPayload(payload) as PrepareHeartbeat);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return seen;
  }

  it(
    `prepares the largest sample (SleepNet: 40 nights of 256-Hz ECG) on its first attempt under a ${HEARTBEAT_TIMEOUT_MS / 1000}-s heartbeat timeout, heartbeating its phase`,
    async () => {
      const { namespace } = inject('temporal');
      const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-prepare-heartbeats-'));
      scratch.push(artifactRoot); // about 1 GB of shards
      const taskQueue = `heartbeats-${randomUUID()}`;
      const workers = await createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: false, artifactRoot, workflowBundlePath: bundle });
      const workflowId = `prepare-${randomUUID()}`;

      const [prepared, heartbeats] = await workers.runUntil(
        (async () => {
          const handle = await env().client.workflow.start('prepareAlone', {
            taskQueue,
            workflowId,
            args: [{ trainParams: SLEEPNET_TRAIN, runId: workflowId, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS }],
          });
          const result = handle.result() as Promise<PreparedRef>;
          return Promise.all([result, watchHeartbeats(handle, result)]);
        })(),
      );

      expect(prepared).toMatchObject({ reused: false, processed: 40, records: { train: 30, validation: 4, test: 6 } });
      const index = (await PreparedData.open(prepared.dir))!.index;
      expect(index.fields.ecg!.shape).toEqual([null, 256 * 30]);

      const events = (await env().client.workflow.getHandle(workflowId).fetchHistory()).events!;
      const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareData')!;
      expect(String(scheduled.activityTaskScheduledEventAttributes!.heartbeatTimeout!.seconds)).toBe(String(HEARTBEAT_TIMEOUT_MS / 1000));
      const started = events.filter((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
      expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
      expect(started[0]!.activityTaskStartedEventAttributes!.lastFailure ?? undefined).toBeUndefined();
      expect(events.filter((e) => e.activityTaskTimedOutEventAttributes)).toEqual([]);
      expect(events.some((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled.eventId))).toBe(true);

      // What the server holds as the attempt's details names the phase and counts the nights written.
      const writing = heartbeats.filter((beat): beat is PrepareProgress => beat.phase === 'writing');
      expect(writing.length).toBeGreaterThan(0);
      expect(writing.every((beat) => beat.unit === 'records' && beat.total === 40 && beat.done >= 1 && beat.done <= 40)).toBe(true);
      const done = writing.map((beat) => beat.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
    },
    600_000,
  );
});

const quiet = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
