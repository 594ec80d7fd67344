/** Building pieces of blocks: activations, initializers, normalisation and conv layer specs. */
import { z } from 'zod';
import { MAX_WIDTH, PositiveInt, Rate } from '../common.js';

/** Activation functions by name (tfjs names, plus `leakyRelu`, which tfjs only has as a layer). */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'leakyRelu',
  'elu',
  'selu',
  'gelu',
  'swish',
  'mish',
  'tanh',
  'sigmoid',
  'softplus',
  'softsign',
  'softmax',
] as const;

/** An activation by name, or `{ "name": "leakyRelu", "alpha": 0.2 }` to set the negative slope. */
export const Activation = z
  .union([
    z.enum(ACTIVATIONS),
    z.strictObject({
      name: z.literal('leakyRelu'),
      alpha: z.number().min(0).max(1).default(0.3).describe('Slope for negative inputs.'),
    }),
  ])
  .describe('Activation by name, or { "name": "leakyRelu", "alpha": 0.2 }.');
export type Activation = z.infer<typeof Activation>;

/** Weight initializers (tfjs names); each gets its own seed derived from the run seed and weight name. */
export const Initializer = z
  .enum(['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'leCunUniform', 'leCunNormal', 'zeros', 'ones'])
  .describe('Weight initializer; seeded per weight from the run seed so two builds are identical.');

/** L2 weight penalty on kernels; 0 disables it. */
export const L2 = z.number().min(0).default(0).describe('L2 penalty on kernel weights; 0 disables it.');

/** Steps that can run before each convolution, in the order given (pre-activation style). */
export const PreConvStep = z.enum(['batchNorm', 'dropout', 'activation']);

/** One convolution in a conv stack. */
export const ConvLayer = z
  .strictObject({
    filters: PositiveInt.max(MAX_WIDTH).describe('Number of output channels.'),
    kernelSize: PositiveInt.max(MAX_WIDTH).describe('Kernel width in samples.'),
    strides: PositiveInt.default(1).describe('Step between kernel positions.'),
    dilation: PositiveInt.default(1).describe('Spacing between kernel taps (1 = dense kernel).'),
    padding: z.enum(['same', 'valid', 'causal']).default('same').describe('How the edges are padded.'),
    poolSize: PositiveInt.optional().describe('Max-pool size applied after the convolution; none when absent.'),
  })
  .describe('One 1-D convolution.');
export type ConvLayer = z.infer<typeof ConvLayer>;

/** Dropout probability between 0 (off) and 1 (exclusive). */
export const DropoutRate = Rate.default(0).describe('Dropout rate in [0, 1); 0 disables it.');
