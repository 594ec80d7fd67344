/**
 * Stage 2, `buildModel`: build the network from the run's config snapshot,
 * load pretrained weights, apply freezing, plan a training step's memory,
 * write the initial checkpoint and the reports, in a stage process with a
 * capped heap (TensorFlow.js work stays off the worker's event loop; running
 * out of heap fails non-retryably there, not the worker). Heartbeats the
 * step it is on. Incompatible weights, a freeze pattern that matches no
 * weight or a step that cannot fit in memory fail non-retryably; the result
 * holds references only.
 */
import { Context } from '@temporalio/activity';
import { ownedRunFolder } from '../src/artifacts/run-owner.js';
import type { BuildPhase, BuiltModel } from '../src/pipeline/build-model.js';
import type { FieldSpec } from '../src/data/dataset.js';
import { buildModelInProcess } from '../src/pipeline/stage-process.js';
import type { ActivityDeps } from './deps.js';
import { withLiveness } from './liveness.js';
import type { RunRef } from './validate-config.js';

export type { BuiltModel } from '../src/pipeline/build-model.js';

/** What a buildModel attempt heartbeats: the step it is on. */
export interface BuildHeartbeat {
  phase: BuildPhase | 'starting';
}

export function buildModelActivity(deps: Pick<ActivityDeps, 'stageMemoryMb'> = {}) {
  return async function buildModel(
    config: RunRef & { dataFields?: Record<string, FieldSpec>; preparedDir?: string },
  ): Promise<BuiltModel> {
    await ownedRunFolder(config);
    const context = Context.current();
    let details: BuildHeartbeat = { phase: 'starting' };
    const input = {
      trainParams: config.snapshot.train.path,
      ...(config.snapshot.sources.train.file ? { sourceFile: config.snapshot.sources.train.file } : {}),
      ...(config.snapshot.sources.net.file ? { netSourceFile: config.snapshot.sources.net.file } : {}),
      ...(config.dataFields ? { dataFields: config.dataFields } : {}),
      ...(config.preparedDir ? { preparedDir: config.preparedDir } : {}),
      artifactRoot: config.artifactRoot,
      runId: config.runId,
    };
    return withLiveness(
      () =>
        buildModelInProcess(input, {
          ...(deps.stageMemoryMb ? { heapMb: deps.stageMemoryMb } : {}),
          onProgress: (_done, _total, progress) => {
            details = { phase: progress.phase as BuildPhase };
            context.heartbeat(details);
          },
          signal: context.cancellationSignal,
        }),
      () => details,
    );
  };
}
