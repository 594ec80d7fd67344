/**
 * Epochal checkpoints: everything needed to continue training exactly.
 *
 *   model.json + weights.bin    standard tfjs layers model (tf.loadLayersModel reads it,
 *                               with Epochal's custom layers registered)
 *   optimizer.json + .bin       optimizer slots by weight name, iterations, Adam's beta powers
 *   state.json                  epoch, step, seed, trainable weights, anything the trainer adds
 *   manifest.json               SHA-256 and size of every other file, written last
 *
 * The folder is written under a temporary name (each file fsynced) and renamed
 * into place, so a checkpoint either exists whole or not at all; a reader
 * verifies the hashes before trusting it.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomically, writeFolderAtomically, writeJsonAtomically } from '../artifacts/atomic.js';
import { sha256 } from '../config/read-json.js';
import { CheckpointError } from '../errors.js';
import type { OptimizerState, TrainingOptimizer } from '../train/optimizer.js';
import { folderHandler, MODEL_JSON, readFolderWeights, WEIGHTS_BIN } from './tfjs-folder.js';
import { assignWeights, matchWeights } from './assign.js';

export const CHECKPOINT_FORMAT = 'epochal-checkpoint/1';
const FILES = { optimizerJson: 'optimizer.json', optimizerBin: 'optimizer.bin', state: 'state.json', manifest: 'manifest.json' };

/** Where training stood when the checkpoint was written. */
export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps completed. */
  step: number;
  /** The run seed (data order and dropout masks derive from it). */
  seed: number;
  /** Weights that were trainable. */
  trainable: string[];
  [key: string]: unknown;
}

export interface CheckpointManifest {
  format: string;
  createdAt: string;
  files: Record<string, { sha256: string; bytes: number }>;
}

/** A written checkpoint: its folder and the hash of its manifest (which pins every file). */
export interface CheckpointRef {
  path: string;
  manifestSha256: string;
}

interface OptimizerFile {
  config: OptimizerState['config'];
  groups: { learningRate: number; iterations: number; betaPowers?: [number, number] }[];
  weightSpecs: tf.io.WeightsManifestEntry[];
}

/** Writes a checkpoint of `model` (and `optimizer`, when training) to `dir`, atomically. */
export async function writeCheckpoint(
  dir: string,
  contents: { model: tf.LayersModel; optimizer?: TrainingOptimizer; state: CheckpointState },
  /** Runs once the files are written, before the folder is renamed into place (crash tests pause here). */
  beforeCommit?: (staging: string) => Promise<void>,
): Promise<CheckpointRef> {
  await writeFolderAtomically(dir, async (staging) => {
    await contents.model.save(folderHandler(staging));
    if (contents.optimizer) await writeOptimizer(staging, await contents.optimizer.state());
    await writeJsonAtomically(join(staging, FILES.state), contents.state);
    const names = [MODEL_JSON, WEIGHTS_BIN, FILES.state, ...(contents.optimizer ? [FILES.optimizerJson, FILES.optimizerBin] : [])];
    const files = Object.fromEntries(
      await Promise.all(
        names.map(async (name) => {
          const bytes = await readFile(join(staging, name));
          return [name, { sha256: sha256(bytes), bytes: bytes.length }] as const;
        }),
      ),
    );
    const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, createdAt: new Date().toISOString(), files };
    await writeJsonAtomically(join(staging, FILES.manifest), manifest);
  }, beforeCommit);
  return { path: dir, manifestSha256: sha256(await readFile(join(dir, FILES.manifest))) };
}

/** Checks that `dir` is a complete checkpoint whose files match their hashes; returns its manifest. */
export async function verifyCheckpoint(dir: string): Promise<CheckpointManifest> {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, FILES.manifest), 'utf8')) as CheckpointManifest;
  } catch {
    throw new CheckpointError(`Checkpoint ${dir} has no readable ${FILES.manifest}; it is incomplete or not a checkpoint.`, dir, FILES.manifest);
  }
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`Checkpoint ${dir} has format ${manifest.format}; this Epochal reads ${CHECKPOINT_FORMAT}.`, dir, FILES.manifest);
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) throw new CheckpointError(`Checkpoint ${dir} is missing ${name}.`, dir, name);
    if (sha256(bytes) !== expected.sha256) {
      throw new CheckpointError(`Checkpoint file ${path} does not match its SHA-256 in the manifest; it is corrupt.`, dir, name);
    }
  }
  return manifest;
}

/**
 * Verifies the checkpoint in `dir`, loads its weights into `model` (by name;
 * every weight must be there with its shape) and its optimizer state into
 * `optimizer`, and returns its training state.
 */
export async function loadCheckpoint(dir: string, model: tf.LayersModel, optimizer?: TrainingOptimizer): Promise<CheckpointState> {
  const manifest = await verifyCheckpoint(dir);
  const weights = await readFolderWeights(dir);
  try {
    const problems = matchWeights(model, weights).filter((entry) => entry.status !== 'matched');
    if (problems.length > 0) {
      const list = problems.map((entry) => `${entry.name} (${entry.status})`).join(', ');
      throw new CheckpointError(`Checkpoint ${dir} does not fit this network: ${list}.`, dir, MODEL_JSON);
    }
    assignWeights(model, weights);
  } finally {
    tf.dispose([...weights.values()]);
  }
  if (optimizer && FILES.optimizerJson in manifest.files) await optimizer.restore(await readOptimizer(dir));
  return JSON.parse(await readFile(join(dir, FILES.state), 'utf8')) as CheckpointState;
}

/** Reads a checkpoint's optimizer state; the caller disposes the slot tensors. */
export async function readOptimizer(dir: string): Promise<OptimizerState> {
  const file = JSON.parse(await readFile(join(dir, FILES.optimizerJson), 'utf8')) as OptimizerFile;
  const bytes = await readFile(join(dir, FILES.optimizerBin));
  const tensors = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, file.weightSpecs);
  return {
    config: file.config,
    groups: file.groups.map((group, i) => ({
      ...group,
      slots: Object.entries(tensors)
        .filter(([key]) => key.startsWith(`${i}/`))
        .map(([key, tensor]) => {
          const cut = key.lastIndexOf('/');
          return { weight: key.slice(key.indexOf('/') + 1, cut), kind: key.slice(cut + 1), tensor };
        }),
    })),
  };
}

async function writeOptimizer(dir: string, state: OptimizerState): Promise<void> {
  const named = state.groups.flatMap((group, i) =>
    group.slots.map((slot) => ({ name: `${i}/${slot.weight}/${slot.kind}`, tensor: slot.tensor })),
  );
  const { data, specs } = await tf.io.encodeWeights(named);
  tf.dispose(named.map((entry) => entry.tensor));
  const file: OptimizerFile = {
    config: state.config,
    groups: state.groups.map(({ learningRate, iterations, betaPowers }) => ({
      learningRate,
      iterations,
      ...(betaPowers ? { betaPowers } : {}),
    })),
    weightSpecs: specs,
  };
  await writeFileAtomically(join(dir, FILES.optimizerBin), Buffer.from(tf.io.CompositeArrayBuffer.join(data)));
  await writeJsonAtomically(join(dir, FILES.optimizerJson), file);
}

/** Whether `dir` holds a checkpoint manifest (complete or not). */
export async function isCheckpoint(dir: string): Promise<boolean> {
  return stat(join(dir, FILES.manifest)).then(
    () => true,
    () => false,
  );
}
