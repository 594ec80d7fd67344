/**
 * The buildModel stage: build the network from the run's config snapshot on
 * the configured backend, load pretrained weights, apply freezing, and write
 * the initial checkpoint with the freezing and pretrained reports. The
 * buildModel activity runs it in a stage process (`stage-process.ts`).
 */
import { join } from 'node:path';
import { useBackend } from '../backend/index.js';
import { checkpointFolder, runFolder } from '../artifacts/run-folder.js';
import { writeJsonRef, type FileRef } from '../artifacts/file-ref.js';
import { writeCheckpoint, type CheckpointRef } from '../checkpoint/checkpoint.js';
import type { BackendName } from '../backend/index.js';
import { loadSnapshotConfig, type TrainConfig } from '../config/load.js';
import { longestSequence, PreparedData } from '../data/prepared.js';
import { planMemoryOf } from './memory-preflight.js';
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
  /** The prepared data, whose longest sequence sizes the memory plan. */
  preparedDir?: string;
}

/** A step of building the model, reported as it begins. */
export type BuildPhase = 'building' | 'loading weights' | 'planning memory' | 'writing checkpoint';

export interface BuildHooks {
  /** Called as each step begins. */
  onPhase?(phase: BuildPhase): void | Promise<void>;
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
  /** The memory plan on that backend (training workers check it again on theirs). */
  memory?: MemoryPlanSummary;
}

/** A memory plan in brief, for the workflow and the UI. */
export interface MemoryPlanSummary {
  microBatchSize: number;
  recompute: boolean;
  estimatedGB: number;
  limitGB: number;
  report: FileRef;
}

export async function buildModelStage(input: BuildModelInput, hooks: BuildHooks = {}): Promise<BuiltModel> {
  await hooks.onPhase?.('building');
  const config = await loadSnapshotConfig(input.trainParams);
  const { train, net } = config;
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
      await hooks.onPhase?.('loading weights');
      pretrained = await loadPretrained(model, train.fineTune.pretrained.path, train.fineTune.pretrained.policy, train.fineTune.pretrained.mapping, net);
    }

    if (input.preparedDir) await hooks.onPhase?.('planning memory');
    const memory = input.preparedDir ? await preflightMemory(config, backend.name, input.preparedDir, folder.reports, input.sourceFile) : undefined;

    const candidates = trainableCandidates(model);
    const trainable = trainableAt(1, train.fineTune, [...candidates]);
    applyTrainable(model, trainable, candidates);
    const freeze = freezeReport(listWeights(model), candidates);

    await hooks.onPhase?.('writing checkpoint');
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
      ...(memory ? { memory } : {}),
    };
  } finally {
    model.dispose();
  }
}

/**
 * The memory plan for the prepared data's longest sequence, written to
 * `reports/memory.json`; a batch that cannot fit fails here, before any training.
 */
async function preflightMemory(config: TrainConfig, backend: BackendName, preparedDir: string, reports: string, file?: string): Promise<MemoryPlanSummary | undefined> {
  const prepared = await PreparedData.open(preparedDir);
  if (!prepared) return undefined;
  const plan = planMemoryOf(config, backend, await longestSequence(prepared, 'train'), file);
  const report = await writeJsonRef(join(reports, 'memory.json'), plan);
  const gb = (bytes: number) => Math.round(bytes / 1e7) / 100;
  return { microBatchSize: plan.microBatchSize, recompute: plan.recompute, estimatedGB: gb(plan.estimatedBytes), limitGB: gb(plan.limitBytes), report };
}
