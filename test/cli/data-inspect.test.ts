import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample, editJson } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';

describe('epochal data inspect', () => {
  it('summarises a CSV source without preparing it: counts, fields, class balance, split sizes by group', async () => {
    const { code, stdout, stderr } = await epochal(['data', 'inspect', 'configs/tabular-mlp/train_params.json']);
    expect(code, stderr).toBe(0);
    const line = (label: string) => stdout.split('\n').find((l) => l.trim().startsWith(label))?.trim().replace(/\s+/g, ' ');
    expect(line('records')).toBe('records 360 in 24 groups');
    expect(line('features')).toBe('features features, float32 [6]');
    expect(line('normal')).toBe('normal 119 (33.1%)');
    expect(line('train')).toBe('train 240 records, 16 groups');
    expect(line('validation')).toBe('validation 90 records, 6 groups');
  });

  it('summarises synthetic ECG nights with their sequence lengths', async () => {
    const dir = await copySample('sleepnet-small');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.source.subjects = 12;
      train.data.source.nightEpochs = { min: 40, max: 80 };
    });
    const { code, stdout } = await epochal(['data', 'inspect', join(dir, 'train_params.json')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/records\s+12 in 12 groups/);
    const [, shortest, longest] = /sequences\s+(\d+)–(\d+) steps/.exec(stdout)!.map(Number);
    expect(shortest).toBeGreaterThanOrEqual(40);
    expect(longest).toBeLessThanOrEqual(80);
    expect(longest).toBeGreaterThan(shortest!);
    expect(stdout).toMatch(/ecg\s+signal, float32 \[n,960\]/);
  });
});
