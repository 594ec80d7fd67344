/** The `training` section of train_params: budget, chunking, optimizer, loss, metrics, checkpoints. */
import { z } from 'zod';
import { PositiveInt, TaskQueue } from '../common.js';

const learningRate = z.number().gt(0).max(10).describe('Step size.');

export const AdamOptimizer = z.strictObject({
  type: z.literal('adam'),
  learningRate: learningRate.default(0.001),
  beta1: z.number().gt(0).lt(1).default(0.9),
  beta2: z.number().gt(0).lt(1).default(0.999),
  epsilon: z.number().gt(0).default(1e-7),
});

export const SgdOptimizer = z.strictObject({
  type: z.literal('sgd'),
  learningRate: learningRate.default(0.01),
  momentum: z.number().min(0).lt(1).default(0),
  nesterov: z.boolean().default(false),
});

export const RmsPropOptimizer = z.strictObject({
  type: z.literal('rmsprop'),
  learningRate: learningRate.default(0.001),
  decay: z.number().min(0).lt(1).default(0.9),
  momentum: z.number().min(0).lt(1).default(0),
  epsilon: z.number().gt(0).default(1e-7),
});

/** The optimizer, chosen by `type`. */
export const Optimizer = z.discriminatedUnion('type', [AdamOptimizer, SgdOptimizer, RmsPropOptimizer]);
export type Optimizer = z.infer<typeof Optimizer>;

/** The training loss, computed from logits over labelled positions (see `src/train/loss.ts`). */
export const Loss = z
  .strictObject({
    type: z
      .enum(['sparseCategoricalCrossentropy', 'focal'])
      .default('sparseCategoricalCrossentropy')
      .describe(
        'sparseCategoricalCrossentropy: cross-entropy of integer class labels. focal: cross-entropy weighted by (1 − p)^gamma per class, which weighs down positions the model already gets right (rare classes such as N1 count more).',
      ),
    labelSmoothing: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe('Train against (1 − labelSmoothing)·one-hot + labelSmoothing / classes instead of the one-hot label (as Keras does).'),
    gamma: z.number().min(0).max(10).optional().describe('Focusing parameter of the focal loss (default 2); only with type "focal".'),
  })
  .superRefine((loss, context) => {
    if (loss.gamma !== undefined && loss.type !== 'focal') {
      context.addIssue({ code: 'custom', path: ['gamma'], message: `Expected gamma only with type "focal", but the loss is "${loss.type}"; remove gamma, or set type to "focal".` });
    }
  });
export type Loss = z.infer<typeof Loss>;

/** Metrics computed on the validation split after every epoch (and on the test split at the end). */
export const METRICS = ['accuracy', 'cohenKappa', 'macroF1'] as const;
export const Metric = z.enum(METRICS);
export type Metric = z.infer<typeof Metric>;

/** What early stopping and checkpoint selection can watch: a loss or a validation metric. */
export const MONITORABLE = ['loss', 'val_loss', ...METRICS.map((m) => `val_${m}` as const)] as const;

export const EarlyStopping = z
  .strictObject({
    monitor: z.enum(MONITORABLE).default('val_loss'),
    mode: z.enum(['min', 'max']).optional().describe('Whether lower or higher is better; derived from monitor when absent.'),
    patience: PositiveInt.default(5).describe('Epochs without improvement before stopping.'),
    minDelta: z.number().min(0).default(0).describe('Smallest change that counts as an improvement.'),
  })
  .describe('Stop when the monitored value stops improving.');

/** How a training step fits in memory: planned before any training, never discovered by a crash. */
export const MemoryPlanConfig = {
  microBatchSize: z
    .union([PositiveInt, z.literal('auto')])
    .optional()
    .describe(
      'Samples per forward/backward pass; their gradients add up to the batch\'s (one optimizer step per batch). ' +
        '"auto": the largest that fits in memory. Default: the whole batch in one pass. ' +
        'Batch-norm statistics are those of each pass.',
    ),
  recompute: z
    .enum(['auto', 'always', 'never'])
    .default('auto')
    .describe(
      'Recompute conv-stack activations in the backward pass instead of keeping them (gradient checkpointing): ' +
        'same results, less memory, about a third more compute in those layers. "auto": only when a step would not fit otherwise.',
    ),
  memoryLimitGB: z
    .number()
    .gt(0)
    .optional()
    .describe(
      'Memory one training step may use, in GB. Default: the backend\'s limit (wasm: its 4 GiB heap; otherwise 80% of the training machine\'s memory).',
    ),
};

export const Training = z.strictObject({
  epochs: PositiveInt.max(100_000).describe('Training budget in epochs (passes over the train split).'),
  epochsPerChunk: PositiveInt.default(1).describe(
    'Epochs per trainChunk activity; a crash loses at most one checkpoint interval within a chunk.',
  ),
  batchSize: PositiveInt.max(65_536).default(8),
  ...MemoryPlanConfig,
  optimizer: Optimizer.default({ type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }),
  gradientClipNorm: z.number().gt(0).optional().describe('Clip the global gradient norm to this value.'),
  loss: Loss.prefault({}),
  metrics: z.array(Metric).default(['accuracy', 'cohenKappa']),
  checkpointEverySteps: PositiveInt.default(200).describe('Checkpoint every this many optimizer steps, and at chunk ends.'),
  keepCheckpoints: PositiveInt.max(1_000)
    .default(3)
    .describe(
      'How many recent checkpoints to keep. While training, the current chunk\'s starting checkpoint, the one before it (to rebuild a corrupt one) and the best epoch\'s are kept besides; once the model is exported, the newest keepCheckpoints and the exported one remain.',
    ),
  earlyStopping: EarlyStopping.optional(),
  export: z
    .enum(['best', 'last'])
    .optional()
    .describe(
      'Which model the run exports (and evaluates on the test split): "best" = the epoch with the best earlyStopping.monitor value (its checkpoint is kept whatever keepCheckpoints says); "last" = the last epoch trained. Default: "best" with earlyStopping, else "last".',
    ),
  taskQueue: TaskQueue.default('epochal-gpu').describe('Task queue of the workers that run training.'),
  workerWaitSeconds: PositiveInt.max(604_800)
    .default(3600)
    .describe(
      'How long a training chunk may wait for a worker on training.taskQueue before the run fails, saying that no worker serves that queue (a typo, or no worker started).',
    ),
  heartbeatTimeoutSeconds: PositiveInt.max(3600)
    .default(60)
    .describe('How long a silent training worker is trusted before its chunk is retried elsewhere (from its last checkpoint).'),
  stallTimeoutSeconds: PositiveInt.max(86_400)
    .default(600)
    .describe(
      'How long the training process may report no progress (a step, a checkpoint, a validation or evaluation batch) before it is presumed hung, killed, and its chunk retried from the last checkpoint. ' +
        'The worker heartbeats regardless, so heartbeatTimeoutSeconds alone cannot tell a hung process from a busy one. ' +
        'Keep it above the slowest honest gap: a chunk\'s first step includes starting the process, building the model and restoring the checkpoint.',
    ),
});
export type Training = z.infer<typeof Training>;
