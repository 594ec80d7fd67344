/** Test helpers for configs: private copies of the sample configs that a test may break. */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONFIGS = fileURLToPath(new URL('../../configs/', import.meta.url));
export const SLEEPNET_TRAIN = join(CONFIGS, 'sleepnet', 'train_params.json');
/** The test-size SleepNet job: what integration tests run end to end. */
export const SMALL_SLEEPNET_TRAIN = join(CONFIGS, 'sleepnet-small', 'train_params.json');
export const TABULAR_TRAIN = join(CONFIGS, 'tabular-mlp', 'train_params.json');

/** Copies `configs/<sample>/` into a fresh temporary folder and returns that folder. */
export async function copySample(sample: 'sleepnet' | 'sleepnet-small' | 'tabular-mlp'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `epochal-${sample}-`));
  await cp(join(CONFIGS, sample), dir, { recursive: true });
  return dir;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Rewrites a JSON file through `edit`. */
export async function editJson(file: string, edit: (json: Json) => void): Promise<void> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Json;
  edit(json);
  await writeFile(file, JSON.stringify(json, null, 2));
}

export async function readJson(file: string): Promise<Json> {
  return JSON.parse(await readFile(file, 'utf8')) as Json;
}

/** A copy of the SleepNet sample with the four classic mistakes the acceptance tests name. */
export async function brokenSleepnet(): Promise<string> {
  const dir = await copySample('sleepnet');
  await editJson(join(dir, 'train_params.json'), (train) => {
    train.training.batchSzie = 16; // unknown key
    train.training.epochs = -5; // negative epochs
    train.netParams = 'nets/missing_net_params.json'; // missing net file
    train.data.source.nightEpochs.min = 'six hundred'; // wrong type in a nested block
  });
  return dir;
}

/**
 * A quick copy of the small SleepNet job for tests that run the pipeline but
 * are not about learning: 12 short nights, `epochs` epochs, one per chunk.
 */
export async function quickSleepnet(epochs = 2): Promise<string> {
  const dir = await copySample('sleepnet-small');
  await editJson(join(dir, 'train_params.json'), (train) => {
    train.data.source.subjects = 12;
    train.data.source.nightEpochs = { min: 40, max: 60 };
    train.training.epochs = epochs;
    train.training.epochsPerChunk = 1;
    train.training.checkpointEverySteps = 2;
  });
  return join(dir, 'train_params.json');
}

/**
 * Sizes a copy of the small SleepNet job for crash tests: 4 epochs × 4 steps,
 * a checkpoint every 4 steps, nights long enough that a step takes a few
 * hundred milliseconds (a heartbeat names a checkpoint before the chunk
 * ends), no early stopping; `training` sets the chunk size and how soon a
 * silent worker is presumed dead.
 */
export async function crashSizedSleepnet(trainParams: string, training: { epochsPerChunk: number; heartbeatTimeoutSeconds: number }): Promise<void> {
  await editJson(trainParams, (train) => {
    train.data.source.subjects = 24;
    train.data.source.nightEpochs = { min: 200, max: 240 };
    train.training.epochs = 4;
    train.training.checkpointEverySteps = 4;
    Object.assign(train.training, training);
    delete train.training.earlyStopping;
  });
}
