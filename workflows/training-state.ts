/** The training loop's durable state, and the pure rules the workflow applies to it. */
import type { BestCheckpoint, BuiltModel, ChunkInputs, ChunkResult, EarlyStoppingState, EpochRecord, PreparedRef, RunReportInput, ValidatedConfig } from '../activities/index.js';
import type { CheckpointRefWithStep } from './types.js';

/** Everything the pipeline carries from chunk to chunk (and across continue-as-new). */
export interface TrainingState {
  validated: ValidatedConfig;
  data: PreparedRef;
  built: BuiltModel;
  trainingTaskQueue: string;
  /** The epoch budget (raised by extendEpochs). */
  epochs: number;
  /** Epochs complete. */
  epoch: number;
  step: number;
  checkpoint: CheckpointRefWithStep;
  history: EpochRecord[];
  earlyStopping: EarlyStoppingState;
  /** The best monitored epoch's checkpoint, when the run exports the best. */
  best?: BestCheckpoint;
  earlyStopped: boolean;
  /** Weight patterns thawed by the unfreeze schedule so far; never re-frozen. */
  unfrozen: string[];
  /** Unfreeze schedule steps already applied. */
  thawed: number;
  learningRate: number;
  /** Set by setLearningRate: later schedule steps no longer change the rate. */
  learningRateFixed: boolean;
  paused: boolean;
  stopRequested: boolean;
  /** Wall-clock seconds spent in training chunks, and the epochs they trained (for the ETA). */
  trainSeconds: number;
  trainedEpochs: number;
  /** Seconds per stage. */
  timings: Record<string, number>;
  /** The chunk that wrote `checkpoint` (its inputs), so a corrupt committed checkpoint can be trained again; absent before the first chunk. */
  lastChunk?: ChunkInputs;
  /** The backend the last chunk trained on (the training worker's) and its memory plan. */
  trainedWith?: Pick<ChunkResult, 'backend' | 'memory'>;
}

export function startTraining(parts: {
  validated: ValidatedConfig;
  data: PreparedRef;
  built: BuiltModel;
  trainingTaskQueue?: string | undefined;
}): TrainingState {
  const { plan } = parts.validated;
  return {
    validated: parts.validated,
    data: parts.data,
    built: parts.built,
    trainingTaskQueue: parts.trainingTaskQueue ?? plan.trainingTaskQueue,
    epochs: plan.epochs,
    epoch: 0,
    step: 0,
    checkpoint: { ...parts.built.checkpoint, step: 0 },
    history: [],
    earlyStopping: { epochsWithoutImprovement: 0 },
    earlyStopped: false,
    unfrozen: [],
    thawed: 0,
    learningRate: plan.learningRate,
    learningRateFixed: false,
    paused: false,
    stopRequested: false,
    trainSeconds: 0,
    trainedEpochs: 0,
    timings: {},
  };
}

/** Applies every unfreeze step reached by the next epoch: thaws its patterns and, unless fixed by hand, sets its rate. */
export function thawReached(state: TrainingState): void {
  const schedule = state.validated.plan.unfreezeSchedule;
  while (state.thawed < schedule.length && schedule[state.thawed]!.atEpoch <= state.epoch + 1) {
    const step = schedule[state.thawed]!;
    state.unfrozen = [...new Set([...state.unfrozen, ...step.trainable])];
    if (step.learningRate !== undefined && !state.learningRateFixed) state.learningRate = step.learningRate;
    state.thawed += 1;
  }
}

/** The epoch the next chunk trains to: a chunk's worth, within the budget, ending before the next unfreeze step. */
export function chunkEnd(state: TrainingState): number {
  const { epochsPerChunk, unfreezeSchedule } = state.validated.plan;
  const nextThaw = unfreezeSchedule[state.thawed]?.atEpoch;
  const limit = nextThaw !== undefined && nextThaw > state.epoch + 1 ? nextThaw - 1 : Infinity;
  return Math.min(state.epoch + epochsPerChunk, state.epochs, limit);
}

/** The best monitored value so far. */
export function bestOf(state: TrainingState): { monitor: string; value: number; epoch?: number } | undefined {
  const { best, bestEpoch } = state.earlyStopping;
  if (best === undefined) return undefined;
  return { monitor: state.validated.plan.monitor, value: best, ...(bestEpoch !== undefined ? { epoch: bestEpoch } : {}) };
}

/** The checkpoint the run exports: the best epoch's when the plan says so (and one was kept), else the last. */
export function exportedCheckpoint(state: TrainingState): { which: 'best' | 'last'; path: string; epoch: number; step: number } {
  if (state.validated.plan.export === 'best' && state.best) return { which: 'best', ...state.best };
  return { which: 'last', path: state.checkpoint.path, epoch: state.epoch, step: state.step };
}

/** Seconds left at the pace so far; undefined before the first chunk. */
export function etaSeconds(state: TrainingState): number | undefined {
  if (state.trainedEpochs === 0) return undefined;
  return Math.max(0, ((state.epochs - state.epoch) * state.trainSeconds) / state.trainedEpochs);
}

/** What the run's report shows after a chunk: the chunk's epochs (`after` the epoch it started from) and the run's state. */
export function reportFacts(state: TrainingState, chunk: { after: number; records: EpochRecord[] }): RunReportInput {
  const best = bestOf(state);
  const { validated } = state;
  return {
    artifactRoot: validated.artifactRoot,
    runId: validated.runId,
    ...(validated.owner ? { owner: validated.owner } : {}),
    config: validated.snapshot,
    data: { fingerprint: state.data.fingerprint, records: state.data.records },
    newEpochs: chunk,
    epochs: state.epochs,
    ...(best ? { best } : {}),
    timings: { ...state.timings, train: state.trainSeconds },
    backend: { built: state.built.backend, ...(state.trainedWith ? { trained: state.trainedWith.backend } : {}) },
    ...(state.built.pretrained ? { pretrained: state.built.pretrained } : {}),
  };
}
