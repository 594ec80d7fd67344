/**
 * Orchestration overhead: the training phase of `trainingPipeline` (chunks as
 * Temporal activities, each in a fresh training process, checkpointing)
 * against a raw in-process loop over the same steps (one `trainChunk` call
 * for every epoch, no intermediate checkpoints), side by side in one run, on
 * the same backend, model, prepared data and starting weights:
 *
 *   npx tsx bench/training-overhead.ts [--epochs 4] [--nights 48] [--night-epochs 80-120]
 *                                      [--epochs-per-chunk 1] [--checkpoint-every 200] [--backend wasm]
 *
 * The defaults are the sample's data with the default chunk (1 epoch) and
 * checkpoint (200 steps) settings. A chunk pays a fixed cost (a training
 * process starts, builds the model, opens the data, restores and saves a
 * checkpoint; the workflow schedules the next chunk), so the overhead shrinks
 * as epochs grow: raise --night-epochs or --nights to see a longer epoch.
 */
import { mkdtemp, readFile, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { sha256 } from '../src/config/read-json.js';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { setTemporalLogLevel } from '../src/temporal/logging.js';
import { createEpochalWorkers } from '../src/temporal/worker.js';
import { trainChunk, type ChunkResult } from '../src/train/chunk.js';
import type { trainingPipeline } from '../workflows/training-pipeline.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    nights: { type: 'string', default: '48' },
    'night-epochs': { type: 'string', default: '80-120' },
    'epochs-per-chunk': { type: 'string', default: '1' },
    'checkpoint-every': { type: 'string', default: '200' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const epochs = Number(values.epochs);
const [minNight, maxNight] = values['night-epochs'].split('-').map(Number);

setTemporalLogLevel('WARN');
const scratch = await mkdtemp(join(tmpdir(), 'epochal-overhead-'));
await cp(fileURLToPath(new URL('../configs/sleepnet-small/', import.meta.url)), scratch, { recursive: true });
const trainFile = join(scratch, 'train_params.json');
const train = JSON.parse(await readFile(trainFile, 'utf8'));
train.backend = values.backend;
train.data.source.subjects = Number(values.nights);
train.data.source.nightEpochs = { min: minNight, max: maxNight };
train.training.epochs = epochs;
train.training.epochsPerChunk = Number(values['epochs-per-chunk']);
train.training.checkpointEverySteps = Number(values['checkpoint-every']);
train.training.keepCheckpoints = 1000; // keep the built checkpoint: the raw loop starts from it too
delete train.training.earlyStopping;
await writeFile(trainFile, JSON.stringify(train, null, 2));

// 1. The pipeline, on a real dev server with in-process workers (training itself runs in child processes).
const server = await startDevServer({ ui: false });
const { connection, namespace } = await connectWorker({ address: server.address });
const client = await connectClient({ address: server.address });
const workers = await createEpochalWorkers({
  connection,
  namespace,
  taskQueue: 'bench-overhead',
  trainingTaskQueue: 'bench-overhead-training',
  artifactRoot: join(scratch, 'runs'),
});
const workflowId = 'overhead';
const result = await workers.runUntil(
  client.workflow.execute<typeof trainingPipeline>('trainingPipeline', {
    taskQueue: 'bench-overhead',
    workflowId,
    args: [{ trainParams: trainFile, trainingTaskQueue: 'bench-overhead-training' }],
  }),
);
const chunks = await trainChunkEvents(workflowId);
await client.connection.close();
await connection.close();
await server.stop();

// 2. The raw loop: the same steps from the same built checkpoint and prepared data, in this process, checkpointing only at the end.
const rawTrainFile = join(scratch, 'train_params.raw.json');
await writeFile(rawTrainFile, JSON.stringify({ ...train, training: { ...train.training, checkpointEverySteps: 1e9 } }));
const rawStarted = performance.now();
const raw = await trainChunk(
  {
    trainParams: rawTrainFile,
    preparedDir: result.data.dir,
    checkpointsDir: await mkdtemp(join(scratch, 'raw-')),
    start: result.built.checkpoint.path,
    fromEpoch: 0,
    untilEpoch: epochs,
    unfrozen: [],
    learningRate: train.training.optimizer.learningRate,
    protect: [],
    earlyStopping: { epochsWithoutImprovement: 0 },
    lineage: 'raw',
  },
  { shouldStop: () => false, yieldToEvents: async () => {} },
);
const rawSeconds = (performance.now() - rawStarted) / 1000;

const pipelineSeconds = chunks.at(-1)!.completedAt - chunks[0]!.scheduledAt;
const stepSeconds = chunks.reduce((sum, c) => sum + c.result.timing.trainSeconds, 0);
const saves = chunks.flatMap((c) => c.result.timing.checkpointSeconds);
const restores = chunks.map((c) => c.result.timing.restoreSeconds);
const sameWeights = sha256(await readFile(join(result.training.checkpoint, 'weights.bin'))) === sha256(await readFile(join(raw.checkpoint.path, 'weights.bin')));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x: number, digits = 2) => x.toFixed(digits);

console.log(`\nsmall SleepNet, ${values.nights} nights of ${values['night-epochs']} epochs, ${epochs} epochs, ${raw.step} steps, backend ${values.backend}`);
console.log(`chunks of ${train.training.epochsPerChunk} epoch(s), a checkpoint every ${train.training.checkpointEverySteps} steps and at chunk ends\n`);
console.log(`                      seconds   per epoch`);
console.log(`raw in-process loop   ${f(rawSeconds).padStart(7)}   ${f(rawSeconds / epochs).padStart(9)}`);
console.log(`trainingPipeline      ${f(pipelineSeconds).padStart(7)}   ${f(pipelineSeconds / epochs).padStart(9)}   (first trainChunk scheduled → last completed)`);
console.log(`  of which steps      ${f(stepSeconds).padStart(7)}   ${f(stepSeconds / epochs).padStart(9)}`);
console.log(`\npipeline / raw: ${f(pipelineSeconds / rawSeconds, 3)}× (overhead ${f((pipelineSeconds / rawSeconds - 1) * 100, 1)}%, goal ≤ 5%)`);
console.log(`fixed cost per chunk: ${f((pipelineSeconds - rawSeconds) / chunks.length)} s over ${chunks.length} chunks`);
console.log(`checkpoint save: mean ${f(mean(saves) * 1000, 0)} ms over ${saves.length}; restore: mean ${f(mean(restores) * 1000, 0)} ms over ${restores.length}`);
console.log(`final weights of both bitwise equal: ${sameWeights ? 'yes' : 'NO'}`);

/** The trainChunk activities of a run, with their results and server-side times. */
async function trainChunkEvents(id: string) {
  const history = await client.workflow.getHandle(id).fetchHistory();
  const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;
  const scheduled = new Map<string, number>();
  const out: { scheduledAt: number; completedAt: number; result: ChunkResult }[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'trainChunk') scheduled.set(String(event.eventId), seconds(event.eventTime));
    const c = event.activityTaskCompletedEventAttributes;
    const at = c ? scheduled.get(String(c.scheduledEventId)) : undefined;
    if (c && at !== undefined) {
      out.push({ scheduledAt: at, completedAt: seconds(event.eventTime), result: defaultPayloadConverter.fromPayload(c.result!.payloads![0]!) });
    }
  }
  return out;
}
