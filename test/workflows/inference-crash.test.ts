import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { openDataset } from '../../src/data/registry.js';
import { createEpochalWorkers } from '../../src/temporal/worker.js';
import type { batchInference } from '../../workflows/batch-inference.js';
import { quickSleepnet } from '../helpers/configs.js';
import { trainingWorker } from '../helpers/processes.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

const { address, namespace, workflowBundlePath } = inject('temporal');
const SOURCE = { type: 'syntheticEcg', subjects: 16, nightEpochs: { min: 100, max: 140 }, samplingRateHz: 32, epochSeconds: 30, additionalFeatures: 8, seed: 5 };

describe('inference worker crashes', () => {
  const env = useSuiteServer();

  it('completes after kill -9 of the inference worker mid-run, with exactly one row per input row', async () => {
    const trainParams = await quickSleepnet(1);
    const artifactRoot = await mkdtemp(join(tmpdir(), 'epochal-infer-crash-'));
    const trained = await withWorker(env(), (context) => runPipeline(context, { trainParams }), { artifactRoot });

    const output = join(artifactRoot, 'scores');
    const inferParams = join(artifactRoot, 'infer_params.json');
    const taskQueue = `infer-crash-${randomUUID()}`;
    await writeFile(
      inferParams,
      JSON.stringify({
        model: { type: 'exported', path: join(trained.exported.model.path, '..') },
        data: { source: SOURCE },
        output: { format: 'jsonl', path: output },
        batchSize: 4,
        shardSize: 1,
        parallelism: 1,
        backend: 'wasm',
        taskQueue: `${taskQueue}-inference`,
        heartbeatTimeoutSeconds: 3,
        artifactRoot,
      }),
    );
    const orchestration = await createEpochalWorkers({ connection: env().nativeConnection, namespace, taskQueue, trainingTaskQueue: false, artifactRoot, workflowBundlePath });
    const { result, doneAtKill } = await orchestration.runUntil(
      (async () => {
        const first = await trainingWorker(address, namespace, `${taskQueue}-inference`, artifactRoot, {});
        const handle = await env().client.workflow.start<typeof batchInference>('batchInference', { taskQueue, workflowId: `infer-crash-${randomUUID()}`, args: [{ inferParams }] });
        const finished = async () => (await readdir(output).catch(() => [] as string[])).filter((name) => name.endsWith('.done.json')).length;
        while ((await finished()) < 1) await sleep(20);
        first.child.kill('SIGKILL');
        const doneAtKill = await finished();
        const second = await trainingWorker(address, namespace, `${taskQueue}-inference`, artifactRoot, {});
        try {
          return { result: await handle.result(), doneAtKill };
        } finally {
          second.child.kill('SIGKILL');
        }
      })(),
    );

    expect(doneAtKill).toBeLessThan(16); // killed mid-run
    const dataset = await openDataset(SOURCE as never, { classes: ['W', 'N1', 'N2', 'N3', 'REM'], target: 'stages', ignoreLabel: -1 });
    const expected: string[] = [];
    for (let i = 0; i < dataset.length; i++) {
      const record = await dataset.get(i);
      for (let t = 0; t < record.fields.ecg!.shape[0]!; t++) expected.push(`${record.id}#${t}`);
    }
    const files = (await readdir(output)).filter((name) => name.endsWith('.jsonl')).sort();
    expect(files).toHaveLength(16);
    const rows = (await Promise.all(files.map((f) => readFile(join(output, f), 'utf8')))).flatMap((text) =>
      text.trim().split('\n').map((line) => JSON.parse(line) as { id: string; step: number }),
    );
    const ids = rows.map((row) => `${row.id}#${row.step}`);
    expect(ids).toHaveLength(expected.length); // none lost, none duplicated
    expect([...ids].sort()).toEqual([...expected].sort());
    expect(result.rows).toBe(expected.length);
  }, 180_000);
});
