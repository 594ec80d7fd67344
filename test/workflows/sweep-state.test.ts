import { describe, expect, it } from 'vitest';
import type { SweepPlan } from '../../activities/index.js';
import { applyJudgements, applyObservations, bestTrial, resultRows, skipPending, startSweep, trialsToStart } from '../../workflows/sweep-state.js';

const RATES = [0.1, 0.01, 0.001, 0.0001, 0.00001];

function plan(trials: number, parallelism = 2): SweepPlan {
  return {
    sweepId: 's',
    folder: '/runs/sweeps/s',
    artifactRoot: '/runs',
    experiment: 'e',
    metric: 'val_loss',
    mode: 'min',
    parallelism,
    pollSeconds: 1,
    names: { 'train.training.optimizer.learningRate': 'learningRate' },
    trials: Array.from({ length: trials }, (_, i) => ({
      trial: i + 1,
      workflowId: `s-trial-${i + 1}`,
      runId: `s-trial-${i + 1}`,
      trainParams: `/runs/sweeps/s/trials/${i + 1}/train_params.json`,
      params: { 'train.training.optimizer.learningRate': RATES[i]! },
      label: `learningRate=${RATES[i]}`,
      epochs: 4,
    })),
    owner: { workflowId: 's', firstRunId: 'r' },
  };
}

const ended = (trial: number, curve: number[], ended: 'budget' | 'earlyStopping' | 'stopped', epoch: number) => ({
  trial,
  status: 'ended' as const,
  curve,
  ended,
  exported: { which: 'best' as const, epoch, model: `/runs/s-trial-${trial}/model` },
  runDir: `/runs/s-trial-${trial}`,
});

describe('a sweep state', () => {
  it('starts pending trials in trial order, keeping at most `parallelism` running', () => {
    const state = startSweep(plan(5));
    expect(trialsToStart(state).map((trial) => trial.trial)).toEqual([1, 2]);
    state.trials[0]!.status = 'running';
    expect(trialsToStart(state).map((trial) => trial.trial)).toEqual([2]);
    state.trials[1]!.status = 'running';
    expect(trialsToStart(state)).toEqual([]);
    state.trials[0]!.status = 'completed';
    expect(trialsToStart(state).map((trial) => trial.trial)).toEqual([3]);
    state.stopping = true;
    expect(trialsToStart(state)).toEqual([]);
  });

  it('records curves of running trials and how the ended ones ended; a read with no answer changes nothing', () => {
    const state = startSweep(plan(4, 4));
    for (const trial of state.trials) trial.status = 'running';
    applyJudgements(state, [{ trial: 3, atEpoch: 1, stop: true, reason: 'worse than the median' }]);
    applyObservations(state, [
      { trial: 1, status: 'running', from: 0, values: [0.9] },
      ended(2, [0.8, 0.6, 0.5, 0.55], 'budget', 3),
      ended(3, [1.2, 1.1], 'stopped', 2),
      { trial: 4, status: 'unanswered', reason: 'timeout' },
    ]);
    applyObservations(state, [
      { trial: 1, status: 'running', from: 1, values: [0.7] },
      { trial: 4, status: 'failed', reason: 'failed: Invalid data' },
    ]);
    expect(resultRows(state)).toEqual([
      { trial: 1, workflowId: 's-trial-1', params: { 'train.training.optimizer.learningRate': 0.1 }, label: 'learningRate=0.1', status: 'running', epochs: 2, best: { value: 0.7, epoch: 2 } },
      {
        trial: 2,
        workflowId: 's-trial-2',
        params: { 'train.training.optimizer.learningRate': 0.01 },
        label: 'learningRate=0.01',
        status: 'completed',
        epochs: 4,
        ended: 'budget',
        best: { value: 0.5, epoch: 3 },
        exported: { which: 'best', epoch: 3, model: '/runs/s-trial-2/model', value: 0.5 },
        runDir: '/runs/s-trial-2',
      },
      {
        trial: 3,
        workflowId: 's-trial-3',
        params: { 'train.training.optimizer.learningRate': 0.001 },
        label: 'learningRate=0.001',
        status: 'stopped-early',
        epochs: 2,
        ended: 'stopped',
        best: { value: 1.1, epoch: 2 },
        exported: { which: 'best', epoch: 2, model: '/runs/s-trial-3/model', value: 1.1 },
        runDir: '/runs/s-trial-3',
        reason: 'judged after epoch 1: worse than the median',
      },
      { trial: 4, workflowId: 's-trial-4', params: { 'train.training.optimizer.learningRate': 0.0001 }, label: 'learningRate=0.0001', status: 'failed', epochs: 0, reason: 'failed: Invalid data' },
    ]);
  });

  it('says which trials to signal when the rule stops them, and records every judgement', () => {
    const state = startSweep(plan(3, 3));
    for (const trial of state.trials) trial.status = 'running';
    const stopping = applyJudgements(state, [
      { trial: 1, atEpoch: 2, stop: false },
      { trial: 2, atEpoch: 2, stop: true, reason: 'ranks 2 of 2' },
    ]);
    expect(stopping.map((trial) => trial.trial)).toEqual([2]);
    expect(state.trials.map((trial) => trial.judgedAt)).toEqual([2, 2, undefined]);
    expect(state.trials[1]!.stop).toEqual({ afterEpoch: 2, reason: 'judged after epoch 2: ranks 2 of 2' });
  });

  it('skips the trials a stopped sweep never started', () => {
    const state = startSweep(plan(3));
    state.trials[0]!.status = 'running';
    skipPending(state);
    expect(state.trials.map((trial) => [trial.status, trial.reason])).toEqual([
      ['running', undefined],
      ['skipped', 'the sweep was stopped before this trial started'],
      ['skipped', 'the sweep was stopped before this trial started'],
    ]);
  });

  it('names as best the trial whose exported model scores best, the earlier one on a tie, none without a score', () => {
    const state = startSweep(plan(3, 3));
    for (const trial of state.trials) trial.status = 'running';
    applyObservations(state, [ended(1, [0.6, 0.5], 'budget', 2), ended(2, [0.4, 0.7], 'budget', 2), ended(3, [0.5], 'stopped', 1)]);
    // Trial 2 exported epoch 2, not its best one: its exported score, 0.7, ranks it. Trials 1 and 3 tie at 0.5: the earlier wins.
    expect(bestTrial(resultRows(state), 'min')).toMatchObject({ trial: 1, value: 0.5, epoch: 2, model: '/runs/s-trial-1/model' });
    expect(bestTrial(resultRows(state), 'max')).toMatchObject({ trial: 2, value: 0.7 });
    expect(bestTrial([], 'min')).toBeUndefined();
  });
});
