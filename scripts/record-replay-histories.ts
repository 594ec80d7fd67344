/**
 * Records workflow histories from real runs, for the replay test
 * (test/workflows/replay.test.ts): a plain small-SleepNet run, a run steered
 * with pause / extendEpochs / setLearningRate / resume / stop, a run that
 * continues as new after every chunk, two retraining runs (promoting, then
 * judging against the champion) and a batch inference with the champion. Rerun it after changing workflow code
 * on purpose (and bump what must be bumped: a replay failure means running
 * workflows would break).
 *
 *   npx tsx scripts/record-replay-histories.ts
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadTrainConfig } from '../src/config/load.js';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { setTemporalLogLevel } from '../src/temporal/logging.js';
import { createEpochalWorkers } from '../src/temporal/worker.js';
import { extendEpochsUpdate, pauseSignal, progressQuery, resumeSignal, setLearningRateUpdate, stopSignal } from '../workflows/definitions.js';
import type { batchInference } from '../workflows/batch-inference.js';
import type { retrainingPipeline } from '../workflows/retraining-pipeline.js';
import type { trainingPipeline } from '../workflows/training-pipeline.js';

const OUT = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));

setTemporalLogLevel('WARN');
const scratch = await mkdtemp(join(tmpdir(), 'epochal-replay-'));
const trainParams = join(scratch, 'train_params.json');
const { train } = await loadTrainConfig(fileURLToPath(new URL('../configs/sleepnet-small/train_params.json', import.meta.url)));
// Small and quick; inline net and absolute paths, so the fixture does not depend on this scratch folder.
await writeFile(
  trainParams,
  JSON.stringify({
    ...train,
    netParams: fileURLToPath(new URL('../configs/sleepnet-small/net_params.json', import.meta.url)),
    data: { ...train.data, source: { ...train.data.source, subjects: 12, nightEpochs: { min: 40, max: 60 } } },
    training: { ...train.training, epochs: 3, epochsPerChunk: 1, checkpointEverySteps: 2 },
  }),
);

const server = await startDevServer({ ui: false });
const { connection, namespace } = await connectWorker({ address: server.address });
const client = await connectClient({ address: server.address });
const taskQueue = 'replay-fixtures';
const trainingTaskQueue = 'replay-fixtures-training';
const workers = await createEpochalWorkers({ connection, namespace, taskQueue, trainingTaskQueue, artifactRoot: join(scratch, 'runs') });

const start = (workflowId: string, extra: Record<string, unknown> = {}) =>
  client.workflow.start<typeof trainingPipeline>('trainingPipeline', { taskQueue, workflowId, args: [{ trainParams, trainingTaskQueue, ...extra }] });

async function save(client: Client, handle: WorkflowHandle, name: string): Promise<void> {
  const history = await client.workflow.getHandle(handle.workflowId).fetchHistory();
  await writeFile(join(OUT, `${name}.json`), historyToJSON(history));
  console.log(`recorded ${name}.json (${history.events?.length} events)`);
}

await workers.runUntil(
  (async () => {
    const plain = await start('replay-plain');
    await plain.result();
    await save(client, plain, 'plain');

    const steered = await start('replay-steered');
    await steered.signal(pauseSignal);
    while ((await steered.query(progressQuery)).phase !== 'paused') await sleep(100);
    await steered.executeUpdate(extendEpochsUpdate, { args: [2] });
    await steered.executeUpdate(setLearningRateUpdate, { args: [0.005] });
    await steered.signal(resumeSignal);
    while ((await steered.query(progressQuery)).epoch < 2) await sleep(100);
    await steered.signal(stopSignal);
    await steered.result();
    await save(client, steered, 'steered');

    const continued = await start('replay-continued', { chunksPerRun: 1 });
    const result = await continued.result();
    const runs = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = 'replay-continued'` })) runs.push(execution);
    console.log(`continue-as-new: ${runs.length} runs, ${result.training.epochs} epochs`);
    // The first run (which continued as new) and the last (which completed).
    const first = await client.workflow.getHandle('replay-continued', runs[runs.length - 1]!.runId).fetchHistory();
    await writeFile(join(OUT, 'continued-first-run.json'), historyToJSON(first));
    await save(client, continued, 'continued-last-run');

    // Retraining twice (the first promotes; the second fine-tunes the champion and judges it), then inference with the champion.
    for (const name of ['retraining-first', 'retraining-second']) {
      const retraining = await client.workflow.start<typeof retrainingPipeline>('retrainingPipeline', { taskQueue, workflowId: `replay-${name}`, args: [{ trainParams, trainingTaskQueue }] });
      await retraining.result();
      await save(client, retraining, name);
    }
    const inferParams = join(scratch, 'infer_params.json');
    await writeFile(
      inferParams,
      JSON.stringify({
        model: { type: 'champion', experiment: train.experiment },
        data: { source: { ...train.data.source, subjects: 5, seed: 99 } },
        output: { format: 'csv', path: join(scratch, 'scores') },
        batchSize: 2,
        shardSize: 2,
        parallelism: 2,
        taskQueue: trainingTaskQueue,
      }),
    );
    const inference = await client.workflow.start<typeof batchInference>('batchInference', { taskQueue, workflowId: 'replay-inference', args: [{ inferParams }] });
    await inference.result();
    await save(client, inference, 'inference');
  })(),
);
await client.connection.close();
await connection.close();
await server.stop();
