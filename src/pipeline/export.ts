/**
 * The export stage: the final model as a standalone tfjs model folder
 * (`model/`, with the network and preprocessing inference needs, and its
 * weights as a PyTorch state_dict in `model.safetensors`), the per-epoch history and test metrics (`metrics.json`), and a
 * run manifest (`manifest.json`) recording what produced the model: config
 * and data hashes, Epochal's version and git commit, backend, timings.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFolderAtomically } from '../artifacts/atomic.js';
import { pruneCheckpoints } from '../checkpoint/series.js';
import { fileRef, writeJsonRef, type FileRef } from '../artifacts/file-ref.js';
import { storedPath } from '../artifacts/run-folder.js';
import { ownedRunFolder, type RunOwner } from '../artifacts/run-owner.js';
import { modelManifest, type ModelManifest } from '../registry/model-digest.js';
import { PreparedData } from '../data/prepared.js';
import { writeModelPackage } from '../infer/model-package.js';
import { provenance } from '../package.js';
import { writeTorchWeights } from '../weights/export-torch.js';
import { bestEffort } from '../report/best-effort.js';
import { writeRunReport, type RunFacts } from '../report/run-report.js';
import type { ActiveBackend } from '../backend/index.js';
import type { EpochRecord } from '../train/chunk.js';
import type { MemoryPlan } from '../train/memory-plan.js';
import type { SplitEvaluation } from '../train/evaluate.js';
import type { ConfigSnapshot } from './config-snapshot.js';

export interface ExportInput {
  artifactRoot: string;
  runId: string;
  /** The workflow that owns the run folder (checked before anything is written). */
  owner?: RunOwner;
  workflow: { workflowId: string; runId: string };
  /** The checkpoint to export. */
  checkpoint: string;
  /** Which model that is: the best monitored epoch's or the last trained. */
  exported?: { which: 'best' | 'last'; epoch: number; step: number };
  config: ConfigSnapshot;
  data: { fingerprint: string; dir: string; records: Record<string, number> };
  /** The backend that built the model, and the one that trained it (the training worker's) with its memory plan. */
  backend: { built: string; trained?: ActiveBackend; memory?: MemoryPlan };
  history: EpochRecord[];
  best?: { monitor: string; value: number; epoch?: number };
  test?: SplitEvaluation;
  /** Seconds spent per stage. */
  timings: Record<string, number>;
  /** Why training ended: budget, early stopping, or a stop signal. */
  ended: string;
  /** Counts from the pretrained compatibility report, when the run started from weights. */
  pretrained?: RunFacts['pretrained'];
}

export interface ExportResult {
  model: FileRef;
  weights: FileRef;
  metrics: FileRef;
  manifest: FileRef;
  /** The exported model's files and their SHA-256: its identity for promotion and inference. */
  modelManifest: ModelManifest;
  /** `reports/report.html`, unless it could not be written (the model is exported regardless). */
  report?: string;
}

export async function exportRun(input: ExportInput): Promise<ExportResult> {
  const folder = await ownedRunFolder(input);
  const modelDir = join(folder.root, 'model');
  await writeFolderAtomically(modelDir, async (staging) => {
    for (const file of ['model.json', 'weights.bin']) await copyFile(join(input.checkpoint, file), join(staging, file));
    await writeModelPackage(folder.root, staging); // the network and preprocessing, for inference anywhere
    await writeTorchWeights(staging); // the same weights as a PyTorch state_dict (model.safetensors)
  });
  const model = await fileRef(join(modelDir, 'model.json'));
  const weights = await fileRef(join(modelDir, 'weights.bin'));
  const modelFiles = await modelManifest(modelDir);
  const metrics = await writeJsonRef(join(folder.root, 'metrics.json'), {
    history: input.history,
    ...(input.best ? { best: input.best } : {}),
    ...(input.exported ? { exported: input.exported } : {}),
    test: input.test ?? null,
  });
  const stored = (path: string) => storedPath(input.artifactRoot, path);
  const storedRef = (ref: FileRef): FileRef => ({ ...ref, path: stored(ref.path) });
  const manifest = await writeJsonRef(join(folder.root, 'manifest.json'), {
    run: input.runId,
    workflow: input.workflow,
    createdAt: new Date().toISOString(),
    // Paths inside the artifact root are stored relative to it: a moved root keeps its manifests valid.
    paths: 'relative to the artifact root',
    epochal: await provenance(),
    configs: { train: storedRef(input.config.train), net: storedRef(input.config.net), sources: input.config.sources },
    data: { ...input.data, dir: stored(input.data.dir), groups: await learnedFrom(input.data.dir) },
    model: { checkpoint: stored(input.checkpoint), ...(input.exported ?? {}), modelJson: storedRef(model), weights: storedRef(weights), digest: modelFiles.digest, files: modelFiles.files },
    backend: {
      trained: input.backend.trained?.name ?? input.backend.built,
      ...(input.backend.trained ? { package: input.backend.trained.package, passedOver: input.backend.trained.skipped } : {}),
      built: input.backend.built,
      ...(input.backend.memory ? { memory: input.backend.memory } : {}),
    },
    ended: input.ended,
    epochs: input.history.length,
    test: input.test ? { loss: input.test.loss, accuracy: input.test.accuracy, cohenKappa: input.test.cohenKappa, macroF1: input.test.macroF1 } : null,
    timings: input.timings,
    metrics: storedRef(metrics),
  });
  await pruneCheckpoints(folder.checkpoints, await keepCheckpoints(input.config), [input.checkpoint]);
  const facts = { ...input, epochs: input.history.length, ...(input.exported ? { exported: { ...input.exported, digest: modelFiles.digest } } : {}) };
  const report = (await bestEffort(`The report of run ${input.runId}`, () => writeRunReport(folder.root, facts)))?.report;
  return { model, weights, metrics, manifest, modelManifest: modelFiles, ...(report ? { report } : {}) };
}

/**
 * `training.keepCheckpoints` of the run. While it trains, a run also keeps the
 * checkpoints it may still need (its chunk's start, the one before, the best);
 * once exported, it keeps the newest K and the exported one.
 */
async function keepCheckpoints(config: ConfigSnapshot): Promise<number> {
  const train = JSON.parse(await readFile(config.train.path, 'utf8')) as { training?: { keepCheckpoints?: number } };
  return train.training?.keepCheckpoints ?? 3;
}

/**
 * The groups (subjects) the model learned from or was chosen on: its train and
 * validation splits. The retraining gate judges a later model against this
 * one only on groups neither saw.
 */
async function learnedFrom(preparedDir: string): Promise<{ train: string[]; validation: string[] }> {
  const prepared = await PreparedData.open(preparedDir);
  if (!prepared) throw new Error(`No prepared data in ${preparedDir} to record the model's groups from.`);
  const distinct = async (split: 'train' | 'validation') => [...new Set(await prepared.recordGroups(split))].sort();
  return { train: await distinct('train'), validation: await distinct('validation') };
}

