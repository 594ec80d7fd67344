/**
 * Stage 2, `prepareData`: turn the configured data source into prepared
 * shards (validated, preprocessed, split by subject, train statistics), or
 * reuse the shards of an identical earlier preparation. Heartbeats progress;
 * bad data fails non-retryably naming the file, record and field.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { writeJsonAtomically } from '../src/artifacts/atomic.js';
import { ownedRunFolder } from '../src/artifacts/run-owner.js';
import { loadTrainConfig } from '../src/config/load.js';
import { prepareData as prepare, type PreparedRef } from '../src/data/prepare.js';
import type { RunRef } from './validate-config.js';

export type { PreparedRef } from '../src/data/prepare.js';

/** Where prepared datasets live, shared by every run under one artifact root. */
export function preparedCacheRoot(artifactRoot: string): string {
  return join(artifactRoot, 'prepared');
}

export function prepareDataActivity() {
  return async function prepareData(config: RunRef): Promise<PreparedRef> {
    const folder = await ownedRunFolder(config);
    const { train } = await loadTrainConfig(config.snapshot.train.path);
    const context = Context.current();
    const prepared = await prepare(train.data, {
      cacheRoot: preparedCacheRoot(config.artifactRoot),
      onProgress: (done, total) => context.heartbeat({ records: done, total }),
    });
    await writeJsonAtomically(join(folder.root, 'data.json'), prepared);
    return prepared;
  };
}
