/**
 * Early termination of sweep trials: pure rules over the trials' curves (the
 * sweep metric per epoch), applied by `sweepPipeline` each time it has read
 * its running trials' progress. A rule judges a running trial at most once
 * per epoch (median) or rung (successive halving), never once it has
 * trained its whole budget, and says whether to stop it.
 */
import type { EarlyTermination } from '../src/config/sweep/sweep-params.js';

/** What the rules see of a trial. */
export interface TrialCurve {
  trial: number;
  status: 'pending' | 'running' | 'completed' | 'stopped-early' | 'failed' | 'skipped';
  /** The metric after each epoch trained (index 0: epoch 1); null where an epoch did not record it. */
  curve: (number | null)[];
  /** Its epoch budget. */
  epochs: number;
  /** The last epoch (or rung) it was judged at. */
  judgedAt?: number;
  /** Set once the sweep asked it to stop. */
  stop?: { afterEpoch: number; reason: string };
}

/** A judgement: the trial goes on, or stops (with the reason the results table shows). */
export interface Judgement {
  trial: number;
  /** The epoch (or rung) it was judged at. */
  atEpoch: number;
  stop: boolean;
  reason?: string;
}

export interface RuleContext {
  metric: string;
  mode: 'min' | 'max';
}

/** Judges every running trial the rule has something new to say about. */
export function judgeTrials(rule: EarlyTermination, trials: readonly TrialCurve[], context: RuleContext): Judgement[] {
  // A trial that has trained its whole budget only evaluates and exports now: stopping it would change nothing.
  const judged = trials.filter((trial) => trial.status === 'running' && !trial.stop && trial.curve.length < trial.epochs);
  return judged.flatMap((trial) => {
    const judgement = rule.type === 'median' ? medianStopping(rule, trial, trials, context) : successiveHalving(rule, trial, trials, context);
    return judgement ? [judgement] : [];
  });
}

/**
 * Median stopping: after `afterEpochs`, a trial whose best value so far is
 * worse than the median of the other trials' running averages at the same
 * epoch stops. Judged only against at least `minTrials` others that reached
 * that epoch (failed trials do not count).
 */
export function medianStopping(
  rule: Extract<EarlyTermination, { type: 'median' }>,
  trial: TrialCurve,
  trials: readonly TrialCurve[],
  { metric, mode }: RuleContext,
): Judgement | undefined {
  const epoch = trial.curve.length;
  if (epoch < rule.afterEpochs || (trial.judgedAt ?? 0) >= epoch) return undefined;
  const best = bestUpTo(trial.curve, epoch, mode);
  if (best === undefined) return undefined;
  const averages = comparable(trials, trial, epoch).flatMap((other) => {
    const average = meanUpTo(other.curve, epoch);
    return average === undefined ? [] : [average];
  });
  if (averages.length < rule.minTrials) return undefined;
  const median = medianOf(averages);
  const stop = worse(best, median, mode);
  return {
    trial: trial.trial,
    atEpoch: epoch,
    stop,
    ...(stop ? { reason: `its best ${metric} after ${epoch} epoch${epoch === 1 ? '' : 's'}, ${show(best)}, is worse than the median ${show(median)} of ${averages.length} other trials' running averages` } : {}),
  };
}

/**
 * Asynchronous successive halving (ASHA): at rungs of minEpochs × reductionFactor^k
 * epochs (below the trial's budget), a trial goes on only when its best value
 * so far is in the top 1/reductionFactor of the trials that reached the rung
 * (at least the best one always goes on).
 */
export function successiveHalving(
  rule: Extract<EarlyTermination, { type: 'successiveHalving' }>,
  trial: TrialCurve,
  trials: readonly TrialCurve[],
  { metric, mode }: RuleContext,
): Judgement | undefined {
  let judgement: Judgement | undefined;
  for (const rung of rungs(rule, trial.epochs)) {
    if (rung > trial.curve.length) break;
    if (rung <= (trial.judgedAt ?? 0)) continue;
    const value = bestUpTo(trial.curve, rung, mode);
    if (value === undefined) break;
    const reached = [trial, ...comparable(trials, trial, rung)].flatMap((other) => {
      const best = bestUpTo(other.curve, rung, mode);
      return best === undefined ? [] : [best];
    });
    const keep = Math.max(1, Math.floor(reached.length / rule.reductionFactor));
    const rank = reached.filter((other) => worse(value, other, mode)).length;
    const stop = rank >= keep;
    judgement = {
      trial: trial.trial,
      atEpoch: rung,
      stop,
      ...(stop ? { reason: `its best ${metric} by the rung at epoch ${rung}, ${show(value)}, ranks ${rank + 1} of ${reached.length} trials there; only the top ${keep} go on` } : {}),
    };
    if (stop) break;
  }
  return judgement;
}

/** The rungs below a budget of `epochs`: minEpochs, minEpochs × η, minEpochs × η², … */
export function rungs(rule: Extract<EarlyTermination, { type: 'successiveHalving' }>, epochs: number): number[] {
  const list: number[] = [];
  for (let rung = rule.minEpochs; rung < epochs; rung *= rule.reductionFactor) list.push(rung);
  return list;
}

/** The other trials that trained at least `epoch` epochs and did not fail. */
function comparable(trials: readonly TrialCurve[], trial: TrialCurve, epoch: number): TrialCurve[] {
  return trials.filter((other) => other.trial !== trial.trial && other.status !== 'failed' && other.curve.length >= epoch);
}

/** The best value among the first `epochs` epochs. */
export function bestUpTo(curve: readonly (number | null)[], epochs: number, mode: 'min' | 'max'): number | undefined {
  const values = curve.slice(0, epochs).filter((value): value is number => value !== null);
  if (values.length === 0) return undefined;
  return mode === 'min' ? Math.min(...values) : Math.max(...values);
}

function meanUpTo(curve: readonly (number | null)[], epochs: number): number | undefined {
  const values = curve.slice(0, epochs).filter((value): value is number => value !== null);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Whether `value` is strictly worse than `other`. */
function worse(value: number, other: number, mode: 'min' | 'max'): boolean {
  return mode === 'min' ? value > other : value < other;
}

function show(value: number): string {
  return value.toFixed(4);
}
