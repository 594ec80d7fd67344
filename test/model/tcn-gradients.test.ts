/**
 * The TCN block's gradients are the derivatives of what it computes: two
 * residual levels (dilation 1 and 2, each with two convolutions, a residual
 * add and a 1×1 downsample where the width changes) and a padding mask, checked
 * against central finite differences for the input and every weight, on every
 * backend here.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activate, seededNormal } from '../backend/parity.js';
import { AVAILABLE_BACKENDS } from '../helpers/backends.js';
import { build, tinyNet } from '../helpers/model.js';

const BATCH = 2;
const STEPS = 9;
const CHANNELS = 3;
const EPSILON = 1e-2;
/** Entries of each tensor checked by finite differences. */
const PROBES = 6;

const net = () =>
  tinyNet({ x: [null, CHANNELS], mask: [null] }, {
    tcn: { type: 'tcn', input: 'x', mask: 'mask', channels: [4, 5], kernelSize: 3, dilationBase: 2, padding: 'same', activation: 'tanh' },
  }, ['tcn']);

describe.each(AVAILABLE_BACKENDS)('TCN gradients on %s', (backend) => {
  it('match central finite differences for the input and every weight (dilated convs, residuals, downsample, mask)', async () => {
    await activate(backend);
    const model = build(net());
    const x = tf.tensor3d(seededNormal([BATCH * STEPS * CHANNELS], 3), [BATCH, STEPS, CHANNELS]);
    const mask = tf.tensor2d([Array(STEPS).fill(1), Array.from({ length: STEPS }, (_, t) => (t < 6 ? 1 : 0))]);
    const dy = tf.tensor3d(seededNormal([BATCH * STEPS * 5], 5), [BATCH, STEPS, 5]);
    const objective = (input: tf.Tensor) => tf.sum(tf.mul(tf.mul(model.apply([input, mask]) as tf.Tensor, dy), tf.expandDims(mask, -1)));

    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    expect(weights.map((w) => w.name.replace(/_\d+$/, '').split('/').slice(1).join('/')).join(' ')).toContain('block_1/downsample/kernel');
    const { grads } = tf.variableGrads(() => objective(x) as tf.Scalar, weights);
    const inputGrad = tf.grad((input: tf.Tensor) => objective(input))(x);

    const numeric = (perturb: (delta: number) => void, restore: () => void): number => {
      perturb(EPSILON);
      const plus = tf.tidy(() => objective(x).dataSync()[0]!);
      perturb(-EPSILON);
      const minus = tf.tidy(() => objective(x).dataSync()[0]!);
      restore();
      return (plus - minus) / (2 * EPSILON);
    };
    const checked: string[] = [];
    const compare = (name: string, analytic: Float32Array, index: number, estimate: number) => {
      expect(Math.abs(analytic[index]! - estimate), `${name}[${index}]: analytic ${analytic[index]}, numeric ${estimate}`).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(estimate)));
      checked.push(name);
    };

    for (const variable of weights) {
      const analytic = grads[variable.name]!.dataSync() as Float32Array;
      const original = variable.dataSync().slice() as Float32Array;
      for (let k = 0; k < PROBES; k++) {
        const index = (k * 7919) % original.length;
        const set = (delta: number) => {
          const values = original.slice();
          values[index] = original[index]! + delta;
          variable.assign(tf.tensor(values, variable.shape));
        };
        compare(variable.name, analytic, index, numeric(set, () => variable.assign(tf.tensor(original, variable.shape))));
      }
    }
    const inputAnalytic = inputGrad.dataSync() as Float32Array;
    const inputValues = x.dataSync().slice() as Float32Array;
    for (let k = 0; k < PROBES * 3; k++) {
      const index = (k * 104729) % inputValues.length;
      const at = (delta: number) => {
        const values = inputValues.slice();
        values[index] = inputValues[index]! + delta;
        return tf.tidy(() => objective(tf.tensor3d(values, [BATCH, STEPS, CHANNELS])).dataSync()[0]!);
      };
      compare('input', inputAnalytic, index, (at(EPSILON) - at(-EPSILON)) / (2 * EPSILON));
    }
    expect(new Set(checked).size).toBe(weights.length + 1);
    tf.dispose([x, mask, dy, inputGrad, ...Object.values(grads)]);
    model.dispose();
  }, 120_000);
});
