import { describe, expect, it } from 'vitest';
import { epochal } from '../helpers/processes.js';

describe('epochal data inspect', () => {
  it('summarises a CSV source without preparing it: counts, fields, class balance, split sizes by group', async () => {
    const { code, stdout, stderr } = await epochal(['data', 'inspect', 'configs/tabular-mlp/train_params.json']);
    expect(code, stderr).toBe(0);
    const line = (label: string) => stdout.split('\n').find((l) => l.trim().startsWith(label))?.trim().replace(/\s+/g, ' ');
    expect(line('records')).toBe('records 360 in 24 groups');
    expect(line('features')).toBe('features features, float32 [6]');
    expect(line('normal')).toBe('normal 119 (33.1%)');
    expect(line('train')).toBe('train 210 records, 14 groups');
    expect(line('validation')).toBe('validation 75 records, 5 groups');
  });

  it('summarises synthetic ECG nights with their sequence lengths', async () => {
    const { code, stdout } = await epochal(['data', 'inspect', 'configs/sleepnet-small/train_params.json']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/records\s+12 in 12 groups/);
    expect(stdout).toMatch(/sequences\s+40–79 steps/);
    expect(stdout).toMatch(/ecg\s+signal, float32 \[n,960\]/);
  });
});
