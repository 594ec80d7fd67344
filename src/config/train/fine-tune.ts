/** The `fineTune` section of train_params: pretrained weights, freezing, unfreeze schedule. */
import { z } from 'zod';
import { FilePath, PositiveInt } from '../common.js';

/** Glob patterns over hierarchical weight names (`outer_dense/**`, `tcn/block_*`). */
export const WeightPatterns = z
  .array(z.string().min(1))
  .min(1)
  .describe('Glob patterns over weight names such as "outer_dense/**" or "tcn/block_2/**".');

/** The weight mappings Epochal generates from the network, by name (`weights/builtin.ts`). */
export const BuiltinMapping = z.enum(['epochal-torch-1', 'sleepnet-torch']);
export type BuiltinMapping = z.infer<typeof BuiltinMapping>;
export const isBuiltinMapping = (mapping: string): mapping is BuiltinMapping => BuiltinMapping.safeParse(mapping).success;

export const Pretrained = z.strictObject({
  path: FilePath.describe(
    'A checkpoint folder, any tfjs model folder (model.json + weights), a .safetensors file (a PyTorch state_dict, say) or Keras weights (.weights.h5, .h5, .keras); with a mapping when its names are not Epochal\'s.',
  ),
  mapping: z
    .union([BuiltinMapping, FilePath])
    .optional()
    .describe(
      'How the file\'s tensor names map to Epochal weight names: a mapping file (JSON rules, each with the tensor\'s layout), or a built-in mapping: "epochal-torch-1" (what every export\'s model.safetensors uses) or "sleepnet-torch" (the original PyTorch SleepNet\'s module names). When absent, a state_dict is mapped by whichever built-in mapping fits it, and other files\' names are taken as Epochal\'s.',
    ),
  policy: z
    .enum(['strict', 'partial'])
    .default('strict')
    .describe('strict: any mismatch is an error; partial: load what matches by name and shape, initialise the rest.'),
});

export const UnfreezeStep = z.strictObject({
  atEpoch: PositiveInt.describe('Epoch (1-based) from which these patterns become trainable.'),
  trainable: WeightPatterns,
  learningRate: z.number().gt(0).optional().describe('New base learning rate from this epoch.'),
});

export const LearningRateGroup = z.strictObject({
  patterns: WeightPatterns,
  learningRate: z.number().gt(0).describe('Learning rate for weights matching these patterns.'),
});
export type LearningRateGroup = z.infer<typeof LearningRateGroup>;

export const FineTune = z
  .strictObject({
    pretrained: Pretrained.optional(),
    trainable: WeightPatterns.optional().describe('Only weights matching these patterns train; all others are frozen.'),
    frozen: WeightPatterns.optional().describe('Weights matching these patterns are frozen; all others train.'),
    unfreezeSchedule: z.array(UnfreezeStep).default([]),
    learningRates: z.array(LearningRateGroup).default([]).describe('Per-group learning rates; first match wins.'),
  })
  .describe('Fine-tuning and transfer learning: pretrained weights and which weights train.');
export type FineTune = z.infer<typeof FineTune>;

/** Every list of weight patterns in `fineTune`, with its JSON path in train_params. */
export function fineTunePatternLists(fineTune: FineTune | undefined): { path: (string | number)[]; patterns: string[] }[] {
  if (!fineTune) return [];
  return [
    ...(fineTune.trainable ? [{ path: ['fineTune', 'trainable'], patterns: fineTune.trainable }] : []),
    ...(fineTune.frozen ? [{ path: ['fineTune', 'frozen'], patterns: fineTune.frozen }] : []),
    ...fineTune.unfreezeSchedule.map((step, i) => ({ path: ['fineTune', 'unfreezeSchedule', i, 'trainable'], patterns: step.trainable })),
    ...fineTune.learningRates.map((group, i) => ({ path: ['fineTune', 'learningRates', i, 'patterns'], patterns: group.patterns })),
  ];
}
