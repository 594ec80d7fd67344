import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweepConfig } from '../../src/config/sweep/load.js';
import { ConfigError } from '../../src/errors.js';
import { CONFIGS, copySample } from '../helpers/configs.js';

/** A sweep file beside a private copy of the tabular sample; returns its path. */
async function sweepFile(sweep: Record<string, unknown>): Promise<string> {
  const dir = await copySample('tabular-mlp');
  const file = join(dir, 'sweep_params.json');
  await writeFile(file, JSON.stringify({ trainParams: 'train_params.json', ...sweep }));
  return file;
}

/** The issues loading `file` reports, as `path: message Fix: hint` lines without the file. */
async function problems(file: string): Promise<{ file?: string; line: string }[]> {
  try {
    await loadSweepConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => ({ ...(issue.file ? { file: issue.file } : {}), line: `${issue.path.join(' › ')}: ${issue.message}${issue.hint ? ` Fix: ${issue.hint}` : ''}` }));
  }
  throw new Error(`${file} loaded without problems`);
}

const rate = 'train.training.optimizer.learningRate';

describe('sweep_params.json', () => {
  it('loads the sample: seeded random trials of the tabular job, ranked by its monitored metric, each config resolved', async () => {
    const sweep = await loadSweepConfig(join(CONFIGS, 'tabular-mlp', 'sweep_params.json'));
    expect(sweep).toMatchObject({ experiment: 'machine-state', metric: 'val_loss', mode: 'min', sweep: { parallelism: 2, search: { type: 'random', trials: 8, seed: 1 } } });
    expect(sweep.trials.map((trial) => trial.trial)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const trial of sweep.trials) {
      expect(trial.train.training.optimizer.learningRate).toBe(trial.params[rate]);
      expect(trial.net.blocks.hidden).toMatchObject({ units: trial.params['net.blocks.hidden.units'], dropout: trial.params['net.blocks.hidden.dropout'] });
      expect(trial.train.data.source).toMatchObject({ path: join(CONFIGS, 'tabular-mlp', 'data', 'machines.csv') });
    }
  });

  it('applies grid values to train and net params in grid order, and gives every trial the sweep experiment', async () => {
    const file = await sweepFile({ experiment: 'widths', space: { [rate]: { values: [0.01, 0.001] }, 'net.blocks.trunk.units[1]': { int: [8, 9] } } });
    const sweep = await loadSweepConfig(file);
    expect(sweep.trials.map((trial) => [trial.train.training.optimizer.learningRate, (trial.net.blocks.trunk as { units: number[] }).units])).toEqual([
      [0.01, [32, 8]],
      [0.01, [32, 9]],
      [0.001, [32, 8]],
      [0.001, [32, 9]],
    ]);
    expect(sweep.trials.every((trial) => trial.train.experiment === 'widths')).toBe(true);
  });

  it('reports structural problems of the sweep file with their JSON paths', async () => {
    const file = await sweepFile({
      space: { [rate]: { values: [0.1], uniform: [0, 1] }, 'net.blocks.hidden.units': { int: [9, 3] }, 'net.blocks.hidden.dropout': { valeus: [0] } },
      search: { type: 'randm' },
      parallelism: 0,
    });
    expect(await problems(file)).toEqual([
      { file, line: `space › ${rate}: Expected exactly one of "values", "uniform", "logUniform" or "int", but got "values" and "uniform".` },
      { file, line: 'space › net.blocks.hidden.units › int: Expected [low, high] with low < high, but got [9,3].' },
      { file, line: 'space › net.blocks.hidden.dropout › valeus: Unknown key. Fix: did you mean "values"?' },
      { file, line: 'space › net.blocks.hidden.dropout: Expected exactly one of "values", "uniform", "logUniform" or "int", but got none.' },
      { file, line: 'search › type: Expected one of "grid", "random", but got "randm". Fix: did you mean "random"?' },
      { file, line: 'parallelism: Expected a number ≥ 1, but got 0.' },
    ]);
  });

  it('reports a path that leads nowhere in the resolved params, naming the key meant', async () => {
    const file = await sweepFile({
      space: {
        'train.training.optimizr.learningRate': { values: [0.1] },
        'net.blocks.trunk.units[5]': { values: [4] },
        'training.epochs': { values: [2] },
        'train.experiment': { values: ['a', 'b'] },
      },
    });
    const dir = file.replace(/sweep_params\.json$/, '');
    expect(await problems(file)).toEqual([
      { file, line: `space › train.training.optimizr.learningRate: Expected train.training.optimizr.learningRate to name a value of the train_params (defaults applied), but training has no key "optimizr" (did you mean "optimizer"?). Fix: correct the path, or first add the key to ${dir}train_params.json so the sweep can vary it.` },
      { file, line: `space › net.blocks.trunk.units[5]: Expected net.blocks.trunk.units[5] to name a value of the net_params, but blocks.trunk.units has 2 items, so [5] is past its end. Fix: correct the path, or first add the key to ${dir}net_params.json so the sweep can vary it.` },
      { file, line: 'space › training.epochs: Expected a JSON path into the train or net params (like train.training.optimizer.learningRate or net.blocks.hidden.units), but it starts with neither "train" nor "net". Fix: start it with "train." or "net." and write each step as .key, [index] or ["key"].' },
      { file, line: 'space › train.experiment: Expected a value the trials may vary, but train.experiment is the same for every trial. Fix: set the sweep\'s own "experiment"; every trial belongs to it.' },
    ]);
  });

  it('reports overlapping paths, float ranges in a grid, and a metric the trials do not record', async () => {
    const file = await sweepFile({
      space: { 'train.training.optimizer': { values: [{ type: 'sgd' }] }, [rate]: { uniform: [0.001, 0.1] } },
      metric: 'val_cohenKappa',
    });
    expect(await problems(file)).toEqual([
      { file, line: `space › ${rate}: Expected paths that do not overlap, but ${rate} lies inside train.training.optimizer, which is swept too. Fix: sweep either train.training.optimizer or ${rate}.` },
      { file, line: `space › ${rate} › uniform: Expected values a grid can list (values, or an int range), but got a float range. Fix: list the values to try, or use "search": { "type": "random", "trials": N }.` },
      { file, line: 'metric: Expected a metric the trials record, but "cohenKappa" is not in training.metrics of machine-state\'s train_params. Fix: add "cohenKappa" to training.metrics, or rank by val_loss.' },
    ]);
  });

  it('reports a grid too large to run', async () => {
    const file = await sweepFile({ space: { 'net.blocks.hidden.units': { int: [1, 100] }, 'train.training.batchSize': { int: [1, 11] } } });
    expect(await problems(file)).toEqual([
      { file, line: 'space: Expected a grid of at most 1000 trials, but the space has 100 × 11 = 1100. Fix: list fewer values, or draw some trials with "search": { "type": "random", "trials": N }.' },
    ]);
  });

  it('checks every trial config before any runs, reporting each problem once at the swept path, with the trials it occurs in', async () => {
    const file = await sweepFile({
      space: { [rate]: { values: [0.01, 0] }, 'train.training.epochs': { values: [40, 5] }, 'net.blocks.hidden.units': { values: [16, -4] } },
    });
    expect(await problems(file)).toEqual([
      { file, line: 'space › net.blocks.hidden.units: In trials 2, 4, 6, 8 (net.blocks.hidden.units = -4): Expected a number ≥ 1, but got -4. Fix: change the values in space so every trial is a valid training job.' },
      // At a path not swept: the values the trials share, not the ones that differ.
      { file, line: 'space: In trials 3, 4 (train.training.optimizer.learningRate = 0.01, train.training.epochs = 5): train.training.epochsPerChunk: Expected at most training.epochs (5), but got 10. Fix: lower epochsPerChunk to 5 or less, or raise epochs; or change the values in space so every trial is a valid training job.' },
      { file, line: `space › ${rate}: In trials 5, 6, 7, 8 (${rate} = 0): Expected a number > 0, but got 0. Fix: change the values in space so every trial is a valid training job.` },
    ]);
  });

  it('reports a train_params file that is not there at the sweep key that names it', async () => {
    const file = await sweepFile({ trainParams: 'missing/train_params.json', space: { [rate]: { values: [0.1] } } });
    expect(await problems(file)).toEqual([
      { file, line: `trainParams: Expected a train_params.json, but ${file.replace(/sweep_params\.json$/, '')}missing/train_params.json does not exist. Fix: check the path; relative paths resolve against ${file.replace(/\/sweep_params\.json$/, '')}.` },
    ]);
  });
});
