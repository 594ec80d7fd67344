import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample, editJson } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';

describe('epochal inspect', () => {
  it('prints the SleepNet layer table: name, type, output shape, parameters, trainable', async () => {
    const { code, stdout, stderr } = await epochal(['inspect', 'configs/sleepnet/net_params.json']);
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[2]!.split(/\s{2,}/)).toEqual(['name', 'type', 'output shape', 'params', 'trainable']);
    const row = (name: string) => lines.find((line) => line.startsWith(`${name} `))?.trim().split(/\s{2,}/);
    expect(row('tcn/block_4/conv_1')).toEqual(['tcn/block_4/conv_1', 'TemporalConv1D', '[None,None,128]', '49,280', 'yes']);
    expect(row('ecg_tower/ecg_cnns/conv_0')).toEqual(['ecg_tower/ecg_cnns/conv_0', 'Conv1D', '[None,3840,8]', '64', 'yes']);
    expect(row('stages/dense')).toEqual(['stages/dense', 'Dense', '[None,None,5]', '325', 'yes']);
    expect(stdout).toContain('691,497 parameters: 691,031 trainable, 0 frozen, 466 non-trainable');
  });

  it('applies the fineTune patterns of a train_params file and lists weight names on request', async () => {
    const dir = await copySample('sleepnet-small');
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.fineTune = { trainable: ['outer_dense', 'stages'] };
    });
    const { code, stdout } = await epochal(['inspect', join(dir, 'train_params.json'), '--weights']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/tcn\/block_0\/conv_0\s+TemporalConv1D\s+\[None,None,32\]\s+3,104\s+no/);
    expect(stdout).toMatch(/outer_dense\/dense_0\s+Dense\s+\[None,None,32\]\s+1,056\s+yes/);
    expect(stdout).toContain('21,173 parameters: 2,181 trainable, 18,992 frozen, 0 non-trainable');
    expect(stdout).toContain('tcn/block_1/conv_1/kernel  [3,32,32]  (frozen)');
  });
});
