/**
 * The buildModel stage: build the network from the run's config snapshot on
 * the configured backend, load pretrained weights, apply freezing, and write
 * the initial checkpoint with the freezing and pretrained reports.
 */
import { join } from 'node:path';
import { useBackend } from '../backend/index.js';
import { checkpointFolder, runFolder } from '../artifacts/run-folder.js';
import { writeJsonRef, type FileRef } from '../artifacts/file-ref.js';
import { writeCheckpoint, type CheckpointRef } from '../checkpoint/checkpoint.js';
import { loadTrainConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { buildModel } from '../model/build.js';
import { applyTrainable, freezeReport, trainableAt, trainableCandidates, unmatchedPatterns } from '../model/freeze.js';
import { loadPretrained, type CompatibilityReport } from '../model/pretrained.js';
import { listWeights } from '../model/weights.js';
import { TrainingOptimizer } from '../train/optimizer.js';
import type { FieldSpec } from '../data/dataset.js';
import { inputShapeIssues } from './input-compat.js';

export interface BuildModelInput {
  /** The run's snapshotted train_params.json. */
  trainParams: string;
  /** The train_params file the user wrote, for error messages. */
  sourceFile?: string;
  artifactRoot: string;
  runId: string;
  /** The prepared data's fields, to check the network's inputs against. */
  dataFields?: Record<string, FieldSpec>;
  /** The net_params file the user wrote, for error messages. */
  netSourceFile?: string;
}

/** What the stage produced, by reference. */
export interface BuiltModel {
  checkpoint: CheckpointRef;
  reports: { freeze: FileRef; pretrained?: FileRef };
  parameters: { total: number; trainable: number; frozen: number; nonTrainable: number };
  /** Counts from the pretrained compatibility report, when weights were loaded. */
  pretrained?: { policy: string; matched: number; missing: number; unexpected: number; shapeMismatches: number };
  /** The backend it ran on. */
  backend: string;
}

export async function buildModelStage(input: BuildModelInput): Promise<BuiltModel> {
  const { train, net } = await loadTrainConfig(input.trainParams);
  const backend = await useBackend(train.backend);
  const folder = runFolder(input.artifactRoot, input.runId);
  const model = buildModel(net, train.seed);
  try {
    const names = listWeights(model).map((w) => w.name);
    const issues = [
      ...unmatchedPatterns(train.fineTune, names).map((issue) => ({ ...issue, ...(input.sourceFile ? { file: input.sourceFile } : {}) })),
      ...(input.dataFields ? inputShapeIssues(net, train.data, input.dataFields, input.netSourceFile) : []),
    ];
    if (issues.length > 0) throw new ConfigError(issues);

    let pretrained: CompatibilityReport | undefined;
    if (train.fineTune?.pretrained) {
      pretrained = await loadPretrained(model, train.fineTune.pretrained.path, train.fineTune.pretrained.policy);
    }

    const candidates = trainableCandidates(model);
    const trainable = trainableAt(1, train.fineTune, [...candidates]);
    applyTrainable(model, trainable, candidates);
    const freeze = freezeReport(listWeights(model), candidates);

    const optimizer = new TrainingOptimizer(model, train.training.optimizer, train.fineTune?.learningRates);
    const checkpoint = await writeCheckpoint(checkpointFolder(folder, 0), {
      model,
      optimizer,
      state: { epoch: 0, step: 0, seed: train.seed, trainable: optimizer.trainable, backend: backend.name },
    });
    optimizer.dispose();

    return {
      checkpoint,
      reports: {
        freeze: await writeJsonRef(join(folder.reports, 'freeze.json'), freeze),
        ...(pretrained ? { pretrained: await writeJsonRef(join(folder.reports, 'pretrained.json'), pretrained) } : {}),
      },
      parameters: {
        total: model.countParams(),
        trainable: freeze.trainableParams,
        frozen: freeze.frozenParams,
        nonTrainable: freeze.nonTrainableParams,
      },
      ...(pretrained
        ? {
            pretrained: {
              policy: pretrained.policy,
              matched: pretrained.matched.length,
              missing: pretrained.missing.length,
              unexpected: pretrained.unexpected.length,
              shapeMismatches: pretrained.shapeMismatches.length,
            },
          }
        : {}),
      backend: backend.name,
    };
  } finally {
    model.dispose();
  }
}
