/**
 * Epochal against a PyTorch port of the same network, side by side in one run
 * (the reference for numerics and speed):
 *
 *   python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy   # once; never needed by npm test
 *   npx tsx bench/pytorch-reference.ts --python .venv-bench/bin/python [--rounds 3] [--backends tensorflow,wasm] [--memory]
 *
 * 1. Parity: builds each SleepNet config in Epochal, trains it two steps
 *    (so batch-norm statistics are not trivial), exports it, loads the export
 *    into the PyTorch port (`bench/pytorch/sleepnet_torch.py`, built from the
 *    same resolved net_params.json) and compares inference outputs on the same
 *    padded nights. Fails (exit 1) above 1e-4.
 * 2. Speed: training and inference steps on the same shapes, each measured in
 *    a fresh process (one warm-up step, then timed steps), PyTorch at 1 and 2
 *    threads and Epochal on each backend, rounds alternating the order;
 *    medians, the ratio of PyTorch's best thread count to each Epochal
 *    backend, peak resident memory and the machine's load are printed.
 * 3. With --memory: the reference SleepNet at its configured batch (4 nights
 *    × 960 epochs), one timed step each, and peak memory against PyTorch's.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../src/backend/index.js';
import { folderHandler } from '../src/checkpoint/tfjs-folder.js';
import { loadNetConfig } from '../src/config/load.js';
import { Optimizer } from '../src/config/train/training.js';
import { buildModel } from '../src/model/build.js';
import { TrainingOptimizer } from '../src/train/optimizer.js';
import { trainStep } from '../src/train/step.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    python: { type: 'string', default: 'python3' },
    rounds: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'tensorflow,wasm' },
    threads: { type: 'string', default: '1,2' },
    configs: { type: 'string', default: 'sleepnet-small,sleepnet' },
    memory: { type: 'boolean', default: false },
  },
});
const backends = args.backends.split(',') as BackendName[];
const threads = args.threads.split(',').map(Number);
const rounds = Number(args.rounds);

interface Measurement {
  secondsPerStep: number;
  epochsPerSecond: number;
  peakRssBytes: number;
}

interface Case {
  config: string;
  phase: 'train' | 'infer';
  nights: number;
  epochs: number;
  steps: number;
}

const CASES: Case[] = [
  { config: 'sleepnet-small', phase: 'train', nights: 4, epochs: 120, steps: 10 },
  { config: 'sleepnet-small', phase: 'infer', nights: 8, epochs: 120, steps: 10 },
  { config: 'sleepnet', phase: 'train', nights: 4, epochs: 64, steps: 3 },
  { config: 'sleepnet', phase: 'infer', nights: 4, epochs: 64, steps: 3 },
];
const MEMORY_CASE: Case = { config: 'sleepnet', phase: 'train', nights: 4, epochs: 960, steps: 1 };

const netFile = (config: string) => join(ROOT, 'configs', config, 'net_params.json');
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** The net as Epochal resolves it (defaults applied), for the port to build from. */
async function resolvedNet(config: string, dir: string): Promise<string> {
  const file = join(dir, `${config}.json`);
  await writeFile(file, JSON.stringify((await loadNetConfig(netFile(config))).net));
  return file;
}

async function parity(config: string, dir: string, net: string, backend: BackendName): Promise<number> {
  await useBackend(backend);
  const { net: params } = await loadNetConfig(netFile(config));
  const model = buildModel(params, 1);
  const [nights, epochs] = [2, 12];
  const shapes = model.inputs.map((input) => [nights, ...input.shape.slice(1).map((d) => d ?? epochs)] as number[]);
  const mask = tf.tensor2d([Array.from({ length: epochs }, () => 1), Array.from({ length: epochs }, (_, t) => (t < epochs - 3 ? 1 : 0))]);
  const inputs = model.inputs.map((input, i) => (input.name.includes('mask') ? mask : tf.randomNormal(shapes[i]!, 0, 1, 'float32', 10 + i)));
  const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam', learningRate: 0.01 }));
  const labels = tf.randomUniform([nights, epochs], 0, 5, 'int32', 3);
  for (let step = 0; step < 2; step++) trainStep(model, optimizer, { inputs, labels }, step);
  const weights = join(dir, `${config}-model`);
  await model.save(folderHandler(weights));
  const expected = (model.predict(inputs) as tf.Tensor).dataSync();
  const spec = await Promise.all(
    inputs.map(async (input, i) => {
      const file = join(dir, `${config}-input-${i}.bin`);
      await writeFile(file, Buffer.from((await input.data()).buffer as ArrayBuffer));
      return { file, shape: input.shape };
    }),
  );
  await writeFile(join(dir, `${config}-inputs.json`), JSON.stringify(spec));
  const out = join(dir, `${config}-out.bin`);
  const { stdout } = await run(args.python, [join(ROOT, 'bench/pytorch/reference.py'), 'parity', '--net', net, '--weights', weights, '--inputs', join(dir, `${config}-inputs.json`), '--out', out]);
  const bytes = await readFile(out);
  const actual = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let worst = 0;
  expected.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - actual[i]!))));
  const loaded = JSON.parse(stdout.trim().split('\n').pop()!) as { loaded: number; parameters: number };
  console.log(`${config}: ${loaded.loaded} weights loaded into the PyTorch port (${loaded.parameters.toLocaleString('en')} parameters, ${model.countParams().toLocaleString('en')} in Epochal with batch-norm statistics); outputs differ by at most ${worst.toExponential(1)}`);
  optimizer.dispose();
  model.dispose();
  return worst;
}

