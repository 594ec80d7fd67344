import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { quickSleepnet } from '../helpers/configs.js';
import { fileHashes } from '../helpers/files.js';
import { runPipeline, useSuiteServer, withWorker, type WorkerContext } from '../helpers/temporal.js';

async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await run.then(
    () => expect.unreachable('the run should have been refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

async function activityAttempts(context: WorkerContext, workflowId: string): Promise<number> {
  const history = await context.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events!.filter((event) => event.activityTaskStartedEventAttributes).length;
}

describe('run identity', () => {
  const env = useSuiteServer();

  it('reusing the id of a finished run is refused at once, naming the owner, and leaves every file of that run as it was', async () => {
    const trainParams = await quickSleepnet(1);
    await withWorker(env(), async (context) => {
      const runId = `finished-${randomUUID()}`;
      const first = await runPipeline(context, { trainParams, runId }, runId);
      const before = await fileHashes(first.runDir);

      const cause = await failureOf(runPipeline(context, { trainParams, runId }, runId)); // epochal train --id <same>
      expect(cause).toMatchObject({ type: 'RunFolderTaken', nonRetryable: true });
      expect(cause.message).toContain(`Run folder ${first.runDir} belongs to an earlier workflow with the same id`);
      expect(cause.message).toContain('Fix: start the run under another id');
      expect(await fileHashes(first.runDir)).toEqual(before);
    });
  });

  it('of two workflows started at once with one run id, one trains and the other is refused before it writes anything', async () => {
    const trainParams = await quickSleepnet(2);
    await withWorker(env(), async (context) => {
      const runId = `shared-${randomUUID()}`;
      const ids = [`a-${runId}`, `b-${runId}`];
      const outcomes = await Promise.allSettled(ids.map((workflowId) => runPipeline(context, { trainParams, runId }, workflowId)));
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const cause = (lost[0]!.reason as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toMatchObject({ type: 'RunFolderTaken', nonRetryable: true });
      const winner = won[0]!.value;
      expect(cause.message).toContain(`belongs to workflow ${ids[outcomes.indexOf(won[0]!)]}`);
      expect(winner.training).toMatchObject({ epochs: 2, ended: 'budget' });
      expect(await activityAttempts(context, ids[outcomes.indexOf(lost[0]!)]!)).toBe(1); // validateConfig, refused
    });
  });

  it('a folder of the user’s where the run folder would go is never written into', async () => {
    const trainParams = await quickSleepnet(1);
    await withWorker(env(), async (context) => {
      const runId = `users-${randomUUID()}`;
      const folder = join(context.artifactRoot, runId);
      await mkdir(folder);
      await writeFile(join(folder, 'thesis.tex'), '\\documentclass{article}');
      const before = await fileHashes(folder);
      const cause = await failureOf(runPipeline(context, { trainParams, runId }));
      expect(cause).toMatchObject({ type: 'RunFolderTaken', nonRetryable: true });
      expect(cause.message).toContain(`Run folder ${folder} already holds files (thesis.tex) that no Epochal workflow wrote; nothing was written into it.`);
      expect(await fileHashes(folder)).toEqual(before);
    });
  });
});
