/**
 * Fingerprints decide when prepared data can be reused: a hash of the input
 * data's content together with everything that shapes the prepared shards
 * (preprocessing, split, labels, format version). Same fingerprint, same shards.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { canonicalJson, sha256 } from '../config/read-json.js';
import type { Dataset } from './dataset.js';
import type { OnPrepareProgress } from './progress.js';

/** Version of the prepared-data layout and preprocessing code; bump it when either changes. */
export const PREPARED_FORMAT = 'epochal-prepared/2'; // 2: splits by keyed hash, band-limited resampling

/**
 * The content hash of a dataset: its own fingerprint when it has one, else the
 * bytes of its input files (with their names), else every record's content.
 * Hashing files reports the bytes hashed, hashing records the records read
 * (phase `fingerprinting`).
 */
export async function datasetFingerprint(dataset: Dataset, onProgress?: OnPrepareProgress): Promise<string> {
  if (dataset.fingerprint) return `dataset:${await dataset.fingerprint()}`;
  const hash = createHash('sha256');
  if (dataset.files && dataset.files.length > 0) {
    let total = 0;
    for (const file of dataset.files) total += (await stat(file)).size;
    let done = 0;
    const hashed = (bytes: number) => onProgress?.({ phase: 'fingerprinting', done: (done += bytes), total, unit: 'bytes' });
    for (const file of dataset.files) hash.update(`${basename(file)}\u0000${await fileSha256(file, hashed)}\u0000`);
    return `files:${hash.digest('hex')}`;
  }
  for (let i = 0; i < dataset.length; i++) {
    const record = await dataset.get(i);
    hash.update(`${record.id}\u0000${record.group ?? ''}\u0000`);
    for (const name of Object.keys(record.fields).sort()) {
      const field = record.fields[name]!;
      hash.update(`${name}${JSON.stringify(field.shape)}`);
      hash.update(Buffer.from(field.data.buffer, field.data.byteOffset, field.data.byteLength));
    }
    await onProgress?.({ phase: 'fingerprinting', done: i + 1, total: dataset.length, unit: 'records' });
  }
  return `records:${hash.digest('hex')}`;
}

/** The fingerprint of prepared data: the data's content plus everything that shapes the shards. */
export function preparedFingerprint(parts: { data: string; [setting: string]: unknown }): string {
  return sha256(canonicalJson({ format: PREPARED_FORMAT, ...parts }));
}

async function fileSha256(file: string, hashed: (bytes: number) => void | Promise<void>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    await hashed((chunk as Buffer).length);
  }
  return hash.digest('hex');
}
