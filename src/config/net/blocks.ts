/**
 * The block registry's config side: one strict schema per block `type`. Each
 * block names its input(s) by the name of a model input or another block, so
 * a `net_params.json` describes a graph. Builders live in `src/model/`.
 */
import { z } from 'zod';
import { Identifier, MAX_WIDTH, PositiveInt } from '../common.js';
import { Activation, ConvLayer, DropoutRate, Initializer, L2, PreConvStep } from './layers.js';

/** The name of a model input or of another block. */
export const BlockRef = z.string().min(1).describe('Name of a model input or of another block.');

const description = z.string().optional().describe('What this block is for; shown by `epochal inspect`.');
const single = { input: BlockRef, description };
const merge = {
  inputs: z.array(BlockRef).min(2).describe('Names of the inputs or blocks to merge (at least two).'),
  description,
};
const poolMode = z.enum(['max', 'avg']).describe('Max or average pooling.');
/** The padding mask of a sequence block: padded steps count as absent. */
const sequenceMask = BlockRef.optional().describe(
  'Input of 0/1 flags per step (1 = real, 0 = padding). Padded steps are treated as absent, so results do not depend on how much padding a batch has.',
);

export const Conv1dStackBlock = z.strictObject({
  type: z.literal('conv1dStack'),
  ...single,
  layers: z.array(ConvLayer).min(1).describe('The convolutions, applied in order.'),
  preConv: z
    .array(PreConvStep)
    .default(['batchNorm', 'activation', 'dropout'])
    .describe('Steps run before each convolution, in this order (e.g. batch norm, LeakyReLU, dropout).'),
  activation: Activation.default({ name: 'leakyRelu', alpha: 0.3 }),
  dropout: DropoutRate,
  kernelInitializer: Initializer.default('heNormal'),
  l2: L2,
});

export const Pool1dBlock = z.strictObject({
  type: z.literal('pool1d'),
  ...single,
  mode: poolMode,
  poolSize: PositiveInt.describe('Window size in steps.'),
  strides: PositiveInt.optional().describe('Step between windows; defaults to poolSize.'),
  padding: z.enum(['valid', 'same']).default('valid'),
});

export const GlobalPool1dBlock = z.strictObject({
  type: z.literal('globalPool1d'),
  ...single,
  mode: poolMode,
  mask: sequenceMask,
});

export const AdaptivePool1dBlock = z.strictObject({
  type: z.literal('adaptivePool1d'),
  ...single,
  mode: poolMode,
  outputLength: PositiveInt.describe('Fixed output length, whatever the input length (like PyTorch adaptive pools).'),
});

export const DenseBlock = z.strictObject({
  type: z.literal('dense'),
  ...single,
  units: PositiveInt.max(MAX_WIDTH).describe('Output width.'),
  activation: Activation.default('relu'),
  useBias: z.boolean().default(true),
  batchNorm: z.boolean().default(false).describe('Batch-normalise the output before the activation.'),
  dropout: DropoutRate.describe('Dropout applied to the output.'),
  kernelInitializer: Initializer.default('glorotUniform'),
  l2: L2,
});

export const ResidualDenseStackBlock = z.strictObject({
  type: z.literal('residualDenseStack'),
  ...single,
  units: z.array(PositiveInt.max(MAX_WIDTH)).min(1).describe('Width of each dense layer in the stack.'),
  activation: Activation.default('relu'),
  batchNorm: z.boolean().default(false),
  dropout: DropoutRate,
  kernelInitializer: Initializer.default('glorotUniform'),
  l2: L2,
  projection: z
    .enum(['auto', 'always'])
    .default('auto')
    .describe('Skip-path projection: "auto" adds a dense projection only when input and output widths differ.'),
});

export const TcnBlock = z.strictObject({
  type: z.literal('tcn'),
  ...single,
  channels: z.array(PositiveInt.max(MAX_WIDTH)).min(1).describe('Channels of each residual block; block i uses dilation base^i.'),
  kernelSize: PositiveInt.default(3),
  dilationBase: PositiveInt.default(2).describe('Block i uses dilation dilationBase^i.'),
  padding: z
    .enum(['causal', 'same'])
    .default('causal')
    .describe('causal: each step sees only the past; same: each step sees both sides.'),
  mask: sequenceMask.describe(
    'Input of 0/1 flags per step (1 = real, 0 = padding): padded steps are zeroed before every convolution, so they never reach real steps. Required with "same" padding when the net has a padding mask.',
  ),
  activation: Activation.default('relu'),
  dropout: DropoutRate,
  kernelInitializer: Initializer.default('heNormal'),
  l2: L2,
});

