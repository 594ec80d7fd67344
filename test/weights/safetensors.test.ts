/**
 * The safetensors reader and writer: files the reference Python package wrote
 * read back exactly; what Epochal writes reads back exactly; and a file that
 * is not what it claims fails with the file, the tensor and the problem,
 * before any tensor byte is read.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WeightsFileError } from '../../src/errors.js';
import { encodeSafetensors, parseSafetensors, readSafetensors, toFloat32 } from '../../src/weights/safetensors.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/weights/state-dict.safetensors', import.meta.url));

/** scripts/make-weight-fixtures.py's values: (index × 0.25 − seed) / 8. */
const expected = (count: number, seed: number) => Array.from({ length: count }, (_, i) => (i * 0.25 - seed) / 8);

/** A file with this header (an object, or raw text) and `data` bytes after it. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (name: string, shape: number[], begin: number) => ({ [name]: { dtype: 'F32', shape, data_offsets: [begin, begin + shape.reduce((a, b) => a * b, 1) * 4] } });

function refusal(bytes: Uint8Array): WeightsFileError {
  try {
    parseSafetensors(bytes, 'bad.safetensors');
  } catch (error) {
    if (error instanceof WeightsFileError) return error;
    throw error;
  }
  return expect.unreachable('the file was accepted');
}

describe('safetensors', () => {
  it('reads a state_dict the safetensors package wrote: names, dtypes, shapes, metadata and values', async () => {
    const { tensors, metadata } = await readSafetensors(FIXTURE);
    expect(metadata).toEqual({ format: 'pt', written_by: 'scripts/make-weight-fixtures.py' });
    expect([...tensors.values()].map(({ name, dtype, shape }) => [name, dtype, shape]).sort()).toEqual([
      ['double.weight', 'F64', [3]],
      ['ecg_dense.bias', 'F32', [4]],
      ['ecg_dense.weight', 'F32', [4, 3]],
      ['half.weight', 'F16', [2, 3]],
      ['tcn.network.0.bn.num_batches_tracked', 'I64', []],
      ['tcn.network.0.bn.running_mean', 'F32', [5]],
      ['tcn.network.0.bn.running_var', 'F32', [5]],
      ['tcn.network.0.conv1.weight', 'F32', [5, 4, 3]],
    ]);
    const values = (name: string) => [...toFloat32(tensors.get(name)!, FIXTURE)];
    expect(values('ecg_dense.weight')).toEqual(expected(12, 1));
    expect(values('tcn.network.0.conv1.weight')).toEqual(expected(60, 3));
    expect(values('half.weight')).toEqual(expected(6, 6)); // these values are exact in float16
    expect(values('double.weight')).toEqual(expected(3, 7));
    expect(values('tcn.network.0.bn.running_var')).toEqual(expected(5, 5).map((v) => Math.fround(Math.fround(v) ** 2 + 1)));
    expect(() => toFloat32(tensors.get('tcn.network.0.bn.num_batches_tracked')!, FIXTURE)).toThrow(
      `${FIXTURE}: tensor "tcn.network.0.bn.num_batches_tracked" is I64, but weights must be F32, F16, BF16 or F64. Save it as float32.`,
    );
  });

  it('writes files it reads back exactly, tensors 8-byte aligned after a space-padded header', () => {
    const tensors = [
      { name: 'a.weight', shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 1e-8, -0, 65504]) },
      { name: 'b.bias', shape: [], values: Float32Array.from([Math.PI]) },
    ];
    const bytes = encodeSafetensors(tensors, { written_by: 'epochal' });
    const headerBytes = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerBytes % 8).toBe(0);
    const read = parseSafetensors(bytes, 'written.safetensors');
    expect(read.metadata).toEqual({ written_by: 'epochal' });
    for (const tensor of tensors) {
      const stored = read.tensors.get(tensor.name)!;
      expect(stored.shape).toEqual(tensor.shape);
      expect(toFloat32(stored, 'written.safetensors')).toEqual(tensor.values);
    }
  });

  it('refuses a file shorter than its header length, or whose header length runs past its end', () => {
    expect(refusal(new Uint8Array(5)).message).toContain('it has 5 bytes, fewer than the 8 of its header length');
    const truncated = file(f32('w', [2], 0), new Uint8Array(8)).subarray(0, 20);
    expect(refusal(truncated).message).toMatch(/its header length, \d+ bytes, runs past the end of the file \(12 bytes after the length\): the file is truncated/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(refusal(huge).message).toContain('is over the 100000000-byte limit');
  });

  it('refuses tensor data cut short, naming the tensor and where it ends', () => {
    const error = refusal(file({ ...f32('a', [2], 0), ...f32('b', [3], 8) }, new Uint8Array(12)));
    expect(error.message).toBe(
      'bad.safetensors is not a valid safetensors file: tensor "b" ends at byte 20 of the data, but the data has 12 bytes: the file is truncated or its header lies about offsets. Write it again with the safetensors package (safetensors.torch.save_file or safetensors.numpy.save_file).',
    );
    expect(error.details()).toEqual({ file: 'bad.safetensors', tensor: 'b' });
  });

  it('refuses offsets that overlap, leave bytes to no tensor, or disagree with the dtype and shape', () => {
    expect(refusal(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12))).message).toContain(
      'tensor "b" starts at byte 4, inside the previous tensor\'s bytes (which end at 8): tensors overlap',
    );
    expect(refusal(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8))).message).toContain('bytes 0 to 4 of the data belong to no tensor (before "a")');
    expect(refusal(file(f32('a', [1], 0), new Uint8Array(12))).message).toContain('the last 8 bytes of the data belong to no tensor');
    expect(refusal(file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))).message).toContain('tensor "a" (F32 [3]) needs 12 bytes, but its data_offsets [0, 8] hold 8');
    expect(refusal(file({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, new Uint8Array(8))).message).toContain('tensor "a" has data_offsets [8,4], not [begin, end] with 0 <= begin <= end');
  });

  it('refuses an unknown dtype, a bad shape, unknown fields and a name given twice', () => {
    expect(refusal(file({ a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))).message).toContain('tensor "a" has dtype "F33", not one of BOOL, U8, I8');
    expect(refusal(file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4))).message).toContain('tensor "a" has shape [-1], not a list of non-negative integers');
    expect(refusal(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], scale: 2 } }, new Uint8Array(4))).message).toContain('tensor "a" has unknown fields "scale"');
    const twice = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    expect(refusal(file(twice, new Uint8Array(4))).message).toContain('its header names tensor "a" twice');
  });

  it('refuses a header that is not a UTF-8 JSON object, or metadata that is not strings', () => {
    expect(refusal(file('[1, 2]')).message).toContain('its header does not start with "{"');
    expect(refusal(file('{"a": ')).message).toMatch(/its header is not JSON \(/);
    const latin1 = file('{"a":1}');
    latin1[10] = 0xff;
    expect(refusal(latin1).message).toContain('its header is not UTF-8 text');
    expect(refusal(file({ __metadata__: { epochs: 3 } })).message).toContain('its "__metadata__" is not an object of strings');
  });
});
