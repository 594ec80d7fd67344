/**
 * Kernel-level training benchmark: a small 1-D CNN (the shape of a sleep
 * staging net's front end) trained for a few steps on `cpu` and on `wasm` in
 * one process, printing samples/s for each and each backend's ratio to the
 * first (wasm/cpu by default).
 *
 *   npx tsx bench/backend-kernels.ts [--seconds 8] [--batch 16] [--length 3000] [--backends cpu,wasm]
 *
 * Each backend gets one untimed warm-up step, then trains until it has done
 * at least 2 steps and spent `--seconds` (at most 200 steps).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CANDIDATES, BACKEND_NAMES, selectBackend, type BackendName } from '../src/backend/index.js';

const isBackendName = (name: string): name is BackendName => (BACKEND_NAMES as readonly string[]).includes(name);

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    batch: { type: 'string', default: '16' },
    length: { type: 'string', default: '3000' },
    backends: { type: 'string', default: 'cpu,wasm' },
  },
});
const BACKENDS = (args.backends ?? '').split(',').filter(isBackendName);
const SECONDS = Number(args.seconds);
const BATCH = Number(args.batch);
const LENGTH = Number(args.length);
const CLASSES = 5;
const MIN_STEPS = 2;
const MAX_STEPS = 200;

/** input [length, 1] → 3 × (conv1d 16 filters, kernel 7, stride 2, relu) → global average pool → dense 5 softmax. */
function buildModel(): tf.LayersModel {
  const model = tf.sequential();
  for (let i = 0; i < 3; i++) {
    model.add(
      tf.layers.conv1d({
        ...(i === 0 ? { inputShape: [LENGTH, 1] } : {}),
        filters: 16,
        kernelSize: 7,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: i }),
      }),
    );
  }
  model.add(tf.layers.globalAveragePooling1d());
  model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

interface Measurement {
  backend: BackendName;
  steps: number;
  msPerStep: number;
  samplesPerSecond: number;
  firstLoss: number;
  lastLoss: number;
}

async function measure(backend: BackendName): Promise<Measurement> {
  await selectBackend(backend, BACKEND_CANDIDATES);
  const model = buildModel();
  const x = tf.randomNormal([BATCH, LENGTH, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % CLASSES), 'int32'), CLASSES);
  const step = async () => Number(await model.trainOnBatch(x, y));

  const firstLoss = await step(); // warm-up: kernel setup, XNNPACK operator creation
  let steps = 0;
  let lastLoss = firstLoss;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  while (steps < MIN_STEPS || (elapsed() < SECONDS && steps < MAX_STEPS)) {
    lastLoss = await step();
    steps++;
  }
  const seconds = elapsed();
  tf.dispose([x, y]);
  model.dispose();
  return { backend, steps, msPerStep: (seconds * 1000) / steps, samplesPerSecond: (steps * BATCH) / seconds, firstLoss, lastLoss };
}

console.log(`1-D CNN, batch ${BATCH} × length ${LENGTH} × 1 channel, Adam; ~${SECONDS} s per backend (${tf.version.tfjs} tfjs)`);
const results: Measurement[] = [];
for (const backend of BACKENDS) {
  const result = await measure(backend);
  results.push(result);
  console.log(
    `${backend.padEnd(5)} ${String(result.steps).padStart(4)} steps  ${result.msPerStep.toFixed(1).padStart(9)} ms/step  ` +
      `${result.samplesPerSecond.toFixed(1).padStart(8)} samples/s  loss ${result.firstLoss.toFixed(4)} → ${result.lastLoss.toFixed(4)}`,
  );
}
const [baseline, ...others] = results;
if (baseline) {
  for (const other of others) {
    const ratio = other.samplesPerSecond / baseline.samplesPerSecond;
    console.log(`${other.backend}/${baseline.backend}: ${ratio.toPrecision(3)}× the samples/s`);
  }
}
