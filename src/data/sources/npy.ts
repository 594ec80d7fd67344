/**
 * NumPy sources: `.npy` arrays (features, and optional labels and groups
 * with one entry per row) and `.npz` archives of them. Rows are read lazily
 * at their byte offset; only the headers are read when opening. Members an
 * `.npz` stores uncompressed are read in place; deflated members
 * (`numpy.savez_compressed`) are inflated once each, streaming, to a
 * temporary `.npy` file that `close()` removes, so memory stays bounded.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { DataSource } from '../../config/data/sources.js';
import { DataError } from '../../errors.js';
import type { DataRecord, Dataset, DatasetContext, FieldSpec } from '../dataset.js';
import { fileError, formatPosition, formatShape, quoteList, suggestion } from '../validate.js';
import {
  checkIndex,
  labelField,
  LazyFile,
  outOfFloat32,
  parseLabel,
  parseName,
  parseNumber,
  tabularFields,
  type CellPlace,
} from './tabular.js';

export type NpySourceConfig = Extract<DataSource, { type: 'npy' }>;
export type NpzSourceConfig = Extract<DataSource, { type: 'npz' }>;

/** The arrays of a NumPy dataset: features, and optionally labels and groups. */
interface NpyArrays {
  features: NpyArray;
  labels?: NpyArray | undefined;
  groups?: NpyArray | undefined;
}

/** Opens `.npy` features (and labels and groups) as a dataset; a `DataError` when a file is unreadable, not `.npy`, or the arrays disagree. */
export async function openNpy(source: NpySourceConfig, context: DatasetContext): Promise<NpyDataset> {
  const opened: NpyArray[] = [];
  const open = async (path: string | undefined) => {
    if (path === undefined) return undefined;
    const size = await stat(path).then(
      (stats) => stats.size,
      (error: unknown) => {
        throw fileError(path, error);
      },
    );
    const array = await readNpyArray(new LazyFile(path), path, 0, size);
    opened.push(array);
    return array;
  };
  try {
    const arrays = { features: (await open(source.features))!, labels: await open(source.labels), groups: await open(source.groups) };
    const files = [source.features, source.labels, source.groups].filter((path) => path !== undefined);
    return new NpyDataset(source.features, files, arrays, context);
  } catch (error) {
    await Promise.all(opened.map((array) => array.close()));
    throw error;
  }
}

/** Opens the arrays an `.npz` archive holds under `source.keys` as a dataset. */
export async function openNpz(source: NpzSourceConfig, context: DatasetContext): Promise<NpyDataset> {
  const { path, keys } = source;
  const opened: NpyArray[] = [];
  let scratch: Promise<string> | undefined;
  const scratchDir = () => (scratch ??= mkdtemp(join(tmpdir(), 'epochal-npz-')));
  const removeScratch = async () => {
    if (scratch) await rm(await scratch, { recursive: true, force: true });
  };
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false }).catch((error: unknown) => {
    throw notZip(path, error);
  });
  try {
    const entries = new Map<string, yauzl.Entry>();
    try {
      for await (const entry of zip.eachEntry()) entries.set(entry.fileName.replace(/\.npy$/, ''), entry);
    } catch (error) {
      throw notZip(path, error);
    }
    const open = async (key: string | undefined, setting: string) => {
      if (key === undefined) return undefined;
      const entry = entries.get(key);
      if (!entry) {
        const names = [...entries.keys()];
        throw new DataError(
          `${path}: expected an array ${JSON.stringify(key)} (keys.${setting}), but the archive has ${names.length === 0 ? 'none' : quoteList(names)}.` +
            `${suggestion(key, names)} Fix: set keys.${setting} in the data source to one of them.`,
          { file: path, field: key },
        );
      }
      const array = await readMember(zip, entry, { path, key }, scratchDir);
      opened.push(array);
      return array;
    };
    const features = (await open(keys.features, 'features'))!;
    const arrays = { features, labels: await open(keys.labels, 'labels'), groups: await open(keys.groups, 'groups') };
    return new NpyDataset(path, [path], arrays, context, scratch ? removeScratch : undefined);
  } catch (error) {
    await Promise.all(opened.map((array) => array.close()));
    await removeScratch();
    throw error;
  } finally {
    zip.close();
  }
}

/**
 * One member of an `.npz` as an array: read in place when stored, or
 * inflated (streaming) into a file in `scratchDir()` when deflated.
 */
