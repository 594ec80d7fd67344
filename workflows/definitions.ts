/**
 * The messages a running trainingPipeline understands, shared by the workflow
 * and its clients (the CLI, tests, other services).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EpochRecord } from '../activities/index.js';
import type { BestTrial, TrialRow } from './sweep-state.js';

/** What the pipeline is doing. */
export type Phase = 'validating' | 'preparing' | 'building' | 'training' | 'paused' | 'evaluating' | 'exporting' | 'done';

/** The answer to the `progress` query. */
export interface Progress {
  phase: Phase;
  /** Epochs complete, and the budget. */
  epoch: number;
  epochs: number;
  /** Optimizer steps complete (as of the last chunk). */
  step: number;
  /** The latest epoch's losses and metrics. */
  latest?: EpochRecord;
  best?: { monitor: string; value: number; epoch?: number };
  /** Seconds until the budget is spent, at the pace so far. */
  etaSeconds?: number;
  learningRate: number;
  /** The last committed checkpoint. */
  checkpoint?: string;
  paused: boolean;
  stopRequested: boolean;
  /** Per-epoch history so far. */
  history: EpochRecord[];
  /** The task queue training runs on (once known). */
  trainingTaskQueue?: string;
}

/** Hold at the next chunk boundary. */
export const pauseSignal = defineSignal('pause');
/** Continue after a pause. */
export const resumeSignal = defineSignal('resume');
/** End training at the next chunk boundary, then evaluate and export the model trained so far. */
export const stopSignal = defineSignal('stop');
/** Add epochs to the budget; returns the new budget. */
export const extendEpochsUpdate = defineUpdate<number, [number]>('extendEpochs');
/** Change the base learning rate from the next chunk on; returns the new rate. */
export const setLearningRateUpdate = defineUpdate<number, [number]>('setLearningRate');
/** Where training stands. */
export const progressQuery = defineQuery<Progress>('progress');

/** Where a batchInference job stands (its `progress` query). */
export interface InferenceProgress {
  phase: 'planning' | 'preparing' | 'scoring' | 'finishing' | 'done';
  shards: number;
  shardsDone: number;
  records: number;
  rows: number;
}

export const inferenceProgressQuery = defineQuery<InferenceProgress>('progress');

/** Where a sweepPipeline stands (its `progress` query): its trials, as the results table shows them so far. */
export interface SweepProgress {
  phase: 'planning' | 'running' | 'stopping' | 'finishing' | 'done';
  metric?: string;
  mode?: 'min' | 'max';
  parallelism?: number;
  trials: TrialRow[];
  /** The best trial so far (of those that exported a model). */
  best?: BestTrial;
  stopRequested: boolean;
}

export const sweepProgressQuery = defineQuery<SweepProgress>('progress');
