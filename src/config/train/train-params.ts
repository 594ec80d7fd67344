/** `train_params.json`: one training job, naming its network, data and schedule. */
import { z } from 'zod';
import { Backend, FilePath, SchemaRef, Seed, Slug } from '../common.js';
import { DataConfig } from '../data/data.js';
import { FineTune } from './fine-tune.js';
import { Promotion } from './promotion.js';
import { Training } from './training.js';

export const TrainParams = z
  .strictObject({
    $schema: SchemaRef,
    experiment: Slug.describe('Experiment name: groups runs, champions and schedules; a Temporal search attribute.'),
    description: z.string().optional(),
    netParams: z
      .union([FilePath, z.record(z.string(), z.unknown())])
      .describe('The network: a path to net_params.json (relative to this file), or the definition inline.'),
    seed: Seed.default(0),
    backend: Backend,
    artifactRoot: FilePath.optional().describe(
      'Folder for run artifacts (runs/<workflowId>/...), or s3://bucket/prefix for S3-compatible object storage (credentials and endpoint from the AWS_* variables); the worker\'s --artifact-root when absent.',
    ),
    data: DataConfig,
    training: Training,
    fineTune: FineTune.optional(),
    promotion: Promotion.default({ metric: 'cohenKappa', margin: 0 }),
  })
  .describe('Epochal training job (train_params.json).');

/** A validated training job, as written (netParams may still be a path). */
export type TrainParams = z.infer<typeof TrainParams>;
