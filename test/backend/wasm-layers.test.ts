/**
 * A whole layers model, as Epochal builds them, trains the same on wasm as on
 * cpu: the gradients of every trainable weight agree, with batch
 * normalization in training mode and seeded dropout in the graph.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activate, relativeError, seededNormal } from './parity.js';

/** conv1d (no bias: batchNorm cancels it) → batchNorm → relu → maxPool → conv1d (stride 2) → dropout → global average pool → dense softmax. */
function buildModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv1d({ inputShape: [64, 2], filters: 8, kernelSize: 7, strides: 2, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.maxPooling1d({ poolSize: 2, strides: 2 }),
      tf.layers.conv1d({ filters: 8, kernelSize: 5, strides: 2, padding: 'valid', activation: 'elu' }),
      tf.layers.dropout({ rate: 0.2, seed: 3 }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
}

/** The gradient of the training loss with respect to every trainable weight, on `backend`, for seeded weights and data. */
async function weightGradients(backend: 'cpu' | 'wasm'): Promise<{ label: string; grad: Float32Array }[]> {
  await activate(backend);
  const model = buildModel();
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(seededNormal(w.shape, 100 + i).map((v) => v * 0.3), w.shape)));
  const result = tf.tidy(() => {
    const x = tf.tensor(seededNormal([6, 64, 2], 1), [6, 64, 2]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32'), 5);
    const loss = () => tf.mean(tf.metrics.categoricalCrossentropy(labels, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
    const { grads } = tf.variableGrads(loss);
    return model.trainableWeights.map((weight, i) => ({
      label: `${i}: ${weight.originalName.split('/').pop()}`,
      grad: grads[weight.name]?.dataSync() as Float32Array,
    }));
  });
  model.dispose();
  return result as { label: string; grad: Float32Array }[];
}

describe('layers model on wasm', () => {
  it('gives every trainable weight the gradient cpu gives, within 1e-4 relative error', async () => {
    const expected = await weightGradients('cpu');
    const actual = await weightGradients('wasm');
    expect(actual.map(({ label }) => label)).toEqual(expected.map(({ label }) => label));
    expect(actual).toHaveLength(7);
    actual.forEach(({ label, grad }, i) => {
      expect(grad, label).toBeInstanceOf(Float32Array);
      expect(relativeError(grad, expected[i]?.grad ?? []), label).toBeLessThan(1e-4);
    });
  });
});
