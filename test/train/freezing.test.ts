import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FineTune } from '../../src/config/train/fine-tune.js';
import { Optimizer } from '../../src/config/train/training.js';
import { applyTrainable, freezeReport, learningRateAt, trainableAt, trainableCandidates, unmatchedPatterns } from '../../src/model/freeze.js';
import { listWeights } from '../../src/model/weights.js';
import { TrainingOptimizer } from '../../src/train/optimizer.js';
import { trainStep } from '../../src/train/step.js';
import { bitwiseEqual, build, inputsFor, labelsFor, snapshotWeights, tinyNet } from '../helpers/model.js';

/** A small sequence model shaped like SleepNet's back half: dense → tcn → residual dense → head. */
function seqNet() {
  return tinyNet({ x: [null, 4] }, {
    inner_dense: { type: 'dense', input: 'x', units: 6, batchNorm: true },
    tcn: { type: 'tcn', input: 'inner_dense', channels: [6, 6], dropout: 0.1 },
    outer_dense: { type: 'residualDenseStack', input: 'tcn', units: [8, 5] },
    stages: { type: 'head', input: 'outer_dense', units: 3 },
  }, ['stages']);
}

function setup(fineTune: unknown, optimizer: unknown = { type: 'adam', learningRate: 0.01 }) {
  const model = build(seqNet());
  const candidates = trainableCandidates(model);
  const config = FineTune.parse(fineTune);
  applyTrainable(model, trainableAt(1, config, [...candidates]), candidates);
  const opt = new TrainingOptimizer(model, Optimizer.parse(optimizer), config.learningRates);
  const batch = { inputs: inputsFor(model, 2, 8), labels: labelsFor(model, 2, 8) };
  return { model, candidates, config, opt, batch };
}

describe('freezing weights by pattern', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('leaves frozen weights bitwise unchanged after a training step and changes trainable ones', () => {
    const { model, opt, batch } = setup({ trainable: ['outer_dense', 'stages'] });
    const before = snapshotWeights(model);
    trainStep(model, opt, batch, 0);
    const after = snapshotWeights(model);
    const trainable = new Set(opt.trainable);
    expect([...trainable].sort()).toEqual(
      [
        'outer_dense/dense_0/kernel',
        'outer_dense/dense_0/bias',
        'outer_dense/dense_1/kernel',
        'outer_dense/dense_1/bias',
        'outer_dense/downsample/kernel',
        'stages/dense/kernel',
        'stages/dense/bias',
      ].sort(),
    );
    for (const [name, values] of before) {
      if (trainable.has(name)) expect(bitwiseEqual(values, after.get(name)!), `${name} should change`).toBe(false);
      else expect(bitwiseEqual(values, after.get(name)!), `${name} should not change`).toBe(true);
    }
  });

  it('counts trainable, frozen and never-trainable parameters', () => {
    const { model, candidates } = setup({ frozen: ['tcn/**', 'inner_dense'] });
    const report = freezeReport(listWeights(model), candidates);
    const sizeOf = (prefix: string) =>
      listWeights(model)
        .filter((w) => w.name.startsWith(prefix) && candidates.has(w.name))
        .reduce((sum, w) => sum + w.size, 0);
    expect(report.frozenParams).toBe(sizeOf('tcn/') + sizeOf('inner_dense/'));
    expect(report.trainableParams).toBe(sizeOf('outer_dense/') + sizeOf('stages/'));
    expect(report.nonTrainableParams).toBe(12); // inner_dense batch norm: moving mean and variance, 6 each
    expect(report.trainableParams + report.frozenParams + report.nonTrainableParams).toBe(model.countParams());
  });

  it('trains on without shape errors when the trainable set changes mid-run, keeping the moments of weights that stay', async () => {
    const { model, candidates, config, opt, batch } = setup({
      trainable: ['stages'],
      unfreezeSchedule: [{ atEpoch: 2, trainable: ['outer_dense', 'tcn/block_1'], learningRate: 0.005 }],
    });
    trainStep(model, opt, batch, 0);
    trainStep(model, opt, batch, 1);
    const momentsBefore = await opt.state();
    const stagesMoment = momentsBefore.groups[0]!.slots.find((s) => s.weight === 'stages/dense/kernel' && s.kind === 'm')!;

    applyTrainable(model, trainableAt(2, config, [...candidates]), candidates);
    opt.setBaseLearningRate(learningRateAt(2, config, 0.01));
    await opt.syncTrainable();
    expect(opt.trainable).toContain('tcn/block_1/conv_0/kernel');
    expect(opt.trainable).not.toContain('tcn/block_0/conv_0/kernel');

    const afterChange = await opt.state();
    const carried = afterChange.groups[0]!.slots.find((s) => s.weight === 'stages/dense/kernel' && s.kind === 'm')!;
    expect(bitwiseEqual(carried.tensor.dataSync() as Float32Array, stagesMoment.tensor.dataSync() as Float32Array)).toBe(true);
    const fresh = afterChange.groups[0]!.slots.find((s) => s.weight === 'tcn/block_1/conv_0/kernel' && s.kind === 'm')!;
    expect(tf.max(tf.abs(fresh.tensor)).dataSync()[0]).toBe(0);

    const before = snapshotWeights(model);
    const losses = [2, 3, 4].map((step) => trainStep(model, opt, batch, step));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(bitwiseEqual(before.get('tcn/block_1/conv_0/kernel')!, snapshotWeights(model).get('tcn/block_1/conv_0/kernel')!)).toBe(false);
    expect(bitwiseEqual(before.get('tcn/block_0/conv_0/kernel')!, snapshotWeights(model).get('tcn/block_0/conv_0/kernel')!)).toBe(true);
  });

  it('gives each learning-rate group its own rate', async () => {
    const { model, opt, batch } = setup(
      { learningRates: [{ patterns: ['stages'], learningRate: 0.1 }] },
      { type: 'sgd', learningRate: 0.001 },
    );
    const before = snapshotWeights(model);
    trainStep(model, opt, batch, 0);
    const after = snapshotWeights(model);
    const change = (name: string) => Math.max(...Array.from(after.get(name)!, (v, i) => Math.abs(v - before.get(name)![i]!)));
    // 100× the rate: the head moves far more than the trunk.
    expect(change('stages/dense/bias')).toBeGreaterThan(10 * change('outer_dense/dense_1/bias'));
    const state = await opt.state();
    expect(state.groups.map((g) => g.learningRate)).toEqual([0.1, 0.001]);
  });

  it('reports a pattern that matches no weight with the closest weight names', () => {
    const model = build(seqNet());
    const issues = unmatchedPatterns(FineTune.parse({ trainable: ['stages', 'outer_dense/dense_9'] }), listWeights(model).map((w) => w.name));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: ['fineTune', 'trainable', 1], message: 'Pattern "outer_dense/dense_9" matches no weight of the network.' });
    expect(issues[0]!.hint).toContain('"outer_dense/dense_0/bias"');
  });
});
