import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend, type BackendName } from '../../src/backend/index.js';
import type { BlockType } from '../../src/config/net/blocks.js';
import { setTrainingStep } from '../../src/model/training-context.js';
import { ACCELERATED_BACKENDS } from '../helpers/backends.js';
import { BLOCK_CASES } from '../helpers/block-cases.js';
import { build, inputsFor } from '../helpers/model.js';

/**
 * Gradients of a weighted sum of the outputs, in training mode, with respect
 * to every trainable weight and every float input, by stable name, on `backend`.
 */
async function gradientsOn(backend: BackendName, type: BlockType): Promise<Map<string, Float32Array>> {
  await useBackend(backend);
  const result = tf.tidy(() => {
    setTrainingStep(3);
    const model = build(BLOCK_CASES[type]());
    const inputs = inputsFor(model).map((input) => tf.variable(input, true));
    const output = model.outputs[0]!.shape;
    const mix = tf.randomNormal([2, ...output.slice(1).map((d) => d ?? 6)] as number[], 0, 1, 'float32', 77);
    const variables = [...model.trainableWeights.map((w) => w.read() as tf.Variable), ...inputs];
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(model.apply(inputs, { training: true }) as tf.Tensor, mix)) as tf.Scalar,
      variables,
    );
    const names = new Map([
      ...model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, w.originalName] as const),
      ...inputs.map((input, i) => [input.name, `input ${i}`] as const),
    ]);
    const values = Object.fromEntries([...names].map(([variable, name]) => [name, grads[variable]!.dataSync() as Float32Array]));
    model.dispose();
    tf.dispose(inputs);
    return values;
  });
  return new Map(Object.entries(result as Record<string, Float32Array>));
}

describe.each(ACCELERATED_BACKENDS)('every block trains on %s as on cpu', (backend) => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  it.each(Object.keys(BLOCK_CASES) as BlockType[])('%s: gradients match cpu within 1e-4 relative', async (type) => {
    const cpu = await gradientsOn('cpu', type);
    const wasm = await gradientsOn(backend, type);
    expect([...wasm.keys()].sort()).toEqual([...cpu.keys()].sort());
    // Relative to each gradient's own scale, floored at 1e-2 of the largest gradient of the model:
    // a gradient that is zero in exact arithmetic (a dense or conv bias before training-mode batch
    // norm) is float32 rounding noise on both backends, and noise has no meaningful relative error.
    const modelScale = Math.max(...[...cpu.values()].flatMap((values) => Array.from(values, Math.abs)));
    for (const [name, expected] of cpu) {
      const actual = wasm.get(name)!;
      const scale = Math.max(...Array.from(expected, Math.abs), 1e-2 * modelScale);
      const error = Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i]!))) / scale;
      expect(error, `${type}: ${name}`).toBeLessThanOrEqual(1e-4);
    }
  });
});
