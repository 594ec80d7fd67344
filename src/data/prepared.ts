/**
 * A prepared dataset on disk: `index.json` (fields, labels, splits and their
 * shards), `stats.json` (train-split normalisation and class weights) and the
 * shards. Reading one back gives split readers with bounded memory.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FieldSpec } from './dataset.js';
import { SplitReader, type ShardRef } from './shards.js';
import type { SplitName } from './split.js';
import type { FieldNormalization } from './stats.js';

export const INDEX_FILE = 'index.json';
export const STATS_FILE = 'stats.json';

export interface PreparedIndex {
  format: string;
  fingerprint: string;
  createdAt: string;
  /** What the data came from (for people). */
  origin: string;
  fields: Record<string, FieldSpec>;
  target: string;
  classes: string[];
  ignoreLabel: number;
  splits: Record<SplitName, { records: number; groups: number; shards: ShardRef[] }>;
}

export interface PreparedStats {
  normalization: Record<string, FieldNormalization>;
  /** Labelled positions per class in the train split. */
  classCounts: number[];
  /** One weight per class for the loss, when configured. */
  classWeights?: number[];
  /** Problems worth knowing that do not stop training (a class absent from the train split). */
  warnings: string[];
}

/** A prepared dataset opened for reading. */
export class PreparedData {
  private constructor(
    readonly dir: string,
    readonly index: PreparedIndex,
    readonly stats: PreparedStats,
  ) {}

  /** The same data normalised with other statistics (those a model was trained with). */
  withNormalization(normalization: PreparedStats['normalization']): PreparedData {
    return new PreparedData(this.dir, this.index, { ...this.stats, normalization });
  }

  /** Opens the prepared data in `dir`; undefined when there is none (or it is incomplete). */
  static async open(dir: string): Promise<PreparedData | undefined> {
    try {
      const index = JSON.parse(await readFile(join(dir, INDEX_FILE), 'utf8')) as PreparedIndex;
      const stats = JSON.parse(await readFile(join(dir, STATS_FILE), 'utf8')) as PreparedStats;
      return new PreparedData(dir, index, stats);
    } catch {
      return undefined;
    }
  }

  /** The group of every record of `split`, in stored order. */
  async recordGroups(split: SplitName): Promise<string[]> {
    const reader = this.split(split);
    try {
      return await reader.groups();
    } finally {
      await reader.close();
    }
  }

  /** Random access to one split's records. Close it when done. */
  split(name: SplitName): SplitReader {
    return new SplitReader(this.dir, this.index.splits[name].shards, this.index.fields);
  }
}

/** The longest sequence (in steps) among a split's records; 0 for data without a sequence axis. */
export async function longestSequence(prepared: PreparedData, split: SplitName): Promise<number> {
  const reader = prepared.split(split);
  try {
    let longest = 0;
    for (let i = 0; i < reader.length; i++) longest = Math.max(longest, await reader.sequenceLength(i));
    return longest;
  } finally {
    await reader.close();
  }
}
