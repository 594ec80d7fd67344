/**
 * One chunk of training: restore the exact state from a checkpoint (weights,
 * optimizer slots and beta powers, epoch and batch counters; data order and
 * dropout masks follow from the seed), train until the chunk's last epoch,
 * checkpoint every N steps and at the end, and evaluate on the validation
 * split after each epoch. Stops early at a step boundary when asked, after
 * saving. Runs in the training process (see `child.ts`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkpointPath } from '../artifacts/run-folder.js';
import { loadCheckpoint, writeCheckpoint, type CheckpointRef, type CheckpointState } from '../checkpoint/checkpoint.js';
import { pruneCheckpoints } from '../checkpoint/series.js';
import type { ActiveBackend } from '../backend/index.js';
import { batches } from '../data/batches.js';
import { longestSequence } from '../data/prepared.js';
import { setRecompute } from '../model/layers/conv-stack.js';
import { applyTrainable, trainableAt } from '../model/freeze.js';
import type { Metric } from '../config/train/training.js';
import { trainingPlan } from '../pipeline/plan.js';
import { evaluateSplit } from './evaluate.js';
import { classificationReport, emptyConfusion, type ConfusionMatrix } from './metrics.js';
import { advanceEarlyStopping, type EarlyStoppingState } from './early-stopping.js';
import { planMemory, type MemoryPlan } from './memory-plan.js';
import { TrainingOptimizer } from './optimizer.js';
import { disposeBatch, openRunModel, toTensors, type RunModel } from './run-model.js';
import { trainStep } from './step.js';

export interface ChunkRequest {
  /** The run's snapshotted train_params.json. */
  trainParams: string;
  preparedDir: string;
  checkpointsDir: string;
  /** The checkpoint to start from (chosen and verified by the caller). */
  start: string;
  /** Epochs complete when the chunk began (the committed checkpoint's); a resumed attempt keeps only later epochs' history. */
  fromEpoch: number;
  /** Train until this many epochs are complete. */
  untilEpoch: number;
  /** Weight patterns the unfreeze schedule has thawed so far (durable workflow state). */
  unfrozen: string[];
  /** The base learning rate for this chunk. */
  learningRate: number;
  /** Checkpoints the workflow relies on; never pruned. */
  protect: string[];
  /** Early-stopping state carried from earlier chunks. */
  earlyStopping: EarlyStoppingState;
  /** The best epoch's checkpoint so far (from earlier chunks). */
  best?: BestCheckpoint;
  /**
   * What this chunk computes (its starting checkpoint and inputs), written into
   * each of its checkpoints: training is deterministic, so a retry may resume
   * from any checkpoint of the same lineage.
   */
  lineage: string;
}

/** The checkpoint written at the end of the best monitored epoch so far. */
export interface BestCheckpoint {
  path: string;
  epoch: number;
  step: number;
}

/** What one epoch achieved. */
export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Training metrics (those in training.metrics) of the epoch's predictions in training mode, as Keras reports them. */
  accuracy?: number;
  cohenKappa?: number;
  macroF1?: number;
  val_loss?: number;
  val_accuracy?: number;
  val_cohenKappa?: number;
  val_macroF1?: number;
  /** The base learning rate the epoch trained with (absent in runs recorded before it was kept). */
  learningRate?: number;
  seconds: number;
}

export interface ChunkResult {
  checkpoint: CheckpointRef;
  /** Epochs complete. */
  epoch: number;
  /** Optimizer steps complete. */
  step: number;
  /** Epochs this chunk completed (including those completed before a crash it resumed from). */
  history: EpochRecord[];
  earlyStopping: EarlyStoppingState;
  /** The best epoch's checkpoint so far (this chunk's or an earlier one's), when kept. */
  best?: BestCheckpoint;
  /** The monitored metric stopped improving: training should end. */
  earlyStopped: boolean;
  /** Stopped on request before the chunk's last epoch (cancellation, shutdown). */
  interrupted: boolean;
  timing: { trainSeconds: number; steps: number; checkpointSeconds: number[]; restoreSeconds: number };
  /** The backend that trained (this training worker's), and what `auto` passed over. */
  backend: ActiveBackend;
  /** How each step ran (micro-batches, recomputation, expected memory), and what the training process really held. */
  memory: MemoryPlan & MemoryUsed;
}

/** The training process's memory as the operating system (and, on wasm, its heap) saw it. */
export interface MemoryUsed {
  /** Peak resident memory of the training process so far. */
  peakRssBytes: number;
  /** The wasm heap's size (it only grows), on the wasm backend. */
  wasmHeapBytes?: number;
}

