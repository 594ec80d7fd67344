/**
 * A night's results do not depend on the batch it is in: scored alone, or
 * padded beside a night twice as long, it gets the same probabilities; and a
 * training batch padded further gives the same loss and gradients (batch
 * norm, dropout and the TCN included). Both SleepNets, every backend here.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadNetConfig } from '../../src/config/load.js';
import type { NetParams } from '../../src/config/net/net-params.js';
import { buildModel } from '../../src/model/build.js';
import { setTrainingStep, withBatchPart } from '../../src/model/training-context.js';
import { forwardLogits } from '../../src/train/logits.js';
import { classificationLoss } from '../../src/train/loss.js';
import { activate, seededNormal } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';
import { CONFIGS } from '../helpers/configs.js';

const NETS = ['sleepnet-small', 'sleepnet'] as const;

interface Night {
  ecg: Float32Array;
  additional: Float32Array;
  labels: Int32Array;
  epochs: number;
}

function night(net: NetParams, epochs: number, seed: number): Night {
  const samples = net.inputs.ecg!.shape[1] as number;
  const features = net.inputs.additional!.shape[1] as number;
  return {
    ecg: seededNormal([epochs * samples], seed),
    additional: seededNormal([epochs * features], seed + 1),
    labels: Int32Array.from({ length: epochs }, (_, t) => (seed * 7 + t * 3) % 5),
    epochs,
  };
}

/** The model inputs and labels of `nights` padded to `steps` epochs (padding: zeros, mask 0, label -1). */
function batchOf(net: NetParams, nights: Night[], steps: number) {
  const samples = net.inputs.ecg!.shape[1] as number;
  const features = net.inputs.additional!.shape[1] as number;
  const ecg = new Float32Array(nights.length * steps * samples);
  const additional = new Float32Array(nights.length * steps * features);
  const mask = new Float32Array(nights.length * steps);
  const labels = new Int32Array(nights.length * steps).fill(-1);
  nights.forEach((n, b) => {
    ecg.set(n.ecg, b * steps * samples);
    additional.set(n.additional, b * steps * features);
    mask.fill(1, b * steps, b * steps + n.epochs);
    labels.set(n.labels, b * steps);
  });
  const batch = nights.length;
  return {
    inputs: [tf.tensor3d(ecg, [batch, steps, samples]), tf.tensor3d(additional, [batch, steps, features]), tf.tensor2d(mask, [batch, steps])],
    labels: tf.tensor2d(labels, [batch, steps], 'int32'),
  };
}

/** The probabilities of the first night's real epochs. */
function firstNightProbabilities(model: tf.LayersModel, net: NetParams, nights: Night[], steps: number): Float32Array {
  return tf.tidy(() => {
    const { inputs } = batchOf(net, nights, steps);
    const probs = model.predict(inputs) as tf.Tensor;
    return tf.slice(probs, [0, 0, 0], [1, nights[0]!.epochs, -1]).dataSync() as Float32Array;
  });
}

/** Training-mode loss and every weight's gradient for `nights` padded to `steps`. */
function lossAndGradients(model: tf.LayersModel, net: NetParams, nights: Night[], steps: number) {
  setTrainingStep(3);
  const { inputs, labels } = batchOf(net, nights, steps);
  const { value, grads } = tf.variableGrads(
    () => withBatchPart(0, nights.length, () => classificationLoss(labels, forwardLogits(model, inputs, true))),
    model.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  const result = { loss: value.dataSync()[0]!, grads: new Map(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array])) };
  tf.dispose([value, ...Object.values(grads), ...inputs, labels]);
  return result;
}

/** The Euclidean norm of `values`. */
function norm(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum);
}

describe.each(AVAILABLE_BACKENDS)('padding on %s', (backend) => {
  it.each(NETS)('%s: a night scored alone and batched with a night twice as long gets the same probabilities (max |Δp| ≤ 1e-5)', async (name) => {
    await activate(backend);
    const { net } = await loadNetConfig(join(CONFIGS, name, 'net_params.json'));
    const model = buildModel(net, 42);
    const short = night(net, 3, 11);
    const long = night(net, 6, 23);
    const alone = firstNightProbabilities(model, net, [short], short.epochs);
    const batched = firstNightProbabilities(model, net, [short, long], long.epochs);
    const padded = firstNightProbabilities(model, net, [short, long], long.epochs + 5);
    expect(alone.length).toBe(3 * 5);
    for (const other of [batched, padded]) expect(Math.max(...alone.map((p, i) => Math.abs(p - other[i]!)))).toBeLessThanOrEqual(1e-5);
    model.dispose();
  }, 120_000);

  it.each(NETS)('%s: a training batch padded further gives the same loss and gradients (dropout and batch norm in training mode)', async (name) => {
    await activate(backend);
    const { net } = await loadNetConfig(join(CONFIGS, name, 'net_params.json'));
    const model = buildModel(net, 42);
    const nights = [night(net, 3, 11), night(net, 5, 23)];
    const tight = lossAndGradients(model, net, nights, 5);
    const loose = lossAndGradients(model, net, nights, 9);
    expect(Math.abs(tight.loss - loose.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(tight.loss));
    expect(tight.grads.size).toBe(model.trainableWeights.length);
    // Each weight's gradient error, measured against the largest gradient of the model: a bias before batch norm
    // has a gradient of zero up to rounding, so its own scale would measure only noise.
    const scale = Math.max(...[...tight.grads.values()].map(norm));
    for (const [weight, gradient] of tight.grads) {
      const error = norm(loose.grads.get(weight)!.map((v, i) => v - gradient[i]!)) / scale;
      expect(error, weight).toBeLessThan(1e-5);
    }
    model.dispose();
  }, 120_000);
});
