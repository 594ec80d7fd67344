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
import { carriesHdf5Signature, h5wasmLibrary, hdf5Reason, initH5wasm } from '../hdf5/library.js';
import type { FlatTensor } from './mapping.js';

const ARCHIVE_WEIGHTS = 'model.weights.h5';

/** Whether `source` names a Keras weights file (`.h5`, `.hdf5`, `.weights.h5`, `.keras`). */
export function isKerasWeights(source: string): boolean {
  return /\.(h5|hdf5|keras)$/i.test(source);
}

export type KerasFormat = 'keras2' | 'keras3';

/** A Keras weights file's float tensors by name (see the module comment for how they are named), the names of its other datasets (integer counters), and its format. */
export interface KerasWeights {
  tensors: Map<string, FlatTensor>;
  others: string[];
  format: KerasFormat;
}

/** More values than any Epochal weight can hold (widths are capped): a dataset declaring more is refused before it is read. */
const MAX_VALUES = 2 ** 26;
/** The deepest nesting of layers a Keras 3 file is walked to (a link back to an ancestor group would recurse forever). */
const MAX_DEPTH = 32;
/** The largest `model.weights.h5` extracted from a `.keras` archive (a zip may declare any size). */
const MAX_ARCHIVE_WEIGHTS_BYTES = 2 ** 31;

export async function readKerasWeights(source: string): Promise<KerasWeights> {
  if (source.toLowerCase().endsWith('.keras')) return withArchiveWeights(source, (h5) => readHdf5Weights(h5, source));
  return readHdf5Weights(source, source);
}

/** Reads the HDF5 weights file `path` (`source` names it in errors: the archive it came from). */
async function readHdf5Weights(path: string, source: string): Promise<KerasWeights> {
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
    const legacy = root instanceof lib.Group && names(root, 'layer_names') !== undefined;
    return legacy ? { ...readKeras2(root, source), format: 'keras2' } : { ...readKeras3(file, source), format: 'keras3' };
  } catch (error) {
    if (error instanceof WeightsFileError) throw error;
    throw new WeightsFileError(`${source} could not be read as Keras weights: HDF5 reports "${hdf5Reason(error)}". Fix: save the weights again with Keras.`, source);
  } finally {
    file.close();
  }
}

/** Keras 2: `layer_names`, and per layer `weight_names` naming its datasets. */
function readKeras2(root: H5Group, source: string): Omit<KerasWeights, 'format'> {
  const found = { tensors: new Map<string, FlatTensor>(), others: [] as string[] };
  const { tensors } = found;
  for (const layer of strings(root, 'layer_names', source)) {
    const group = root.get(layer);
    if (!(group instanceof h5wasmLibrary().Group)) throw new WeightsFileError(`${source}: layer_names lists "${layer}", but the file has no group of that name. Fix: save the weights again with Keras.`, source, layer);
    for (const weightName of strings(group, 'weight_names', source)) {
      const name = weightName.replace(/:\d+$/, '');
      if (tensors.has(name)) throw new WeightsFileError(`${source}: the weight name "${name}" appears twice. Fix: give the layers unique names and save again.`, source, name);
      collect(found, name, group.get(weightName), `${layer}/${weightName}`, source);
    }
  }
  return found;
}

/** Keras 3: every `vars/<index>` dataset under `layers/…`, named by its path with dots. */
function readKeras3(root: H5Group, source: string): Omit<KerasWeights, 'format'> {
  const lib = h5wasmLibrary();
  const found = { tensors: new Map<string, FlatTensor>(), others: [] as string[] };
  const walk = (group: H5Group, path: string[]) => {
    if (path.length > MAX_DEPTH) throw new WeightsFileError(`${source}: groups nest deeper than ${MAX_DEPTH} levels at ${path.join('/')} (a link back to a parent group?). Fix: save the weights again with Keras.`, source, path.join('/'));
    for (const key of group.keys()) {
      if (path.length === 0 && key !== 'layers' && key !== 'vars') continue; // the optimizer's state, metadata
      const child = group.get(key);
      if (child instanceof lib.Group) walk(child, [...path, key]);
      else if (child instanceof lib.Dataset) collect(found, [...path, key].join('.'), child, [...path, key].join('/'), source);
    }
  };
  walk(root, []);
  if (found.tensors.size + found.others.length === 0) throw new WeightsFileError(`${source} holds no Keras layer weights (no layers/<layer>/vars/<index> datasets, no layer_names attribute). Fix: save the model's weights with Keras (model.save_weights).`, source);
  return found;
}