/** How the chunk reports and is controlled while it runs. */
export interface ChunkHooks {
  /** Checked between steps: true to save and stop. */
  shouldStop(): boolean;
  /** After every step. */
  onStep?(progress: { epoch: number; step: number; loss: number }): void;
  /** After every checkpoint written. */
  onCheckpoint?(checkpoint: CheckpointRef, state: ChunkState): void;
  /** Progress between steps, in words: the model built, the checkpoint restored, each validation batch evaluated. */
  onProgress?(what: string): void;
  /** Called between steps so messages (stop, heartbeats) get through a CPU-bound loop. */
  yieldToEvents(): Promise<void>;
  /** Runs when a checkpoint's files are written, before it is renamed into place (crash tests pause here). */
  beforeCheckpointCommit?(step: number, staging: string): Promise<void>;
}

/** What a checkpoint records beyond the weights, so a resumed chunk continues exactly. */
export interface ChunkState extends CheckpointState {
  /** Batches done in the epoch under way (epoch + 1); 0 at an epoch boundary. */
  batchInEpoch: number;
  /** Epochs this chunk has completed so far. */
  history: EpochRecord[];
  earlyStopping: EarlyStoppingState;
  /** Sum and count of step losses in the epoch under way. */
  epochLoss: { sum: number; steps: number };
  /** The training predictions of the epoch under way (for its training metrics). */
  epochConfusion: ConfusionMatrix;
  /** The best epoch's checkpoint so far. */
  best?: BestCheckpoint;
  /** The chunk that wrote it (see ChunkRequest.lineage). */
  lineage: string;
  /** The memory plan the run trains with (decided by its first chunk, kept by later ones on the same backend). */
  memory?: MemoryPlan;
}

export async function trainChunk(request: ChunkRequest, hooks: ChunkHooks): Promise<ChunkResult> {
  const run = await openRunModel(request.trainParams, request.preparedDir);
  hooks.onProgress?.('building the model');
  const { train } = run.config;
  const restoreStarted = performance.now();
  const saved = JSON.parse(await readFile(join(request.start, 'state.json'), 'utf8')) as Partial<ChunkState> & CheckpointState;
  applyTrainable(run.model, new Set(saved.trainable), run.candidates);
  const optimizer = new TrainingOptimizer(run.model, train.training.optimizer, train.fineTune?.learningRates);
  await loadCheckpoint(request.start, run.model, optimizer);
  const restoreSeconds = (performance.now() - restoreStarted) / 1000;

  // This chunk's trainable set: the configured one plus everything the schedule has thawed so far.
  const fineTune = train.fineTune && { ...train.fineTune, unfreezeSchedule: request.unfrozen.length > 0 ? [{ atEpoch: 1, trainable: request.unfrozen }] : [] };
  applyTrainable(run.model, trainableAt(1, fineTune, [...run.candidates]), run.candidates);
  await optimizer.syncTrainable();
  optimizer.setBaseLearningRate(request.learningRate);
  const memory = await memoryPlanFor(run, saved.memory);
  setRecompute(run.model, memory.recompute);
  hooks.onProgress?.(`restoring the checkpoint of step ${saved.step}`);

  const state: ChunkState = {
    epoch: saved.epoch,
    step: saved.step,
    seed: train.seed,
    trainable: optimizer.trainable,
    batchInEpoch: saved.batchInEpoch ?? 0,
    history: (saved.history ?? []).filter((record) => record.epoch > request.fromEpoch),
    earlyStopping: saved.earlyStopping ?? request.earlyStopping,
    epochLoss: saved.epochLoss ?? { sum: 0, steps: 0 },
    epochConfusion: saved.epochConfusion ?? emptyConfusion(run.prepared.index.classes.length),
    // The best checkpoint by its step: a path recorded on another worker (another copy of an s3:// run) is not this one's.
    ...((saved.best ?? request.best) ? { best: { ...(saved.best ?? request.best)!, path: checkpointPath(request.checkpointsDir, (saved.best ?? request.best)!.step) } } : {}),
    lineage: request.lineage,
    memory,
  };
  const keepBest = trainingPlan(train).export === 'best'; // a checkpoint of every epoch that improves the monitored value
  const timing = { trainSeconds: 0, steps: 0, checkpointSeconds: [] as number[], restoreSeconds };
  let latest: CheckpointRef = { path: request.start, manifestSha256: '' };
  const where = () => `${state.epoch}/${state.step}/${state.batchInEpoch}`;
  let savedAt: string | undefined;
  const checkpoint = async () => {
    const started = performance.now();
    const step = state.step;
    savedAt = where();
    latest = await writeCheckpoint(
      checkpointPath(request.checkpointsDir, step),
      { model: run.model, optimizer, state: { ...state, trainable: optimizer.trainable } },
      hooks.beforeCheckpointCommit && ((staging) => hooks.beforeCheckpointCommit!(step, staging)),
    );
    timing.checkpointSeconds.push((performance.now() - started) / 1000);
    const keep = [...request.protect, latest.path, ...(request.best ? [request.best.path] : []), ...(state.best ? [state.best.path] : [])];
    await pruneCheckpoints(request.checkpointsDir, train.training.keepCheckpoints, keep);
    hooks.onCheckpoint?.(latest, state);
  };

  let earlyStopped = false;
  let interrupted = false;
  try {
    epochs: while (state.epoch < request.untilEpoch && !earlyStopped) {
      const epoch = state.epoch + 1;
      const epochStarted = performance.now();
      for await (const data of batches(run.prepared, 'train', {
        batchSize: train.training.batchSize,
        shuffle: { seed: train.seed, epoch },
        fromBatch: state.batchInEpoch,
        fields: run.fields,
        reuseArrays: true,
      })) {
        if (hooks.shouldStop()) {
          interrupted = true;
          break epochs;
        }
        const started = performance.now();
        const batch = toTensors(run, data);
        const loss = trainStep(run.model, optimizer, batch, state.step, {
          ...lossOptions(run),
          microBatchSize: memory.microBatchSize,
          confusion: state.epochConfusion,
        });
        disposeBatch(batch);
        timing.trainSeconds += (performance.now() - started) / 1000;
        timing.steps += 1;
        state.step += 1;
        state.batchInEpoch += 1;
        state.epochLoss = { sum: state.epochLoss.sum + loss, steps: state.epochLoss.steps + 1 };
        hooks.onStep?.({ epoch, step: state.step, loss });
        if (state.step % train.training.checkpointEverySteps === 0) await checkpoint();
        await hooks.yieldToEvents();
      }
      const validated = (batch: number) => hooks.onProgress?.(`validation batch ${batch} of epoch ${epoch}`);
      const record = await endOfEpoch(run, epoch, state, request.learningRate, (performance.now() - epochStarted) / 1000, validated);
      state.history.push(record);
      const monitored = advanceEarlyStopping(train.training.earlyStopping, state.earlyStopping, { ...record });
      state.earlyStopping = monitored.state;
      earlyStopped = monitored.stop;
      state.epoch = epoch;
      state.batchInEpoch = 0;
      state.epochLoss = { sum: 0, steps: 0 };
      state.epochConfusion = emptyConfusion(run.prepared.index.classes.length);
      if (keepBest && monitored.state.bestEpoch === epoch && monitored.state.epochsWithoutImprovement === 0) {
        state.best = { path: checkpointPath(request.checkpointsDir, state.step), epoch, step: state.step };
        await checkpoint(); // the best epoch's weights, kept whatever keepCheckpoints says
      }
    }
    if (savedAt !== where()) await checkpoint(); // unless the best epoch's checkpoint is this very state
    return {
      checkpoint: latest,
      epoch: state.epoch,
      step: state.step,
      history: state.history,
      earlyStopping: state.earlyStopping,
      ...(state.best ? { best: state.best } : {}),
      earlyStopped,
      interrupted,
      timing,
      backend: run.backend,
      memory: { ...memory, ...memoryUsed() },
    };
  } finally {
    optimizer.dispose();
    run.model.dispose();
  }
}

