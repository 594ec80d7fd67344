/**
 * The shards of a batch-inference job: which records each one scores, the key
 * its output is reused under, and, once every shard is done, their outputs
 * read back from the output folder (each shard's `.done.json` marker). So the
 * workflow carries two numbers about shards, never a list that grows with
 * their count.
 */
import { sha256 } from '../config/read-json.js';
import type { InferParams } from '../config/infer/infer-params.js';
import type { InferenceInput } from './prepare-input.js';
import { finishedOutput, type ShardOutput } from './score.js';

/**
 * An input as `prepareInference` described it before shards were two
 * numbers: the records of every shard, one entry each. Jobs started then may
 * still be running; they go on scoring (and reusing) their shards as before.
 */
export interface ListedInferenceInput {
  dir: string;
  fingerprint: string;
  reused: boolean;
  records: number;
  shards: number[];
}

/** A job's input, as either kind of `prepareInference` returned it. */
export type JobInput = InferenceInput | ListedInferenceInput;

/** What a shard's output depends on besides the input: the model and the job's scoring and output options. */
export interface OutputIdentity {
  /** The model's digest. */
  model: string;
  batchSize: number;
  output: InferParams['output'];
}

export function isListed(input: JobInput): input is ListedInferenceInput {
  return Array.isArray((input as Partial<ListedInferenceInput>).shards);
}

/** How many shards the job scores. */
export function shardCount(input: JobInput): number {
  return isListed(input) ? input.shards.length : input.shardCount;
}

/** The records `[from, to)` of the input that shard `shard` scores. */
export function shardRecords(input: JobInput, shard: number): { from: number; to: number } {
  if (!Number.isInteger(shard) || shard < 0 || shard >= shardCount(input)) {
    throw new RangeError(`Expected a shard from 0 to ${shardCount(input) - 1} of input ${input.dir}, but got ${shard}.`);
  }
  if (isListed(input)) {
    const from = input.shards.slice(0, shard).reduce((n, records) => n + records, 0);
    return { from, to: from + input.shards[shard]! };
  }
  const from = shard * input.shardSize;
  return { from, to: Math.min(input.records, from + input.shardSize) };
}

/**
 * The key shard `shard`'s output is written and reused under: the same model,
 * input records and options give the same key. Where the output folder is
 * is not part of it (the marker lies in that folder anyway): each worker
 * sees an object-store folder at its own local path.
 */
export function shardKey(input: JobInput, shard: number, { model, batchSize, output }: OutputIdentity): string {
  // Listed inputs keep the key they always had, so a job started before shards were ranges reuses what it wrote.
  if (isListed(input)) return sha256(JSON.stringify({ model, input: input.fingerprint, shard, batchSize, output }));
  const { format, probabilities } = output;
  return sha256(JSON.stringify({ model, input: input.fingerprint, shard, records: shardRecords(input, shard), batchSize, output: { format, probabilities } }));
}

/**
 * Every shard's output, in shard order, as its marker in the output folder
 * records it (`job`: the job asking, see `ScoreShardRequest.job`). Throws
 * when a shard has no finished output under its key: something removed or
 * replaced it after it was scored.
 */
export async function jobOutputs(input: JobInput, identity: OutputIdentity, job?: string): Promise<ShardOutput[]> {
  const outputs: ShardOutput[] = [];
  for (let shard = 0; shard < shardCount(input); shard++) {
    const output = await finishedOutput(identity.output.path, identity.output.format, shard, shardKey(input, shard, identity), job);
    if (!output) {
      throw new Error(
        `Shard ${shard} of ${shardCount(input)} has no finished output in ${identity.output.path} (its file or .done.json marker is missing or belongs to other options): ` +
          'something removed or replaced it after it was scored. Run the job again under the same id: it scores only the shards without output.',
      );
    }
    outputs.push(output);
  }
  return outputs;
}
