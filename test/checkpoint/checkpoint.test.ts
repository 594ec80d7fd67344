import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Optimizer } from '../../src/config/train/training.js';
import { loadCheckpoint, verifyCheckpoint, writeCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { folderHandler } from '../../src/checkpoint/tfjs-folder.js';
import { CheckpointError } from '../../src/errors.js';
import { TrainingOptimizer, type OptimizerState } from '../../src/train/optimizer.js';
import { trainStep } from '../../src/train/step.js';
import { activate } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';
import { bitwiseEqual, build, inputsFor, labelsFor, maxAbsDiff, snapshotWeights, tinyNet } from '../helpers/model.js';

const net = () =>
  tinyNet({ x: [null, 4] }, {
    trunk: { type: 'dense', input: 'x', units: 6, batchNorm: true, dropout: 0.2 },
    tcn: { type: 'tcn', input: 'trunk', channels: [6], dropout: 0.1 },
    head: { type: 'head', input: 'tcn', units: 3 },
  }, ['head']);

const adam = Optimizer.parse({ type: 'adam', learningRate: 0.01 });

/** A model and optimizer trained for `steps` steps on a fixed batch. */
function trained(steps: number) {
  const model = build(net());
  const optimizer = new TrainingOptimizer(model, adam);
  const batch = { inputs: inputsFor(model, 2, 7), labels: labelsFor(model, 2, 7) };
  for (let step = 0; step < steps; step++) trainStep(model, optimizer, batch, step);
  return { model, optimizer, batch };
}

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'epochal-ckpt-'));
}

function flat(state: OptimizerState) {
  return state.groups.map((group) => ({
    learningRate: group.learningRate,
    iterations: group.iterations,
    betaPowers: group.betaPowers,
    slots: group.slots.map((slot) => ({ weight: slot.weight, kind: slot.kind, values: Array.from(slot.tensor.dataSync()) })),
  }));
}

describe('checkpoints', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it('restore identical predictions and identical optimizer state, beta powers included', async () => {
    const { model, optimizer, batch } = trained(8);
    const dir = join(await scratch(), 'ckpt-000000008');
    await writeCheckpoint(dir, { model, optimizer, state: { epoch: 1, step: 8, seed: 7, trainable: optimizer.trainable } });

    const restored = build(net(), 99); // different initial weights, all overwritten by the load
    const restoredOptimizer = new TrainingOptimizer(restored, adam);
    const state = await loadCheckpoint(dir, restored, restoredOptimizer);

    expect(state).toMatchObject({ epoch: 1, step: 8, seed: 7 });
    expect(maxAbsDiff(restored.predict(batch.inputs) as tf.Tensor, model.predict(batch.inputs) as tf.Tensor)).toBe(0);
    const [original, loaded] = [await optimizer.state(), await restoredOptimizer.state()];
    expect(flat(loaded)).toEqual(flat(original));
    expect(loaded.groups[0]!.betaPowers![0]).toBe(original.groups[0]!.betaPowers![0]);

    // What tfjs alone would restore after 8 steps: pow(beta1, 9), which differs from the accumulated product.
    const plain = tf.train.adam(0.01);
    const tfjsState = await plain.getWeights();
    await plain.setWeights([{ name: 'iter', tensor: tf.scalar(8, 'int32') }, ...tfjsState.slice(1)]);
    const recomputed = (plain as unknown as { accBeta1: tf.Variable }).accBeta1.dataSync()[0];
    expect(recomputed).not.toBe(original.groups[0]!.betaPowers![0]);
  });

  it.each(AVAILABLE_BACKENDS)('resume exactly on %s: a step after loading gives bitwise the weights of a step without the round trip', async (backend) => {
    await activate(backend);
    const { model, optimizer, batch } = trained(4);
    const dir = join(await scratch(), 'ckpt');
    await writeCheckpoint(dir, { model, optimizer, state: { epoch: 0, step: 4, seed: 7, trainable: optimizer.trainable } });
    // A resumed run rebuilds the network from the same config and run seed (dropout layers derive their seeds from it).
    const resumed = build(net());
    const resumedOptimizer = new TrainingOptimizer(resumed, adam);
    await loadCheckpoint(dir, resumed, resumedOptimizer);

    for (const step of [4, 5, 6]) {
      trainStep(model, optimizer, batch, step);
      trainStep(resumed, resumedOptimizer, batch, step);
    }
    const [a, b] = [snapshotWeights(model), snapshotWeights(resumed)];
    for (const [name, values] of a) expect(bitwiseEqual(values, b.get(name)!), name).toBe(true);
  });

  it('are standard tfjs models that tf.loadLayersModel reads', async () => {
    const { model, batch } = trained(2);
    const dir = join(await scratch(), 'ckpt');
    await writeCheckpoint(dir, { model, state: { epoch: 0, step: 2, seed: 7, trainable: [] } });
    const loaded = await tf.loadLayersModel(folderHandler(dir));
    expect(maxAbsDiff(loaded.predict(batch.inputs) as tf.Tensor, model.predict(batch.inputs) as tf.Tensor)).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'model.json', 'state.json', 'weights.bin']);
  });

  it('refuse a checkpoint whose file does not match its hash, naming the file', async () => {
    const { model, optimizer } = trained(1);
    const dir = join(await scratch(), 'ckpt');
    await writeCheckpoint(dir, { model, optimizer, state: { epoch: 0, step: 1, seed: 7, trainable: optimizer.trainable } });
    await writeFile(join(dir, 'optimizer.bin'), Buffer.from('garbage'));
    const error = await verifyCheckpoint(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error).toMatchObject({ file: 'optimizer.bin', retryable: false });
    expect((error as Error).message).toBe(`Checkpoint file ${join(dir, 'optimizer.bin')} does not match its SHA-256 in the manifest; it is corrupt.`);
  });

  it('refuse a half-written checkpoint folder (no manifest)', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'model.json'), '{}');
    await expect(verifyCheckpoint(dir)).rejects.toThrow(/has no readable manifest\.json; it is incomplete/);
  });

  it('refuse to load into a network they do not fit, listing the weights', async () => {
    const { model } = trained(0);
    const dir = join(await scratch(), 'ckpt');
    await writeCheckpoint(dir, { model, state: { epoch: 0, step: 0, seed: 7, trainable: [] } });
    const other = build(tinyNet({ x: [null, 4] }, { head: { type: 'head', input: 'x', units: 5 } }, ['head']));
    await expect(loadCheckpoint(dir, other)).rejects.toThrow(/does not fit this network: head\/dense\/kernel \(shapeMismatch\)/);
  });
});
