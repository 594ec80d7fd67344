/**
 * Stage 2, `prepareData`: turn the configured data source into prepared
 * shards (validated, preprocessed, split by subject, train statistics), or
 * reuse the shards of an identical earlier preparation, in a stage process
 * with a capped heap (too much data fails non-retryably there, not the
 * worker). Heartbeats progress; bad data fails non-retryably naming the
 * file, record and field.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { writeJsonAtomically } from '../src/artifacts/atomic.js';
import { ownedRunFolder } from '../src/artifacts/run-owner.js';
import { loadTrainConfig } from '../src/config/load.js';
import type { PreparedRef } from '../src/data/prepare.js';
import { prepareDataInProcess } from '../src/pipeline/stage-process.js';
import type { ActivityDeps } from './deps.js';
import type { RunRef } from './validate-config.js';

export type { PreparedRef } from '../src/data/prepare.js';

/** Where prepared datasets live, shared by every run under one artifact root. */
export function preparedCacheRoot(artifactRoot: string): string {
  return join(artifactRoot, 'prepared');
}

export function prepareDataActivity(deps: Pick<ActivityDeps, 'stageMemoryMb'>) {
  return async function prepareData(config: RunRef): Promise<PreparedRef> {
    const folder = await ownedRunFolder(config);
    const { train } = await loadTrainConfig(config.snapshot.train.path);
    const context = Context.current();
    context.heartbeat({ records: 0 });
    const prepared = await prepareDataInProcess(train.data, preparedCacheRoot(config.artifactRoot), {
      ...(deps.stageMemoryMb ? { heapMb: deps.stageMemoryMb } : {}),
      onProgress: (done, total) => context.heartbeat({ records: done, total }),
      signal: context.cancellationSignal,
    });
    await writeJsonAtomically(join(folder.root, 'data.json'), prepared);
    return prepared;
  };
}
