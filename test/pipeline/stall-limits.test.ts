import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrainConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { inferenceStallLimit, trainingStallLimit } from '../../src/pipeline/stall-limits.js';
import { editJson, quickSleepnet } from '../helpers/configs.js';

async function snapshot(training: Record<string, unknown>): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'epochal-stall-')), 'train_params.json');
  await writeFile(file, JSON.stringify({ experiment: 'x', training }));
  return file;
}

describe('stall limits', () => {
  it('reads training.stallTimeoutSeconds from a run snapshot, naming the key', async () => {
    expect(await trainingStallLimit(await snapshot({ epochs: 2, stallTimeoutSeconds: 7 }))).toEqual({ seconds: 7, setting: 'training.stallTimeoutSeconds' });
  });

  it('gives runs snapshotted before the setting existed, and jobs planned before it, the 600 s default', async () => {
    expect(await trainingStallLimit(await snapshot({ epochs: 2 }))).toEqual({ seconds: 600, setting: 'training.stallTimeoutSeconds' });
    expect(inferenceStallLimit({})).toEqual({ seconds: 600, setting: 'stallTimeoutSeconds' });
    expect(inferenceStallLimit({ stallTimeoutSeconds: 30 })).toEqual({ seconds: 30, setting: 'stallTimeoutSeconds' });
  });

  it('rejects a limit that is not a positive whole number of seconds, at its path', async () => {
    const trainParams = await quickSleepnet(1);
    await editJson(trainParams, (train) => {
      train.training.stallTimeoutSeconds = 0;
    });
    const error = await loadTrainConfig(trainParams).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.path.join('.'))).toEqual(['training.stallTimeoutSeconds']);
  });
});
