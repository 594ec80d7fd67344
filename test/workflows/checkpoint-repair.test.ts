import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pauseSignal, progressQuery, resumeSignal, type Progress } from '../../workflows/definitions.js';
import type { trainingPipeline } from '../../workflows/training-pipeline.js';
import { quickSleepnet } from '../helpers/configs.js';
import { fileHashes } from '../helpers/files.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

describe('a corrupt committed checkpoint', () => {
  const env = useSuiteServer();

  it('is recreated by training its chunk again from an earlier checkpoint, and the run ends bitwise equal to an untouched one', async () => {
    const trainParams = await quickSleepnet(3);
    await withWorker(env(), async (context) => {
      const reference = await runPipeline(context, { trainParams });

      const handle = await context.client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
        taskQueue: context.taskQueue,
        workflowId: `repair-${randomUUID()}`,
        args: [{ trainParams, trainingTaskQueue: context.trainingTaskQueue }],
      });
      let progress: Progress | undefined;
      for (let tries = 0; !(progress?.phase === 'training' && progress.epoch === 1); tries++) {
        expect(tries).toBeLessThan(600);
        await sleep(100);
        progress = await handle.query(progressQuery).catch(() => undefined);
      }
      await handle.signal(pauseSignal); // holds after this chunk (epoch 2)
      do {
        await sleep(100);
        progress = await handle.query(progressQuery);
      } while (progress.phase !== 'paused');
      const committed = progress.checkpoint!;
      const checkpoints = await readdir(dirname(committed));
      expect(checkpoints.filter((name) => /^ckpt-\d+$/.test(name)).length).toBeGreaterThan(1);
      const weights = join(committed, 'weights.bin');
      const bytes = await readFile(weights);
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
      await writeFile(weights, bytes);
      await handle.signal(resumeSignal);

      const repaired = await handle.result();
      expect(repaired.training.history.map(({ seconds: _, ...record }) => record)).toEqual(reference.training.history.map(({ seconds: _, ...record }) => record));
      const model = (result: typeof reference) => fileHashes(dirname(result.exported.model.path));
      expect(await model(repaired)).toEqual(await model(reference));
      expect((await readdir(dirname(committed))).some((name) => name.startsWith(`${committed.split('/').pop()}.corrupt-`))).toBe(true);
    });
  }, 120_000);
});
