/**
 * `trainingPipeline`: the durable training job. Stages run as activities:
 * validateConfig → prepareData → buildModel → trainChunk… → evaluate → exportModel.
 * Training runs in chunks of epochs on the training task queue, each resuming
 * from the last committed checkpoint, so a crashed worker costs at most one
 * checkpoint interval. Signals pause, resume and stop it at chunk boundaries;
 * updates extend the epoch budget or change the learning rate; the `progress`
 * query says where it stands. Long runs continue as new, carrying their state.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BuiltModel, ChunkInputs, ChunkResult, EpochRecord, Evaluation, ExportResult, PreparedRef, ValidatedConfig } from '../activities/index.js';
import {
  extendEpochsUpdate,
  pauseSignal,
  progressQuery,
  resumeSignal,
  setLearningRateUpdate,
  stopSignal,
  type Phase,
  type Progress,
} from './definitions.js';
import { activities, surfaceUserErrors, trainingActivities, waitedForWorker } from './activities.js';
import { checkTrainingPipelineInput } from './inputs.js';
import { BEST_METRIC, EXPERIMENT, MODEL, STAGE } from './search-attributes.js';
import { stageTimer } from './timing.js';
import { bestOf, chunkEnd, etaSeconds, exportedCheckpoint, reportFacts, startTraining, thawReached, type TrainingState } from './training-state.js';

/** Marks histories recorded after a hand-set learning rate began to win over unfreeze steps. */
const FIXED_LEARNING_RATE_PATCH = 'epochal-fixed-learning-rate';
/** Marks histories in which the metric search attribute ends as the exported model's value. */
const EXPORTED_METRIC_PATCH = 'epochal-exported-metric';
/** Marks histories in which every chunk refreshes the run's report (reports/report.html, TensorBoard scalars). */
const RUN_REPORT_PATCH = 'epochal-run-report';

/** Input of `trainingPipeline`, as `temporal workflow start --input` takes it. */
export interface TrainingPipelineInput {
  /** Path to train_params.json (on the worker; relative to its working folder) or the config object. */
  trainParams: string | Record<string, unknown>;
  /** Run folder name under the artifact root; the workflow id when absent. */
  runId?: string;
  /** Run training on this task queue instead of train_params' `training.taskQueue`. */
  trainingTaskQueue?: string;
  /** Start from this model's weights (strictly matched): retraining warm-starts from the champion this way. */
  warmStart?: string;
  /** Continue as new after this many chunks in one workflow run (besides when the server suggests it). */
  chunksPerRun?: number;
  /** Set by continue-as-new: the state to carry on from. Never set it yourself. */
  resume?: TrainingState;
}

