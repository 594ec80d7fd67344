/**
 * Keras weight files, read with h5wasm:
 *
 * - Keras 3 `.weights.h5` (and the `model.weights.h5` inside a `.keras`
 *   archive): each layer's variables under `layers/<layer>/vars/<index>`
 *   (nested models add `layers/<model>/layers/<layer>`). Keras stores no
 *   variable names, only their order, so these tensors are named by their path
 *   with dots (`layers.dense.vars.0`) and a mapping says which Epochal weight
 *   each is. The optimizer's state (`optimizer/…`) is not a model weight and
 *   is left out.
 * - Keras 2 HDF5 (`.h5`, from `save_weights` or `model.save`): a `layer_names`
 *   attribute and, per layer, `weight_names` such as `dense/kernel:0`; these
 *   tensors keep their Keras names without the `:0` (`dense/kernel`), which
 *   are Epochal's when the layers were named as Epochal names them.
 *
 * Keras kernels are stored as Epochal (tfjs) stores them, so mappings of
 * Keras files use the `plain` layout.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { Dataset as H5Dataset, Group as H5Group } from 'h5wasm/node';
import yauzl from 'yauzl';
import { WeightsFileError } from '../errors.js';
import { HDF5_SIGNATURE, h5wasmLibrary, hdf5Reason, initH5wasm } from '../hdf5/library.js';
import type { FlatTensor } from './mapping.js';

const ARCHIVE_WEIGHTS = 'model.weights.h5';

/** Whether `source` names a Keras weights file (`.h5`, `.hdf5`, `.weights.h5`, `.keras`). */
export function isKerasWeights(source: string): boolean {
  return /\.(h5|hdf5|keras)$/i.test(source);
}

export type KerasFormat = 'keras2' | 'keras3';

/** The float tensors of a Keras weights file by name (see the module comment for how they are named), and its format. */
export async function readKerasWeights(source: string): Promise<{ tensors: Map<string, FlatTensor>; format: KerasFormat }> {
  if (source.toLowerCase().endsWith('.keras')) return withArchiveWeights(source, (h5) => readHdf5Weights(h5, source));
  return readHdf5Weights(source, source);
}

/** Reads the HDF5 weights file `path` (`source` names it in errors: the archive it came from). */
async function readHdf5Weights(path: string, source: string): Promise<{ tensors: Map<string, FlatTensor>; format: KerasFormat }> {
  await checkSignature(path, source);
  await initH5wasm();
  const lib = h5wasmLibrary();
  let file: InstanceType<typeof lib.File>;
  try {
    file = new lib.File(path, 'r');
  } catch (error) {
    throw new WeightsFileError(`${source} is not a readable HDF5 file: HDF5 reports "${hdf5Reason(error)}". Fix: save the weights again with Keras.`, source);
  }
  try {
    const root = file.get('model_weights') ?? file;
    const legacy = root instanceof lib.Group && 'layer_names' in root.attrs;
    return legacy ? { tensors: readKeras2(root, source), format: 'keras2' } : { tensors: readKeras3(file, source), format: 'keras3' };
  } catch (error) {
    if (error instanceof WeightsFileError) throw error;
    throw new WeightsFileError(`${source} could not be read as Keras weights: HDF5 reports "${hdf5Reason(error)}". Fix: save the weights again with Keras.`, source);
  } finally {
    file.close();
  }
}

/** Keras 2: `layer_names`, and per layer `weight_names` naming its datasets. */
function readKeras2(root: H5Group, source: string): Map<string, FlatTensor> {
  const tensors = new Map<string, FlatTensor>();
  for (const layer of strings(root, 'layer_names', source)) {
    const group = root.get(layer);
    if (!(group instanceof h5wasmLibrary().Group)) throw new WeightsFileError(`${source}: layer_names lists "${layer}", but the file has no group of that name. Fix: save the weights again with Keras.`, source, layer);
    for (const weightName of strings(group, 'weight_names', source)) {
      const name = weightName.replace(/:\d+$/, '');
      if (tensors.has(name)) throw new WeightsFileError(`${source}: the weight name "${name}" appears twice. Fix: give the layers unique names and save again.`, source, name);
      tensors.set(name, floats(group.get(weightName), `${layer}/${weightName}`, source));
    }
  }
  return tensors;
}

