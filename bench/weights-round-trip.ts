/**
 * Weights between Epochal and PyTorch, checked against the PyTorch port in
 * `bench/pytorch` (built from the same resolved net_params.json):
 *
 *   python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy safetensors   # once; never needed by npm test
 *   npx tsx bench/weights-round-trip.ts --python .venv-bench/bin/python [--backend wasm] [--configs sleepnet-small,sleepnet]
 *
 * 1. Export: a SleepNet trained two steps in Epochal (batch-norm statistics
 *    moved) is saved as the export saves it, `model.safetensors` included; the
 *    port loads that file as a PyTorch state_dict (names and layouts as
 *    PyTorch's, no conversion on the PyTorch side) and runs the same nights.
 * 2. Import: the port, its weights randomised, writes a state_dict in each
 *    layout Epochal imports — Epochal's own convention and the original
 *    SleepNet's module names (TCN convolutions weight-normalised, batch-norm
 *    counters) — and its outputs; a fresh Epochal model loads each file as
 *    `fineTune.pretrained` does (strict, mapping chosen by the import) and runs the same nights.
 *
 * Prints max |Δp| of the softmax outputs per case; exits 1 above 1e-5.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../src/backend/index.js';
import { folderHandler } from '../src/checkpoint/tfjs-folder.js';
import { loadNetConfig } from '../src/config/load.js';
import type { NetParams } from '../src/config/net/net-params.js';
import { Optimizer } from '../src/config/train/training.js';
import { buildModel } from '../src/model/build.js';
import { loadPretrained } from '../src/model/pretrained.js';
import { TrainingOptimizer } from '../src/train/optimizer.js';
import { trainStep } from '../src/train/step.js';
import { TORCH_WEIGHTS_FILE, writeTorchWeights } from '../src/weights/export-torch.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const REFERENCE = join(ROOT, 'bench/pytorch/reference.py');
const LIMIT = 1e-5;
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    python: { type: 'string', default: 'python3' },
    backend: { type: 'string', default: 'wasm' },
    configs: { type: 'string', default: 'sleepnet-small,sleepnet' },
    seed: { type: 'string', default: '7' },
  },
});

interface Case {
  config: string;
  net: NetParams;
  netFile: string;
  inputs: tf.Tensor[];
  inputSpec: string;
  dir: string;
}

const python = async (...argv: string[]) => JSON.parse((await run(args.python, [REFERENCE, ...argv], { maxBuffer: 1 << 24 })).stdout.trim().split('\n').pop()!) as Record<string, unknown>;

async function floats(file: string): Promise<Float32Array> {
  const bytes = await readFile(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) throw new Error(`outputs of ${a.length} and ${b.length} values`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

/** Two nights of 12 epochs, the second padded by 3, as files the port reads. */
async function prepare(config: string, dir: string): Promise<Case> {
  const { net } = await loadNetConfig(join(ROOT, 'configs', config, 'net_params.json'));
  const netFile = join(dir, `${config}.json`);
  await writeFile(netFile, JSON.stringify(net));
  const probe = buildModel(net, 1);
  const [nights, epochs] = [2, 12];
  const mask = tf.tensor2d([Array.from({ length: epochs }, () => 1), Array.from({ length: epochs }, (_, t) => (t < epochs - 3 ? 1 : 0))]);
  const inputs = probe.inputs.map((input, i) =>
    input.name.includes('mask') ? mask : tf.randomNormal([nights, ...input.shape.slice(1).map((d) => d ?? epochs)] as number[], 0, 1, 'float32', 10 + i),
  );
  probe.dispose();
  const spec = await Promise.all(
    inputs.map(async (input, i) => {
      const file = join(dir, `${config}-input-${i}.bin`);
      await writeFile(file, Buffer.from((await input.data()).buffer as ArrayBuffer));
      return { file, shape: input.shape };
    }),
  );
  const inputSpec = join(dir, `${config}-inputs.json`);
  await writeFile(inputSpec, JSON.stringify(spec));
  return { config, net, netFile, inputs, inputSpec, dir };
}

/** Epochal → PyTorch: the export's model.safetensors, loaded by the port as a state_dict. */
async function exportCase(c: Case): Promise<number> {
  const model = buildModel(c.net, 1);
  const optimizer = new TrainingOptimizer(model, Optimizer.parse({ type: 'adam', learningRate: 0.01 }));
  const labels = tf.randomUniform([2, 12], 0, 5, 'int32', 3);
  for (let step = 0; step < 2; step++) trainStep(model, optimizer, { inputs: c.inputs, labels }, step);
  const folder = join(c.dir, `${c.config}-export`);
  await model.save(folderHandler(folder));
  await writeTorchWeights(folder);
  const expected = (model.predict(c.inputs) as tf.Tensor).dataSync();
  const out = join(c.dir, `${c.config}-export-out.bin`);
  const { loaded } = await python('parity-state-dict', '--net', c.netFile, '--state-dict', join(folder, TORCH_WEIGHTS_FILE), '--inputs', c.inputSpec, '--out', out);
  const worst = maxDifference(expected, await floats(out));
  console.log(`  ${c.config}: Epochal export → ${TORCH_WEIGHTS_FILE} → PyTorch port (${String(loaded)} tensors loaded as a state_dict): max |Δp| ${worst.toExponential(2)}`);
  optimizer.dispose();
  model.dispose();
  return worst;
}

/** PyTorch → Epochal: a state_dict the port wrote in `layout`, imported as fineTune.pretrained imports it. */
async function importCase(c: Case, layout: 'epochal-torch-1' | 'sleepnet-torch'): Promise<number> {
  const file = join(c.dir, `${c.config}-${layout}.safetensors`);
  const out = join(c.dir, `${c.config}-${layout}-out.bin`);
  const { tensors } = await python('write-state-dict', '--net', c.netFile, '--layout', layout, '--seed', args.seed, '--inputs', c.inputSpec, '--weights-out', file, '--out', out);
  const model = buildModel(c.net, 2);
  const report = await loadPretrained(model, file, 'strict', undefined, c.net);
  const actual = (model.predict(c.inputs) as tf.Tensor).dataSync();
  const worst = maxDifference(actual, await floats(out));
  const folded = report.imported!.mapped.filter((m) => m.rule.includes('weight norm')).length;
  console.log(
    `  ${c.config}: PyTorch port → ${layout} state_dict (${String(tensors)} tensors) → Epochal (mapping ${report.imported!.mapping}, ` +
      `${report.matched.length} weights${folded ? `, ${folded} weight-normalised` : ''}, ${report.imported!.ignored.length} ignored): max |Δp| ${worst.toExponential(2)}`,
  );
  model.dispose();
  return worst;
}

await run(args.python, ['-c', 'import torch, numpy, safetensors']).catch(() => {
  console.error(`${args.python} lacks torch, numpy or safetensors: python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy safetensors, then pass --python .venv-bench/bin/python.`);
  process.exit(2);
});
await useBackend(args.backend as BackendName);
const dir = await mkdtemp(join(tmpdir(), 'epochal-weights-'));
console.log(`Weights between Epochal (${tf.getBackend()}) and the PyTorch port, softmax outputs on 2 nights × 12 epochs (one padded):`);
let worst = 0;
try {
  for (const config of args.configs.split(',')) {
    const c = await prepare(config, dir);
    worst = Math.max(worst, await exportCase(c), await importCase(c, 'epochal-torch-1'), await importCase(c, 'sleepnet-torch'));
    tf.dispose(c.inputs);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(`worst max |Δp| ${worst.toExponential(2)} (limit ${LIMIT})`);
if (worst > LIMIT) process.exitCode = 1;
