/**
 * Batch-inference throughput: `batchInference` (shards scored by `epochal
 * worker` processes, outputs written atomically) against raw `model.predict`
 * over the same batches in one process, and the speed-up from one inference
 * worker to two; side by side in one run, same backend, model and data:
 *
 *   npx tsx bench/batch-inference.ts [--nights 48] [--night-epochs 80-120] [--batch 8] [--shard 6] [--format csv] [--backend wasm]
 *
 * A row is one scored 30-s epoch. The pipeline's figure is its scoring phase
 * (first shard scheduled to last completed); preparing the input is reported
 * apart. A warm-up job runs first, so both sides start with warm processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backend/index.js';
import { batches, MASK_FIELD } from '../src/data/batches.js';
import { PreparedData } from '../src/data/prepared.js';
import { resolveModel } from '../src/infer/model-package.js';
import { buildModel } from '../src/model/build.js';
import { loadPretrained } from '../src/model/pretrained.js';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { setTemporalLogLevel } from '../src/temporal/logging.js';
import { createEpochalWorkers } from '../src/temporal/worker.js';
import type { batchInference, BatchInferenceResult } from '../workflows/batch-inference.js';
import type { trainingPipeline } from '../workflows/training-pipeline.js';

const { values } = parseArgs({
  options: {
    nights: { type: 'string', default: '48' },
    'night-epochs': { type: 'string', default: '80-120' },
    batch: { type: 'string', default: '8' },
    shard: { type: 'string', default: '6' },
    backend: { type: 'string', default: 'wasm' },
    format: { type: 'string', default: 'csv' },
  },
});
const [minNight, maxNight] = values['night-epochs'].split('-').map(Number);
const BIN = fileURLToPath(new URL('../bin/epochal.js', import.meta.url));

setTemporalLogLevel('WARN');
const scratch = await mkdtemp(join(tmpdir(), 'epochal-infer-bench-'));
await cp(fileURLToPath(new URL('../configs/sleepnet-small/', import.meta.url)), scratch, { recursive: true });
const trainFile = join(scratch, 'train_params.json');
const train = JSON.parse(await readFile(trainFile, 'utf8'));
Object.assign(train.data.source, { subjects: 12, nightEpochs: { min: 40, max: 60 } });
Object.assign(train.training, { epochs: 1, epochsPerChunk: 1 });
train.backend = values.backend;
await writeFile(trainFile, JSON.stringify(train));

const server = await startDevServer({ ui: false });
const { connection, namespace } = await connectWorker({ address: server.address });
const client = await connectClient({ address: server.address });
const artifactRoot = join(scratch, 'runs');
const workers = await createEpochalWorkers({ connection, namespace, taskQueue: 'bench-infer', trainingTaskQueue: 'bench-infer-training', artifactRoot });

const inferenceWorkers: ChildProcess[] = [];
async function startInferenceWorker(): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'worker', '--task-queue', 'none', '--training-task-queue', 'bench-inference', '--artifact-root', artifactRoot, '--backend', values.backend], {
    env: { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace },
  });
  await new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Worker polling') && resolve()));
  inferenceWorkers.push(child);
}

let jobs = 0;
async function infer(modelDir: string, parallelism: number): Promise<{ result: BatchInferenceResult; manifest: { timings: Record<string, number>; input: { dir: string } } }> {
  const file = join(scratch, `infer_params.${++jobs}.json`);
  await writeFile(
    file,
    JSON.stringify({
      model: { type: 'exported', path: modelDir },
      data: { source: { ...train.data.source, subjects: Number(values.nights), nightEpochs: { min: minNight, max: maxNight }, seed: 1234 } },
      output: { format: values.format, path: join(scratch, `out-${jobs}`) },
      batchSize: Number(values.batch),
      shardSize: Number(values.shard),
      parallelism,
      backend: values.backend,
      taskQueue: 'bench-inference',
      artifactRoot,
    }),
  );
  const result = await client.workflow.execute<typeof batchInference>('batchInference', { taskQueue: 'bench-infer', workflowId: `bench-infer-${jobs}`, args: [{ inferParams: file }] });
  return { result, manifest: JSON.parse(await readFile(result.manifest.path, 'utf8')) };
}

/** Raw model.predict over the same batches, in this process. */
async function rawPredict(modelDir: string, inputDir: string): Promise<{ seconds: number; rows: number }> {
  await useBackend(values.backend as 'wasm');
  const model = await resolveModel({ type: 'exported', path: modelDir }, artifactRoot);
  const network = buildModel(model.net, 0);
  await loadPretrained(network, model.weights, 'strict');
  const prepared = (await PreparedData.open(inputDir))!;
  const fields = Object.keys(model.net.inputs).map((input) => model.preprocessing.inputs[input] ?? input);
  const started = performance.now();
  let rows = 0;
  for await (const batch of batches(prepared, 'test', { batchSize: Number(values.batch), fields: [...new Set([...fields, MASK_FIELD])], reuseArrays: true })) {
    const output = tf.tidy(() => network.predict(fields.map((f) => tf.tensor(batch.fields[f]!.data, batch.fields[f]!.shape))) as tf.Tensor);
    output.dataSync();
    output.dispose();
    rows += (batch.fields[MASK_FIELD]!.data as Float32Array).reduce((n, v) => n + v, 0);
  }
  const seconds = (performance.now() - started) / 1000;
  network.dispose();
  return { seconds, rows };
}

