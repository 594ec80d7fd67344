/** `infer_params.json`: one batch-inference job: which model, which data, where the output goes. */
import { z } from 'zod';
import { Backend, FilePath, Identifier, PositiveInt, SchemaRef, Slug, TaskQueue } from '../common.js';
import { DataSource } from '../data/sources.js';

export const ModelRef = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('checkpoint'),
      path: FilePath.describe('A checkpoint folder written by a training run, or its s3:// reference.'),
    }),
    z.strictObject({
      type: z.literal('exported'),
      path: FilePath.describe('An exported tfjs model folder (model.json + weights), or its s3:// reference.'),
    }),
    z.strictObject({
      type: z.literal('champion'),
      experiment: Slug.describe('Use the current champion of this experiment.'),
    }),
  ])
  .describe('The model to run: a checkpoint, an exported model, or an experiment\'s champion.');
export type ModelRef = z.infer<typeof ModelRef>;

export const InferOutput = z.strictObject({
  format: z.enum(['csv', 'jsonl', 'npy']).default('csv'),
  path: FilePath.describe('Output folder (or s3://bucket/prefix); one file per shard plus a manifest.'),
  probabilities: z.boolean().default(true).describe('Write class probabilities beside the predicted class.'),
});

export const InferParams = z
  .strictObject({
    $schema: SchemaRef,
    description: z.string().optional(),
    model: ModelRef,
    data: z.strictObject({
      source: DataSource,
      inputs: z.record(Identifier, z.string().min(1)).default({}).describe('Model input name → source field.'),
    }),
    output: InferOutput,
    batchSize: PositiveInt.max(65_536).default(64),
    shardSize: PositiveInt.max(1_000_000).default(1000).describe('Records per inferShard activity.'),
    parallelism: PositiveInt.max(256).default(2).describe('Shards scored at the same time.'),
    backend: Backend,
    taskQueue: TaskQueue.default('epochal-gpu'),
    heartbeatTimeoutSeconds: PositiveInt.max(3600)
      .default(60)
      .describe('How long a silent inference worker is trusted before its shard is retried elsewhere.'),
    stallTimeoutSeconds: PositiveInt.max(86_400)
      .default(600)
      .describe(
        'How long the scoring process may report no progress (a scored batch) before it is presumed hung, killed, and its shard retried. ' +
          'Keep it above the slowest honest gap: a shard\'s first batch includes starting the process and loading the model.',
      ),
    artifactRoot: FilePath.optional().describe('Where champions are looked up (a folder or s3://bucket/prefix); the worker\'s --artifact-root when absent.'),
  })
  .describe('Epochal batch-inference job (infer_params.json).');

/** A validated inference job. */
export type InferParams = z.infer<typeof InferParams>;
