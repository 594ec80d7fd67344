/**
 * Stage 2, `prepareData`: turn the configured data source into prepared
 * shards (validated, preprocessed, split by subject, train statistics), or
 * reuse the shards of an identical earlier preparation, in a stage process
 * with a capped heap (too much data fails non-retryably there, not the
 * worker; the work stays off the worker's event loop). Heartbeats the phase
 * it is in and how far it has come, and on a timer while the stage process
 * works; bad data fails non-retryably naming the file, record and field.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { writeJsonAtomically } from '../src/artifacts/atomic.js';
import { recordedPath } from '../src/store/recorded-paths.js';
import { ownedRunFolder } from '../src/artifacts/run-owner.js';
import { loadTrainConfig } from '../src/config/load.js';
import type { PreparedRef } from '../src/data/prepare.js';
import type { PrepareProgress } from '../src/data/progress.js';
import { prepareDataInProcess } from '../src/pipeline/stage-process.js';
import type { ActivityDeps } from './deps.js';
import { withLiveness } from './liveness.js';
import type { RunRef } from './validate-config.js';

export type { PreparedRef } from '../src/data/prepare.js';

/**
 * What a prepareData attempt heartbeats: the phase (`fingerprinting`,
 * `scanning`, `writing`, `finishing`) with how far it has come (`done` of
 * `total` bytes, records or splits), or `starting` before the first report.
 */
export type PrepareHeartbeat = PrepareProgress | { phase: 'starting' };

/** Where prepared datasets live, shared by every run under one artifact root. */
export function preparedCacheRoot(artifactRoot: string): string {
  return join(artifactRoot, 'prepared');
}

export function prepareDataActivity(deps: Pick<ActivityDeps, 'stageMemoryMb'>) {
  return async function prepareData(config: RunRef): Promise<PreparedRef> {
    const context = Context.current();
    let details: PrepareHeartbeat = { phase: 'starting' };
    return withLiveness(async () => {
      const folder = await ownedRunFolder(config);
      const { train } = await loadTrainConfig(config.snapshot.train.path);
      const prepared = await prepareDataInProcess(train.data, preparedCacheRoot(config.artifactRoot), {
        ...(deps.stageMemoryMb ? { heapMb: deps.stageMemoryMb } : {}),
        onProgress: (_done, _total, progress) => {
          details = progress as PrepareProgress;
          context.heartbeat(details);
        },
        signal: context.cancellationSignal,
      });
      await writeJsonAtomically(join(folder.root, 'data.json'), { ...prepared, dir: recordedPath(prepared.dir) });
      return prepared;
    }, () => details);
  };
}
