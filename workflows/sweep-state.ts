/** A sweep's durable state, and the pure rules the sweep workflow applies to it. */
import type { PlannedTrial, SweepPlan, TrialObservation } from '../activities/index.js';
import { bestUpTo, type Judgement, type TrialCurve } from './early-termination.js';

export type TrialStatus = TrialCurve['status'];

/** One trial as the sweep knows it: its curve, and once it has ended, what it exported. */
export interface TrialState extends TrialCurve {
  /** Why it ended so (stopped early, failed, skipped). */
  reason?: string;
  ended?: 'budget' | 'earlyStopping' | 'stopped';
  exported?: { which: 'best' | 'last'; epoch: number; model: string };
  runDir?: string;
}

/** Everything the sweep carries from poll to poll (and across continue-as-new). */
export interface SweepState {
  plan: SweepPlan;
  trials: TrialState[];
  /** A stop signal arrived (carried across continue-as-new until the sweep acts on it). */
  stopRequested: boolean;
  /** The sweep acted on it: pending trials skipped, running ones asked to stop; no new trials. */
  stopping: boolean;
  /** Progress reads so far, over all runs of the workflow. */
  polls: number;
}

/** One row of the results table. */
export interface TrialRow {
  trial: number;
  workflowId: string;
  params: PlannedTrial['params'];
  label: string;
  status: TrialStatus;
  /** Epochs trained. */
  epochs: number;
  /** How its training ended: its budget spent, its own early stopping, or a stop signal (the sweep's, when stopped early). */
  ended?: 'budget' | 'earlyStopping' | 'stopped';
  /** The best value of the sweep metric over the epochs trained, and its epoch. */
  best?: { value: number; epoch: number };
  /** The model the trial exported, and the sweep metric at its epoch (what ranks the trials). */
  exported?: { which: 'best' | 'last'; epoch: number; model: string; value?: number };
  runDir?: string;
  reason?: string;
}

/** The trial that exported the best model. */
export interface BestTrial {
  trial: number;
  workflowId: string;
  label: string;
  params: PlannedTrial['params'];
  value: number;
  epoch: number;
  /** The exported model folder. */
  model: string;
  runDir?: string;
}

/** A sweep about to start its first trial: every trial pending. */
export function startSweep(plan: SweepPlan): SweepState {
  return {
    plan,
    trials: plan.trials.map((trial) => ({ trial: trial.trial, status: 'pending', curve: [], epochs: trial.epochs })),
    stopRequested: false,
    stopping: false,
    polls: 0,
  };
}

/** Whether a trial is started and has not ended yet. */
export const isRunning = (trial: TrialState) => trial.status === 'running';

/** The pending trials to start now: in trial order, as many as keep `parallelism` running. */
export function trialsToStart(state: SweepState): TrialState[] {
  if (state.stopping) return [];
  const free = state.plan.parallelism - state.trials.filter(isRunning).length;
  return free > 0 ? state.trials.filter((trial) => trial.status === 'pending').slice(0, free) : [];
}

/** Applies what a progress read saw: running trials' curves, and how the ended ones ended. */
export function applyObservations(state: SweepState, observations: readonly TrialObservation[]): void {
  for (const seen of observations) {
    const trial = state.trials[seen.trial - 1]!;
    if (seen.status === 'unanswered' || !isRunning(trial)) continue;
    if (seen.status === 'failed') {
      trial.status = 'failed';
      trial.reason = seen.reason;
      continue;
    }
    if (seen.status === 'running') {
      trial.curve = [...trial.curve.slice(0, seen.from), ...seen.values];
      continue;
    }
    trial.curve = seen.curve;
    trial.ended = seen.ended;
    trial.exported = seen.exported;
    trial.runDir = seen.runDir;
    trial.status = seen.ended === 'stopped' ? 'stopped-early' : 'completed';
    if (seen.ended === 'stopped') trial.reason = trial.stop?.reason ?? 'stopped by a stop signal sent to the trial itself';
    else if (seen.ended === 'earlyStopping') trial.reason = 'its own early stopping (training.earlyStopping)';
  }
}

/** Records judgements; returns the trials to send a stop to. */
export function applyJudgements(state: SweepState, judgements: readonly Judgement[]): TrialState[] {
  const stopping: TrialState[] = [];
  for (const judgement of judgements) {
    const trial = state.trials[judgement.trial - 1]!;
    trial.judgedAt = judgement.atEpoch;
    if (judgement.stop) {
      trial.stop = { afterEpoch: judgement.atEpoch, reason: `judged after epoch ${judgement.atEpoch}: ${judgement.reason ?? 'unpromising'}` };
      stopping.push(trial);
    }
  }
  return stopping;
}

/** Marks the trials never started as skipped (the sweep was stopped). */
export function skipPending(state: SweepState): void {
  for (const trial of state.trials) {
    if (trial.status !== 'pending') continue;
    trial.status = 'skipped';
    trial.reason = 'the sweep was stopped before this trial started';
  }
}

/** The results table: one row per trial, in trial order. */
export function resultRows(state: SweepState): TrialRow[] {
  const { plan } = state;
  return state.trials.map((trial) => {
    const planned = plan.trials[trial.trial - 1]!;
    const best = bestEpoch(trial.curve, plan.mode);
    const value = trial.exported ? trial.curve[trial.exported.epoch - 1] : undefined;
    return {
      trial: trial.trial,
      workflowId: planned.workflowId,
      params: planned.params,
      label: planned.label,
      status: trial.status,
      epochs: trial.curve.length,
      ...(trial.ended ? { ended: trial.ended } : {}),
      ...(best ? { best } : {}),
      ...(trial.exported ? { exported: { ...trial.exported, ...(typeof value === 'number' ? { value } : {}) } } : {}),
      ...(trial.runDir ? { runDir: trial.runDir } : {}),
      ...(trial.reason ? { reason: trial.reason } : {}),
    };
  });
}

/** The trial whose exported model scores best on the sweep metric (ties: the earlier trial); undefined when none exported one with a value. */
export function bestTrial(rows: readonly TrialRow[], mode: 'min' | 'max'): BestTrial | undefined {
  let best: BestTrial | undefined;
  for (const row of rows) {
    const value = row.exported?.value;
    if (value === undefined || !row.exported) continue;
    if (best && !(mode === 'min' ? value < best.value : value > best.value)) continue;
    best = { trial: row.trial, workflowId: row.workflowId, label: row.label, params: row.params, value, epoch: row.exported.epoch, model: row.exported.model, ...(row.runDir ? { runDir: row.runDir } : {}) };
  }
  return best;
}

function bestEpoch(curve: readonly (number | null)[], mode: 'min' | 'max'): { value: number; epoch: number } | undefined {
  const value = bestUpTo(curve, curve.length, mode);
  return value === undefined ? undefined : { value, epoch: curve.indexOf(value) + 1 };
}
