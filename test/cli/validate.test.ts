import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenSleepnet, copySample, editJson } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';

describe('epochal validate', () => {
  it('exits 0 for the SleepNet sample and says what it checked', async () => {
    const { code, stdout } = await epochal(['validate', 'configs/sleepnet/train_params.json']);
    expect(code).toBe(0);
    expect(stdout).toContain('configs/sleepnet/train_params.json is valid: experiment sleepnet-synthetic, network sleepnet');
  });

  it('validates net and infer params too, telling the kind from the file name', async () => {
    for (const file of ['configs/sleepnet/net_params.json', 'configs/tabular-mlp/infer_params.json']) {
      const { code, stdout } = await epochal(['validate', file]);
      expect(code, stdout).toBe(0);
    }
  });

  it('exits 1 for a broken copy, printing each problem as "path: message"', async () => {
    const dir = await brokenSleepnet();
    const { code, stderr } = await epochal(['validate', join(dir, 'train_params.json')]);
    expect(code).toBe(1);
    const lines = stderr.split('\n').map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        'training.batchSzie: Unknown key. Fix: did you mean "batchSize"?',
        'training.epochs: Expected a number ≥ 1, but got -5.',
        'data.source.nightEpochs.min: Expected a number, but got "six hundred".',
        expect.stringMatching(/^netParams: Expected a readable JSON file, but .*missing_net_params\.json does not exist\./),
      ]),
    );
    expect(stderr).toContain('is invalid (4 problems)');
  });

  it('asks for --kind when neither the file name nor $schema tells', async () => {
    const dir = await copySample('tabular-mlp');
    await editJson(join(dir, 'net_params.json'), (net) => {
      delete net.$schema;
    });
    const { rename } = await import('node:fs/promises');
    await rename(join(dir, 'net_params.json'), join(dir, 'model.json'));
    const unknown = await epochal(['validate', join(dir, 'model.json')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Pass --kind');
    const known = await epochal(['validate', '--kind', 'net_params', join(dir, 'model.json')]);
    expect(known.code).toBe(0);
  });
});
