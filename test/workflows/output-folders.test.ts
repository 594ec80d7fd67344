import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { editJson, quickSleepnet } from '../helpers/configs.js';
import { fileHashes } from '../helpers/files.js';
import { infer, inferJob, readManifest } from '../helpers/inference.js';
import { runPipeline, useSuiteServer, withWorker, type WorkerContext } from '../helpers/temporal.js';

function refusal(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

async function activityAttempts(context: WorkerContext, workflowId: string): Promise<number> {
  const history = await context.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events!.filter((event) => event.activityTaskStartedEventAttributes).length;
}

describe('inference output folders', () => {
  const env = useSuiteServer();
  let trainParams: string;
  beforeAll(async () => {
    trainParams = await quickSleepnet(1);
  });

  it('of two jobs started at once on one folder, one scores and the other is refused, naming the owner; the winner’s output is whole', async () => {
    await withWorker(env(), async (context) => {
      const trained = await runPipeline(context, { trainParams });
      const { file, output } = await inferJob(context, { type: 'checkpoint', path: trained.training.checkpoint });
      const ids = [`infer-a-${randomUUID()}`, `infer-b-${randomUUID()}`];
      const outcomes = await Promise.allSettled(ids.map((id) => infer(context, file, id)));
      const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = ids[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')]!;
      const cause = refusal(lost[0]);
      expect(cause).toMatchObject({ type: 'OutputFolderTaken', nonRetryable: true });
      expect(cause.message).toContain(`Output folder ${output} belongs to workflow ${winner}`);
      expect(cause.message).toContain('Fix: point output.path at a new or empty folder');
      const files = (await readdir(output)).filter((name) => name.startsWith('part-') && !name.endsWith('.done.json'));
      expect(won[0]!.shards).toBe(3);
      expect(files.sort()).toEqual((await readManifest(output)).shards.map((shard) => shard.file.split('/').pop()).sort());
    });
  });

  it('a folder of the user’s is never written into: nothing replaced, nothing deleted', async () => {
    await withWorker(env(), async (context) => {
      const trained = await runPipeline(context, { trainParams });
      const { file, output } = await inferJob(context, { type: 'checkpoint', path: trained.training.checkpoint });
      await mkdir(output);
      await writeFile(join(output, 'part-00007.parquet'), 'last year’s scores');
      await writeFile(join(output, 'manifest.json'), '{"mine": true}');
      const before = await fileHashes(output);
      const id = `infer-${randomUUID()}`;
      const cause = refusal(await infer(context, file, id).catch((e: unknown) => e));
      expect(cause).toMatchObject({ type: 'OutputFolderTaken', nonRetryable: true });
      expect(cause.message).toContain(`Output folder ${output} already holds files (manifest.json, part-00007.parquet) that no Epochal workflow wrote; nothing was written into it.`);
      expect(await fileHashes(output)).toEqual(before);
      expect(await activityAttempts(context, id)).toBe(1);
    });
  });

  it('an output path that names a file fails once, non-retryably, with the fix', async () => {
    await withWorker(env(), async (context) => {
      const trained = await runPipeline(context, { trainParams });
      const { file } = await inferJob(context, { type: 'checkpoint', path: trained.training.checkpoint });
      const existing = join(await mkdtemp(join(tmpdir(), 'epochal-out-')), 'scores.csv');
      await writeFile(existing, 'id,class\n');
      await editJson(file, (job) => {
        job.output.path = existing;
      });
      const id = `infer-${randomUUID()}`;
      const cause = refusal(await infer(context, file, id).catch((e: unknown) => e));
      expect(cause).toMatchObject({ type: 'OutputFolderTaken', nonRetryable: true });
      expect(cause.message).toBe(
        `Output folder ${existing} is a file (or lies under one), not a folder; nothing was written. ` +
          'Fix: point output.path at a new or empty folder, or run the job again under the id that wrote this folder (epochal infer --id <that id>).',
      );
      expect(await activityAttempts(context, id)).toBe(1);
    });
  });
});
