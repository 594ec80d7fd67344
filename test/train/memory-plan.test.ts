/**
 * Memory planning: the measured estimate of a step's memory tracks what a
 * step really holds, and the plan stores activations when they fit, then
 * recomputes, then splits the batch, and otherwise refuses the config with
 * the estimate, the limit and the fix.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTrainConfig, type TrainConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { buildModel } from '../../src/model/build.js';
import { setRecompute } from '../../src/model/layers/conv-stack.js';
import { forwardLogits } from '../../src/train/logits.js';
import { classificationLoss } from '../../src/train/loss.js';
import { measureStepMemory, memoryLimit, planMemory } from '../../src/train/memory-plan.js';
import { peakBufferBytes } from '../../src/train/memory-probe.js';
import { activate } from '../backend/parity.js';
import { SMALL_SLEEPNET_TRAIN } from '../helpers/configs.js';

async function smallSleepnet(training: Record<string, unknown> = {}): Promise<TrainConfig> {
  const config = await loadTrainConfig(SMALL_SLEEPNET_TRAIN);
  Object.assign(config.train.training, training);
  return config;
}

/** The buffer bytes one forward and backward pass of `samples` × `steps` really holds at its peak. */
function measured(config: TrainConfig, samples: number, steps: number, recompute: boolean): number {
  const model = buildModel(config.net, 1);
  setRecompute(model, recompute);
  const inputs = [tf.randomNormal([samples, steps, 960]), tf.randomNormal([samples, steps, 8]), tf.ones([samples, steps])];
  const labels = tf.zeros([samples, steps], 'int32');
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const peak = peakBufferBytes(() => {
    const { value, grads } = tf.variableGrads(() => classificationLoss(labels, forwardLogits(model, inputs, true)), variables);
    tf.dispose([value, ...Object.values(grads)]);
  });
  tf.dispose([...inputs, labels]);
  model.dispose();
  return peak;
}

describe('memory planning', () => {
  it.each([false, true])('estimates a batch 16 times the probe within 25%, recompute %s', async (recompute) => {
    await activate('wasm');
    const config = await smallSleepnet();
    const step = measureStepMemory(config, true, recompute);
    const estimate = step.fixed + step.perUnit * 4 * 128;
    const actual = measured(config, 4, 128, recompute);
    expect(Math.abs(estimate - actual) / actual).toBeLessThan(0.25);
  });

  it('stores activations when the batch fits, and says so', async () => {
    await activate('wasm');
    const plan = planMemory({ config: await smallSleepnet(), backend: 'wasm', longest: 120 });
    expect(plan).toMatchObject({ backend: 'wasm', batch: { samples: 4, steps: 120 }, microBatchSize: 4, recompute: false, notes: [] });
    expect(plan.estimatedBytes).toBeLessThan(plan.limitBytes);
    expect(plan.limitSource).toBe("the wasm backend's 4 GiB heap");
  });

  it('recomputes, then splits the batch, as the limit shrinks', async () => {
    await activate('wasm');
    const config = await smallSleepnet({ microBatchSize: 'auto' });
    const stored = planMemory({ config, backend: 'wasm', longest: 2000 });
    const limits = [stored.estimatedBytes * 0.85, stored.estimatedBytes * 0.45].map((bytes) => bytes / 1e9);
    const recomputing = planMemory({ config: await smallSleepnet({ microBatchSize: 'auto', memoryLimitGB: limits[0] }), backend: 'wasm', longest: 2000 });
    expect(recomputing).toMatchObject({ microBatchSize: 4, recompute: true });
    const split = planMemory({ config: await smallSleepnet({ microBatchSize: 'auto', memoryLimitGB: limits[1] }), backend: 'wasm', longest: 2000 });
    expect(split.microBatchSize).toBeLessThan(4);
    expect(split.notes.join(' ')).toMatch(/micro-batches of up to \d; gradients add up to the batch's/);
  });

  it('refuses a batch that cannot fit, naming the estimate, the limit and a micro-batch size that fits', async () => {
    await activate('wasm');
    const config = await smallSleepnet({ memoryLimitGB: 0.3, recompute: 'never' });
    const error = (() => {
      try {
        planMemory({ config, backend: 'wasm', longest: 1000 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const [issue] = (error as ConfigError).issues;
    expect(issue).toMatchObject({ path: ['training', 'batchSize'], check: 'fitsInMemory' });
    expect(issue!.message).toMatch(
      /^Expected one training step of sleepnet-small \(a batch of 4 × 1000 steps, in one pass\) to fit in 0\.3 GB \(training\.memoryLimitGB \(0\.3 GB\)\) on the wasm backend, but it needs about 0\.\d GB\.$/,
    );
    expect(issue!.hint).toMatch(/^set training\.microBatchSize to 1 \(about 0\.\d GB; gradients still add up to the batch's\); or set training\.recompute to "auto"; or train on the tensorflow backend/);
  });

  it("uses the wasm heap, a configured limit or most of the machine's memory as the limit", () => {
    expect(memoryLimit('wasm')).toEqual({ bytes: 4 * 2 ** 30, source: "the wasm backend's 4 GiB heap" });
    expect(memoryLimit('wasm', 2)).toEqual({ bytes: 2e9, source: 'training.memoryLimitGB (2 GB)' });
    expect(memoryLimit('wasm', 64).bytes).toBe(4 * 2 ** 30);
    expect(memoryLimit('tensorflow', 12)).toEqual({ bytes: 12e9, source: 'training.memoryLimitGB (12 GB)' });
    expect(memoryLimit('tensorflow').source).toMatch(/^80% of this machine's \d+\.\d GB$/);
  });
});
