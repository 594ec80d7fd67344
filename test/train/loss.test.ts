/** The loss is what training.loss says, computed from logits over labelled positions. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Loss } from '../../src/config/train/training.js';
import { logitsModel } from '../../src/train/logits.js';
import { classificationLoss } from '../../src/train/loss.js';
import { build, tinyNet } from '../helpers/model.js';

const LOGITS = [
  [2, -1, 0.5, 0],
  [0.1, 0.2, 3, -2],
  [-1, 4, 0, 1],
];
const LABELS = [0, 2, 3];
const K = 4;

function lossOf(config: unknown, labels = LABELS, logits = LOGITS, options: Parameters<typeof classificationLoss>[2] = {}): number {
  return tf.tidy(() => classificationLoss(tf.tensor1d(labels, 'int32'), tf.tensor2d(logits), { ...options, loss: Loss.parse(config) }).dataSync()[0]!);
}

/** log softmax of a row, in float64. */
function logSoftmax(row: number[]): number[] {
  const max = Math.max(...row);
  const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
  return row.map((v) => v - max - Math.log(sum));
}

describe('the training loss', () => {
  it('is the cross-entropy of the logits, position by position', () => {
    const expected = LOGITS.reduce((sum, row, i) => sum - logSoftmax(row)[LABELS[i]!]!, 0) / LOGITS.length;
    expect(lossOf({})).toBeCloseTo(expected, 5);
  });

  it('with label smoothing ε is (1 − ε)·cross-entropy + ε·the mean over classes of −log p (on a fixed batch)', () => {
    const plain = lossOf({});
    const uniform = LOGITS.reduce((sum, row) => sum - logSoftmax(row).reduce((a, b) => a + b, 0) / K, 0) / LOGITS.length;
    for (const epsilon of [0.1, 0.3]) {
      const smoothed = lossOf({ labelSmoothing: epsilon });
      expect(smoothed).toBeCloseTo((1 - epsilon) * plain + epsilon * uniform, 5);
      expect(Math.abs(smoothed - plain)).toBeGreaterThan(0.05);
    }
  });

  it('gives a confidently wrong prediction its full gradient (no clipped probabilities)', () => {
    const grad = tf.tidy(() => {
      const logits = tf.tensor2d([[30, -30]]);
      return tf.grad((x: tf.Tensor) => classificationLoss(tf.tensor1d([1], 'int32'), x))(logits).dataSync();
    });
    expect(lossOf({}, [1], [[30, -30]])).toBeCloseTo(60, 3);
    expect(Array.from(grad)).toEqual([expect.closeTo(1, 5), expect.closeTo(-1, 5)]);
  });

  it('focal: γ = 0 is cross-entropy, and γ > 0 weighs down positions already right', () => {
    expect(lossOf({ type: 'focal', gamma: 0 })).toBeCloseTo(lossOf({}), 6);
    const right = [[6, 0, 0, 0]];
    const wrong = [[0, 6, 0, 0]];
    const ratio = (logits: number[][]) => lossOf({ type: 'focal', gamma: 2 }, [0], logits) / lossOf({}, [0], logits);
    expect(ratio(right)).toBeLessThan(0.001);
    expect(ratio(wrong)).toBeGreaterThan(0.9);
  });

  it('skips the ignore label and weights positions by class', () => {
    const unweighted = lossOf({}, [0, -1, 3]);
    expect(unweighted).toBeCloseTo((-logSoftmax(LOGITS[0]!)[0]! - logSoftmax(LOGITS[2]!)[3]!) / 2, 5);
    const weighted = lossOf({}, [0, -1, 3], LOGITS, { classWeights: [3, 1, 1, 1] });
    expect(weighted).toBeCloseTo((-3 * logSoftmax(LOGITS[0]!)[0]! - logSoftmax(LOGITS[2]!)[3]!) / 4, 5);
  });

  it('refuses gamma without the focal loss', () => {
    expect(Loss.safeParse({ gamma: 2 }).error?.issues[0]).toMatchObject({ path: ['gamma'], message: expect.stringContaining('only with type "focal"') });
  });

  it('reads the logits before the softmax of a head', () => {
    const model = build(tinyNet({ x: [3] }, { out: { type: 'head', input: 'x', units: 2 } }, ['out']));
    const logits = logitsModel(model)!;
    const [probs, raw] = tf.tidy(() => {
      const x = tf.tensor2d([[1, -2, 0.5]]);
      return [model.predict(x) as tf.Tensor, logits.predict(x) as tf.Tensor].map((t) => Array.from(t.dataSync()));
    });
    expect(probs).toEqual(tf.tidy(() => Array.from(tf.softmax(tf.tensor1d(raw!)).dataSync())));
  });
});
