/**
 * Checks that one record fits its dataset's field specs before anything uses
 * it, and the wording every data reader shares for bad data: each message
 * names the file, the record (or the line), the field, what was expected,
 * what was found, and the fix.
 */
import { didYouMean } from '../config/issues.js';
import { DataError } from '../errors.js';
import type { ArrayField, DataRecord, DatasetContext, FieldSpec } from './dataset.js';

/** Where a record comes from, for messages. */
export interface RecordPlace {
  /** The file (or dataset origin) it was read from. */
  origin: string;
  /** Its 0-based index in the dataset. */
  index: number;
  /** Its 1-based line in a text file, the header counted as line 1, as editors number lines. */
  row?: number;
}

/**
 * Throws a `DataError` unless `record` has every field in `fields`, each with
 * the spec'd dtype and shape (fixed axes equal; every `null` sequence axis of
 * the record one length), finite values, and labels that are class indices in
 * `[0, classes)` or the ignore label.
 */
export function validateRecord(
  record: DataRecord,
  fields: Record<string, FieldSpec>,
  where: RecordPlace,
  context: DatasetContext,
): void {
  const at = describePlace(record, where);
  const location = (field: string) => ({
    file: where.origin,
    record: where.index,
    ...(where.row === undefined ? {} : { row: where.row }),
    field,
  });
  let sequence: { name: string; length: number } | undefined;
  for (const [name, spec] of Object.entries(fields)) {
    const field = record.fields[name];
    if (!field) {
      const present = Object.keys(record.fields);
      throw new DataError(
        `${at}: expected a field "${name}" (${spec.kind}, shape ${formatSpecShape(spec.shape)}), but the record has ` +
          `${present.length === 0 ? 'no fields' : `fields ${quoteList(present)}`}. Fix: make the dataset yield "${name}" in every record.`,
        location(name),
      );
    }
    const problem = shapeProblem(field, spec);
    if (problem) throw new DataError(`${at}, field "${name}": ${problem}`, location(name));
    spec.shape.forEach((size, axis) => {
      if (size !== null) return;
      const length = field.shape[axis]!;
      if (!sequence) sequence = { name, length };
      else if (sequence.length !== length) {
        throw new DataError(
          `${at}: expected one sequence length for all fields, but "${sequence.name}" has ${sequence.length} steps and "${name}" has ${length}. ` +
            'Fix: cut or pad the fields to the same number of steps.',
          location(name),
        );
      }
    });
    const bad = spec.kind === 'label' ? firstBadLabel(field.data, context) : firstNonFinite(field.data);
    if (bad !== undefined) {
      const value = String(field.data[bad]);
      const position = field.shape.length === 0 ? '' : ` at ${formatPosition(bad, field.shape)}`;
      throw new DataError(
        spec.kind === 'label'
          ? `${at}, field "${name}": expected class indices in [0, ${context.classes.length}) or the ignore label ${context.ignoreLabel}, ` +
              `but got ${value}${position}. Fix: correct the labels, or list their classes in data.classes.`
          : `${at}, field "${name}": expected finite numbers, but got ${value}${position}. Fix: clean or drop the record.`,
        location(name),
      );
    }
  }
}

/** "file line 15" for a text file's row, else "file record 3 (id "s04")". */
function describePlace(record: DataRecord, where: RecordPlace): string {
  return where.row === undefined
    ? `${where.origin} record ${where.index} (id ${JSON.stringify(record.id)})`
    : `${where.origin} line ${where.row}`;
}

function shapeProblem(field: ArrayField, spec: FieldSpec): string | undefined {
  const expected = spec.dtype === 'int32' ? Int32Array : Float32Array;
  if (!(field.data instanceof expected)) {
    return `expected ${spec.dtype} data (${expected.name}), but got ${field.data.constructor.name}. Fix: make the dataset yield a ${expected.name}.`;
  }
  const fits = field.shape.length === spec.shape.length && spec.shape.every((size, axis) => size === null || size === field.shape[axis]);
  if (!fits) {
    return (
      `expected shape ${formatSpecShape(spec.shape)}, but got ${formatShape(field.shape)}. ` +
      `Fix: give the field this shape in every record${spec.shape.includes(null) ? ' (* is the sequence length, which may vary)' : ''}.`
    );
  }
  const size = field.shape.reduce((n, d) => n * d, 1);
  if (field.data.length !== size) {
    return `expected ${size} value${size === 1 ? '' : 's'} for shape ${formatShape(field.shape)}, but got ${field.data.length}. Fix: make the data match the shape.`;
  }
  return undefined;
}

function firstNonFinite(data: Float32Array | Int32Array): number | undefined {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return undefined;
}

function firstBadLabel(data: Float32Array | Int32Array, context: DatasetContext): number | undefined {
  const classes = context.classes.length;
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (value !== context.ignoreLabel && !(Number.isInteger(value) && value >= 0 && value < classes)) return i;
  }
  return undefined;
}

/** A flat index as a position in `shape`: `[3, 17]`. */
export function formatPosition(flat: number, shape: readonly number[]): string {
  const position: number[] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    position.unshift(flat % shape[axis]!);
    flat = Math.floor(flat / shape[axis]!);
  }
  return `[${position.join(', ')}]`;
}

/** `[700, 7680]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A spec shape with `*` for the sequence axis: `[*, 7680]`. */
export function formatSpecShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((size) => (size === null ? '*' : String(size))).join(', ')}]`;
}

/** `"a", "b", "c"`, shortened to the first `max` names and a count. */
export function quoteList(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((name) => JSON.stringify(name));
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
}

/** ` Did you mean "x"?` when a candidate is a plausible typo of `name`, else an empty string. */
export function suggestion(name: string, candidates: readonly string[]): string {
  const best = didYouMean(name, candidates);
  return best === undefined ? '' : ` Did you mean ${JSON.stringify(best)}?`;
}

/**
 * The `DataError` for a file that cannot be opened because of the data
 * (missing, a folder, not permitted); other errors (I/O faults, too many open
 * files) are returned as they are, since retrying may help.
 */
export function fileError(file: string, error: unknown, fix = 'check the path in the data source.'): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const found =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? 'it does not exist'
      : code === 'EISDIR'
        ? 'it is a folder'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission to read it is denied'
          : undefined;
  return found === undefined ? error : new DataError(`${file}: expected a readable file, but ${found}. Fix: ${fix}`, { file });
}