export const ConcatBlock = z.strictObject({
  type: z.literal('concat'),
  ...merge,
  axis: z.int().default(-1).describe('Axis to concatenate on (per sample, so -1 is the feature axis).'),
});

export const AddBlock = z.strictObject({ type: z.literal('add'), ...merge });

export const ReshapeBlock = z.strictObject({
  type: z.literal('reshape'),
  ...single,
  targetShape: z
    .array(z.int().min(-1).refine((d) => d !== 0, 'Expected a dimension ≥ 1 or -1.'))
    .min(1)
    .describe('Per-sample output shape; one dimension may be -1 (inferred).'),
});

export const FlattenBlock = z.strictObject({ type: z.literal('flatten'), ...single });

export const PermuteBlock = z.strictObject({
  type: z.literal('permute'),
  ...single,
  dims: z.array(PositiveInt).min(2).describe('Permutation of the per-sample axes, 1-based as in Keras.'),
});

export const ApplyMaskBlock = z.strictObject({
  type: z.literal('applyMask'),
  ...single,
  mask: BlockRef.describe('Input of 0/1 flags per step (1 = real, 0 = padding); padded steps become zeros.'),
});

export const DropoutBlock = z.strictObject({
  type: z.literal('dropout'),
  ...single,
  rate: DropoutRate,
  spatial: z.boolean().default(false).describe('Drop whole channels rather than single values.'),
});

export const ActivationBlock = z.strictObject({ type: z.literal('activation'), ...single, activation: Activation });

export const HeadBlock = z.strictObject({
  type: z.literal('head'),
  ...single,
  units: PositiveInt.max(MAX_WIDTH).describe('Number of outputs: classes for softmax, labels for sigmoid.'),
  activation: z.enum(['softmax', 'sigmoid', 'linear']).default('softmax'),
  kernelInitializer: Initializer.default('glorotUniform'),
});

/** Every block type but the recursive `timeDistributed`. */
const LeafBlock = z.discriminatedUnion('type', [
  Conv1dStackBlock,
  Pool1dBlock,
  GlobalPool1dBlock,
  AdaptivePool1dBlock,
  DenseBlock,
  ResidualDenseStackBlock,
  TcnBlock,
  ConcatBlock,
  AddBlock,
  ReshapeBlock,
  FlattenBlock,
  PermuteBlock,
  ApplyMaskBlock,
  DropoutBlock,
  ActivationBlock,
  HeadBlock,
]);

/** A block that runs a nested graph on every step of its input (e.g. every 30-s epoch of a night). */
export interface TimeDistributedBlock {
  type: 'timeDistributed';
  input: string;
  /** Padding mask of the steps: padded steps are skipped (not computed, not in batch statistics) and come out as zeros. */
  mask?: string | undefined;
  description?: string | undefined;
  /** The per-step graph; inside it, the block's input name refers to one step. */
  blocks: Record<string, Block>;
  /** The nested block whose output is collected for every step. */
  output: string;
}

/** Any block, chosen by its `type`. */
export type Block = z.infer<typeof LeafBlock> | TimeDistributedBlock;

export const TimeDistributedBlock = z.strictObject({
  type: z.literal('timeDistributed'),
  ...single,
  mask: sequenceMask.describe(
    'Input of 0/1 flags per step (1 = real, 0 = padding): padded steps are skipped (not computed, not counted in batch-norm statistics) and come out as zeros.',
  ),
  get blocks(): z.ZodType<Record<string, Block>> {
    return z
      .record(Identifier, Block)
      .describe("The per-step graph; inside it, this block's input name refers to one step.");
  },
  output: BlockRef.describe('The block of the nested graph whose output is collected for every step.'),
});

/** Any block, chosen by its `type`. */
export const Block: z.ZodType<Block> = z
  .discriminatedUnion('type', [...LeafBlock.options, TimeDistributedBlock])
  .meta({ id: 'Block', description: 'A block of the network, chosen by its type.' });

export type BlockType = Block['type'];
export type BlockOf<T extends BlockType> = Extract<Block, { type: T }>;

/** The names a block reads from: its input(s) and, for masks, the mask. */
export function blockSources(block: Block): string[] {
  if ('inputs' in block) return block.inputs;
  if ('mask' in block && block.mask !== undefined) return [block.input, block.mask];
  return [block.input];
}
