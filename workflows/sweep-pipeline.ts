/**
 * `sweepPipeline`: a durable hyperparameter sweep. planSweep validates the
 * sweep and every trial config and writes them into the sweep folder; then
 * each trial runs as a child `trainingPipeline` (id `<sweepId>-trial-<n>`,
 * search attribute EpochalSweep), at most `parallelism` at a time. Every
 * `pollSeconds` the sweep reads its running trials' progress, stops the
 * unpromising ones with the training pipeline's own stop signal (they still
 * evaluate and export their best checkpoint), and starts the next. The
 * results table and report go into the sweep folder.
 *
 * No trial runs twice: ids are fixed by the plan, a start is recorded before
 * the sweep moves on, and a trial whose id is already taken is adopted, not
 * started again. Trials are children that outlive a run of this workflow
 * (parent close policy ABANDON), so the sweep continues as new whenever the
 * server suggests it, carrying its trial states, without waiting for them.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { SweepPlan } from '../activities/index.js';
import { activities, surfaceUserErrors } from './activities.js';
import { stopSignal, sweepProgressQuery, type SweepProgress } from './definitions.js';
import { judgeTrials } from './early-termination.js';
import { checkSweepInput } from './inputs.js';
import { BEST_METRIC, EXPERIMENT, STAGE, SWEEP } from './search-attributes.js';
import {
  applyJudgements,
  applyObservations,
  bestTrial,
  isRunning,
  resultRows,
  skipPending,
  startSweep,
  trialsToStart,
  type BestTrial,
  type SweepState,
  type TrialRow,
  type TrialState,
} from './sweep-state.js';
import type { trainingPipeline } from './training-pipeline.js';

export interface SweepPipelineInput {
  /** Path to sweep_params.json (on the worker; relative to its working folder) or the config object. */
  sweepParams: string | Record<string, unknown>;
  /** Train every trial on this task queue instead of its train_params' `training.taskQueue`. */
  trainingTaskQueue?: string;
  /** Continue as new after this many progress reads in one workflow run (besides when the server suggests it). */
  pollsPerRun?: number;
  /** Set by continue-as-new: the state to carry on from. Never set it yourself. */
  resume?: SweepState;
}

export interface SweepResult {
  sweepId: string;
  experiment: string;
  folder: string;
  metric: string;
  mode: 'min' | 'max';
  trials: TrialRow[];
  /** The trial whose exported model scores best on the metric; absent when none exported one. */
  best?: BestTrial;
  /** results.json and report.html in the sweep folder. */
  results: string;
  report?: string;
  /** A stop signal ended the sweep before every trial ran. */
  stopped: boolean;
}

export async function sweepPipeline(input: SweepPipelineInput): Promise<SweepResult> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  checkSweepInput(input, workflowId);
  let state: SweepState | undefined = input.resume;
  let phase: SweepProgress['phase'] = state ? 'running' : 'planning';
  const control = { stopRequested: state?.stopRequested ?? false };
  setHandler(stopSignal, () => void (control.stopRequested = true));
  setHandler(sweepProgressQuery, (): SweepProgress => progressOf(phase, state, control.stopRequested));

  if (!state) {
    upsertSearchAttributes([{ key: STAGE, value: 'planning' }]);
    setCurrentDetails('Validating the sweep and every trial config…');
    const plan = await surfaceUserErrors(activities.planSweep({ sweepParams: input.sweepParams, sweepId: workflowId, owner: { workflowId, firstRunId: firstExecutionRunId } }));
    if (plan.searchable) upsertSearchAttributes([{ key: EXPERIMENT, value: plan.experiment }]);
    state = startSweep(plan);
  }
  const sweep = state;
  const { plan } = sweep;
  phase = sweep.stopping ? 'stopping' : 'running';
  upsertSearchAttributes([{ key: STAGE, value: phase }]);

  let pollsThisRun = 0;
  let bestValue: number | undefined;
  try {
    for (;;) {
      if (control.stopRequested && !sweep.stopping) {
        sweep.stopping = true;
        phase = 'stopping';
        skipPending(sweep);
        await stopTrials(sweep, sweep.trials.filter((trial) => isRunning(trial) && !trial.stop), 'the sweep was stopped');
      }
      await Promise.all(trialsToStart(sweep).map((trial) => startTrial(plan, trial, input.trainingTaskQueue)));
      const running = sweep.trials.filter(isRunning);
      if (running.length === 0 && !sweep.trials.some((trial) => trial.status === 'pending')) break;
      setCurrentDetails(details(sweep));
      await condition(() => control.stopRequested && !sweep.stopping, plan.pollSeconds * 1000);

      const observations = await activities.observeTrials({
        trials: running.map((trial) => ({ trial: trial.trial, workflowId: plan.trials[trial.trial - 1]!.workflowId, known: trial.curve })),
        metric: plan.metric,
      });
      applyObservations(sweep, observations);
      if (plan.earlyTermination) {
        const losers = applyJudgements(sweep, judgeTrials(plan.earlyTermination, sweep.trials, plan));
        await stopTrials(sweep, losers);
      }
      const best = bestTrial(resultRows(sweep), plan.mode);
      if (best && best.value !== bestValue && plan.searchable !== false) upsertSearchAttributes([{ key: BEST_METRIC, value: best.value }]);
      bestValue = best?.value;
      sweep.polls += 1;
      pollsThisRun += 1;
      if (workflowInfo().continueAsNewSuggested || (input.pollsPerRun !== undefined && pollsThisRun >= input.pollsPerRun)) {
        await condition(allHandlersFinished);
        // A stop that arrived since the loop began is carried, and acted on by the next run.
        await continueAsNew<typeof sweepPipeline>({ ...input, resume: { ...sweep, stopRequested: control.stopRequested } });
      }
    }
  } catch (error) {
    if (isCancellation(error)) await CancellationScope.nonCancellable(() => cancelTrials(sweep));
    throw error;
  }

  phase = 'finishing';
  upsertSearchAttributes([{ key: STAGE, value: 'finishing' }]);
  const trials = resultRows(sweep);
  const best = bestTrial(trials, plan.mode);
  const curves = Object.fromEntries(sweep.trials.map((trial) => [trial.trial, trial.curve]));
  const written = await surfaceUserErrors(
    activities.finishSweep({
      folder: plan.folder,
      owner: plan.owner,
      facts: { sweepId: plan.sweepId, experiment: plan.experiment, metric: plan.metric, mode: plan.mode, names: plan.names, rows: trials, ...(best ? { best } : {}), curves, ...(sweep.stopping ? { stopped: true } : {}) },
    }),
  );
  phase = 'done';
  upsertSearchAttributes([{ key: STAGE, value: sweep.stopping ? 'stopped' : 'done' }]);
  setCurrentDetails(`${details(sweep)}${best ? ` Best: trial ${best.trial} (${best.label}), ${plan.metric} ${best.value.toFixed(4)}; model in ${best.model}.` : ''}`);
  return {
    sweepId: plan.sweepId,
    experiment: plan.experiment,
    folder: plan.folder,
    metric: plan.metric,
    mode: plan.mode,
    trials,
    ...(best ? { best } : {}),
    results: written.results,
    ...(written.report ? { report: written.report } : {}),
    stopped: sweep.stopping,
  };
}