async function readMember(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  where: { path: string; key: string },
  scratchDir: () => Promise<string>,
): Promise<NpyArray> {
  const { path, key } = where;
  const name = `${path}[${JSON.stringify(key)}]`;
  if (entry.compressionMethod === 0) {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true }).catch((error: unknown) => {
      throw notZip(path, error);
    });
    return readNpyArray(new LazyFile(path), name, fileDataStart, entry.uncompressedSize, path);
  }
  if (entry.compressionMethod === 8) {
    const member = join(await scratchDir(), `${key.replace(/[^\w.-]/g, '_')}-${entry.relativeOffsetOfLocalHeader}.npy`);
    await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(member)).catch((error: unknown) => {
      throw new DataError(
        `${name}: expected a readable deflated member, but inflating it failed (${(error as Error).message.replace(/\.$/, '')}). Fix: save the archive again.`,
        { file: path, field: key },
      );
    });
    return readNpyArray(new LazyFile(member, path), name, 0, entry.uncompressedSize, path);
  }
  throw new DataError(
    `${name}: expected a member stored or deflated, but it uses zip compression method ${entry.compressionMethod}. ` +
      'Fix: save the archive with numpy.savez or numpy.savez_compressed.',
    { file: path, field: key },
  );
}

/** A `DataError` for an archive yauzl cannot read; file-system errors stay as they are unless they are the data's fault. */
function notZip(path: string, error: unknown): unknown {
  if ((error as NodeJS.ErrnoException).code !== undefined) return fileError(path, error);
  return new DataError(
    `${path}: expected a NumPy .npz archive (a zip of .npy files), but it is not a readable zip file (${(error as Error).message.replace(/\.$/, '')}). ` +
      'Fix: save it with numpy.savez or numpy.savez_compressed.',
    { file: path },
  );
}

/** Rows of NumPy arrays as records: `features` of the array's row shape, `label` and `group` from their arrays. */
export class NpyDataset implements Dataset {
  readonly length: number;
  readonly fields: Record<string, FieldSpec>;

  constructor(
    readonly origin: string,
    readonly files: readonly string[],
    private readonly arrays: NpyArrays,
    private readonly context: DatasetContext,
    private readonly cleanup?: () => Promise<void>,
  ) {
    const { features, labels, groups } = arrays;
    features.expectTable();
    for (const [array, role] of [
      [labels, 'label'],
      [groups, 'group'],
    ] as const) {
      if (!array) continue;
      array.expectColumn(role);
      if (array.rows !== features.rows) {
        throw new DataError(
          `${array.name}: expected ${features.rows} rows, as in ${features.name}, but got ${array.rows}. ` +
            'Fix: save the features, labels and groups with one row per sample each.',
          { file: array.file, field: role },
        );
      }
    }
    this.length = features.rows;
    this.fields = tabularFields(features.rowShape, labels !== undefined);
  }

  async get(index: number): Promise<DataRecord> {
    checkIndex(index, this.length, this.origin);
    const { features, labels, groups } = this.arrays;
    const values = features.numbers(await features.readRows(index, 1));
    const data = new Float32Array(values.length);
    for (let k = 0; k < values.length; k++) {
      data[k] = values[k]!;
      if (Number.isFinite(data[k])) continue;
      const place = this.place(features, index, 'features', k);
      parseNumber(values[k], place);
      throw outOfFloat32(values[k], place);
    }
    const label = labels ? parseLabel((await labels.values(index, 1))[0], this.place(labels, index, 'label'), this.context) : undefined;
    const group = groups ? parseName((await groups.values(index, 1))[0], this.place(groups, index, 'group'), 'a group') : undefined;
    return {
      id: String(index + 1),
      ...(group === undefined ? {} : { group }),
      fields: {
        features: { shape: features.rowShape, data },
        ...(label === undefined ? {} : { label: labelField(label) }),
      },
    };
  }

  /** The group of every row, read from the groups array in one go (row numbers without one). */
  async groups(): Promise<string[]> {
    const { groups } = this.arrays;
    if (!groups) return Array.from({ length: this.length }, (_, i) => String(i + 1));
    const values = await groups.values(0, this.length);
    return values.map((value, i) => parseName(value, this.place(groups, i, 'group'), 'a group'));
  }