/** Keras 3: every `vars/<index>` dataset under `layers/…`, named by its path with dots. */
function readKeras3(root: H5Group, source: string): Map<string, FlatTensor> {
  const lib = h5wasmLibrary();
  const tensors = new Map<string, FlatTensor>();
  const walk = (group: H5Group, path: string[]) => {
    for (const key of group.keys()) {
      if (path.length === 0 && key !== 'layers' && key !== 'vars') continue; // the optimizer's state, metadata
      const child = group.get(key);
      if (child instanceof lib.Group) walk(child, [...path, key]);
      else if (child instanceof lib.Dataset) tensors.set([...path, key].join('.'), floats(child, [...path, key].join('/'), source));
    }
  };
  walk(root, []);
  if (tensors.size === 0) throw new WeightsFileError(`${source} holds no Keras layer weights (no layers/<layer>/vars/<index> datasets, no layer_names attribute). Fix: save the model's weights with Keras (model.save_weights).`, source);
  return tensors;
}

function strings(group: H5Group, attribute: string, source: string): string[] {
  const value = group.attrs[attribute]?.value;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
  if (!list || !list.every((item): item is string => typeof item === 'string')) {
    throw new WeightsFileError(`${source}: the attribute ${attribute} of ${group.path} is not a list of names. Fix: save the weights again with Keras.`, source);
  }
  return list;
}

function floats(entity: unknown, where: string, source: string): FlatTensor {
  if (!(entity instanceof h5wasmLibrary().Dataset)) throw new WeightsFileError(`${source}: expected a dataset at ${where}, but there is none. Fix: save the weights again with Keras.`, source, where);
  const dataset = entity as H5Dataset;
  const value = dataset.value;
  const shape = dataset.shape ?? [];
  if (value instanceof Float32Array) return { shape, values: value };
  if (value instanceof Float64Array) return { shape, values: Float32Array.from(value) };
  if (typeof value === 'number') return { shape, values: Float32Array.of(value) };
  throw new WeightsFileError(`${source}: ${where} holds ${JSON.stringify(dataset.dtype)} values, not floating-point weights. Fix: save the weights as float32.`, source, where);
}

async function checkSignature(path: string, source: string): Promise<void> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw new WeightsFileError(`Cannot read ${source}: ${(error as Error).message}.`, source);
  });
  try {
    const bytes = Buffer.alloc(HDF5_SIGNATURE.length);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    if (bytesRead < bytes.length || !bytes.equals(HDF5_SIGNATURE)) {
      throw new WeightsFileError(`${source} is not an HDF5 file (no HDF5 signature at its start). Fix: point at Keras weights saved as .weights.h5, .h5 or .keras.`, source);
    }
  } finally {
    await handle.close();
  }
}

/** Extracts a `.keras` archive's `model.weights.h5` into a scratch folder for `read`, then removes it. */
async function withArchiveWeights<T>(archive: string, read: (h5: string) => Promise<T>): Promise<T> {
  const fail = (problem: string): never => {
    throw new WeightsFileError(`${archive} is not a readable .keras archive: ${problem}. Fix: save the model again with Keras (model.save("….keras")).`, archive);
  };
  const zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false }).catch((error: unknown) => fail((error as Error).message));
  const scratch = await mkdtemp(join(tmpdir(), 'epochal-keras-'));
  try {
    let entry: yauzl.Entry | undefined;
    for await (const next of zip.eachEntry()) if (next.fileName === ARCHIVE_WEIGHTS) entry = next;
    if (!entry) fail(`it holds no ${ARCHIVE_WEIGHTS}`);
    const h5 = join(scratch, ARCHIVE_WEIGHTS);
    await pipeline(await zip.openReadStreamPromise(entry!), createWriteStream(h5)).catch((error: unknown) => fail(`${ARCHIVE_WEIGHTS} cannot be extracted (${(error as Error).message})`));
    return await read(h5);
  } finally {
    zip.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
