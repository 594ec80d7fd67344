/**
 * Training throughput of the small SleepNet (configs/sleepnet-small) on each
 * backend this machine can start, measured side by side in one run:
 *
 *   npx tsx bench/sleepnet-training.ts [--steps 6] [--batch 4] [--epochs-per-night 60]
 *
 * A "sample" is one 30-s epoch of ECG (the unit SleepNet scores); a batch is
 * `batch` nights of `epochs-per-night` epochs. The first step on each backend
 * (kernel compilation, first allocation) is a warm-up and is not timed.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../src/backend/index.js';
import { loadNetConfig } from '../src/config/load.js';
import { Optimizer } from '../src/config/train/training.js';
import { buildModel } from '../src/model/build.js';
import { TrainingOptimizer } from '../src/train/optimizer.js';
import { trainStep } from '../src/train/step.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '6' },
    batch: { type: 'string', default: '4' },
    'epochs-per-night': { type: 'string', default: '60' },
    backends: { type: 'string', default: 'cpu,wasm,webgpu,tensorflow' },
  },
});
const steps = Number(values.steps);
const nights = Number(values.batch);
const epochs = Number(values['epochs-per-night']);

const { net } = await loadNetConfig(new URL('../configs/sleepnet-small/net_params.json', import.meta.url).pathname);
const samplesPerStep = nights * epochs;

async function measure(backend: BackendName): Promise<number | string> {
  try {
    await useBackend(backend);
  } catch (error) {
    return (error as Error).message.split('\n').slice(1, 2).join(' ').trim();
  }
  const model = buildModel(net, 1);
  const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam' }));
  const batch = {
    inputs: [
      tf.randomNormal([nights, epochs, 960], 0, 1, 'float32', 1),
      tf.randomNormal([nights, epochs, 8], 0, 1, 'float32', 2),
      tf.ones([nights, epochs]),
    ],
    labels: tf.randomUniform([nights, epochs], 0, 5, 'int32', 3),
  };
  trainStep(model, optimizer, batch, 0); // warm-up
  const started = performance.now();
  for (let step = 1; step <= steps; step++) trainStep(model, optimizer, batch, step);
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose();
  model.dispose();
  tf.dispose([...batch.inputs, batch.labels]);
  return (steps * samplesPerStep) / seconds;
}

await useBackend('cpu');
console.log(`small SleepNet (${buildModel(net, 1).countParams().toLocaleString('en')} parameters), batch ${nights} nights × ${epochs} epochs, ${steps} timed steps`);
const results: [string, number | string][] = [];
for (const backend of values.backends.split(',') as BackendName[]) results.push([backend, await measure(backend)]);
const baseline = results.find(([name]) => name === 'cpu')?.[1];
for (const [name, result] of results) {
  if (typeof result === 'string') {
    console.log(`${name.padEnd(10)} unavailable: ${result}`);
  } else {
    const ratio = typeof baseline === 'number' ? `  ${(result / baseline).toFixed(1)}× cpu` : '';
    console.log(`${name.padEnd(10)} ${result.toFixed(1).padStart(8)} samples/s${ratio}`);
  }
}