  describe(): string {
    const { features, labels, groups } = this.arrays;
    const extra = [labels && `labels ${labels.name}`, groups && `groups ${groups.name}`].filter(Boolean).join(', ');
    return `NumPy ${features.name}: ${this.length} rows of shape ${formatShape(features.rowShape)} (${features.dtype.descr})${extra ? `, ${extra}` : ''}`;
  }

  async close(): Promise<void> {
    const { features, labels, groups } = this.arrays;
    await Promise.all([features.close(), labels?.close(), groups?.close()]);
    await this.cleanup?.();
  }

  /** `x.npy[13, 2]` for value `offset` of row `index`. */
  private place(array: NpyArray, index: number, field: string, offset = 0): CellPlace {
    const at = `${array.name}${formatPosition(index * array.rowLength + offset, array.shape)}`;
    return { at, location: { file: array.file, record: index, field } };
  }
}

const MAGIC = Buffer.from('\x93NUMPY', 'latin1');

/** A `.npy` dtype Epochal reads: little-endian numbers and booleans, or fixed-width strings. */
interface NpyDtype {
  descr: string;
  kind: 'f' | 'i' | 'u' | 'b' | 'U' | 'S';
  /** Bytes per element. */
  size: number;
}

const NUMERIC_DTYPES = ['f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1'];

/** One `.npy` array (a file, or a member of an `.npz`), read row by row. */
export class NpyArray {
  /** Rows: the length of the first axis. */
  readonly rows: number;
  /** The shape of one row: the array's shape without its first axis. */
  readonly rowShape: number[];
  /** Elements per row. */
  readonly rowLength: number;

  constructor(
    /** How messages name it: `x.npy`, or `d.npz["x"]`. */
    readonly name: string,
    /** The file it is in, for error locations. */
    readonly file: string,
    readonly dtype: NpyDtype,
    readonly shape: number[],
    private readonly reader: LazyFile,
    /** Byte offset of the first element in `reader`'s file. */
    private readonly dataStart: number,
  ) {
    this.rows = shape[0] ?? 1;
    this.rowShape = shape.slice(1);
    this.rowLength = this.rowShape.reduce((n, d) => n * d, 1);
  }

  /** The raw bytes of rows `[start, start + count)`. */
  readRows(start: number, count: number): Promise<Buffer> {
    const rowBytes = this.rowLength * this.dtype.size;
    return this.reader.read(this.dataStart + start * rowBytes, count * rowBytes);
  }

  /** Rows `[start, start + count)` of a one-column array as numbers or strings. */
  async values(start: number, count: number): Promise<(number | string)[]> {
    const bytes = await this.readRows(start, count);
    return this.dtype.kind === 'U' || this.dtype.kind === 'S' ? this.strings(bytes) : Array.from(this.numbers(bytes));
  }

  /** Numeric elements from raw bytes. */
  numbers(bytes: Buffer): ArrayLike<number> {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    switch (`${this.dtype.kind}${this.dtype.size}`) {
      case 'f4': return new Float32Array(buffer);
      case 'f8': return new Float64Array(buffer);
      case 'i1': return new Int8Array(buffer);
      case 'i2': return new Int16Array(buffer);
      case 'i4': return new Int32Array(buffer);
      case 'i8': return Array.from(new BigInt64Array(buffer), Number);
      case 'u2': return new Uint16Array(buffer);
      case 'u4': return new Uint32Array(buffer);
      case 'u8': return Array.from(new BigUint64Array(buffer), Number);
      default: return new Uint8Array(buffer); // u1, b1
    }
  }

  /** Fixed-width string elements (`<U` UTF-32, `|S` bytes) from raw bytes, without their NUL padding. */
  private strings(bytes: Buffer): string[] {
    const { kind, size } = this.dtype;
    return Array.from({ length: bytes.length / size }, (_, i) => {
      const item = bytes.subarray(i * size, (i + 1) * size);
      if (kind === 'S') return item.toString('utf8').replace(/\0+$/, '');
      let text = '';
      for (let k = 0; k < size; k += 4) {
        const code = item.readUInt32LE(k);
        if (code === 0) break;
        text += String.fromCodePoint(code);
      }
      return text;
    });
  }