const outcome = await workers.runUntil(
  (async () => {
    const trained = await client.workflow.execute<typeof trainingPipeline>('trainingPipeline', {
      taskQueue: 'bench-infer',
      workflowId: 'bench-infer-model',
      args: [{ trainParams: trainFile, trainingTaskQueue: 'bench-infer-training' }],
    });
    const modelDir = trained.exported.model.path.replace(/\/model\.json$/, '');
    await startInferenceWorker();
    const warmUp = await infer(modelDir, 2); // prepares the input; warms the worker's training process
    const raw = await rawPredict(modelDir, warmUp.manifest.input.dir);
    const one = await infer(modelDir, 2);
    await startInferenceWorker();
    await infer(modelDir, 2); // warms the second worker
    const two = await infer(modelDir, 2);
    return { warmUp, raw, one, two };
  })(),
);
for (const child of inferenceWorkers) child.kill('SIGKILL');
await client.connection.close();
await connection.close();
await server.stop();

const { warmUp, raw, one, two } = outcome;
const rate = (rows: number, seconds: number) => rows / seconds;
const rawRate = rate(raw.rows, raw.seconds);
const oneRate = rate(one.result.rows, one.manifest.timings.score!);
const twoRate = rate(two.result.rows, two.manifest.timings.score!);
console.log(`\n${values.nights} nights of ${values['night-epochs']} epochs (${raw.rows} rows), batches of ${values.batch}, shards of ${values.shard} nights, ${values.format} output, backend ${values.backend}`);
console.log(`input prepared in ${warmUp.manifest.timings.prepare!.toFixed(2)} s (once; later jobs reuse it)\n`);
console.log('                                   seconds   rows/s');
console.log(`raw model.predict, one process     ${raw.seconds.toFixed(2).padStart(7)}   ${rawRate.toFixed(0).padStart(6)}`);
console.log(`batchInference, 1 worker           ${one.manifest.timings.score!.toFixed(2).padStart(7)}   ${oneRate.toFixed(0).padStart(6)}`);
console.log(`batchInference, 2 workers          ${two.manifest.timings.score!.toFixed(2).padStart(7)}   ${twoRate.toFixed(0).padStart(6)}`);
console.log(`\n1 worker / raw: ${(oneRate / rawRate).toFixed(3)}× (goal ≥ 0.95×)`);
console.log(`2 workers / 1 worker: ${(twoRate / oneRate).toFixed(2)}× (goal ≥ 1.8× with the cores for it; this machine has ${(await import('node:os')).availableParallelism()})`);
