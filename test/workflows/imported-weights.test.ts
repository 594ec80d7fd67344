/**
 * Fine-tuning from another framework's weights: a PyTorch-style state_dict in
 * a .safetensors file (or a Keras archive), its names and layouts mapped by a mapping file, loads
 * through trainingPipeline with a freeze pattern; the compatibility report
 * names the tensor and rule behind every weight; a tensor no rule maps, or a
 * broken file, fails the run non-retryably, naming it.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { readFolderWeights } from '../../src/checkpoint/tfjs-folder.js';
import { loadNetConfig } from '../../src/config/load.js';
import { buildModel } from '../../src/model/build.js';
import { mapFromEpochal, WeightMapping, type FlatTensor } from '../../src/weights/mapping.js';
import { encodeSafetensors, readSafetensors, toFloat32 } from '../../src/weights/safetensors.js';
import { copySample, editJson, readJson } from '../helpers/configs.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/weights/${name}`, import.meta.url));

/** The tabular MLP's weights as a PyTorch module would name and store them. */
const MAPPING = {
  rules: [
    { from: 'hidden.weight', to: 'hidden/dense/kernel', layout: 'linear' },
    { from: 'hidden.bias', to: 'hidden/dense/bias' },
    { from: 'trunk.layers.{i}.weight', to: 'trunk/dense_{i}/kernel', layout: 'linear' },
    { from: 'trunk.layers.{i}.bias', to: 'trunk/dense_{i}/bias' },
    { from: 'trunk.downsample.weight', to: 'trunk/downsample/kernel', layout: 'linear' },
    { from: 'state.weight', to: 'state/dense/kernel', layout: 'linear' },
    { from: 'state.bias', to: 'state/dense/bias' },
  ],
};

/** A job fine-tuning the tabular MLP's head from `weights.safetensors` (a PyTorch-named copy of another seed's model). */
async function importingJob(mapping: typeof MAPPING = MAPPING): Promise<{ dir: string; source: Map<string, FlatTensor> }> {
  const dir = await copySample('tabular-mlp');
  await tf.setBackend('cpu');
  const { net } = await loadNetConfig(join(dir, 'net_params.json'));
  const model = buildModel(net, 2024);
  const epochal = new Map(model.weights.map((weight) => [weight.originalName, { shape: weight.shape as number[], values: weight.read().dataSync() as Float32Array }] as const));
  const { tensors, unmapped } = mapFromEpochal(epochal, WeightMapping.parse(MAPPING).rules);
  expect(unmapped).toEqual([]);
  await writeFile(join(dir, 'weights.safetensors'), encodeSafetensors([...tensors].map(([name, tensor]) => ({ name, ...tensor })), { format: 'pt' }));
  await writeFile(join(dir, 'mapping.json'), JSON.stringify(mapping, null, 2));
  await editJson(join(dir, 'train_params.json'), (train) => {
    train.training.epochs = 1;
    train.training.epochsPerChunk = 1;
    train.fineTune = { pretrained: { path: 'weights.safetensors', mapping: 'mapping.json' }, trainable: ['state/**'] };
  });
  return { dir, source: epochal };
}

async function failure(dir: string, env: Parameters<typeof withWorker>[0]): Promise<ApplicationFailure> {
  return withWorker(env, async (context) => {
    const error = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    return (error as WorkflowFailedError).cause as ApplicationFailure;
  });
}

