/** Early stopping: stop when the monitored value has not improved by minDelta for `patience` epochs. */
import type { z } from 'zod';
import type { EarlyStopping } from '../config/train/training.js';

/** Carried from epoch to epoch (and chunk to chunk, in the workflow and in checkpoints). */
export interface EarlyStoppingState {
  best?: number;
  bestEpoch?: number;
  epochsWithoutImprovement: number;
}

/** Whether lower or higher is better for `monitor` when the config does not say. */
export function monitorMode(monitor: string, mode?: 'min' | 'max'): 'min' | 'max' {
  return mode ?? (monitor.endsWith('loss') ? 'min' : 'max');
}

/**
 * The state after an epoch with `record`'s values, and whether to stop. The
 * best value is tracked even without early stopping configured (monitoring
 * val_loss), so runs can report it.
 */
export function advanceEarlyStopping(
  config: z.infer<typeof EarlyStopping> | undefined,
  state: EarlyStoppingState,
  record: Record<string, number | undefined>,
): { state: EarlyStoppingState; stop: boolean } {
  const monitor = config?.monitor ?? 'val_loss';
  const value = record[monitor];
  if (value === undefined) return { state, stop: false };
  const better = monitorMode(monitor, config?.mode) === 'min' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  const minDelta = config?.minDelta ?? 0;
  const improved =
    state.best === undefined || better(value, monitorMode(monitor, config?.mode) === 'min' ? state.best - minDelta : state.best + minDelta);
  const next: EarlyStoppingState = improved
    ? { best: value, bestEpoch: record.epoch, epochsWithoutImprovement: 0 }
    : { ...state, epochsWithoutImprovement: state.epochsWithoutImprovement + 1 };
  return { state: next, stop: config !== undefined && next.epochsWithoutImprovement >= config.patience };
}
