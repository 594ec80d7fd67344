/**
 * Stage 4, `trainChunk` (training task queue): train from a checkpoint for a
 * few epochs in a child process, heartbeating `{epoch, step, loss,
 * checkpoint, progressAt}`. A retry resumes from the checkpoint its last heartbeat named
 * (or the committed one), so a crash costs at most one checkpoint interval. Cancellation and
 * worker shutdown save at the next step boundary and fail the attempt, to be
 * resumed from that save. A training process silent for `training.stallTimeoutSeconds`
 * is killed and the attempt fails (retryably, as `Stalled`).
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ownedRunFolder } from '../src/artifacts/run-owner.js';
import type { CheckpointRef } from '../src/checkpoint/checkpoint.js';
import { sha256 } from '../src/config/read-json.js';
import { firstValidCheckpoint, listCheckpoints } from '../src/checkpoint/series.js';
import { CheckpointError } from '../src/errors.js';
import { trainingStallLimit } from '../src/pipeline/stall-limits.js';
import type { BestCheckpoint, ChunkResult } from '../src/train/chunk.js';
import type { EarlyStoppingState } from '../src/train/early-stopping.js';
import { trainChunkInProcess } from '../src/train/process.js';
import type { StallLimit } from '../src/process/stall.js';
import type { ActivityDeps } from './deps.js';
import { withLiveness } from './liveness.js';
import { StoredCheckpoints } from './stored-checkpoints.js';
import type { RunRef } from './validate-config.js';

export type { BestCheckpoint, ChunkResult, EpochRecord } from '../src/train/chunk.js';
export type { EarlyStoppingState } from '../src/train/early-stopping.js';

export interface TrainChunkInput {
  config: RunRef;
  preparedDir: string;
  /** The checkpoint the workflow has committed to (the previous chunk's end). */
  committed: CheckpointRef & { step: number };
  /** Epochs complete at the committed checkpoint. */
  fromEpoch: number;
  untilEpoch: number;
  unfrozen: string[];
  learningRate: number;
  earlyStopping: EarlyStoppingState;
  /** The chunk that wrote `committed` (its inputs): trained again when `committed` turns out corrupt. */
  previous?: ChunkInputs;
  /** The best epoch's checkpoint so far: never pruned (the run exports it). */
  best?: BestCheckpoint;
}

/** What decides what a chunk computes (with the run's config). */
export type ChunkInputs = Pick<TrainChunkInput, 'committed' | 'fromEpoch' | 'untilEpoch' | 'unfrozen' | 'learningRate' | 'earlyStopping'>;

/** What a training attempt heartbeats; a retry reads it back. */
export interface TrainingHeartbeat {
  epoch: number;
  /** The last step the training process reported. */
  step: number;
  loss?: number;
  checkpoint: string;
  /** Progress between steps (the checkpoint restored, a validation batch), when that came last. */
  progress?: string;
  /** When the training process last reported progress (ISO 8601): liveness heartbeats repeat the details, so this says how fresh they are. */
  progressAt?: string;
}

export function trainChunkActivity(deps: Pick<ActivityDeps, 'mirror'> = {}) {
  return async function trainChunk(input: TrainChunkInput): Promise<ChunkResult> {
    const context = Context.current();
    const { root, checkpoints } = await ownedRunFolder(input.config);
    const stored = deps.mirror?.url(root) !== undefined ? new StoredCheckpoints(deps.mirror!, root, checkpoints) : undefined;
    await stored?.pullAll();
    const stall = await trainingStallLimit(input.config.snapshot.train.path);
    const lineage = chunkLineage(input);
    const heartbeat = context.info.heartbeatDetails as TrainingHeartbeat | undefined;
    const start =
      (await resumePoint(checkpoints, input.committed, lineage, heartbeat && stored ? stored.local(heartbeat) : heartbeat)) ??
      (await withLiveness(() => repairCommitted(checkpoints, input, stall), () => ({ repairing: stored?.reference(input.committed.path) ?? input.committed.path })));

    let details: TrainingHeartbeat = { epoch: input.fromEpoch, step: input.committed.step, checkpoint: start };
    const shown = () => (stored ? stored.shown(details) : details); // the server sees references, which any worker can resume from
    const beat = () => context.heartbeat(shown());
    const moved = (change: Partial<TrainingHeartbeat>) => {
      details = { ...details, progress: undefined, ...change, progressAt: new Date().toISOString() };
      beat();
    };
    // Liveness beats too: steps can be slower than the heartbeat timeout.
    const result = await withLiveness(
      () =>
        trainChunkInProcess(
          {
            trainParams: input.config.snapshot.train.path,
            preparedDir: input.preparedDir,
            checkpointsDir: checkpoints,
            start,
            fromEpoch: input.fromEpoch,
            untilEpoch: input.untilEpoch,
            unfrozen: input.unfrozen,
            learningRate: input.learningRate,
            protect: [input.committed.path, ...(input.previous ? [input.previous.committed.path] : [])], // the one before too: it can recreate the committed one
            earlyStopping: input.earlyStopping,
            ...(input.best ? { best: input.best } : {}),
            lineage,
          },
          {
            signal: context.cancellationSignal,
            stall,
            onStep: ({ epoch, step, loss }) => moved({ epoch, step, loss }),
            // With a mirror, a checkpoint is named in a heartbeat only once it is published: a retry elsewhere can then fetch it.
            onCheckpoint: ({ checkpoint, epoch, step }) => (stored ? stored.publish(checkpoint.path, () => moved({ epoch, step, checkpoint: checkpoint.path })) : moved({ epoch, step, checkpoint: checkpoint.path })),
            onProgress: (progress) => moved({ progress }),
          },
        ),
      shown,
    );
    await stored?.settle();
    if (result.interrupted) {
      details = { ...details, epoch: result.epoch, step: result.step, checkpoint: result.checkpoint.path };
      beat();
      throw context.cancellationSignal.reason ?? new Error('Training stopped before the end of its chunk.');
    }
    return result;
  };
}

