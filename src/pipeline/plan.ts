/**
 * The training plan: the part of train_params the workflow itself needs to
 * drive training (it cannot read files), computed once by validateConfig.
 */
import type { TrainParams } from '../config/train/train-params.js';
import { monitorMode } from '../train/early-stopping.js';

export interface TrainingPlan {
  epochs: number;
  epochsPerChunk: number;
  trainingTaskQueue: string;
  heartbeatTimeoutSeconds: number;
  /** How long (seconds) a training activity may wait for a worker on its queue. */
  workerWaitSeconds: number;
  /** The optimizer's base learning rate. */
  learningRate: number;
  unfreezeSchedule: { atEpoch: number; trainable: string[]; learningRate?: number }[];
  /** What early stopping (or, without it, "best so far") watches. */
  monitor: string;
  mode: 'min' | 'max';
  /** Which model the run exports: the best monitored epoch's, or the last. */
  export: 'best' | 'last';
}

export function trainingPlan(train: TrainParams): TrainingPlan {
  const { training, fineTune } = train;
  const monitor = training.earlyStopping?.monitor ?? 'val_loss';
  return {
    epochs: training.epochs,
    epochsPerChunk: training.epochsPerChunk,
    trainingTaskQueue: training.taskQueue,
    heartbeatTimeoutSeconds: training.heartbeatTimeoutSeconds,
    workerWaitSeconds: training.workerWaitSeconds,
    learningRate: training.optimizer.learningRate,
    unfreezeSchedule: (fineTune?.unfreezeSchedule ?? []).map((step) => ({ ...step })),
    monitor,
    mode: monitorMode(monitor, training.earlyStopping?.mode),
    export: training.export ?? (training.earlyStopping ? 'best' : 'last'),
  };
}