  /** Throws unless this is a numeric array of shape `[rows, features, ...]`. */
  expectTable(): void {
    if (this.dtype.kind === 'U' || this.dtype.kind === 'S') {
      throw new DataError(`${this.name}: expected numeric features, but got dtype "${this.dtype.descr}". Fix: save the features as numbers, e.g. array.astype("<f4").`, {
        file: this.file,
        field: 'features',
      });
    }
    if (this.shape.length < 2) {
      throw new DataError(
        `${this.name}: expected shape [rows, features, ...], but got ${formatShape(this.shape)}. Fix: save array.reshape(-1, 1) for one feature per row.`,
        { file: this.file, field: 'features' },
      );
    }
  }

  /** Throws unless this is a 1-D array: one label or group per row. */
  expectColumn(role: 'label' | 'group'): void {
    if (this.shape.length !== 1) {
      throw new DataError(
        `${this.name}: expected shape [rows] (one ${role} per row), but got ${formatShape(this.shape)}. Fix: save a 1-D array, e.g. array.reshape(-1).`,
        { file: this.file, field: role },
      );
    }
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/**
 * Reads the header of the `.npy` array that starts at byte `base` of
 * `reader`'s file and holds `size` bytes, and checks that the data is all
 * there; `name` and `file` are how messages name it.
 */
export async function readNpyArray(reader: LazyFile, name: string, base: number, size: number, file = reader.path): Promise<NpyArray> {
  const fail = (expected: string, found: string, fix: string) => new DataError(`${name}: expected ${expected}, but ${found}. Fix: ${fix}`, { file });
  const resave = 'save the array with numpy.save.';
  const start = size >= 10 ? await reader.read(base, Math.min(size, 12)) : Buffer.alloc(0);
  if (start.length < 10 || !start.subarray(0, 6).equals(MAGIC)) {
    throw fail('a NumPy .npy file', 'it does not start with the .npy magic string "\\x93NUMPY"', resave);
  }
  const [major, minor] = [start[6]!, start[7]!];
  if (major < 1 || major > 3 || (major > 1 && start.length < 12)) {
    throw fail('.npy format version 1, 2 or 3', `got ${major}.${minor}`, resave);
  }
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? start.readUInt16LE(8) : start.readUInt32LE(8);
  if (headerStart + headerLength > size) throw fail('a complete .npy header', `the file ends inside it`, resave);
  const header = (await reader.read(base + headerStart, headerLength)).toString(major === 3 ? 'utf8' : 'latin1').trim();
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw fail('a .npy header with descr, fortran_order and shape', `got ${JSON.stringify(header)}`, `${resave} (Structured arrays are not read; save one plain array per file.)`);
  }
  if (fortran === 'True') {
    throw fail('a C-ordered array', 'it is stored in Fortran order', 'save numpy.ascontiguousarray(array) instead.');
  }
  const dtype = parseDtype(descr, fail);
  const shape = shapeText.split(',').map((d) => d.trim()).filter((d) => d !== '').map(Number);
  const dataStart = headerStart + headerLength;
  const dataBytes = shape.reduce((n, d) => n * d, 1) * dtype.size;
  if (dataStart + dataBytes > size) {
    throw fail(`${dataBytes} bytes of data for shape ${formatShape(shape)} and dtype "${descr}"`, `the file holds ${size - dataStart}`, `the file is cut short; ${resave}`);
  }
  return new NpyArray(name, file, dtype, shape, reader, base + dataStart);
}

function parseDtype(descr: string, fail: (expected: string, found: string, fix: string) => DataError): NpyDtype {
  const match = /^([<>|=])([fiubUS])(\d+)$/.exec(descr);
  const [order, kind, count] = match ? [match[1]!, match[2] as NpyDtype['kind'], Number(match[3])] : ['', 'f' as const, 0];
  const size = kind === 'U' ? 4 * count : count;
  if (order === '>' && size > 1) {
    throw fail('little-endian data', `got dtype "${descr}"`, `save array.astype("<${descr.slice(1)}") instead.`);
  }
  const supported = match && (kind === 'U' || kind === 'S' ? count > 0 : NUMERIC_DTYPES.includes(`${kind}${count}`));
  if (!supported) {
    throw fail(
      'a dtype of <f4, <f8, <i1, <i2, <i4, <i8, <u1, <u2, <u4, <u8, |b1, or for labels and groups <U (unicode) or |S (bytes)',
      `got "${descr}"`,
      'save array.astype("<f4") (or, for names, array.astype(str)) instead.',
    );
  }
  return { descr, kind, size };
}