/** Every stage of the pipeline, in order. */
export const PIPELINE_STAGES = ['validateConfig', 'prepareData', 'buildModel', 'train', 'evaluate', 'export'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export interface TrainingPipelineResult {
  runId: string;
  runDir: string;
  experiment: string;
  model: string;
  completed: PipelineStage[];
  config: ValidatedConfig['snapshot'];
  data: PreparedRef;
  built: BuiltModel;
  training: {
    epochs: number;
    step: number;
    /** budget: the epoch budget was spent; earlyStopping: the monitored metric stopped improving; stopped: a stop signal. */
    ended: 'budget' | 'earlyStopping' | 'stopped';
    /** The last checkpoint trained. */
    checkpoint: string;
    /** The model exported and evaluated: the best monitored epoch's or the last. */
    exported: { which: 'best' | 'last'; epoch: number; step: number; checkpoint: string };
    history: EpochRecord[];
    best?: { monitor: string; value: number; epoch?: number };
    /** The backend the last chunk trained on, and how its steps fit in memory. */
    trainedWith?: TrainingState['trainedWith'];
  };
  evaluation: Evaluation;
  exported: ExportResult;
}

export async function trainingPipeline(input: TrainingPipelineInput): Promise<TrainingPipelineResult> {
  checkTrainingPipelineInput(input, workflowInfo().workflowId);
  const control = {
    phase: 'validating' as Phase,
    paused: false,
    stopRequested: false,
    extraEpochs: 0,
    learningRate: undefined as number | undefined,
    learningRateFixed: false,
  };
  let state: TrainingState | undefined = input.resume;
  const open = () => !['evaluating', 'exporting', 'done'].includes(control.phase);

  setHandler(pauseSignal, () => void (control.paused = true));
  setHandler(resumeSignal, () => void (control.paused = false));
  setHandler(stopSignal, () => void (control.stopRequested = true));
  setHandler(
    extendEpochsUpdate,
    (epochs) => {
      if (state) state.epochs += epochs;
      else control.extraEpochs += epochs;
      return state?.epochs ?? control.extraEpochs;
    },
    {
      validator: (epochs) => {
        if (!Number.isInteger(epochs) || epochs < 1 || epochs > 100_000) throw new Error(`Expected a whole number of epochs from 1 to 100000, but got ${epochs}.`);
        if (!open()) throw new Error(`Training has ended (${control.phase}); start a new run, or fine-tune from this one.`);
      },
    },
  );
  setHandler(
    setLearningRateUpdate,
    (learningRate) => {
      control.learningRate = learningRate;
      // A rate set by hand wins over later unfreeze steps' rates (runs recorded before this rule keep the old one).
      control.learningRateFixed = patched(FIXED_LEARNING_RATE_PATCH);
      if (state) {
        state.learningRate = learningRate;
        state.learningRateFixed ||= control.learningRateFixed;
      }
      return learningRate;
    },
    {
      validator: (learningRate) => {
        if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0 || learningRate > 10) {
          throw new Error(`Expected a learning rate above 0 and at most 10, but got ${learningRate}.`);
        }
        if (!open()) throw new Error(`Training has ended (${control.phase}); the learning rate can no longer change.`);
      },
    },
  );
  setHandler(progressQuery, (): Progress => progress(control, state));

  const enter = (phase: Phase, stage: string, details: string) => {
    control.phase = phase;
    upsertSearchAttributes([{ key: STAGE, value: stage }]);
    setCurrentDetails(details);
  };

  if (!state) {
    const runId = input.runId ?? workflowInfo().workflowId;
    const timings: Record<string, number> = {};
    const timed = stageTimer(timings);
    enter('validating', 'validateConfig', 'Validating configs…');
    const validated = await timed('validateConfig', surfaceUserErrors(activities.validateConfig({ trainParams: input.trainParams, runId, owner: runOwner(), ...(input.warmStart ? { warmStart: input.warmStart } : {}) })));
    if (validated.searchable !== false) {
      upsertSearchAttributes([
        { key: EXPERIMENT, value: validated.experiment },
        { key: MODEL, value: validated.model },
      ]);
    }
    enter('preparing', 'prepareData', 'Preparing data…');
    const data = await timed('prepareData', surfaceUserErrors(activities.prepareData(validated)));
    enter('building', 'buildModel', `Building ${validated.model}…`);
    const built = await timed('buildModel', surfaceUserErrors(activities.buildModel({ ...validated, dataFields: data.fields, preparedDir: data.dir })));
    state = startTraining({ validated, data, built, trainingTaskQueue: input.trainingTaskQueue });
    state.timings = timings;
    state.epochs += control.extraEpochs;
    if (control.learningRate !== undefined) {
      state.learningRate = control.learningRate;
      state.learningRateFixed = control.learningRateFixed;
    }
  }
  control.paused ||= state.paused;
  control.stopRequested ||= state.stopRequested;

  const waitSeconds = state.validated.plan.workerWaitSeconds ?? 3600;
  const training = trainingActivities(state.trainingTaskQueue, state.validated.plan.heartbeatTimeoutSeconds, waitSeconds);
  const onTrainingQueue = <T>(activity: Promise<T>) => surfaceUserErrors(waitedForWorker(activity, state!.trainingTaskQueue, waitSeconds));
  let chunksThisRun = 0;
  // The report of the last chunk is written while the next one trains; the run waits for it only before it moves on.
  let reportWritten: Promise<unknown> = Promise.resolve();
  while (state.epoch < state.epochs && !control.stopRequested && !state.earlyStopped) {
    if (control.paused) {
      enter('paused', 'train', `Paused after epoch ${state.epoch} of ${state.epochs}; send "resume" to continue.`);
      await condition(() => !control.paused || control.stopRequested);
      if (control.stopRequested) break;
    }
    thawReached(state);
    const untilEpoch = chunkEnd(state);
    enter('training', 'train', `Training epochs ${state.epoch + 1}–${untilEpoch} of ${state.epochs}…`);
    const chunkStarted = Date.now();
    const inputs: ChunkInputs = {
      committed: state.checkpoint,
      fromEpoch: state.epoch,
      untilEpoch,
      unfrozen: state.unfrozen,
      learningRate: state.learningRate,
      earlyStopping: state.earlyStopping,
    };
    const chunk: ChunkResult = await onTrainingQueue(
      training.trainChunk({
        config: state.validated,
        preparedDir: state.data.dir,
        ...inputs,
        ...(state.lastChunk ? { previous: state.lastChunk } : {}),
        ...(state.best ? { best: state.best } : {}),
      }),
    );
    state.lastChunk = inputs;
    state.trainSeconds += (Date.now() - chunkStarted) / 1000;
    state.trainedEpochs += chunk.epoch - state.epoch;
    state.epoch = chunk.epoch;
    state.step = chunk.step;
    state.checkpoint = { ...chunk.checkpoint, step: chunk.step };
    state.history.push(...chunk.history);
    state.earlyStopping = chunk.earlyStopping;
    if (chunk.best) state.best = chunk.best;
    state.earlyStopped = chunk.earlyStopped;
    if (chunk.backend) state.trainedWith = { backend: chunk.backend, memory: chunk.memory };
    const best = bestOf(state);
    if (best && state.validated.searchable !== false) upsertSearchAttributes([{ key: BEST_METRIC, value: best.value }]);
    if (patched(RUN_REPORT_PATCH)) {
      // One report at a time, in chunk order: each extends the epochs the one before recorded.
      const facts = reportFacts(state, { after: inputs.fromEpoch, records: chunk.history });
      reportWritten = reportWritten.then(() => activities.writeRunReport(facts)).catch(() => undefined);
    }
    chunksThisRun += 1;
    const moreToDo = state.epoch < state.epochs && !control.stopRequested && !state.earlyStopped;
    if (moreToDo && (workflowInfo().continueAsNewSuggested || (input.chunksPerRun !== undefined && chunksThisRun >= input.chunksPerRun))) {
      await reportWritten;
      await condition(allHandlersFinished);
      await continueAsNew<typeof trainingPipeline>({ ...input, resume: { ...state, paused: control.paused, stopRequested: control.stopRequested } });
    }
  }
  await reportWritten;
  const ended = control.stopRequested ? 'stopped' : state.earlyStopped ? 'earlyStopping' : 'budget';
  state.timings.train = state.trainSeconds;

  const exporting = exportedCheckpoint(state);
  enter('evaluating', 'evaluate', `Evaluating the ${exporting.which} model (epoch ${exporting.epoch}) on the test split…`);
  const evaluateStarted = Date.now();
  const evaluation = await onTrainingQueue(
    training.evaluate({ config: state.validated, preparedDir: state.data.dir, checkpoint: exporting.path }),
  );
  state.timings.evaluate = (Date.now() - evaluateStarted) / 1000;

  enter('exporting', 'export', 'Exporting the model…');
  const best = bestOf(state);
  const exported = await surfaceUserErrors(
    activities.exportModel({
      artifactRoot: state.validated.artifactRoot,
      runId: state.validated.runId,
      ...(state.validated.owner ? { owner: state.validated.owner } : {}),
      checkpoint: exporting.path,
      exported: { which: exporting.which, epoch: exporting.epoch, step: exporting.step },
      config: state.validated.snapshot,
      data: { fingerprint: state.data.fingerprint, dir: state.data.dir, records: state.data.records },
      backend: { built: state.built.backend, ...(state.trainedWith ? { trained: state.trainedWith.backend, memory: state.trainedWith.memory } : {}) },
      history: state.history,
      ...(best ? { best } : {}),
      ...(evaluation.test ? { test: evaluation.test } : {}),
      timings: state.timings,
      ended,
      ...(state.built.pretrained ? { pretrained: state.built.pretrained } : {}),
    }),
  );
  const monitored = state.history.find((record) => record.epoch === exporting.epoch)?.[state.validated.plan.monitor as keyof EpochRecord];
  // The search attribute describes the exported model (runs recorded before this rule did not set it here).
  if (monitored !== undefined && state.validated.searchable !== false && patched(EXPORTED_METRIC_PATCH)) upsertSearchAttributes([{ key: BEST_METRIC, value: monitored }]);
  const kappa = evaluation.test ? `, test kappa ${evaluation.test.cohenKappa.toFixed(3)}` : '';
  enter('done', 'done', `Trained ${state.epoch} epochs (${ended}); exported the ${exporting.which} model (epoch ${exporting.epoch})${kappa}; model in ${exported.model.path}.`);
  return {
    runId: state.validated.runId,
    runDir: state.validated.runDir,
    experiment: state.validated.experiment,
    model: state.validated.model,
    completed: [...PIPELINE_STAGES],
    config: state.validated.snapshot,
    data: state.data,
    built: state.built,
    training: {
      epochs: state.epoch,
      step: state.step,
      ended,
      checkpoint: state.checkpoint.path,
      exported: { which: exporting.which, epoch: exporting.epoch, step: exporting.step, checkpoint: exporting.path },
      history: state.history,
      ...(best ? { best } : {}),
      ...(state.trainedWith ? { trainedWith: state.trainedWith } : {}),
    },
    evaluation,
    exported,
  };
}

/** This workflow, as the owner of its run folder: the first run id stays the same across retries, continue-as-new and resets. */
function runOwner(): { workflowId: string; firstRunId: string } {
  const info = workflowInfo();
  return { workflowId: info.workflowId, firstRunId: info.firstExecutionRunId };
}

function progress(control: { phase: Phase; paused: boolean; stopRequested: boolean; learningRate?: number }, state: TrainingState | undefined): Progress {
  const best = state && bestOf(state);
  const eta = state && etaSeconds(state);
  return {
    phase: control.phase,
    epoch: state?.epoch ?? 0,
    epochs: state?.epochs ?? 0,
    step: state?.step ?? 0,
    ...(state?.history.length ? { latest: state.history[state.history.length - 1]! } : {}),
    ...(best ? { best } : {}),
    ...(eta !== undefined ? { etaSeconds: eta } : {}),
    learningRate: state?.learningRate ?? control.learningRate ?? 0,
    ...(state ? { checkpoint: state.checkpoint.path } : {}),
    paused: control.paused,
    stopRequested: control.stopRequested,
    history: state?.history ?? [],
    ...(state ? { trainingTaskQueue: state.trainingTaskQueue } : {}),
  };
}
