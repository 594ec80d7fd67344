/**
 * Times Epochal training or inference steps in a process of its own, for
 * `bench/pytorch-reference.ts` (which runs it beside the PyTorch port and
 * alternates rounds): one warm-up step, then `--steps` timed steps on seeded
 * random nights; prints one JSON line with seconds per step, epochs per
 * second, the peak resident memory and the memory plan training used.
 *
 *   npx tsx bench/epochal-step.ts --net configs/sleepnet/net_params.json --backend tensorflow \
 *     --phase train --nights 4 --epochs 64 [--steps 3] [--micro-batch auto|N] [--recompute auto|always|never]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../src/backend/index.js';
import { loadNetConfig, type TrainConfig } from '../src/config/load.js';
import { Training } from '../src/config/train/training.js';
import { buildModel } from '../src/model/build.js';
import { setRecompute } from '../src/model/layers/conv-stack.js';
import { planMemory } from '../src/train/memory-plan.js';
import { TrainingOptimizer } from '../src/train/optimizer.js';
import { trainStep } from '../src/train/step.js';

const { values: args } = parseArgs({
  options: {
    net: { type: 'string' },
    backend: { type: 'string', default: 'tensorflow' },
    phase: { type: 'string', default: 'train' },
    nights: { type: 'string', default: '4' },
    epochs: { type: 'string', default: '64' },
    steps: { type: 'string', default: '3' },
    'micro-batch': { type: 'string', default: 'auto' },
    recompute: { type: 'string', default: 'auto' },
  },
});
const nights = Number(args.nights);
const epochs = Number(args.epochs);
const steps = Number(args.steps);

const active = await useBackend(args.backend as BackendName);
const { net } = await loadNetConfig(args.net!);
const model = buildModel(net, 1);
const shapes = model.inputs.map((input) => [nights, ...input.shape.slice(1).map((d) => d ?? epochs)] as number[]);
const inputs = model.inputs.map((input, i) => (input.name.includes('mask') ? tf.ones(shapes[i]!) : tf.randomNormal(shapes[i]!, 0, 1, 'float32', i + 1)));
const labels = tf.randomUniform([nights, epochs], 0, 5, 'int32', 9);

let run: () => void;
let plan: unknown;
if (args.phase === 'train') {
  const micro = args['micro-batch'] === 'auto' ? 'auto' : Number(args['micro-batch']);
  const training = Training.parse({ epochs: 1, batchSize: nights, microBatchSize: micro, recompute: args.recompute, optimizer: { type: 'adam', learningRate: 0.001 } });
  const config = { net, train: { seed: 1, training } } as unknown as TrainConfig;
  const memory = planMemory({ config, backend: active.name, longest: epochs });
  plan = { microBatchSize: memory.microBatchSize, recompute: memory.recompute, estimatedGB: +(memory.estimatedBytes / 1e9).toFixed(2) };
  setRecompute(model, memory.recompute);
  const optimizer = new TrainingOptimizer(model, training.optimizer);
  let step = 0;
  run = () => void trainStep(model, optimizer, { inputs, labels }, step++, { microBatchSize: memory.microBatchSize });
} else {
  run = () => tf.tidy(() => void (model.predict(inputs, { batchSize: nights }) as tf.Tensor).dataSync());
}

run(); // warm-up: kernel set-up, first allocations
const started = performance.now();
for (let i = 0; i < steps; i++) run();
const secondsPerStep = (performance.now() - started) / 1000 / steps;
console.log(
  JSON.stringify({
    secondsPerStep,
    epochsPerSecond: (nights * epochs) / secondsPerStep,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    parameters: model.countParams(),
    backend: active.name,
    ...(plan ? { plan } : {}),
  }),
);
