import { describe, expect, it } from 'vitest';
import type { DataRecord, DatasetContext, FieldSpec } from '../../src/data/dataset.js';
import { formatPosition, validateRecord } from '../../src/data/validate.js';
import { dataError } from '../helpers/data-files.js';

const CONTEXT: DatasetContext = { classes: ['W', 'N1', 'N2'], target: 'stages', ignoreLabel: -1 };
const FIELDS: Record<string, FieldSpec> = {
  ecg: { kind: 'signal', shape: [null, 3], dtype: 'float32' },
  stages: { kind: 'label', shape: [null], dtype: 'int32' },
  age: { kind: 'features', shape: [], dtype: 'float32' },
};
const WHERE = { origin: 'data/nights/*.h5', index: 4 };

/** A valid two-epoch night, with `fields` replacing its fields. */
function night(fields: Partial<DataRecord['fields']> = {}): DataRecord {
  const base: DataRecord['fields'] = {
    ecg: { shape: [2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) },
    stages: { shape: [2], data: Int32Array.of(2, -1) },
    age: { shape: [], data: Float32Array.of(41) },
  };
  return { id: 's05', fields: Object.fromEntries(Object.entries({ ...base, ...fields }).filter(([, field]) => field !== undefined)) as DataRecord['fields'] };
}

function check(record: DataRecord, where: { origin: string; index: number; row?: number } = WHERE) {
  return dataError(() => validateRecord(record, FIELDS, where, CONTEXT));
}

describe('validateRecord', () => {
  it('accepts a record that fits its specs, the ignore label and extra fields included', () => {
    const record = night({ extra: { shape: [1], data: Float32Array.of(Number.NaN) } });

    expect(validateRecord(record, FIELDS, WHERE, CONTEXT)).toBeUndefined();
  });

  it('names a missing field, its spec and the fields the record has', async () => {
    expect(await check(night({ stages: undefined }))).toEqual({
      message:
        'data/nights/*.h5 record 4 (id "s05"): expected a field "stages" (label, shape [*]), but the record has fields "ecg", "age". ' +
        'Fix: make the dataset yield "stages" in every record.',
      location: { file: 'data/nights/*.h5', record: 4, field: 'stages' },
    });
  });

  it('reports a fixed axis of another size, with the line when the record is a text file row', async () => {
    const record = night({ ecg: { shape: [2, 4], data: new Float32Array(8) } });

    expect(await check(record, { origin: 'configs/x/data/m.csv', index: 13, row: 15 })).toEqual({
      message:
        'configs/x/data/m.csv line 15, field "ecg": expected shape [*, 3], but got [2, 4]. ' +
        'Fix: give the field this shape in every record (* is the sequence length, which may vary).',
      location: { file: 'configs/x/data/m.csv', record: 13, row: 15, field: 'ecg' },
    });
  });

  it.each([
    ['another rank', { shape: [41], data: Float32Array.of(41) }, 'expected shape [], but got [41]. Fix: give the field this shape in every record.'],
    ['another dtype', { shape: [], data: Int32Array.of(41) }, 'expected float32 data (Float32Array), but got Int32Array. Fix: make the dataset yield a Float32Array.'],
    ['data that does not fill its shape', { shape: [], data: Float32Array.of(41, 42) }, 'expected 1 value for shape [], but got 2. Fix: make the data match the shape.'],
  ])('reports a field of %s', async (_, age, problem) => {
    expect(await check(night({ age }))).toEqual({
      message: `data/nights/*.h5 record 4 (id "s05"), field "age": ${problem}`,
      location: { file: 'data/nights/*.h5', record: 4, field: 'age' },
    });
  });

  it('reports sequence axes of different lengths in one record', async () => {
    expect(await check(night({ stages: { shape: [3], data: Int32Array.of(0, 1, 2) } }))).toEqual({
      message:
        'data/nights/*.h5 record 4 (id "s05"): expected one sequence length for all fields, but "ecg" has 2 steps and "stages" has 3. ' +
        'Fix: cut or pad the fields to the same number of steps.',
      location: { file: 'data/nights/*.h5', record: 4, field: 'stages' },
    });
  });

  it.each([
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('reports %s in a signal at its first position', async (bad, shown) => {
    const record = night({ ecg: { shape: [2, 3], data: Float32Array.of(0, 1, 2, 3, 4, bad) } });

    expect(await check(record)).toEqual({
      message: `data/nights/*.h5 record 4 (id "s05"), field "ecg": expected finite numbers, but got ${shown} at [1, 2]. Fix: clean or drop the record.`,
      location: { file: 'data/nights/*.h5', record: 4, field: 'ecg' },
    });
  });

  it('reports a non-finite scalar without a position', async () => {
    expect(await check(night({ age: { shape: [], data: Float32Array.of(Number.POSITIVE_INFINITY) } }))).toEqual({
      message: 'data/nights/*.h5 record 4 (id "s05"), field "age": expected finite numbers, but got Infinity. Fix: clean or drop the record.',
      location: { file: 'data/nights/*.h5', record: 4, field: 'age' },
    });
  });

  it.each([3, -2])('reports the label %i, outside the classes and not the ignore label', async (label) => {
    expect(await check(night({ stages: { shape: [2], data: Int32Array.of(0, label) } }))).toEqual({
      message:
        `data/nights/*.h5 record 4 (id "s05"), field "stages": expected class indices in [0, 3) or the ignore label -1, but got ${label} at [1]. ` +
        'Fix: correct the labels, or list their classes in data.classes.',
      location: { file: 'data/nights/*.h5', record: 4, field: 'stages' },
    });
  });
});

describe('formatPosition', () => {
  it('turns a flat index into a position in the shape', () => {
    expect(formatPosition(0, [])).toBe('[]');
    expect(formatPosition(5, [2, 3])).toBe('[1, 2]');
    expect(formatPosition(23, [2, 3, 4])).toBe('[1, 2, 3]');
  });
});