/** Starts a trial as a child trainingPipeline; one whose id is already taken (a reset, a replayed start) is adopted, never started twice. */
async function startTrial(plan: SweepPlan, trial: TrialState, trainingTaskQueue: string | undefined): Promise<void> {
  const planned = plan.trials[trial.trial - 1]!;
  try {
    await startChild<typeof trainingPipeline>('trainingPipeline', {
      workflowId: planned.workflowId,
      args: [{ trainParams: planned.trainParams, runId: planned.runId, ...(trainingTaskQueue ? { trainingTaskQueue } : {}) }],
      // Trials outlive a run of the sweep: it continues as new while they train.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: SWEEP, value: plan.sweepId }],
      staticSummary: `Trial ${trial.trial} of ${plan.trials.length} · sweep ${plan.sweepId} · ${planned.label}`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  trial.status = 'running';
}

/** Sends the training pipeline's stop signal: each trial ends its chunk, then evaluates and exports its best checkpoint. */
async function stopTrials(sweep: SweepState, trials: readonly TrialState[], reason?: string): Promise<void> {
  await Promise.all(
    trials.map(async (trial) => {
      if (reason) trial.stop = { afterEpoch: trial.curve.length, reason };
      try {
        await getExternalWorkflowHandle(sweep.plan.trials[trial.trial - 1]!.workflowId).signal(stopSignal);
      } catch (error) {
        // A trial that ended meanwhile has nothing to stop; the next read records how it ended.
        if (isCancellation(error)) throw error;
      }
    }),
  );
}

/** Cancelling a sweep cancels its running trials, those an earlier run of it started (before continuing as new) too. */
async function cancelTrials(sweep: SweepState): Promise<void> {
  await Promise.all(
    sweep.trials.filter(isRunning).map((trial) =>
      getExternalWorkflowHandle(sweep.plan.trials[trial.trial - 1]!.workflowId)
        .cancel()
        .catch(() => undefined),
    ),
  );
}

function details(sweep: SweepState): string {
  const count = (status: TrialState['status']) => sweep.trials.filter((trial) => trial.status === status).length;
  const ended = sweep.trials.length - count('pending') - count('running');
  return `${ended} of ${sweep.trials.length} trials ended (${count('stopped-early')} stopped early, ${count('failed')} failed), ${count('running')} running.`;
}

function progressOf(phase: SweepProgress['phase'], sweep: SweepState | undefined, stopRequested: boolean): SweepProgress {
  if (!sweep) return { phase, trials: [], stopRequested };
  const trials = resultRows(sweep);
  const best = bestTrial(trials, sweep.plan.mode);
  return { phase, metric: sweep.plan.metric, mode: sweep.plan.mode, parallelism: sweep.plan.parallelism, trials, ...(best ? { best } : {}), stopRequested };
}
