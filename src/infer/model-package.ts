/**
 * What inference needs besides weights: the network (net_params) and how the
 * training data was shaped (input fields, their prepared specs, the train
 * split's normalisation, resampling and cropping, class names). A run keeps it
 * as its config snapshot and `data.json`; an exported model carries a copy
 * (`net_params.json` + `preprocessing.json` beside `model.json`), so a model
 * folder moved elsewhere still scores data exactly as it was trained.
 */
import { access, copyFile, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeJsonAtomically } from '../artifacts/atomic.js';
import { isCheckpoint } from '../checkpoint/checkpoint.js';
import { loadNetConfig, loadSnapshotConfig } from '../config/load.js';
import type { NetParams } from '../config/net/net-params.js';
import type { ModelRef } from '../config/infer/infer-params.js';
import type { FieldSpec } from '../data/dataset.js';
import { PreparedData } from '../data/prepared.js';
import type { FieldNormalization } from '../data/stats.js';
import type { PreprocessOptions } from '../data/preprocess.js';
import { ModelNotFoundError } from '../errors.js';
import { SNAPSHOT_FILES } from '../pipeline/config-snapshot.js';
import { readChampion } from '../registry/champion.js';
import { verifyModel } from '../registry/model-digest.js';
import { localPath } from '../store/recorded-paths.js';

export const PREPROCESSING_FILE = 'preprocessing.json';
export const NET_FILE = SNAPSHOT_FILES.net;

/** How data must be shaped for a model: what its training data looked like. */
export interface Preprocessing {
  format: 'epochal-preprocessing-1';
  classes: string[];
  /** Model input name → data field, in the network's input order. */
  inputs: Record<string, string>;
  /** Prepared specs of the input fields (after resampling). */
  fields: Record<string, FieldSpec>;
  /** The train split's statistics for the input fields that were normalised. */
  normalization: Record<string, FieldNormalization>;
  steps: PreprocessOptions;
  /** The prepared data the model was trained on. */
  dataFingerprint: string;
}

/** A model resolved for inference: its weights folder, network and preprocessing. */
export interface ModelPackage {
  /** What the job asked for, resolved (e.g. the champion's run and model folder). */
  ref: ModelRef & { resolved: string };
  /** A folder with `model.json` + weights (an exported model or a checkpoint). */
  weights: string;
  net: NetParams;
  preprocessing: Preprocessing;
}

/** The preprocessing of a training run, from its config snapshot and prepared data. */
export async function runPreprocessing(runRoot: string): Promise<Preprocessing> {
  const { train, net } = await loadSnapshotConfig(join(runRoot, 'config', SNAPSHOT_FILES.train));
  const { dir } = JSON.parse(await readFile(join(runRoot, 'data.json'), 'utf8')) as { dir: string };
  const prepared = await PreparedData.open(localPath(dir));
  if (!prepared) throw new Error(`The prepared data of run ${runRoot} (${dir}) is gone.`);
  const inputs = Object.fromEntries(Object.keys(net.inputs).map((input) => [input, train.data.inputs[input] ?? input]));
  const fields = Object.fromEntries(
    Object.values(inputs)
      .filter((field) => prepared.index.fields[field])
      .map((field) => [field, prepared.index.fields[field]!]),
  );
  const normalization = Object.fromEntries(Object.entries(prepared.stats.normalization).filter(([field]) => field in fields));
  const { resampleHz, maxEpochs } = train.data.preprocessing;
  return {
    format: 'epochal-preprocessing-1',
    classes: train.data.classes,
    inputs,
    fields,
    normalization,
    steps: { ...(resampleHz ? { resampleHz } : {}), ...(maxEpochs ? { maxSteps: maxEpochs } : {}) },
    dataFingerprint: prepared.index.fingerprint,
  };
}

/** Writes the network and preprocessing of run `runRoot` into its exported model folder `modelDir`. */
export async function writeModelPackage(runRoot: string, modelDir: string): Promise<void> {
  await copyFile(join(runRoot, 'config', NET_FILE), join(modelDir, NET_FILE));
  await writeJsonAtomically(join(modelDir, PREPROCESSING_FILE), await runPreprocessing(runRoot));
}

/**
 * Resolves a job's model reference: an exported model folder, a checkpoint of
 * a run (its run folder supplies the network and preprocessing), or the
 * current champion of an experiment (verified against the files recorded when
 * it was promoted). Anything missing is a `ModelNotFoundError` that says what
 * was looked for and how to fix it; a champion whose files changed is a
 * `ModelChangedError`. `localize` brings a model named by an object-store
 * reference (a champion on S3) to a local folder first.
 */
export async function resolveModel(ref: ModelRef, artifactRoot: string, localize?: (path: string) => Promise<string>): Promise<ModelPackage> {
  if (ref.type === 'champion') {
    const champion = await readChampion(artifactRoot, ref.experiment);
    if (!champion.current) {
      throw new ModelNotFoundError(
        `Experiment "${ref.experiment}" has no champion in ${champion.file}. ` +
          'Fix: train and promote one (a retrainingPipeline run promotes its first model), or point model at a checkpoint or exported model.',
        ref,
      );
    }
    const local = localize ? await localize(champion.current.model) : champion.current.model;
    const exported = await resolveModel({ type: 'exported', path: local }, artifactRoot);
    if (champion.current.manifest) await verifyModel(local, champion.current.manifest, `champion of ${ref.experiment}`);
    return { ...exported, ref: { ...ref, resolved: champion.current.model } };
  }
  if (localize) return resolveModel({ ...ref, path: await localize(ref.path) }, artifactRoot);
  const path = resolve(ref.path);
  if (!(await exists(join(path, 'model.json')))) {
    throw new ModelNotFoundError(
      `No model at ${path} (model.json is missing). Fix: point model.path at ${ref.type === 'checkpoint' ? 'a checkpoint folder (runs/<run>/checkpoints/ckpt-<step>)' : "an exported model folder (a run's model/)"}.`,
      ref,
    );
  }
  if (ref.type === 'checkpoint' || (await isCheckpoint(path))) {
    const runRoot = dirname(dirname(path));
    const missing = await missingFiles(runRoot, [join('config', SNAPSHOT_FILES.train), join('config', NET_FILE), 'data.json']);
    if (missing.length > 0) {
      throw new ModelNotFoundError(
        `Checkpoint ${path} is not inside an Epochal run folder: ${missing.map((f) => join(runRoot, f)).join(', ')} missing. ` +
          "Fix: use the run's exported model (its model/ folder), which carries its network and preprocessing.",
        ref,
      );
    }
    const { net } = await loadNetConfig(join(runRoot, 'config', NET_FILE));
    return { ref: { ...ref, resolved: path }, weights: path, net, preprocessing: await runPreprocessing(runRoot) };
  }
  const missing = await missingFiles(path, [NET_FILE, PREPROCESSING_FILE]);
  if (missing.length > 0) {
    throw new ModelNotFoundError(
      `Model folder ${path} lacks ${missing.join(' and ')}: it was not exported by Epochal. ` +
        'Fix: export it with a training run (its model/ folder), or use a checkpoint of the run.',
      ref,
    );
  }
  const { net } = await loadNetConfig(join(path, NET_FILE));
  const preprocessing = JSON.parse(await readFile(join(path, PREPROCESSING_FILE), 'utf8')) as Preprocessing;
  return { ref: { ...ref, resolved: path }, weights: path, net, preprocessing };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function missingFiles(dir: string, files: string[]): Promise<string[]> {
  const found = await Promise.all(files.map((file) => exists(join(dir, file))));
  return files.filter((_, i) => !found[i]);
}
