/**
 * User datasets, as short as the seed's three-method class: a `length` and a
 * `get(index)` returning a plain object of numbers and (nested) arrays, plus
 * optional `id` and `group`. Epochal turns it into a full `Dataset`, inferring
 * each field's shape from the first record unless `fields` declares them.
 */
import type { ArrayField, DataRecord, Dataset, DatasetContext, FieldSpec } from './dataset.js';
import { DataError } from '../errors.js';

/** What a plugin's factory returns. */
export interface CustomDataset {
  length: number;
  get(index: number): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Field specs; inferred from record 0 when absent (use it to declare a variable-length axis as null). */
  fields?: Record<string, FieldSpec>;
  /** A content fingerprint; without one Epochal hashes every record to tell whether the data changed. */
  fingerprint?(): string | Promise<string>;
  describe?(): string;
  close?(): void | Promise<void>;
}

/** A plugin's factory: called with `source.options` from train_params. */
export type CustomDatasetFactory = (options: Record<string, unknown>) => CustomDataset | Promise<CustomDataset>;

/** Wraps a custom dataset as a `Dataset`. */
export async function fromCustom(
  custom: CustomDataset,
  where: { name: string; module: string; context: DatasetContext },
): Promise<Dataset> {
  const origin = `dataset "${where.name}" (${where.module})`;
  if (!Number.isInteger(custom.length) || custom.length < 0) {
    throw new DataError(`${origin}: expected length to be a non-negative integer, but got ${String(custom.length)}.`, { file: where.module });
  }
  const toRecord = async (index: number): Promise<DataRecord> => {
    const raw = await custom.get(index);
    const { id, group, ...values } = raw;
    const fields: Record<string, ArrayField> = {};
    for (const [name, value] of Object.entries(values)) {
      fields[name] = toArrayField(value, name === where.context.target ? 'int32' : 'float32', { origin, index, name, module: where.module });
    }
    return { id: id === undefined ? String(index) : String(id), ...(group === undefined ? {} : { group: String(group) }), fields };
  };
  const fields = custom.fields ?? (custom.length > 0 ? inferFields(await toRecord(0), where.context.target) : {});
  return {
    length: custom.length,
    fields,
    origin,
    get: toRecord,
    ...(custom.fingerprint ? { fingerprint: () => custom.fingerprint!() } : {}),
    describe: () => custom.describe?.() ?? `${custom.length} records from ${origin}`,
    ...(custom.close ? { close: () => custom.close!() } : {}),
  };
}

function inferFields(record: DataRecord, target: string): Record<string, FieldSpec> {
  return Object.fromEntries(
    Object.entries(record.fields).map(([name, field]) => [
      name,
      {
        kind: name === target ? 'label' : name === 'weights' ? 'weight' : 'features',
        shape: field.shape,
        dtype: field.data instanceof Int32Array ? 'int32' : 'float32',
      } satisfies FieldSpec,
    ]),
  );
}

/** A number, (nested) array, typed array or `{ shape, data }` as an `ArrayField`. */
function toArrayField(
  value: unknown,
  dtype: 'float32' | 'int32',
  at: { origin: string; index: number; name: string; module: string },
): ArrayField {
  const make = (data: ArrayLike<number>, shape: number[]): ArrayField => ({
    shape,
    data: dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data),
  });
  if (typeof value === 'number') return make([value], []);
  if (ArrayBuffer.isView(value)) return make(value as unknown as ArrayLike<number>, [(value as unknown as ArrayLike<number>).length]);
  if (value && typeof value === 'object' && 'shape' in value && 'data' in value) {
    const { shape, data } = value as { shape: number[]; data: ArrayLike<number> };
    return make(data, [...shape]);
  }
  if (Array.isArray(value)) {
    const shape: number[] = [];
    for (let level: unknown = value; Array.isArray(level); level = level[0]) shape.push(level.length);
    const flat = (value as unknown[]).flat(shape.length) as unknown[];
    const expected = shape.reduce((a, b) => a * b, 1);
    if (flat.length !== expected || flat.some((v) => typeof v !== 'number')) {
      throw new DataError(
        `${at.origin} record ${at.index}, field "${at.name}": expected a number or a rectangular array of numbers, but got a ragged or non-numeric array.`,
        { file: at.module, record: at.index, field: at.name },
      );
    }
    return make(flat as number[], shape);
  }
  throw new DataError(
    `${at.origin} record ${at.index}, field "${at.name}": expected a number or an array of numbers, but got ${JSON.stringify(value)?.slice(0, 40)}.`,
    { file: at.module, record: at.index, field: at.name },
  );
}
