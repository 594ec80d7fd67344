/**
 * The dataset interface: how any data reaches Epochal. As in the seed, a
 * dataset is a length and a way to get one record by index (sync or async);
 * Epochal's built-in sources and a user's plugin datasets implement the same
 * interface, and everything downstream (splitting, normalisation, prepared
 * shards, batches) works on it, one record at a time.
 */

/** A numeric array with its shape: one field of one record. */
export interface ArrayField {
  /** Row-major shape; `[]` for a scalar. */
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What a field holds, which decides how it is preprocessed. */
export type FieldKind =
  /** A sampled signal, `[steps, samples]` or `[samples]`: z-scored with one mean and std, resampled on request. */
  | 'signal'
  /** Feature vectors, `[..., features]`: z-scored per feature (last axis). */
  | 'features'
  /** Class indices (int32), `[steps]` or `[]`; the ignore label (-1) means "no label here". */
  | 'label'
  /** Per-position sample weights, shaped like the labels; never normalised. */
  | 'weight';

/** The shape and meaning of a field, the same for every record of a dataset. */
export interface FieldSpec {
  kind: FieldKind;
  /** One record's shape; `null` marks the sequence axis, whose length varies by record (epochs in a night). */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
  /** For signals: samples per second, so preprocessing can resample. */
  samplingRateHz?: number;
}

/** One record: a night of one subject, one CSV row, ... */
export interface DataRecord {
  /** Stable identifier; inference output rows are keyed by it. */
  id: string;
  /** The group it belongs to when splitting (the subject); its id when absent. Never split across train/validation/test. */
  group?: string;
  fields: Record<string, ArrayField>;
}

/** A dataset: a length and a way to get one record by index. */
export interface Dataset {
  /** Number of records. */
  readonly length: number;
  /** The fields every record has. */
  readonly fields: Record<string, FieldSpec>;
  /** Where the records come from, for messages ("configs/tabular-mlp/data/machines.csv"). */
  readonly origin: string;
  /** Record `index` (0-based). */
  get(index: number): DataRecord | Promise<DataRecord>;
  /**
   * A content fingerprint that changes whenever the records would; Epochal
   * hashes the input files (or, failing that, every record) when absent.
   */
  fingerprint?(): string | Promise<string>;
  /** The input files, whose bytes Epochal hashes for the fingerprint when `fingerprint` is absent. */
  readonly files?: readonly string[];
  /**
   * The group of every record, in order, when the dataset can tell without
   * reading the records (file names, a group column); Epochal otherwise reads
   * each record once more to learn its group.
   */
  groups?(): readonly string[] | Promise<readonly string[]>;
  /** One line about what it holds, for `epochal data inspect`. */
  describe?(): string;
  /** Releases files or handles. */
  close?(): void | Promise<void>;
}

/** What a dataset factory gets besides its source config. */
export interface DatasetContext {
  /** Class names in label-index order (train_params `data.classes`); string labels map through it. */
  classes: readonly string[];
  /** The field that holds the labels. */
  target: string;
  /** Label value meaning "no label" (padding). */
  ignoreLabel: number;
}

/** Opens a dataset from its source config. */
export type DatasetFactory<Source = unknown> = (source: Source, context: DatasetContext) => Dataset | Promise<Dataset>;
