import { describe, expect, it } from 'vitest';
import { argmax, encodeOutput, outputFileName, type OutputRow } from '../../src/infer/output.js';

const classes = ['W', 'N1', 'REM'];
const rows: OutputRow[] = [
  { id: 'night, "a"', step: 0, probabilities: Float32Array.of(0.1, 0.7, 0.2) },
  { id: 'night-b', step: 1, probabilities: Float32Array.of(0.3333333432674408, 0.3333333432674408, 0.3333333134651184) },
];

describe('inference output', () => {
  it('names shard files by index and format', () => {
    expect(outputFileName(7, 'jsonl')).toBe('part-00007.jsonl');
  });

  it('predicts the first of equally likely classes', () => {
    expect(argmax(Float32Array.of(0.2, 0.4, 0.4))).toBe(1);
  });

  it('writes CSV with quoted ids, steps, the class and probabilities that read back as the same float32 values', () => {
    const text = encodeOutput(rows, { format: 'csv', classes, probabilities: true, sequence: true }).data.toString();
    const [header, first, second] = text.trim().split('\n');
    expect(header).toBe('id,step,class,p_W,p_N1,p_REM');
    expect(first!.startsWith('"night, ""a""",0,N1,')).toBe(true);
    const probabilities = second!.split(',').slice(3).map((v) => Math.fround(Number(v)));
    expect(probabilities).toEqual(Array.from(rows[1]!.probabilities));
  });

  it('writes JSONL without the step for records that are not sequences, and without probabilities when asked', () => {
    const text = encodeOutput([{ id: 'r1', probabilities: Float32Array.of(0.9, 0.05, 0.05) }], { format: 'jsonl', classes, probabilities: false, sequence: false }).data.toString();
    expect(JSON.parse(text)).toEqual({ id: 'r1', class: 'W' });
  });

  it('writes NPY as a float32 [rows, 1 + classes] matrix with the ids beside it', () => {
    const { data, ids } = encodeOutput(rows, { format: 'npy', classes, probabilities: true, sequence: true });
    const headerLength = data.readUInt16LE(8);
    expect(data.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(data.subarray(10, 10 + headerLength).toString('latin1')).toContain("'descr': '<f4', 'fortran_order': False, 'shape': (2, 4)");
    expect((10 + headerLength) % 64).toBe(0);
    const values = new Float32Array(data.buffer.slice(data.byteOffset + 10 + headerLength, data.byteOffset + data.length));
    expect(Array.from(values)).toEqual([1, ...rows[0]!.probabilities, 0, ...rows[1]!.probabilities]);
    expect(ids).toBe('night, "a"\t0\nnight-b\t1\n');
  });
});
