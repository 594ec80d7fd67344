import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { loadTrainConfig, type TrainConfig } from '../../src/config/load.js';
import { formatIssues, type ConfigIssue } from '../../src/config/issues.js';
import type { TrainParams } from '../../src/config/train/train-params.js';
import { ConfigError } from '../../src/errors.js';
import { brokenSleepnet, copySample, editJson, readJson, SLEEPNET_TRAIN, TABULAR_TRAIN } from '../helpers/configs.js';

/** The issues a config load rejects with (fails the test if it loads). */
async function issuesOf(load: Promise<unknown>): Promise<ConfigIssue[]> {
  const error = await load.then(
    () => expect.unreachable('expected the config to be invalid'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return [...(error as ConfigError).issues];
}

const where = (issues: ConfigIssue[]) => issues.map((issue) => issue.path.join('.'));

describe('train_params.json', () => {
  it('loads the SleepNet sample with its network, defaults applied and paths resolved', async () => {
    const config = await loadTrainConfig(SLEEPNET_TRAIN);
    expect(config.train.experiment).toBe('sleepnet-synthetic');
    expect(config.net.name).toBe('sleepnet');
    expect(config.train.netParams).toBe(join(config.baseDir, 'net_params.json'));
    expect(config.train.training.optimizer).toEqual({
      type: 'adam',
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    expect(config.sources.train.sha256).toMatch(/^[0-9a-f]{64}$/);
    expectTypeOf(config).toEqualTypeOf<TrainConfig>();
    expectTypeOf(config.train.training.epochs).toEqualTypeOf<number>();
    expectTypeOf<TrainParams['data']['source']['type']>().toEqualTypeOf<
      'syntheticEcg' | 'hdf5' | 'csv' | 'jsonl' | 'npy' | 'npz' | 'plugin'
    >();
  });

  it('loads a different architecture and data source by swapping configs', async () => {
    const config = await loadTrainConfig(TABULAR_TRAIN);
    expect(config.net.name).toBe('machine-state-mlp');
    expect(Object.keys(config.net.inputs)).toEqual(['features']);
    expect(config.train.data.source).toMatchObject({
      type: 'csv',
      path: join(config.baseDir, 'data', 'machines.csv'),
      delimiter: ',',
      group: 'machine_id',
    });
  });

  it('resolves relative paths against the folder of the config file, not the working folder', async () => {
    const dir = await copySample('tabular-mlp');
    const config = await loadTrainConfig(join(dir, 'train_params.json'), { cwd: '/' });
    expect(config.train.data.source).toMatchObject({ path: join(dir, 'data', 'machines.csv') });
    expect(config.sources.net.file).toBe(join(dir, 'net_params.json'));
  });

  it('resolves the paths of an inline config against the given working folder', async () => {
    const dir = await copySample('tabular-mlp');
    const inline = { ...(await readJson(join(dir, 'train_params.json'))), netParams: await readJson(join(dir, 'net_params.json')) };
    const config = await loadTrainConfig(inline, { cwd: dir });
    expect(config.train.data.source).toMatchObject({ path: join(dir, 'data', 'machines.csv') });
    expect(config.sources.train.file).toBeUndefined();
    expect(config.net.name).toBe('machine-state-mlp');
  });

  it('reports an unknown key, negative epochs, a missing net file and a nested wrong type all at once', async () => {
    const dir = await brokenSleepnet();
    const issues = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(where(issues).sort()).toEqual(
      ['data.source.nightEpochs.min', 'netParams', 'training.batchSzie', 'training.epochs'].sort(),
    );
    expect(issues.every((issue) => issue.file === join(dir, 'train_params.json'))).toBe(true);
    expect(formatIssues(issues).replaceAll(dir, '<dir>')).toMatchInlineSnapshot(`
      "<dir>/train_params.json
        data.source.nightEpochs.min: Expected a number, but got "six hundred".
        training.epochs: Expected a number ≥ 1, but got -5.
        training.batchSzie: Unknown key. Fix: did you mean "batchSize"?
        netParams: Expected a readable JSON file, but <dir>/nets/missing_net_params.json does not exist. Fix: check the path; relative paths resolve against the folder of the config file that names them."
    `);
  });

  it('reports problems in the network at their path in net_params.json together with those in train_params', async () => {
    const dir = await copySample('sleepnet');
    await editJson(join(dir, 'net_params.json'), (net) => {
      net.blocks.tcn.kernelSize = '3';
      net.blocks.ecg_tower.blocks.ecg_cnns.layers[2].filters = 0;
    });
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.seed = 1.5;
    });
    const issues = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(issues.map((issue) => [issue.file, issue.path.join('.'), issue.message])).toEqual([
      [join(dir, 'train_params.json'), 'seed', 'Expected an integer, but got 1.5.'],
      [join(dir, 'net_params.json'), 'blocks.ecg_tower.blocks.ecg_cnns.layers.2.filters', 'Expected a number ≥ 1, but got 0.'],
      [join(dir, 'net_params.json'), 'blocks.tcn.kernelSize', 'Expected a number, but got "3".'],
    ]);
  });

  it('names the valid block types and the closest one for a mistyped block type', async () => {
    const dir = await copySample('sleepnet');
    await editJson(join(dir, 'net_params.json'), (net) => {
      net.blocks.tcn.type = 'tcnn';
    });
    const [issue] = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(issue).toMatchObject({ path: ['blocks', 'tcn', 'type'], hint: 'did you mean "tcn"?' });
    expect(issue!.message).toContain('"residualDenseStack"');
  });

  it('reports invalid JSON with its line and column', async () => {
    const dir = await copySample('sleepnet');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'train_params.json'), '{\n  "experiment": "x",\n  "seed": }\n');
    const [issue] = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(issue).toMatchObject({ file: join(dir, 'train_params.json'), path: [] });
    expect(issue!.message).toBe('Invalid JSON at line 3, column 11: ValueExpected.');
  });

  describe('cross-field checks', () => {
    async function checkIssues(edit: (train: Record<string, any>, net: Record<string, any>) => void) { // eslint-disable-line @typescript-eslint/no-explicit-any
      const dir = await copySample('sleepnet');
      const net = await readJson(join(dir, 'net_params.json'));
      await editJson(join(dir, 'train_params.json'), (train) => {
        train.netParams = net;
        edit(train, net);
      });
      return issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    }

    it('rejects a chunk larger than the epoch budget, saying how to fix it', async () => {
      const [issue] = await checkIssues((train) => {
        train.training.epochs = 4;
        train.training.epochsPerChunk = 5;
      });
      expect(issue).toMatchObject({
        check: 'chunkWithinBudget',
        path: ['training', 'epochsPerChunk'],
        message: 'Expected at most training.epochs (4), but got 5.',
        hint: 'lower epochsPerChunk to 4 or less, or raise epochs.',
      });
    });

    it('rejects split fractions that do not add up to 1', async () => {
      const [issue] = await checkIssues((train) => {
        train.data.split.test = 0.3;
      });
      expect(issue).toMatchObject({ check: 'splitAddsUp', path: ['data', 'split'] });
      expect(issue!.message).toBe('Expected train + validation + test to be 1, but got 1.15.');
    });

    it('rejects early stopping on a metric that is not tracked', async () => {
      const [issue] = await checkIssues((train) => {
        train.training.earlyStopping.monitor = 'val_macroF1';
      });
      expect(issue).toMatchObject({ check: 'monitorIsTracked', hint: 'add "macroF1" to training.metrics, or monitor "val_loss".' });
    });

    it('rejects an output head whose width differs from the number of classes, in the net', async () => {
      const [issue] = await checkIssues((train) => {
        train.data.classes = ['wake', 'sleep'];
      });
      expect(issue).toMatchObject({
        check: 'headMatchesClasses',
        path: ['netParams', 'blocks', 'stages', 'units'],
        message: 'Expected 2 units, one per class in data.classes, but got 5.',
      });
    });

    it('rejects a freeze pattern that matches no block, listing the closest block names', async () => {
      const [issue] = await checkIssues((train) => {
        train.fineTune = { trainable: ['outer_dense/**', 'outer_dens/**'] };
      });
      expect(issue).toMatchObject({
        check: 'patternsMatchBlocks',
        path: ['fineTune', 'trainable', 1],
        message: 'Pattern "outer_dens/**" matches no weight: no block is named "outer_dens".',
      });
      expect(issue!.hint).toContain('closest blocks: "outer_dense"');
    });

    it('rejects a model input that no data field feeds', async () => {
      const [issue] = await checkIssues((train) => {
        train.data.inputs.ecg = 'ecg_signal';
      });
      expect(issue).toMatchObject({ check: 'inputsAreFed', path: ['data', 'inputs', 'ecg'] });
      expect(issue!.hint).toContain('"ecg"');
    });

    it('rejects sequence blocks that would let padding reach real steps, naming the mask to add', async () => {
      const issues = await checkIssues((_train, net) => {
        delete net.blocks.tcn.mask;
        delete net.blocks.ecg_tower.mask;
        net.blocks.night_pool = { type: 'adaptivePool1d', input: 'tcn', mode: 'avg', outputLength: 1 };
      });
      expect(issues.filter((issue) => issue.check === 'sequencesAreMasked').map((issue) => [issue.path.join('.'), issue.hint])).toEqual([
        ['netParams.blocks.ecg_tower', 'add "mask": "epoch_mask" to it.'],
        ['netParams.blocks.tcn', 'add "mask": "epoch_mask" to it.'],
        ['netParams.blocks.night_pool.type', 'use globalPool1d with "mask": "epoch_mask", or pool inside a timeDistributed block.'],
      ]);
      expect(issues[0]!.message).toContain('padded steps flow into real ones');
    });

    it('rejects an unfreeze schedule beyond the epoch budget or out of order', async () => {
      const issues = await checkIssues((train) => {
        train.fineTune = {
          trainable: ['outer_dense'],
          unfreezeSchedule: [
            { atEpoch: 10, trainable: ['tcn'] },
            { atEpoch: 5, trainable: ['inner_dense'] },
            { atEpoch: 31, trainable: ['ecg_tower'] },
          ],
        };
      });
      expect(issues.map((issue) => [issue.check, issue.path.join('.')])).toEqual([
        ['unfreezeScheduleInBudget', 'fineTune.unfreezeSchedule.1.atEpoch'],
        ['unfreezeScheduleInBudget', 'fineTune.unfreezeSchedule.2.atEpoch'],
      ]);
    });

    it('reports a data file that does not exist at the key that names it', async () => {
      const dir = await copySample('tabular-mlp');
      await editJson(join(dir, 'train_params.json'), (train) => {
        train.data.source.path = 'data/missing.csv';
      });
      const [issue] = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
      expect(issue).toMatchObject({
        path: ['data', 'source', 'path'],
        message: `Expected a data file, but ${join(dir, 'data', 'missing.csv')} does not exist.`,
      });
    });
  });

  it('takes a built-in weight mapping by name and a mapping file by path, checking the file exists', async () => {
    const dir = await copySample('tabular-mlp');
    await writeFile(join(dir, 'weights.safetensors'), '');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.fineTune = { pretrained: { path: 'weights.safetensors', mapping: 'sleepnet-torch' } };
    });
    const builtin = await loadTrainConfig(join(dir, 'train_params.json'));
    expect(builtin.train.fineTune?.pretrained).toMatchObject({ path: join(dir, 'weights.safetensors'), mapping: 'sleepnet-torch' });

    await editJson(join(dir, 'train_params.json'), (train) => {
      train.fineTune.pretrained.mapping = 'sleepnet-torch.json';
    });
    const [issue] = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(issue).toMatchObject({
      path: ['fineTune', 'pretrained', 'mapping'],
      message: `Expected a weight mapping (JSON), but ${join(dir, 'sleepnet-torch.json')} does not exist.`,
    });
  });

  it('refuses a class named twice (labels would be ambiguous), at the second name', async () => {
    const dir = await copySample('tabular-mlp');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.classes = ['normal', 'worn', 'normal'];
    });
    const issues = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(issues).toContainEqual(expect.objectContaining({ path: ['data', 'classes', 2], message: 'Expected a class name not used before, but got "normal", which is also class 0.' }));
  });

  it('bounds the numbers that size memory: nights, rates, widths, batches', async () => {
    const dir = await copySample('sleepnet-small');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.source.nightEpochs = { min: 600, max: 4000 };
      train.data.source.samplingRateHz = 4096;
      train.training.batchSize = 1e6;
    });
    const issues = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(where(issues)).toContain('training.batchSize');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.training.batchSize = 8;
    });
    const night = await issuesOf(loadTrainConfig(join(dir, 'train_params.json')));
    expect(night).toContainEqual(
      expect.objectContaining({
        path: ['data', 'source', 'nightEpochs', 'max'],
        message: `Expected a night of at most ${64 * 1024 * 1024} samples, but nightEpochs.max × epochSeconds × samplingRateHz = 4000 × 30 × 4096 = 491520000.`,
      }),
    );
  });
});