/**
 * The run's memory plan: the one its earlier chunks trained with when this
 * worker has the same backend (so every step of a run splits its batches the
 * same way), else a new one for this worker's backend.
 */
async function memoryPlanFor(run: RunModel, saved: MemoryPlan | undefined): Promise<MemoryPlan> {
  if (saved && saved.backend === run.backend.name) return saved;
  return planMemory({ config: run.config, backend: run.backend.name, longest: await longestSequence(run.prepared, 'train') });
}

function memoryUsed(): MemoryUsed {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length;
  return { peakRssBytes: process.resourceUsage().maxRSS * 1024, ...(tf.getBackend() === 'wasm' && heap ? { wasmHeapBytes: heap } : {}) };
}

function lossOptions(run: RunModel) {
  const { training } = run.config.train;
  const classWeights = run.prepared.stats.classWeights;
  return {
    ignoreLabel: run.ignoreLabel,
    loss: training.loss,
    ...(classWeights ? { classWeights } : {}),
    ...(training.gradientClipNorm ? { clipNorm: training.gradientClipNorm } : {}),
  };
}

async function endOfEpoch(run: RunModel, epoch: number, state: ChunkState, learningRate: number, seconds: number, onBatch: (batch: number) => void): Promise<EpochRecord> {
  const { metrics, batchSize } = run.config.train.training;
  const validation = await evaluateSplit(run, 'validation', batchSize, { onBatch });
  const train = classificationReport(state.epochConfusion, run.prepared.index.classes);
  const chosen = (report: Record<Metric, number>, prefix: string) => Object.fromEntries(metrics.map((metric) => [`${prefix}${metric}`, report[metric]]));
  return {
    epoch,
    loss: state.epochLoss.steps > 0 ? state.epochLoss.sum / state.epochLoss.steps : 0,
    ...chosen(train, ''),
    ...(validation ? { val_loss: validation.loss, ...chosen(validation, 'val_') } : {}),
    learningRate,
    seconds,
  };
}
