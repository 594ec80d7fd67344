import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { findTemporalCli } from '../../src/temporal/cli-binary.js';
import { epochalDataConverter } from '../../src/temporal/codec/data-converter.js';
import type { CodecKeys } from '../../src/temporal/codec/keys.js';
import { startCodecServer } from '../../src/temporal/codec/server.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { copySample, editJson } from '../helpers/configs.js';

const run = promisify(execFile);

/** The workflow input in `temporal workflow show -o json` output, as the bytes of its payload. */
function startInput(stdout: string): string {
  const { events } = JSON.parse(stdout) as { events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[] };
  const started = events.find((event) => event.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
  return Buffer.from(started.input.payloads[0]!.data, 'base64').toString('latin1');
}

describe('with payload encryption on', () => {
  it('the server stores no config value, path or metric of a run, nor of a failure, and the codec server shows them to the UI and CLI', async () => {
    const marker = `private-${randomUUID()}`;
    const experiment = `exp-${randomBytes(6).toString('hex')}`;
    const scratch = await mkdtemp(join(tmpdir(), 'epochal-encrypted-'));
    const dir = join(scratch, marker);
    await mkdir(dir);
    const sample = await copySample('tabular-mlp');
    await rename(sample, join(dir, 'job'));
    const trainParams = join(dir, 'job', 'train_params.json');
    await editJson(trainParams, (train) => {
      train.experiment = experiment;
    });
    const keys: CodecKeys = { current: 'k1', keys: new Map([['k1', randomBytes(32)]]), source: 'this test' };
    const dbFile = join(scratch, 'temporal.db');
    const server = await startDevServer({ ui: false, dbFile });
    const ids = { ok: `enc-ok-${randomUUID()}`, failed: `enc-failed-${randomUUID()}` };
    let secrets: string[] = [];
    try {
      const { address, namespace } = server;
      const connection = await NativeConnection.connect({ address });
      const { encrypted: _, ...dataConverter } = await epochalDataConverter(keys);
      const client = new Client({ connection: await Connection.connect({ address }), namespace, dataConverter });
      const taskQueue = `enc-${randomUUID()}`;
      const workers = await createEpochalWorkers({
        connection,
        namespace,
        taskQueue,
        trainingTaskQueue: `${taskQueue}-training`,
        artifactRoot: join(dir, 'runs'),
        workflowBundlePath: inject('temporal').workflowBundlePath,
        codecKeys: keys,
        readRoots: [scratch],
        writeRoots: [scratch],
      });
      const start = (workflowId: string, params: string) =>
        client.workflow.execute<typeof trainingPipeline>('trainingPipeline', { taskQueue, workflowId, args: [{ trainParams: params, trainingTaskQueue: `${taskQueue}-training` }] });
      const { result, failure } = await workers.runUntil(
        (async () => {
          const trained = await start(ids.ok, trainParams);
          await editJson(trainParams, (train) => {
            train.data.source.path = `data/${marker}-missing.csv`;
          });
          const error = await start(ids.failed, trainParams).catch((e: unknown) => e);
          return { result: trained, failure: error };
        })(),
      );
      // Readable through the codec: results and failure messages.
      expect(result.experiment).toBe(experiment);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
      expect(cause.message).toContain(`${marker}-missing.csv does not exist`);
      const kappa = String(result.evaluation.test!.cohenKappa);
      secrets = [marker, experiment, result.model, ...(kappa.length > 8 ? [kappa] : [])];

      // The Web UI's path: the codec server decodes history for the real temporal CLI (as for the UI).
      const cli = await findTemporalCli();
      if (cli) {
        const codec = await startCodecServer({ keys, port: 0, origins: [] });
        try {
          const show = (extra: string[]) => run(cli.path, ['workflow', 'show', '--workflow-id', ids.ok, '--address', address, '--namespace', namespace, '--output', 'json', ...extra], { maxBuffer: 64 * 1024 * 1024 });
          expect(startInput((await show(['--codec-endpoint', codec.url])).stdout)).toContain(marker);
          expect(startInput((await show([])).stdout)).not.toContain(marker);
        } finally {
          await codec.close();
        }
      }
      await client.connection.close();
      await connection.close();
    } finally {
      await server.stop();
    }

    expect((await stat(dbFile)).mode & 0o777).toBe(0o600);
    const stored = Buffer.concat(await Promise.all((await readdir(scratch)).filter((name) => name.startsWith('temporal.db')).map((name) => readFile(join(scratch, name))))).toString('latin1');
    expect(stored).toContain(ids.ok); // the right database: ids are stored in the clear
    expect(stored).toContain('binary/encrypted');
    for (const secret of secrets) expect(stored, `"${secret}" is stored in the clear`).not.toContain(secret);
  }, 180_000);
});
