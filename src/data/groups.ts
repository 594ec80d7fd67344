/**
 * The group (subject) of every record, kept compactly while data is prepared:
 * each distinct group name once, and one 32-bit group number per record, so
 * memory grows with the number of groups, not with names repeated per record.
 */
import type { Dataset } from './dataset.js';
import type { OnPrepareProgress } from './progress.js';

export class RecordGroups {
  /** Each distinct group, numbered in order of first appearance. */
  readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  private readonly ofRecord: Uint32Array;

  constructor(records: number) {
    this.ofRecord = new Uint32Array(records);
  }

  /** Records that `record` belongs to group `name`. */
  set(record: number, name: string): void {
    let number = this.numbers.get(name);
    if (number === undefined) {
      number = this.names.push(name) - 1;
      this.numbers.set(name, number);
    }
    this.ofRecord[record] = number;
  }

  /** The group number of `record` (an index into `names`). */
  of(record: number): number {
    return this.ofRecord[record]!;
  }
}

/**
 * The groups of a dataset's records: from `dataset.groups()` when it can tell
 * without reading the records, else from reading each record once (its group,
 * or its id when it has none), reporting the records scanned.
 */
export async function recordGroups(dataset: Dataset, onProgress?: OnPrepareProgress): Promise<RecordGroups> {
  const groups = new RecordGroups(dataset.length);
  if (dataset.groups) {
    const names = await dataset.groups();
    for (let i = 0; i < dataset.length; i++) groups.set(i, names[i]!);
    return groups;
  }
  for (let i = 0; i < dataset.length; i++) {
    const record = await dataset.get(i);
    groups.set(i, record.group ?? record.id);
    await onProgress?.({ phase: 'scanning', done: i + 1, total: dataset.length, unit: 'records' });
  }
  return groups;
}