/** Identifies what a chunk computes: the same lineage means the same steps on the same state. */
function chunkLineage(input: ChunkInputs & Pick<TrainChunkInput, 'config'>): string {
  const { committed, fromEpoch, untilEpoch, unfrozen, learningRate, config } = input;
  return sha256(JSON.stringify({ committed: committed.manifestSha256 || committed.path, fromEpoch, untilEpoch, unfrozen, learningRate, train: config.snapshot.train.sha256 }));
}

/**
 * Where an attempt starts: the newest checkpoint on disk written by this same
 * chunk (its lineage: an earlier attempt from the same start with the same
 * inputs computes exactly the same state, so it is as good as resuming from
 * the heartbeat's, which may lag behind and be pruned already), else the one
 * the last heartbeat named, else the committed one. Checkpoints of other
 * lineages (a workflow reset's discarded timeline, a chunk with another
 * learning rate) are never used. A corrupt one is passed over for the next.
 */
async function resumePoint(dir: string, committed: TrainChunkInput['committed'], lineage: string, heartbeat: TrainingHeartbeat | undefined): Promise<string | undefined> {
  const ours = [];
  for (const checkpoint of await listCheckpoints(dir)) {
    if (checkpoint.step > committed.step && (await lineageOf(checkpoint.path)) === lineage) ours.push(checkpoint.path);
  }
  const named = heartbeat && heartbeat.step >= committed.step ? [heartbeat.checkpoint] : [];
  const candidates = [...new Set([...ours, ...named, committed.path])];
  const { path, skipped } = await firstValidCheckpoint(candidates);
  for (const { reason } of skipped) Context.current().log.warn(`Skipping a checkpoint: ${reason}`);
  return path;
}

/**
 * The committed checkpoint is corrupt and this chunk has none of its own:
 * train the chunk that wrote it again, from the newest valid checkpoint that
 * chunk left on the way or from its start (kept for this: see `protect`).
 * Training is deterministic, so this recreates the committed state exactly.
 * The corrupt folder is kept beside, renamed `*.corrupt-<time>`. Fails
 * non-retryably when neither is left.
 */
async function repairCommitted(dir: string, input: TrainChunkInput, stall: StallLimit): Promise<string> {
  const { committed, previous } = input;
  const lost = (why: string) =>
    new CheckpointError(
      `No valid checkpoint to resume from in ${dir}: the committed one (${committed.path}) is corrupt, and ${why}. Fix: restore the run folder from a backup, or start the run again.`,
      committed.path,
    );
  if (!previous) throw lost('it is where the run began');
  const lineage = chunkLineage({ ...previous, config: input.config });
  const ours = [];
  for (const checkpoint of await listCheckpoints(dir)) {
    if (checkpoint.step < committed.step && checkpoint.step > previous.committed.step && (await lineageOf(checkpoint.path)) === lineage) ours.push(checkpoint.path);
  }
  const { path } = await firstValidCheckpoint([...ours, previous.committed.path]);
  if (!path) throw lost('neither the chunk that wrote it nor the checkpoint that chunk began from left a valid checkpoint');
  Context.current().log.warn(`The committed checkpoint ${committed.path} is corrupt: training its chunk again from ${path}.`);
  await rename(committed.path, `${committed.path}.corrupt-${Date.now()}`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const repaired = await trainChunkInProcess({
    trainParams: input.config.snapshot.train.path,
    preparedDir: input.preparedDir,
    checkpointsDir: dir,
    start: path,
    fromEpoch: previous.fromEpoch,
    untilEpoch: previous.untilEpoch,
    unfrozen: previous.unfrozen,
    learningRate: previous.learningRate,
    earlyStopping: previous.earlyStopping,
    ...(input.best ? { best: input.best } : {}),
    protect: [previous.committed.path, path],
    lineage,
  }, { stall });
  if (repaired.step !== committed.step) throw lost(`training its chunk again from ${path} ended at step ${repaired.step}, not at ${committed.step}`);
  return repaired.checkpoint.path;
}


async function lineageOf(checkpoint: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(join(checkpoint, 'state.json'), 'utf8')) as { lineage?: string }).lineage;
  } catch {
    return undefined; // unreadable: not a candidate (verification would reject it anyway)
  }
}
