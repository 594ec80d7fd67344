/**
 * `sweep_params.json`: a hyperparameter sweep over one training job. Each
 * trial is the job's train/net params with some values replaced, addressed by
 * JSON path (`train.training.optimizer.learningRate`, `net.blocks.hidden.units`).
 */
import { z } from 'zod';
import { FilePath, PositiveInt, SchemaRef, Seed, Slug } from '../common.js';
import { MONITORABLE } from '../train/training.js';

/** The most trials one sweep runs: their states travel in the sweep's workflow history. */
export const MAX_TRIALS = 1000;

const Range = (what: string, value: z.ZodNumber) =>
  z
    .tuple([value, value])
    .describe(`[low, high]: ${what}.`)
    .refine(([low, high]) => low < high, { error: (iss) => `Expected [low, high] with low < high, but got ${JSON.stringify(iss.input)}.` });

/**
 * The values one JSON path takes: exactly one of `values` (a list), `uniform`
 * or `logUniform` (a float range) or `int` (an integer range, both ends included).
 */
export const Dimension = z
  .strictObject({
    values: z.array(z.json()).min(1).optional().describe('The values to try, in this order (any JSON: numbers, strings, lists, objects).'),
    uniform: Range('floats drawn uniformly (random search only)', z.number()).optional(),
    logUniform: Range('floats drawn uniformly on a log scale, both above 0 (random search only; for learning rates)', z.number().gt(0)).optional(),
    int: Range('whole numbers, both ends included', z.int()).optional(),
  })
  .superRefine((dimension, context) => {
    const given = Object.keys(dimension).filter((key) => dimension[key as keyof typeof dimension] !== undefined);
    if (given.length !== 1) {
      context.addIssue({
        code: 'custom',
        message: `Expected exactly one of "values", "uniform", "logUniform" or "int", but got ${given.length === 0 ? 'none' : given.map((key) => `"${key}"`).join(' and ')}.`,
      });
    }
  })
  .describe('The values of one swept JSON path: exactly one of values, uniform, logUniform, int.');
export type Dimension = z.infer<typeof Dimension>;

export const GridSearch = z.strictObject({
  type: z.literal('grid').describe('Every combination of the listed values (and integer ranges), in declared order, the last path varying fastest.'),
});

export const RandomSearch = z.strictObject({
  type: z.literal('random').describe('`trials` draws from the space, reproducible from `seed`.'),
  trials: PositiveInt.max(MAX_TRIALS).describe('How many trials to draw.'),
  seed: Seed.default(0),
});

/** How trials are drawn from the space. */
export const Search = z.discriminatedUnion('type', [GridSearch, RandomSearch]);
export type Search = z.infer<typeof Search>;

export const MedianStopping = z.strictObject({
  type: z
    .literal('median')
    .describe("Stop a trial whose best value so far is worse than the median of the other trials' running averages at the same epoch (Google Vizier's median stopping rule)."),
  afterEpochs: PositiveInt.default(1).describe('Judge a trial only once it has trained this many epochs.'),
  minTrials: PositiveInt.default(3).describe('Judge only against at least this many other trials that reached the same epoch.'),
});

export const SuccessiveHalving = z.strictObject({
  type: z
    .literal('successiveHalving')
    .describe('Asynchronous successive halving: at rungs of minEpochs × reductionFactor^k epochs, a trial goes on only if it is in the top 1/reductionFactor of the trials that reached that rung.'),
  minEpochs: PositiveInt.default(1).describe('The first rung, in epochs.'),
  reductionFactor: z.int().min(2).max(100).default(3).describe('Each rung keeps the best 1/reductionFactor and is reductionFactor times further.'),
});

/** When to stop unpromising trials early (each stopped trial still evaluates and exports its best checkpoint). */
export const EarlyTermination = z.discriminatedUnion('type', [MedianStopping, SuccessiveHalving]);
export type EarlyTermination = z.infer<typeof EarlyTermination>;

export const SweepParams = z
  .strictObject({
    $schema: SchemaRef,
    description: z.string().optional(),
    experiment: Slug.optional().describe("Experiment of every trial (a search attribute); train_params' experiment when absent."),
    trainParams: FilePath.describe('The training job the trials vary: a train_params.json (relative to this file).'),
    space: z
      .record(z.string(), Dimension)
      .refine((space) => Object.keys(space).length > 0, { error: 'Expected at least one JSON path to sweep, but got none.' })
      .describe(
        'JSON path → its values. Paths start with "train." (train_params, defaults applied) or "net." (the network): ' +
          'train.training.optimizer.learningRate, net.blocks.hidden.units, net.blocks.tcn.channels[0].',
      ),
    search: Search.default({ type: 'grid' }),
    parallelism: PositiveInt.max(1000).default(1).describe('Trials running at once: at most the number of training workers to keep each busy.'),
    metric: z
      .enum(MONITORABLE)
      .optional()
      .describe("What ranks trials (and early termination watches): the value of the trial's exported model. Default: train_params' training.earlyStopping.monitor, else val_loss."),
    mode: z.enum(['min', 'max']).optional().describe('Whether lower or higher `metric` is better; derived from the metric when absent (losses: min).'),
    earlyTermination: EarlyTermination.optional(),
    pollSeconds: PositiveInt.max(3600).default(10).describe("How often the sweep reads its running trials' progress (epochs end between chunks, so this need not be short)."),
  })
  .describe('Epochal hyperparameter sweep (sweep_params.json).');
export type SweepParams = z.infer<typeof SweepParams>;
