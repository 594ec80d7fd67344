/**
 * Reading and writing tfjs model folders (`model.json` + binary weight files)
 * on a plain file system, without tfjs-node: a tfjs `IOHandler` for
 * `model.save()` / `tf.loadLayersModel()`, and a weight reader for any tfjs
 * model folder, sharded or not.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomically } from '../artifacts/atomic.js';
import { isInside } from '../config/roots.js';
import { WeightsError } from '../errors.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** An IOHandler that saves to and loads from `folder` as `model.json` + `weights.bin`. */
export function folderHandler(folder: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = Buffer.from(artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFileAtomically(join(folder, WEIGHTS_BIN), weights);
      await writeFileAtomically(join(folder, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(modelJson) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = await readModelJson(folder);
      return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => readWeightData(folder, manifest));
    },
  };
}

/** A folder's `model.json`. */
export async function readModelJson(folder: string): Promise<tf.io.ModelJSON> {
  return JSON.parse(await readFile(join(folder, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
}

/** Every weight of a tfjs model folder by name, decoded; the caller disposes the tensors. */
export async function readFolderWeights(folder: string): Promise<Map<string, tf.Tensor>> {
  const modelJson = await readModelJson(folder);
  const [specs, data] = await readWeightData(folder, modelJson.weightsManifest);
  return new Map(Object.entries(tf.io.decodeWeights(data, specs)));
}

/** The weight specs and concatenated bytes of every shard a manifest names, in order. */
async function readWeightData(folder: string, manifest: tf.io.WeightsManifestConfig): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs = manifest.flatMap((group) => group.weights);
  const paths = manifest.flatMap((group, g) => group.paths.map((path, p) => ({ path, key: `weightsManifest[${g}].paths[${p}]` })));
  for (const { path, key } of paths) {
    if (!(await isInside(join(folder, path), [folder]))) {
      throw new WeightsError(
        `${join(folder, MODEL_JSON)} names a weight file outside its folder at ${key}; it was not read. Fix: keep the weight files beside model.json and name them without folders.`,
        folder,
        [{ weight: key, problem: 'outside the model folder' }],
      );
    }
  }
  const shards = await Promise.all(paths.map(({ path }) => readFile(join(folder, path))));
  const bytes = Buffer.concat(shards);
  return [specs, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer];
}
