/**
 * Stage 2, `buildModel`: build the network from the run's config snapshot,
 * load pretrained weights, apply freezing, plan a training step's memory,
 * write the initial checkpoint and the reports. Incompatible weights, a freeze
 * pattern that matches no weight or a step that cannot fit in memory fail
 * non-retryably; the result holds references only.
 */
import { ownedRunFolder } from '../src/artifacts/run-owner.js';
import { buildModelStage, type BuiltModel } from '../src/pipeline/build-model.js';
import type { FieldSpec } from '../src/data/dataset.js';
import type { RunRef } from './validate-config.js';

export type { BuiltModel } from '../src/pipeline/build-model.js';

export function buildModelActivity() {
  return async function buildModel(
    config: RunRef & { dataFields?: Record<string, FieldSpec>; preparedDir?: string },
  ): Promise<BuiltModel> {
    await ownedRunFolder(config);
    return buildModelStage({
      trainParams: config.snapshot.train.path,
      ...(config.snapshot.sources.train.file ? { sourceFile: config.snapshot.sources.train.file } : {}),
      ...(config.snapshot.sources.net.file ? { netSourceFile: config.snapshot.sources.net.file } : {}),
      ...(config.dataFields ? { dataFields: config.dataFields } : {}),
      ...(config.preparedDir ? { preparedDir: config.preparedDir } : {}),
      artifactRoot: config.artifactRoot,
      runId: config.runId,
    });
  };
}
