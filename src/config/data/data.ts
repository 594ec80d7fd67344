/** The `data` section of train_params: source, field mapping, classes, split and preprocessing. */
import { z } from 'zod';
import { Identifier, PositiveInt, Probability, Seed } from '../common.js';
import { DataSource } from './sources.js';

export const Split = z
  .strictObject({
    train: Probability.default(0.7),
    validation: Probability.default(0.15),
    test: Probability.default(0.15),
    seed: Seed.default(0),
  })
  .describe(
    'Fractions of subjects (or groups) per split; they must add up to 1. No subject is ever in two splits.',
  );

export const Normalization = z
  .strictObject({
    method: z.enum(['zscore', 'minmax', 'none']).default('zscore'),
    fields: z
      .array(z.string().min(1))
      .optional()
      .describe('Fields to normalise; all float model inputs when absent. Statistics come from the train split only.'),
  })
  .describe('Feature normalisation, fitted on the train split only.');

export const Preprocessing = z.strictObject({
  normalize: Normalization.prefault({}),
  resampleHz: PositiveInt.max(4_096).optional().describe('Resample signals to this rate (band-limited); unchanged when absent.'),
  maxEpochs: PositiveInt.optional().describe(
    'Crop nights longer than this to their first maxEpochs epochs (the rest is dropped); shorter nights are kept as they are, and batches pad to their longest night with the mask.',
  ),
  window: z
    .strictObject({
      epochs: PositiveInt.max(4_320).describe('Epochs per window.'),
      strideEpochs: PositiveInt.optional().describe('Epochs between window starts in the train split (default: epochs, no overlap); validation and test windows never overlap.'),
    })
    .refine((w) => w.strideEpochs === undefined || w.strideEpochs <= w.epochs, {
      message: 'Expected strideEpochs at most epochs (a larger stride would skip epochs); lower strideEpochs or raise epochs.',
      path: ['strideEpochs'],
    })
    .optional()
    .describe(
      'Cut each night into windows of this many epochs (training data only): long nights train as several shorter sequences instead of being cropped, and no epoch is lost (the last window ends at the night\'s end). Windows keep their night\'s subject, so splits are unchanged. Applied after maxEpochs.',
    ),
  ignoreLabel: z.int().default(-1).describe('Label value meaning "no label" (padding); ignored by the loss and metrics.'),
  classWeights: z
    .union([z.enum(['none', 'balanced']), z.array(z.number().min(0)).min(2)])
    .default('none')
    .describe('"balanced" weighs classes by inverse train frequency, or give one weight per class.'),
});

export const DataConfig = z.strictObject({
  source: DataSource,
  inputs: z
    .record(Identifier, z.string().min(1))
    .default({})
    .describe('Model input name → source field. Inputs not listed read the field of the same name.'),
  target: z.string().min(1).optional().describe('Source field holding the labels; the source\'s default when absent.'),
  classes: z
    .array(z.string().min(1))
    .min(2)
    .max(10_000)
    .superRefine((classes, context) => {
      classes.forEach((name, i) => {
        const first = classes.indexOf(name);
        if (first < i) context.addIssue({ code: 'custom', path: [i], message: `Expected a class name not used before, but got "${name}", which is also class ${first}.` });
      });
    })
    .describe('Class names in label-index order (e.g. ["W","N1","N2","N3","REM"]); sizes the output head.'),
  split: Split.prefault({}),
  preprocessing: Preprocessing.prefault({}),
});
export type DataConfig = z.infer<typeof DataConfig>;
