/** `net_params.json`: a network as named inputs, a graph of named blocks, and outputs. */
import { z } from 'zod';
import { Identifier, SchemaRef, Slug } from '../common.js';
import { Block, BlockRef } from './blocks.js';

/** One model input: its per-sample shape (no batch axis) and dtype. */
export const ModelInput = z.strictObject({
  shape: z
    .array(z.union([z.int().min(1), z.null()]))
    .min(1)
    .describe('Per-sample shape without the batch axis; null marks a variable length (e.g. epochs in a night).'),
  dtype: z.enum(['float32', 'int32']).default('float32'),
  description: z.string().optional(),
});
export type ModelInput = z.infer<typeof ModelInput>;

export const NetParams = z
  .strictObject({
    $schema: SchemaRef,
    name: Slug.describe('Model name; shown in the Temporal UI and stored with checkpoints.'),
    description: z.string().optional(),
    inputs: z
      .record(Identifier, ModelInput)
      .refine((inputs) => Object.keys(inputs).length > 0, 'Expected at least one input.')
      .describe('Named model inputs; data fields are mapped onto them by train_params data.inputs.'),
    blocks: z
      .record(Identifier, Block)
      .refine((blocks) => Object.keys(blocks).length > 0, 'Expected at least one block.')
      .describe('Named blocks; each weight is named <block>/<layer>/<weight>, which freeze patterns match.'),
    outputs: z.array(BlockRef).min(1).describe('Blocks whose outputs are the model outputs.'),
  })
  .describe('Epochal network definition (net_params.json).');

/** A validated network definition. */
export type NetParams = z.infer<typeof NetParams>;
