import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { WeightsError } from '../../src/errors.js';
import { loadPretrained } from '../../src/model/pretrained.js';
import { build, maxAbsDiff, tinyNet } from '../helpers/model.js';

/** The pretrained network: trunk → tcn → 5-class head, plus an auxiliary block the new network drops. */
const pretrainedNet = () =>
  tinyNet({ x: [null, 4] }, {
    trunk: { type: 'dense', input: 'x', units: 6 },
    tcn: { type: 'tcn', input: 'trunk', channels: [6] },
    aux: { type: 'dense', input: 'tcn', units: 2 },
    head: { type: 'head', input: 'tcn', units: 5 },
  }, ['head', 'aux']);

/** The fine-tuned network: same trunk and tcn, a 3-class head, and a new adapter block. */
const fineTunedNet = () =>
  tinyNet({ x: [null, 4] }, {
    trunk: { type: 'dense', input: 'x', units: 6 },
    tcn: { type: 'tcn', input: 'trunk', channels: [6] },
    adapter: { type: 'dense', input: 'tcn', units: 6 },
    head: { type: 'head', input: 'adapter', units: 3 },
  }, ['head']);

async function pretrainedCheckpoint(): Promise<{ dir: string; source: tf.LayersModel }> {
  const source = build(pretrainedNet(), 123);
  const dir = join(await mkdtemp(join(tmpdir(), 'epochal-pretrained-')), 'ckpt');
  await writeCheckpoint(dir, { model: source, state: { epoch: 3, step: 30, seed: 123, trainable: [] } });
  return { dir, source };
}

const weight = (model: tf.LayersModel, name: string) => model.weights.find((w) => w.originalName === name)!.read();

describe('pretrained weights', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('load partially into a network whose head changed, reporting exactly what matched and what did not', async () => {
    const { dir } = await pretrainedCheckpoint();
    const model = build(fineTunedNet(), 1);
    const report = await loadPretrained(model, dir, 'partial');

    expect(report.matched.sort()).toEqual(
      [
        'trunk/dense/kernel',
        'trunk/dense/bias',
        'tcn/block_0/conv_0/kernel',
        'tcn/block_0/conv_0/bias',
        'tcn/block_0/conv_1/kernel',
        'tcn/block_0/conv_1/bias',
      ].sort(),
    );
    expect(report.missing).toEqual([
      { name: 'adapter/dense/kernel', shape: [6, 6] },
      { name: 'adapter/dense/bias', shape: [6] },
    ]);
    expect(report.unexpected).toEqual([
      { name: 'aux/dense/kernel', shape: [6, 2] },
      { name: 'aux/dense/bias', shape: [2] },
    ]);
    expect(report.shapeMismatches).toEqual([
      { name: 'head/dense/kernel', expected: [6, 3], found: [6, 5] },
      { name: 'head/dense/bias', expected: [3], found: [5] },
    ]);
    expect(report).toMatchObject({ source: dir, policy: 'partial' });
  });

  it('copies matched weights exactly and leaves the rest at their fresh initialisation', async () => {
    const { dir, source } = await pretrainedCheckpoint();
    const model = build(fineTunedNet(), 1);
    const fresh = build(fineTunedNet(), 1);
    await loadPretrained(model, dir, 'partial');
    expect(maxAbsDiff(weight(model, 'tcn/block_0/conv_1/kernel'), weight(source, 'tcn/block_0/conv_1/kernel'))).toBe(0);
    expect(maxAbsDiff(weight(model, 'adapter/dense/kernel'), weight(fresh, 'adapter/dense/kernel'))).toBe(0);
    expect(maxAbsDiff(weight(model, 'head/dense/kernel'), weight(fresh, 'head/dense/kernel'))).toBe(0);
  });

  it('refuse a mismatch under the strict policy, naming the weights and changing nothing', async () => {
    const { dir } = await pretrainedCheckpoint();
    const model = build(fineTunedNet(), 1);
    const before = weight(model, 'trunk/dense/kernel').clone();
    const error = await loadPretrained(model, dir, 'strict').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).problems.map((p) => p.weight)).toEqual(
      expect.arrayContaining(['adapter/dense/kernel', 'aux/dense/kernel', 'head/dense/kernel']),
    );
    expect((error as Error).message).toContain('head/dense/kernel: shape [6,5] where the network has [6,3]');
    expect((error as Error).message).toContain('set fineTune.pretrained.policy to "partial"');
    expect(maxAbsDiff(weight(model, 'trunk/dense/kernel'), before)).toBe(0);
  });

  it('load strictly from the same architecture', async () => {
    const { dir, source } = await pretrainedCheckpoint();
    const model = build(pretrainedNet(), 5);
    const report = await loadPretrained(model, dir, 'strict');
    expect(report.matched).toHaveLength(model.weights.length);
    expect(maxAbsDiff(weight(model, 'head/dense/kernel'), weight(source, 'head/dense/kernel'))).toBe(0);
  });

  it('explain a folder that holds no tfjs model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'epochal-empty-'));
    await expect(loadPretrained(build(fineTunedNet()), empty, 'partial')).rejects.toThrow(
      /Cannot read pretrained weights from .*Point fineTune\.pretrained\.path at an Epochal checkpoint, a tfjs model folder \(model\.json \+ weight files\), a \.safetensors file or Keras weights \(\.weights\.h5, \.h5, \.keras\)\./,
    );
  });

  it('never read a weight file that model.json places outside its folder', async () => {
    const { dir } = await pretrainedCheckpoint();
    const secret = join(await mkdtemp(join(tmpdir(), 'epochal-secret-')), 'secret.bin');
    await writeFile(secret, 'API_KEY=hunter2');
    const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    modelJson.weightsManifest[0]!.paths = [relative(dir, secret)];
    await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
    await rm(join(dir, 'manifest.json')); // a plain tfjs model folder (a checkpoint's manifest would catch the edit first)
    const error = await loadPretrained(build(pretrainedNet(), 5), dir, 'strict').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as Error).message).toContain(`${join(dir, 'model.json')} names a weight file outside its folder at weightsManifest[0].paths[0]; it was not read.`);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('refuse a partial load that matches no weight at all: a wrong path, not a fine-tune', async () => {
    const { dir } = await pretrainedCheckpoint();
    const stranger = build(tinyNet({ x: [null, 4] }, { encoder: { type: 'dense', input: 'x', units: 6 }, out: { type: 'head', input: 'encoder', units: 3 } }, ['out']));
    const before = stranger.getWeights().map((w) => w.dataSync().slice());
    const error = await loadPretrained(stranger, dir, 'partial').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as Error).message).toMatch(/^None of the \d+ pretrained weights in .* matches one of the 4 weights of network tiny by name and shape \(policy "partial"\): fine-tuning would start from scratch\. Fix: /);
    expect(stranger.getWeights().map((w) => w.dataSync().slice())).toEqual(before);
  });
});
