import { describe, expect, it } from 'vitest';
import { judgeTrials, medianOf, rungs, type TrialCurve } from '../../workflows/early-termination.js';

const median = { type: 'median', afterEpochs: 2, minTrials: 2 } as const;
const halving = { type: 'successiveHalving', minEpochs: 1, reductionFactor: 2 } as const;
const loss = { metric: 'val_loss', mode: 'min' } as const;
const kappa = { metric: 'val_cohenKappa', mode: 'max' } as const;

function trial(number: number, curve: (number | null)[], status: TrialCurve['status'] = 'completed', extra: Partial<TrialCurve> = {}): TrialCurve {
  return { trial: number, status, curve, epochs: 8, ...extra };
}

describe('median stopping', () => {
  const finished = [trial(1, [1.0, 0.8, 0.6]), trial(2, [0.9, 0.7, 0.5]), trial(3, [1.2, 1.0, 0.9])];

  it("stops a trial whose best value is worse than the median of the others' running averages at its epoch", () => {
    // Running averages at epoch 2: 0.9, 0.8, 1.1 → median 0.9; the trial's best, 0.95, is worse.
    expect(judgeTrials(median, [...finished, trial(4, [1.1, 0.95], 'running')], loss)).toEqual([
      { trial: 4, atEpoch: 2, stop: true, reason: "its best val_loss after 2 epochs, 0.9500, is worse than the median 0.9000 of 3 other trials' running averages" },
    ]);
  });

  it('lets a trial at or better than the median go on, and judges it at each epoch only once', () => {
    expect(judgeTrials(median, [...finished, trial(4, [1.1, 0.9], 'running')], loss)).toEqual([{ trial: 4, atEpoch: 2, stop: false }]);
    expect(judgeTrials(median, [...finished, trial(4, [1.1, 0.9], 'running', { judgedAt: 2 })], loss)).toEqual([]);
  });

  it('follows the mode: with a metric to maximise, lower is worse', () => {
    const trials = [trial(1, [0.2, 0.4]), trial(2, [0.3, 0.5]), trial(3, [0.1, 0.15], 'running')];
    expect(judgeTrials(median, trials, kappa)).toEqual([
      { trial: 3, atEpoch: 2, stop: true, reason: "its best val_cohenKappa after 2 epochs, 0.1500, is worse than the median 0.3500 of 2 other trials' running averages" },
    ]);
  });

  it('waits for afterEpochs and for minTrials others that reached the epoch, and never counts failed trials', () => {
    expect(judgeTrials(median, [...finished, trial(4, [9], 'running')], loss)).toEqual([]);
    expect(judgeTrials(median, [trial(1, [1, 1]), trial(2, [1], 'running'), trial(3, [9, 9], 'running')], loss)).toEqual([]);
    expect(judgeTrials(median, [trial(1, [1, 1]), trial(2, [1, 1], 'failed'), trial(3, [9, 9], 'running')], loss)).toEqual([]);
  });

  it('skips epochs that recorded no value, and leaves alone trials already asked to stop or at the end of their budget', () => {
    expect(judgeTrials(median, [...finished, trial(4, [null, 0.7], 'running')], loss)).toEqual([{ trial: 4, atEpoch: 2, stop: false }]);
    expect(judgeTrials(median, [...finished, trial(4, [9, 9], 'running', { stop: { afterEpoch: 1, reason: 'x' } })], loss)).toEqual([]);
    expect(judgeTrials(median, [...finished, trial(4, [9, 9], 'running', { epochs: 2 })], loss)).toEqual([]);
  });
});

describe('successive halving', () => {
  it('puts rungs at minEpochs × reductionFactor^k below the budget', () => {
    expect(rungs({ type: 'successiveHalving', minEpochs: 1, reductionFactor: 3 }, 30)).toEqual([1, 3, 9, 27]);
    expect(rungs({ type: 'successiveHalving', minEpochs: 2, reductionFactor: 2 }, 8)).toEqual([2, 4]);
    expect(rungs({ type: 'successiveHalving', minEpochs: 4, reductionFactor: 2 }, 4)).toEqual([]);
  });

  it('keeps the first trial to reach a rung, then only the top 1/reductionFactor of those there', () => {
    expect(judgeTrials(halving, [trial(1, [0.5], 'running')], loss)).toEqual([{ trial: 1, atEpoch: 1, stop: false }]);
    // Two at rung 1: the better half (one) goes on.
    expect(judgeTrials(halving, [trial(1, [0.5], 'running', { judgedAt: 1 }), trial(2, [0.7], 'running')], loss)).toEqual([
      { trial: 2, atEpoch: 1, stop: true, reason: 'its best val_loss by the rung at epoch 1, 0.7000, ranks 2 of 2 trials there; only the top 1 go on' },
    ]);
    expect(judgeTrials(halving, [trial(1, [0.5, 0.4], 'completed'), trial(2, [0.3], 'running')], loss)).toEqual([{ trial: 2, atEpoch: 1, stop: false }]);
  });

  it('judges each rung a trial reached since it was last judged, stopping at the first it fails', () => {
    // Rungs 1, 2 and 4; the trial reached 4 since it was judged at 1.
    const others = [trial(1, [0.9, 0.8, 0.7, 0.6]), trial(2, [0.8, 0.3, 0.2, 0.1])];
    expect(judgeTrials(halving, [...others, trial(3, [0.5, 0.45, 0.4, 0.35], 'running', { judgedAt: 1 })], loss)).toEqual([
      { trial: 3, atEpoch: 2, stop: true, reason: 'its best val_loss by the rung at epoch 2, 0.4500, ranks 2 of 3 trials there; only the top 1 go on' },
    ]);
    expect(judgeTrials(halving, [...others, trial(3, [0.5, 0.25, 0.2, 0.05], 'running', { judgedAt: 1 })], loss)).toEqual([{ trial: 3, atEpoch: 4, stop: false }]);
  });
});

describe('the median', () => {
  it('is the middle value, or the mean of the two middle values', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
  });
});
