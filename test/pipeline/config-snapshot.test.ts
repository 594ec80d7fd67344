import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrainConfig } from '../../src/config/load.js';
import { readConfigSnapshot, writeConfigSnapshot } from '../../src/pipeline/config-snapshot.js';
import { SLEEPNET_TRAIN } from '../helpers/configs.js';

const writtenBy = { workflowId: 'wf', runId: 'run-1' };

describe('config snapshots', () => {
  it('are self-contained: the snapshotted train_params validates on its own, to the same config', async () => {
    const config = await loadTrainConfig(SLEEPNET_TRAIN);
    const dir = join(await mkdtemp(join(tmpdir(), 'epochal-snap-')), 'config');
    const snapshot = await writeConfigSnapshot(config, dir, writtenBy);
    const reloaded = await loadTrainConfig(snapshot.train.path);
    expect(reloaded.net).toEqual({ ...config.net, $schema: undefined });
    expect({ ...reloaded.train, netParams: undefined }).toEqual({ ...config.train, netParams: undefined, $schema: undefined });
  });

  it('are read back while their files match their hashes, and not once a file is edited', async () => {
    const config = await loadTrainConfig(SLEEPNET_TRAIN);
    const dir = join(await mkdtemp(join(tmpdir(), 'epochal-snap-')), 'config');
    const snapshot = await writeConfigSnapshot(config, dir, writtenBy);
    expect(await readConfigSnapshot(dir)).toEqual(snapshot);
    await writeFile(snapshot.net.path, '{}');
    expect(await readConfigSnapshot(dir)).toBeUndefined();
  });

  it('replace an older snapshot whole, leaving no staging folders behind', async () => {
    const config = await loadTrainConfig(SLEEPNET_TRAIN);
    const parent = await mkdtemp(join(tmpdir(), 'epochal-snap-'));
    await writeConfigSnapshot(config, join(parent, 'config'), writtenBy);
    const second = await writeConfigSnapshot(config, join(parent, 'config'), { workflowId: 'wf', runId: 'run-2' });
    expect(await readdir(parent)).toEqual(['config']);
    expect((await readConfigSnapshot(join(parent, 'config')))?.writtenBy).toEqual(second.writtenBy);
  });
});