/** A list-of-names attribute, also when Keras split a long one into `<name>0`, `<name>1`, …; undefined when absent. */
function names(group: H5Group, attribute: string): unknown[] | undefined {
  const read = (name: string) => {
    const value = group.attrs[name]?.value;
    return Array.isArray(value) ? value : value === undefined || value === null ? undefined : [value];
  };
  const whole = read(attribute);
  if (whole) return whole;
  const chunks: unknown[][] = [];
  for (let chunk = read(`${attribute}0`); chunk; chunk = read(`${attribute}${chunks.length}`)) chunks.push(chunk);
  return chunks.length > 0 ? chunks.flat() : undefined;
}

function strings(group: H5Group, attribute: string, source: string): string[] {
  const list = names(group, attribute);
  if (!list || !list.every((item): item is string => typeof item === 'string')) {
    throw new WeightsFileError(`${source}: the attribute ${attribute} of ${group.path} is not a list of names. Fix: save the weights again with Keras.`, source);
  }
  return list;
}

/** Adds the dataset `entity` as `name`: float values to the tensors (as float32), anything else to the others. */
function collect(found: Omit<KerasWeights, 'format'>, name: string, entity: unknown, where: string, source: string): void {
  if (!(entity instanceof h5wasmLibrary().Dataset)) throw new WeightsFileError(`${source}: expected a dataset at ${where}, but there is none. Fix: save the weights again with Keras.`, source, where);
  const dataset = entity as H5Dataset;
  const shape = dataset.shape ?? [];
  const count = shape.reduce((product, size) => product * size, 1);
  if (count > MAX_VALUES) {
    throw new WeightsFileError(`${source}: ${where} declares ${count.toLocaleString('en')} values (shape ${JSON.stringify(shape)}), more than the ${MAX_VALUES.toLocaleString('en')} any Epochal weight can hold. Fix: point at the weights of a network of this size.`, source, where);
  }
  const value = dataset.value;
  if (value instanceof Float32Array) found.tensors.set(name, { shape, values: value });
  else if (value instanceof Float64Array) found.tensors.set(name, { shape, values: Float32Array.from(value) });
  else if (typeof value === 'number' && dataset.metadata.type === 1) found.tensors.set(name, { shape, values: Float32Array.of(value) });
  else found.others.push(name);
}

async function checkSignature(path: string, source: string): Promise<void> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw new WeightsFileError(`Cannot read ${source}: ${(error as Error).message}. Fix: check the path in fineTune.pretrained.path (or the file given to epochal weights import).`, source);
  });
  try {
    if (!(await carriesHdf5Signature(handle))) {
      throw new WeightsFileError(`${source} is not an HDF5 file (it carries no HDF5 signature). Fix: point at Keras weights saved as .weights.h5, .h5 or .keras.`, source);
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
    if (entry!.uncompressedSize > MAX_ARCHIVE_WEIGHTS_BYTES) fail(`its ${ARCHIVE_WEIGHTS} declares ${entry!.uncompressedSize.toLocaleString('en')} bytes, more than the ${MAX_ARCHIVE_WEIGHTS_BYTES.toLocaleString('en')} Epochal extracts`);
    const h5 = join(scratch, ARCHIVE_WEIGHTS);
    await pipeline(await zip.openReadStreamPromise(entry!), createWriteStream(h5)).catch((error: unknown) => fail(`${ARCHIVE_WEIGHTS} cannot be extracted (${(error as Error).message})`));
    return await read(h5).catch((error: unknown) => {
      if (error instanceof WeightsFileError) error.message = error.message.replace(archive, `${archive} (its ${ARCHIVE_WEIGHTS})`);
      throw error;
    });
  } finally {
    zip.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
