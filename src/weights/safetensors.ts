/**
 * The safetensors format (github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the tensors' raw little-endian bytes. No npm
 * package reads it from a local file, so this reader is small and strict:
 * every length, offset and dtype is checked against the file before a byte of
 * a tensor is read, and a hostile or broken file is a `WeightsFileError`
 * naming the file, the tensor and the fix, never an out-of-bounds read.
 */
import { readFile } from 'node:fs/promises';
import { visit } from 'jsonc-parser';
import { WeightsFileError } from '../errors.js';

/** Bytes per element of each safetensors dtype. */
export const DTYPE_BYTES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
} as const;
export type Dtype = keyof typeof DTYPE_BYTES;

/** The largest header the reference implementation accepts (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface StoredTensor {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** The tensor's bytes (a view into the file). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

/** Reads and validates a safetensors file. */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  return parseSafetensors(await readFile(file), file);
}

/** Validates and reads safetensors `bytes` (`file` names them in errors). */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (problem: string, tensor?: string): never => {
    throw new WeightsFileError(`${file} is not a valid safetensors file: ${problem}. Write it again with the safetensors package (safetensors.torch.save_file or safetensors.numpy.save_file).`, file, tensor);
  };
  if (bytes.length < 8) fail(`it has ${bytes.length} bytes, fewer than the 8 of its header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = view.getBigUint64(0, true);
  if (headerBytes > BigInt(MAX_HEADER_BYTES)) fail(`its header length, ${headerBytes} bytes, is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerBytes > BigInt(bytes.length - 8)) fail(`its header length, ${headerBytes} bytes, runs past the end of the file (${bytes.length - 8} bytes after the length): the file is truncated`);
  const dataStart = 8 + Number(headerBytes);
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let headerText = '';
  try {
    headerText = text.decode(bytes.subarray(8, dataStart));
  } catch {
    fail('its header is not UTF-8 text');
  }
  const header = parseHeader(headerText, fail);
  const dataLength = bytes.length - dataStart;
  const metadata = readMetadata(header.__metadata__, fail);
  const tensors = new Map<string, StoredTensor>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, begin, end } = readEntry(name, entry, fail);
    const expected = shape.reduce((count, size) => count * size, 1) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) fail(`tensor "${name}" (${dtype} ${JSON.stringify(shape)}) needs ${expected} bytes, but its data_offsets [${begin}, ${end}] hold ${end - begin}`, name);
    if (end > dataLength) fail(`tensor "${name}" ends at byte ${end} of the data, but the data has ${dataLength} bytes: the file is truncated or its header lies about offsets`, name);
    ranges.push({ name, begin, end });
    tensors.set(name, { name, dtype, shape, bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const range of ranges) {
    if (range.begin < covered) fail(`tensor "${range.name}" starts at byte ${range.begin}, inside the previous tensor's bytes (which end at ${covered}): tensors overlap`, range.name);
    if (range.begin > covered) fail(`bytes ${covered} to ${range.begin} of the data belong to no tensor (before "${range.name}")`, range.name);
    covered = range.end;
  }
  if (covered !== dataLength) fail(`the last ${dataLength - covered} bytes of the data belong to no tensor`);
  return { tensors, metadata };
}

/** The header object; a duplicate tensor name (which JSON.parse would silently resolve to the last) is refused. */
function parseHeader(text: string, fail: (problem: string) => never): Record<string, unknown> {
  if (!text.startsWith('{')) fail('its header does not start with "{"');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(`its header is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('its header is not a JSON object');
  const seen = new Set<string>();
  let duplicate: string | undefined;
  visit(text, {
    onObjectProperty: (property, _offset, _length, _line, _column, pathSupplier) => {
      if (pathSupplier().length !== 0) return;
      if (seen.has(property)) duplicate ??= property;
      seen.add(property);
    },
  });
  if (duplicate !== undefined) fail(`its header names tensor "${duplicate}" twice`);
  return parsed as Record<string, unknown>;
}

function readMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((item) => typeof item === 'string')) {
    fail('its "__metadata__" is not an object of strings');
  }
  return value as Record<string, string>;
}

function readEntry(name: string, entry: unknown, fail: (problem: string, tensor?: string) => never): { dtype: Dtype; shape: number[]; begin: number; end: number } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(`tensor "${name}" is described by ${JSON.stringify(entry)}, not an object`, name);
  const { dtype, shape, data_offsets: offsets, ...rest } = entry as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) fail(`tensor "${name}" has unknown fields ${extra.map((key) => `"${key}"`).join(', ')}`, name);
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}, not one of ${Object.keys(DTYPE_BYTES).join(', ')}`, name);
  if (!Array.isArray(shape) || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) fail(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of non-negative integers`, name);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0) || offsets[0] > offsets[1]) {
    fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with 0 <= begin <= end`, name);
  }
  return { dtype: dtype as Dtype, shape: shape as number[], begin: (offsets as number[])[0]!, end: (offsets as number[])[1]! };
}

/** A stored floating-point tensor's values as float32 (F16 and BF16 widened, F64 narrowed); other dtypes are refused. */
export function toFloat32(tensor: StoredTensor, file: string): Float32Array {
  const { bytes, dtype } = tensor;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength / DTYPE_BYTES[dtype];
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    case 'BF16': {
      const widened = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        widened.setUint32(0, view.getUint16(i * 2, true) << 16);
        out[i] = widened.getFloat32(0);
      }
      return out;
    }
    default:
      throw new WeightsFileError(`${file}: tensor "${tensor.name}" is ${dtype}, but weights must be F32, F16, BF16 or F64. Save it as float32.`, file, tensor.name);
  }
}

function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** A float32 tensor to write. */
export interface Float32Tensor {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

/** The bytes of a safetensors file holding `tensors` (F32, in the order given) and `metadata`. */
export function encodeSafetensors(tensors: readonly Float32Tensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const tensor of tensors) {
    const count = tensor.shape.reduce((product, size) => product * size, 1);
    if (count !== tensor.values.length) throw new Error(`Expected tensor "${tensor.name}" of shape ${JSON.stringify(tensor.shape)} to have ${count} values, but got ${tensor.values.length}.`);
    if (tensor.name in header) throw new Error(`Expected each tensor name once, but got "${tensor.name}" twice.`);
    header[tensor.name] = { dtype: 'F32', shape: [...tensor.shape], data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // tensors start 8-byte aligned, the header padded with spaces
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const tensor of tensors) {
    for (let i = 0; i < tensor.values.length; i++) view.setFloat32(at + i * 4, tensor.values[i]!, true);
    at += tensor.values.length * 4;
  }
  return out;
}
