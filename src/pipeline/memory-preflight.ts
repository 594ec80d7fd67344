/**
 * The earliest memory check: when the data config itself says how long its
 * sequences can be (synthetic ECG nights), a batch that cannot fit fails at
 * validation, before any data is prepared. Other sources are checked by
 * buildModel, once prepareData has measured their longest sequence.
 */
import { useBackend, type BackendName } from '../backend/index.js';
import type { TrainConfig } from '../config/load.js';
import type { TrainParams } from '../config/train/train-params.js';
import { ConfigError } from '../errors.js';
import { planMemory, type MemoryPlan } from '../train/memory-plan.js';

/** The longest training sequence the data config allows, when it says (synthetic nights: `nightEpochs.max`, then maxEpochs and windows). */
export function declaredLongestSequence(train: TrainParams): number | undefined {
  if (train.data.source.type !== 'syntheticEcg') return undefined;
  const { maxEpochs, window } = train.data.preprocessing;
  return Math.min(train.data.source.nightEpochs.max, maxEpochs ?? Infinity, window?.epochs ?? Infinity);
}

/** `planMemory`, with the train_params file (`file`, else the config's own) named in the issue when the step cannot fit. */
export function planMemoryOf(config: TrainConfig, backend: BackendName, longest: number, file = config.sources.train.file): MemoryPlan {
  try {
    return planMemory({ config, backend, longest });
  } catch (error) {
    if (error instanceof ConfigError && file) throw new ConfigError(error.issues.map((issue) => ({ ...issue, file })));
    throw error;
  }
}

/** Plans a training step's memory on this worker's backend for the declared longest sequence; throws `ConfigError` when it cannot fit. */
export async function preflightDeclaredMemory(config: TrainConfig): Promise<void> {
  const longest = declaredLongestSequence(config.train);
  if (longest === undefined) return;
  planMemoryOf(config, (await useBackend(config.train.backend)).name, longest);
}