describe('trainingPipeline with imported weights', () => {
  const env = useSuiteServer();

  it('fine-tunes from a PyTorch state_dict in safetensors: mapped, transposed, frozen as asked, each weight\'s rule in the report', async () => {
    const { dir, source } = await importingJob();
    await withWorker(env(), async (context) => {
      const workflowId = `imported-${randomUUID()}`;
      const result = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }, workflowId);
      expect(result.built.pretrained).toEqual({ policy: 'strict', matched: 9, missing: 0, unexpected: 0, shapeMismatches: 0 });
      const report = await readJson(join(context.artifactRoot, workflowId, 'reports', 'pretrained.json'));
      expect(report.imported.mapping).toBe(join(dir, 'mapping.json'));
      expect(report.imported.mapped).toContainEqual({ weight: 'trunk/dense_1/kernel', from: 'trunk.layers.1.weight', rule: 'trunk.layers.{i}.weight → trunk/dense_{i}/kernel (linear)' });
      expect(report.imported.mapped).toHaveLength(9);
      expect(report.imported).toMatchObject({ ignored: [], unmapped: [], unfit: [] });

      // The frozen layers keep the imported values exactly; the head trained away from them.
      const trained = await readFolderWeights(result.training.checkpoint);
      for (const [name, weight] of source) {
        const values = trained.get(name)!.dataSync();
        if (name.startsWith('state/')) expect(values).not.toEqual(weight.values);
        else expect(values).toEqual(weight.values);
      }
      tf.dispose([...trained.values()]);
    });
  });

  it('fine-tunes from a .keras archive by a mapping file, the frozen layers keeping the Keras values exactly', async () => {
    const dir = await copySample('tabular-mlp');
    await copyFile(fixture('tabular.keras'), join(dir, 'tabular.keras'));
    await copyFile(fixture('keras3-tabular.mapping.json'), join(dir, 'keras-mapping.json'));
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.epochs = 1;
      train.training.epochsPerChunk = 1;
      train.fineTune = { pretrained: { path: 'tabular.keras', mapping: 'keras-mapping.json' }, trainable: ['state/**'] };
    });
    await withWorker(env(), async (context) => {
      const workflowId = `keras-${randomUUID()}`;
      const result = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }, workflowId);
      expect(result.built.pretrained).toEqual({ policy: 'strict', matched: 9, missing: 0, unexpected: 0, shapeMismatches: 0 });
      const report = await readJson(join(context.artifactRoot, workflowId, 'reports', 'pretrained.json'));
      expect(report.imported.mapping).toBe(join(dir, 'keras-mapping.json'));
      expect(report.imported.mapped).toContainEqual({ weight: 'hidden/dense/kernel', from: 'layers.dense.vars.0', rule: 'layers.dense.vars.0 → hidden/dense/kernel (plain)' });
      // The fixture's first tensor, hidden/dense/kernel [6, 32], holds (i × 0.25 − 10) / 8; frozen, it trains not at all.
      const trained = await readFolderWeights(result.training.checkpoint);
      expect([...trained.get('hidden/dense/kernel')!.dataSync()]).toEqual(Array.from({ length: 6 * 32 }, (_, i) => Math.fround((i * 0.25 - 10) / 8)));
      tf.dispose([...trained.values()]);
    });
  });

  it("exports the weights as a PyTorch state_dict (model.safetensors: dotted names, PyTorch layouts) that a fine-tune imports with no mapping", async () => {
    const dir = await copySample('tabular-mlp');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.epochs = 1;
      train.training.epochsPerChunk = 1;
    });
    await withWorker(env(), async (context) => {
      const first = await runPipeline(context, { trainParams: join(dir, 'train_params.json') });
      const modelDir = join(first.exported.model.path, '..');
      const tfjs = await readFolderWeights(modelDir);
      const { tensors, metadata } = await readSafetensors(join(modelDir, 'model.safetensors'));
      expect(metadata).toEqual({ format: 'pt', convention: 'epochal-torch-1' });
      expect([...tensors.keys()].sort()).toEqual(['hidden.dense.bias', 'hidden.dense.weight', 'state.dense.bias', 'state.dense.weight', 'trunk.dense_0.bias', 'trunk.dense_0.weight', 'trunk.dense_1.bias', 'trunk.dense_1.weight', 'trunk.downsample.weight']);
      const kernel = tfjs.get('hidden/dense/kernel')!; // [in 6, out 32]
      const weight = tensors.get('hidden.dense.weight')!; // [out 32, in 6]
      expect(weight.shape).toEqual([32, 6]);
      expect(toFloat32(weight, 'model.safetensors')).toEqual(Float32Array.from(tf.transpose(kernel).dataSync()));
      expect(toFloat32(tensors.get('state.dense.bias')!, 'model.safetensors')).toEqual(Float32Array.from(tfjs.get('state/dense/bias')!.dataSync()));

      await editJson(join(dir, 'train_params.json'), (train) => {
        train.fineTune = { pretrained: { path: join(modelDir, 'model.safetensors') }, trainable: ['state/**'] };
      });
      const workflowId = `reimported-${randomUUID()}`;
      const second = await runPipeline(context, { trainParams: join(dir, 'train_params.json') }, workflowId);
      expect(second.built.pretrained).toEqual({ policy: 'strict', matched: 9, missing: 0, unexpected: 0, shapeMismatches: 0 });
      const report = await readJson(join(context.artifactRoot, workflowId, 'reports', 'pretrained.json'));
      expect(report.imported).toMatchObject({ mapping: 'epochal-torch-1', unmapped: [], unfit: [] });
      expect(report.imported.mapped).toContainEqual({ weight: 'hidden/dense/kernel', from: 'hidden.dense.weight', rule: 'hidden.dense.weight → hidden/dense/kernel (linear)' });
      const built = await readFolderWeights(second.built.checkpoint.path);
      for (const [name, tensor] of tfjs) expect(built.get(name)!.dataSync()).toEqual(tensor.dataSync());
      tf.dispose([...tfjs.values(), ...built.values()]);
    });
  });

  it('fails non-retryably, before training, on a tensor no rule maps, naming it and the mapping', async () => {
    const { dir } = await importingJob({ rules: MAPPING.rules.filter((rule) => rule.from !== 'state.bias') });
    const cause = await failure(dir, env());
    expect(cause).toMatchObject({ type: 'IncompatibleWeights', nonRetryable: true });
    expect(cause.message).toContain(`state.bias: no rule of ${join(dir, 'mapping.json')} matches it`);
    expect(cause.message).toContain('Fix: add a rule for each to');
  });

  it('fails non-retryably on a truncated weights file, naming the file and the tensor', async () => {
    const { dir } = await importingJob();
    const file = join(dir, 'weights.safetensors');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 10));
    const cause = await failure(dir, env());
    expect(cause).toMatchObject({ type: 'InvalidWeightsFile', nonRetryable: true });
    expect(cause.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid safetensors file: tensor "[a-z.0-9]+" ends at byte \\d+ of the data, but the data has \\d+ bytes`));
  });
});
