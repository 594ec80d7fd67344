import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsTable, sweepFields, trialOutcome } from '../../src/cli/sweep-output.js';
import type { TrialRow } from '../../workflows/sweep-state.js';
import { CONFIGS, copySample } from '../helpers/configs.js';
import { epochal } from '../helpers/processes.js';

const rate = 'train.training.optimizer.learningRate';
const rows: TrialRow[] = [
  { trial: 1, workflowId: 's-trial-1', params: { [rate]: 0.01, 'net.blocks.hidden.units': 16 }, label: 'learningRate=0.01, units=16', status: 'completed', epochs: 4, ended: 'budget', best: { value: 0.41234, epoch: 4 }, exported: { which: 'best', epoch: 4, model: '/m1', value: 0.41234 } },
  { trial: 2, workflowId: 's-trial-2', params: { [rate]: 1e-7, 'net.blocks.hidden.units': 16 }, label: 'learningRate=1e-7, units=16', status: 'stopped-early', epochs: 2, ended: 'stopped', best: { value: 1.7, epoch: 1 }, exported: { which: 'best', epoch: 1, model: '/m2', value: 1.7 }, reason: 'judged after epoch 1: worse than the median' },
  { trial: 3, workflowId: 's-trial-3', params: { [rate]: 0.01, 'net.blocks.hidden.units': 32 }, label: 'learningRate=0.01, units=32', status: 'running', epochs: 1 },
  { trial: 4, workflowId: 's-trial-4', params: { [rate]: 1e-7, 'net.blocks.hidden.units': 32 }, label: 'learningRate=1e-7, units=32', status: 'pending', epochs: 0 },
];

describe('epochal sweep', () => {
  it('validates a sweep file, counting the trials it checked', async () => {
    const { code, stdout } = await epochal(['validate', join(CONFIGS, 'tabular-mlp', 'sweep_params.json')]);
    expect(code).toBe(0);
    expect(stdout).toContain('sweep_params.json is valid: 8 trials of experiment machine-state (random search), ranked by val_loss (min), 2 at a time; every trial config checked.');
  });

  it('starts nothing when the sweep is invalid, listing each problem with its file and JSON path', async () => {
    const dir = await copySample('tabular-mlp');
    const file = join(dir, 'sweep_params.json');
    await writeFile(file, JSON.stringify({ trainParams: 'train_params.json', space: { 'train.training.optimizer.learningRat': { values: [0.1] } } }));
    // No server listens on this address: the command must fail before it would connect.
    const { code, stderr } = await epochal(['sweep', file, '--address', '127.0.0.1:1']);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file} is invalid; nothing was started:`);
    expect(stderr).toContain('space["train.training.optimizer.learningRat"]: Expected train.training.optimizer.learningRat to name a value of the train_params (defaults applied), but training.optimizer has no key "learningRat" (did you mean "learningRate"?).');
  });
});

describe('a sweep on the terminal', () => {
  it('prints the results table with short parameter names, the best trial starred', () => {
    expect(resultsTable(rows, 'val_loss', 1)).toEqual([
      '  trial  learningRate  units  status         epochs  best val_loss  exported val_loss',
      '  1 ★    0.01          16     completed      4       0.4123 (4)     0.4123 (4)',
      '  2      1e-7          16     stopped early  2       1.7000 (1)     1.7000 (1)',
      '  3      0.01          32     running        1       —              —',
      '  4      1e-7          32     pending        0       —              —',
    ]);
  });

  it('says how each trial stands, and why a trial stopped early', () => {
    expect(trialOutcome(rows[0]!, 'val_loss')).toBe('completed, val_loss 0.4123 (epoch 4)');
    expect(trialOutcome(rows[1]!, 'val_loss')).toBe('stopped early after 2 epochs, val_loss 1.7000 (epoch 1): judged after epoch 1: worse than the median');
  });

  it('shows `epochal status` of a sweep: counts, the best so far, each trial, and how to list the trials', () => {
    const best = { trial: 1, workflowId: 's-trial-1', label: rows[0]!.label, params: rows[0]!.params, value: 0.41234, epoch: 4, model: '/m1' };
    expect(sweepFields('s', { phase: 'running', metric: 'val_loss', mode: 'min', parallelism: 2, trials: rows, best, stopRequested: false })).toEqual([
      ['trials', '4 trials: 1 completed, 1 stopped early, 1 running, 1 pending (2 at a time)'],
      ['best', 'trial 1 (learningRate=0.01, units=16): val_loss 0.4123 at epoch 4'],
      ['trial 1', 'completed, val_loss 0.4123 (epoch 4) · learningRate=0.01, units=16'],
      ['trial 2', 'stopped early after 2 epochs, val_loss 1.7000 (epoch 1): judged after epoch 1: worse than the median · learningRate=1e-7, units=16'],
      ['trial 3', 'running · learningRate=0.01, units=32'],
      ['trial 4', 'pending · learningRate=1e-7, units=32'],
      ['list', `temporal workflow list --query "EpochalSweep='s'"`],
    ]);
  });
});
