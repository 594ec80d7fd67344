/**
 * Property, against the real server and workers: a training run started by
 * hand with a mutated config (inline, as `temporal workflow start --input`
 * would send it) either runs or fails non-retryably within seconds, with a
 * path-precise message: no activity retried, no workflow task failing, never
 * a crash loop.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quickSleepnet, readJson } from '../helpers/configs.js';
import { useSuiteServer, withWorker } from '../helpers/temporal.js';
import { mutate, mutations, type Json } from './mutations.js';

const SETTLE_MS = 30_000;

/** Attempts beyond the first, and failed workflow tasks: what a crash loop leaves in history. */
async function retries(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) return [`activity attempt ${started.attempt}`];
    if (event.workflowTaskFailedEventAttributes) return [`workflow task failed: ${event.workflowTaskFailedEventAttributes.failure?.message}`];
    return [];
  });
}

describe('mutated training runs on real workers', () => {
  const env = useSuiteServer();

  it('run, or fail once and non-retryably naming the field; never loop', async () => {
    const file = await quickSleepnet(1);
    const train = (await readJson(file)) as Record<string, Json>;
    train.netParams = (await readJson(join(dirname(file), 'net_params.json'))) as Json;
    await withWorker(env(), async ({ client, taskQueue, trainingTaskQueue }) => {
      await fc.assert(
        fc.asyncProperty(mutations(train), async (changes) => {
          const handle = await client.workflow.start('trainingPipeline', {
            taskQueue,
            workflowId: `property-${randomUUID()}`,
            args: [{ trainParams: mutate(train, changes), trainingTaskQueue }],
          });
          const outcome = await Promise.race([handle.result().then(() => 'completed', (error: unknown) => error), sleep(SETTLE_MS).then(() => 'running')]);
          if (outcome === 'running') await handle.terminate('property test: it runs');
          else if (outcome !== 'completed') {
            expect(outcome).toBeInstanceOf(WorkflowFailedError);
            const cause = (outcome as WorkflowFailedError).cause as ApplicationFailure;
            expect(cause.nonRetryable, `${cause.type}: ${cause.message}`).toBe(true);
            expect(cause.message).toMatch(/[\w\]]+: |expected \S+ to be|Fix: /);
          }
          expect(await retries(handle), JSON.stringify(changes)).toEqual([]);
        }),
        { numRuns: Number(process.env.EPOCHAL_PROPERTY_WORKFLOW_RUNS ?? 10), seed: 20261201 },
      );
    });
  }, 600_000);
});