/** One measurement of `runner` in a fresh process. */
async function measure(runner: string, c: Case, net: string): Promise<Measurement> {
  const common = ['--phase', c.phase, '--nights', String(c.nights), '--epochs', String(c.epochs), '--steps', String(c.steps)];
  const [kind, value] = runner.split(':') as [string, string];
  const { stdout } =
    kind === 'pytorch'
      ? await run(args.python, [join(ROOT, 'bench/pytorch/reference.py'), 'time', '--net', net, '--threads', value, ...common], { maxBuffer: 1 << 24 })
      : await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/epochal-step.ts'), '--net', netFile(c.config), '--backend', value, ...common], {
          cwd: ROOT,
          maxBuffer: 1 << 24,
          env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
        });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measurement;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function benchmark(c: Case, net: string, roundCount: number): Promise<void> {
  const runners = [...threads.map((n) => `pytorch:${n}`), ...backends.map((b) => `epochal:${b}`)];
  const results = new Map<string, Measurement[]>(runners.map((r) => [r, []]));
  const loads = [load()];
  for (let round = 0; round < roundCount; round++) {
    const order = runners.map((_, i) => runners[(i + round) % runners.length]!);
    for (const runner of order) {
      try {
        results.get(runner)!.push(await measure(runner, c, net));
      } catch (error) {
        console.log(`  ${runner} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim().split('\n').slice(-3).join(' ')}`);
      }
    }
    loads.push(load());
  }
  console.log(`\n${c.config} ${c.phase}, ${c.nights} nights × ${c.epochs} epochs, ${c.steps} timed step(s), median of ${roundCount} round(s); load ${loads.join(' → ')}`);
  const speed = (runner: string) => median(results.get(runner)!.map((m) => m.epochsPerSecond));
  const torch = threads.map((n) => `pytorch:${n}`).filter((r) => results.get(r)!.length > 0);
  const bestTorch = torch.reduce((best, r) => (speed(r) > speed(best) ? r : best), torch[0]!);
  for (const runner of runners) {
    const measured = results.get(runner)!;
    if (measured.length === 0) continue;
    const [kind, value] = runner.split(':');
    const label = kind === 'pytorch' ? `pytorch, ${value} thread${value === '1' ? '' : 's'}` : `epochal ${value}`;
    const rss = Math.max(...measured.map((m) => m.peakRssBytes));
    const ratio = kind === 'epochal' && bestTorch ? `  PyTorch best / this: ${(speed(bestTorch) / speed(runner)).toFixed(2)}×, memory ${(rss / Math.max(...results.get(bestTorch)!.map((m) => m.peakRssBytes))).toFixed(2)}× PyTorch's` : '';
    console.log(`  ${label.padEnd(22)} ${speed(runner).toFixed(0).padStart(8)} epochs/s   peak RSS ${gb(rss)}${ratio}`);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'epochal-pytorch-'));
await run(args.python, ['-c', 'import torch, numpy']).catch(() => {
  console.error(`${args.python} has no torch: python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy, then pass --python .venv-bench/bin/python.`);
  process.exit(2);
});
const configs = args.configs.split(',');
const nets = Object.fromEntries(await Promise.all(configs.map(async (config) => [config, await resolvedNet(config, dir)] as const)));
console.log(`Parity (inference outputs of an Epochal export run by the PyTorch port), on ${backends[0]}:`);
let worst = 0;
for (const config of configs) worst = Math.max(worst, await parity(config, dir, nets[config]!, backends[0]!));
for (const c of args.memory ? [MEMORY_CASE] : CASES.filter((c) => configs.includes(c.config))) await benchmark(c, nets[c.config]!, args.memory ? 1 : rounds);
if (worst > 1e-4) {
  console.error(`\nParity failed: outputs differ by ${worst} (limit 1e-4).`);
  process.exitCode = 1;
}
