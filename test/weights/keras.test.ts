/**
 * Keras weight files: a Keras 3 `.weights.h5` and a `.keras` archive (variables
 * by layer and position, mapped by a mapping file) and a Keras 2 `.h5`
 * (variables by name) written by h5py in Keras's layouts load into the tabular
 * sample's network with the values the fixture script wrote; files that are
 * not Keras weights fail naming the file and the fix.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadNetConfig } from '../../src/config/load.js';
import { WeightsFileError } from '../../src/errors.js';
import { buildModel } from '../../src/model/build.js';
import { loadPretrained } from '../../src/model/pretrained.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/weights/${name}`, import.meta.url));
const MAPPING = fixture('keras3-tabular.mapping.json');

/** The fixture script's tabular weights in order, each seeded by its index from 10: (i × 0.25 − seed) / 8. */
const WEIGHTS = ['hidden/dense/kernel', 'hidden/dense/bias', 'trunk/dense_0/kernel', 'trunk/dense_0/bias', 'trunk/dense_1/kernel', 'trunk/dense_1/bias', 'trunk/downsample/kernel', 'state/dense/kernel', 'state/dense/bias'];
const expected = (count: number, seed: number) => Array.from({ length: count }, (_, i) => Math.fround((i * 0.25 - seed) / 8));

async function tabularModel(): Promise<tf.LayersModel> {
  const { net } = await loadNetConfig('configs/tabular-mlp/net_params.json');
  return buildModel(net, 3);
}

/** Loads `file` into a fresh tabular model and checks every weight holds the fixture's values. */
async function loadsTheFixtureValues(file: string, mapping?: string) {
  const model = await tabularModel();
  try {
    const report = await loadPretrained(model, file, 'strict', mapping);
    expect(report.matched.sort()).toEqual([...WEIGHTS].sort());
    for (const [seed, name] of WEIGHTS.entries()) {
      const weight = model.weights.find((w) => w.originalName === name)!;
      expect([...weight.read().dataSync()], name).toEqual(expected(weight.shape.reduce((a, b) => a! * b!, 1)!, 10 + seed));
    }
    return report;
  } finally {
    model.dispose();
  }
}

async function refusal(file: string, mapping?: string): Promise<WeightsFileError> {
  const model = await tabularModel();
  try {
    await loadPretrained(model, file, 'strict', mapping);
  } catch (error) {
    if (error instanceof WeightsFileError) return error;
    throw error;
  } finally {
    model.dispose();
  }
  return expect.unreachable('the file was accepted');
}

describe('Keras weights', () => {
  it('loads a Keras 3 .weights.h5 by a mapping from layers.<layer>.vars.<index>, leaving the optimizer state out', async () => {
    const report = await loadsTheFixtureValues(fixture('keras3-tabular.weights.h5'), MAPPING);
    expect(report.imported).toMatchObject({ mapping: MAPPING, unmapped: [], ignored: [], unfit: [] });
    expect(report.imported!.mapped).toContainEqual({ weight: 'trunk/downsample/kernel', from: 'layers.dense_3.vars.0', rule: 'layers.dense_3.vars.0 → trunk/downsample/kernel (plain)' });
  });

  it('loads the model.weights.h5 inside a .keras archive the same way', async () => {
    const report = await loadsTheFixtureValues(fixture('tabular.keras'), MAPPING);
    expect(report.imported!.mapped).toHaveLength(WEIGHTS.length);
  });

  it('loads a Keras 2 .h5 by its weight names (kernel:0 → kernel) with no mapping', async () => {
    const report = await loadsTheFixtureValues(fixture('keras2-tabular.h5'));
    expect(report.imported!.mapping).toBeUndefined();
    expect(report.imported!.mapped).toContainEqual({ weight: 'state/dense/bias', from: 'state/dense/bias', rule: 'as named in the file' });
  });

  it('refuses a Keras 3 file without a mapping, since it names variables only by position', async () => {
    const error = await refusal(fixture('keras3-tabular.weights.h5'));
    expect(error.message).toContain('is a Keras 3 weights file: it names variables by layer and position (layers.dense.vars.0 [6,32]');
    expect(error.message).toContain('Fix: write a mapping file with a rule for each');
  });

  it('refuses files that are not what their names say, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-keras-'));
    await writeFile(join(dir, 'text.weights.h5'), 'not hdf5 at all');
    await writeFile(join(dir, 'text.keras'), 'not a zip archive');
    const notHdf5 = await refusal(join(dir, 'text.weights.h5'));
    expect(notHdf5.message).toContain(`${join(dir, 'text.weights.h5')} is not an HDF5 file`);
    const notZip = await refusal(join(dir, 'text.keras'));
    expect(notZip.message).toContain(`${join(dir, 'text.keras')} is not a readable .keras archive`);
    expect(notZip.message).toContain('Fix: save the model again with Keras');
  });
});
