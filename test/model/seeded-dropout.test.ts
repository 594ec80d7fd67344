import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededDropout } from '../../src/model/layers/seeded-dropout.js';
import { setTrainingStep } from '../../src/model/training-context.js';
import { maxAbsDiff } from '../helpers/model.js';

/** The dropout mask the layer applies at `step` (1 where kept, 0 where dropped). */
function maskAt(layer: tf.layers.Layer, step: number): tf.Tensor {
  setTrainingStep(step);
  return tf.notEqual(layer.apply(tf.ones([4, 50]), { training: true }) as tf.Tensor, 0).toFloat();
}

describe('SeededDropout', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('draws a new mask on every training step, unlike tf.layers.dropout with a seed', () => {
    const layer = new SeededDropout({ name: 'drop', rate: 0.5, seed: 42 });
    expect(maxAbsDiff(maskAt(layer, 0), maskAt(layer, 1))).toBe(1);
    const stock = tf.layers.dropout({ rate: 0.5, seed: 42 });
    const stockMask = () => tf.notEqual(stock.apply(tf.ones([4, 50]), { training: true }) as tf.Tensor, 0).toFloat();
    expect(maxAbsDiff(stockMask(), stockMask())).toBe(0);
  });

  it('draws the same mask for the same seed and step, so a resumed run sees the same masks', () => {
    const a = new SeededDropout({ name: 'a', rate: 0.3, seed: 7 });
    const b = new SeededDropout({ name: 'b', rate: 0.3, seed: 7 });
    expect(maxAbsDiff(maskAt(a, 12), maskAt(b, 12))).toBe(0);
    const other = new SeededDropout({ name: 'c', rate: 0.3, seed: 8 });
    expect(maxAbsDiff(maskAt(a, 12), maskAt(other, 12))).toBe(1);
  });

  it('drops about the configured fraction and passes inputs through at inference', () => {
    const layer = new SeededDropout({ name: 'drop', rate: 0.25, seed: 3 });
    const kept = tf.mean(maskAt(layer, 5)).dataSync()[0]!;
    expect(kept).toBeGreaterThan(0.65);
    expect(kept).toBeLessThan(0.85);
    const x = tf.randomNormal([3, 7], 0, 1, 'float32', 1);
    expect(maxAbsDiff(layer.apply(x) as tf.Tensor, x)).toBe(0);
  });

  it('drops whole channels when spatial', () => {
    const layer = new SeededDropout({ name: 'spatial', rate: 0.5, seed: 9, spatial: true });
    setTrainingStep(1);
    const out = layer.apply(tf.ones([2, 10, 8]), { training: true }) as tf.Tensor;
    const perChannel = tf.notEqual(out, 0).toFloat().mean(1); // [batch, channels]: 0 or 1 when whole channels drop
    const values = Array.from(perChannel.dataSync());
    expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    expect(new Set(values).size).toBe(2);
  });
});
