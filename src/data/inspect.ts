/**
 * What a data source holds, without preparing it: record and group counts,
 * field shapes (with sequence-length range), class balance and split sizes.
 */
import type { DataConfig } from '../config/data/data.js';
import type { FieldSpec } from './dataset.js';
import { datasetContext } from './prepare.js';
import { openDataset } from './registry.js';
import { sequenceLength } from './shards.js';
import { assignGroups, SPLITS, type SplitName } from './split.js';

export interface DataSummary {
  origin: string;
  records: number;
  groups: number;
  fields: Record<string, FieldSpec>;
  /** Sequence length range over records, when the data has a sequence axis. */
  sequence?: { min: number; max: number; mean: number };
  /** Labelled positions per class (the ignore label excluded), and how many positions are unlabelled. */
  classes: { name: string; count: number }[];
  unlabelled: number;
  splits: Record<SplitName, { records: number; groups: number }>;
}

/** Reads every record once (streaming) and summarises the source. */
export async function summarizeData(data: DataConfig, onProgress?: (done: number, total: number) => void): Promise<DataSummary> {
  const context = datasetContext(data);
  const dataset = await openDataset(data.source, context);
  try {
    const counts = new Array<number>(data.classes.length).fill(0);
    let unlabelled = 0;
    const lengths: number[] = [];
    const groups: string[] = [];
    for (let i = 0; i < dataset.length; i++) {
      const record = await dataset.get(i);
      groups.push(record.group ?? record.id);
      if (Object.values(dataset.fields).some((spec) => spec.shape.includes(null))) lengths.push(sequenceLength(dataset.fields, record));
      for (const label of record.fields[context.target]?.data ?? []) {
        if (label === context.ignoreLabel) unlabelled += 1;
        else counts[label] = (counts[label] ?? 0) + 1;
      }
      onProgress?.(i + 1, dataset.length);
    }
    const assignment = assignGroups(groups, data.split, dataset.origin);
    const splits = Object.fromEntries(
      SPLITS.map((split) => [
        split,
        {
          records: groups.filter((group) => assignment.get(group) === split).length,
          groups: [...assignment.values()].filter((s) => s === split).length,
        },
      ]),
    ) as DataSummary['splits'];
    return {
      origin: dataset.describe?.() ?? dataset.origin,
      records: dataset.length,
      groups: assignment.size,
      fields: dataset.fields,
      ...(lengths.length > 0
        ? { sequence: { min: Math.min(...lengths), max: Math.max(...lengths), mean: lengths.reduce((a, b) => a + b, 0) / lengths.length } }
        : {}),
      classes: data.classes.map((name, c) => ({ name, count: counts[c]! })),
      unlabelled,
      splits,
    };
  } finally {
    await dataset.close?.();
  }
}
