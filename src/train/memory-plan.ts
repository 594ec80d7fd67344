/**
 * Memory planned, not discovered: before training, how much memory one
 * training step will take on this backend, and how to make it fit.
 *
 * The estimate is measured, not guessed: a throwaway copy of the network
 * runs the forward and backward pass at two small sizes (one sample of 16 and
 * of 32 steps) on the active backend, counting the bytes of every buffer
 * alive at the peak (`memory-probe.ts`). A step's peak is a fixed part (weights, optimizer slots) plus a
 * part proportional to samples × sequence steps (activations), so two
 * measurements give both, for any batch. Each backend then adds what tfjs
 * does not count (libtensorflow's own allocations, the wasm heap's
 * fragmentation), measured on the reference SleepNet.
 *
 * The plan: the whole batch in one pass with stored activations if that fits,
 * else with recomputation (`training.recompute`), else in micro-batches
 * (`training.microBatchSize: "auto"`); a config that cannot fit at all fails
 * before any training with a `ConfigError` naming the estimate, the limit and
 * the fix.
 */
import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../backend/index.js';
import type { TrainConfig } from '../config/load.js';
import type { ConfigIssue } from '../config/issues.js';
import { ConfigError } from '../errors.js';
import { buildModel } from '../model/build.js';
import { ConvStack, setRecompute } from '../model/layers/conv-stack.js';
import { forwardLogits } from './logits.js';
import { classificationLoss } from './loss.js';
import { peakBufferBytes } from './memory-probe.js';

const GB = 1e9;
/** The wasm backend's heap: wasm32 addresses 4 GiB at most. */
const WASM_HEAP_BYTES = 4 * 2 ** 30;

/** What one backend adds to tfjs's count of tensor bytes, and what it may use. */
interface BackendMemory {
  /** Multiplies tfjs's count (allocator slack, heap fragmentation). */
  factor: number;
  /** Bytes the process holds besides tensors (the runtime, libtensorflow). */
  overhead: number;
}

/**
 * Measured on the reference SleepNet (4 nights × 240 and × 960 epochs):
 * tensorflow's resident memory stays below the buffers counted (libtensorflow
 * forwards some buffers in place) plus its ~0.6 GB library (7.9 GB planned,
 * 7.9–8.3 GB measured); the wasm heap, which only grows, ends about 1.6 times
 * the buffers counted (fragmentation, and evaluation after training).
 */
const BACKEND_MEMORY: Record<BackendName, BackendMemory> = {
  tensorflow: { factor: 0.8, overhead: 0.6 * GB },
  wasm: { factor: 1.6, overhead: 0.05 * GB },
  webgpu: { factor: 1.25, overhead: 0.3 * GB },
  cpu: { factor: 1.25, overhead: 0.3 * GB },
};

/** A step's peak tensor bytes: `max(fixed + perUnit × samples × steps, update)`. */
export interface StepMemory {
  /** Bytes of the forward and backward pass that do not grow with the batch (weights, gradients). */
  fixed: number;
  /** Bytes per sample × sequence step (activations kept for the backward pass, and the largest transient). */
  perUnit: number;
  /** Bytes of the optimizer update. */
  update: number;
}

/** How one training step runs, and what it is expected to take. */
export interface MemoryPlan {
  backend: BackendName;
  /** Samples × steps per batch (steps: the longest sequence; 1 without a sequence axis). */
  batch: { samples: number; steps: number };
  microBatchSize: number;
  recompute: boolean;
  /** Expected peak memory of the training process, bytes. */
  estimatedBytes: number;
  limitBytes: number;
  /** Where the limit comes from. */
  limitSource: string;
  /** What the plan changes about training, for people. */
  notes: string[];
}

/** The memory a training step may use on `backend`, and why. */
export function memoryLimit(backend: BackendName, configuredGB?: number): { bytes: number; source: string } {
  const configured = configuredGB === undefined ? undefined : configuredGB * GB;
  if (backend === 'wasm') {
    if (configured !== undefined && configured < WASM_HEAP_BYTES) return { bytes: configured, source: `training.memoryLimitGB (${configuredGB} GB)` };
    return { bytes: WASM_HEAP_BYTES, source: "the wasm backend's 4 GiB heap" };
  }
  if (configured !== undefined) return { bytes: configured, source: `training.memoryLimitGB (${configuredGB} GB)` };
  return { bytes: 0.8 * totalmem(), source: `80% of this machine's ${(totalmem() / GB).toFixed(1)} GB` };
}

/**
 * Bytes at the peak of the forward and backward pass of `samples` samples ×
 * `steps` steps, on a throwaway copy of the network (the optimizer update,
 * whose memory does not grow with the batch, is `updateBytes`).
 */
function measurePeak(config: TrainConfig, samples: number, steps: number, recompute: boolean): number {
  const model = buildModel(config.net, config.train.seed);
  setRecompute(model, recompute);
  const inputs = model.inputs.map((input) => {
    const shape = [samples, ...input.shape.slice(1).map((d) => d ?? steps)] as number[];
    return input.name.includes('mask') ? tf.ones(shape) : tf.zeros(shape);
  });
  const output = model.outputs[0]!.shape;
  const labels = tf.zeros([samples, ...output.slice(1, -1).map((d) => d ?? steps)] as number[], 'int32');
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  try {
    return peakBufferBytes(() => {
      const { value, grads } = tf.variableGrads(() => classificationLoss(labels, forwardLogits(model, inputs, true)), variables);
      tf.dispose([value, ...Object.values(grads)]);
    });
  } finally {
    tf.dispose([...inputs, labels]);
    model.dispose();
  }
}

/**
 * The optimizer update's own peak: weights, summed gradients, slots, and the
 * flat copies a group update makes (see `optimizer.ts`), four bytes a value.
 */
function updateBytes(config: TrainConfig, parameters: number): number {
  const slots = config.train.training.optimizer.type === 'sgd' ? (config.train.training.optimizer.momentum > 0 ? 1 : 0) : 2;
  return 4 * parameters * (1 + 2 + 2 * slots + 3);
}

/** Probe sizes: enough steps that activations, not weights, decide the peak, yet a fraction of a second to run. */
const PROBE_STEPS = [16, 32];
const PROBE_SAMPLES = [4, 8];

/** Measures a step's memory as `max(fixed + perUnit × samples × steps, update)` (two small passes on the active backend). */
export function measureStepMemory(config: TrainConfig, sequence: boolean, recompute: boolean): StepMemory {
  const [small, large] = sequence ? PROBE_STEPS : PROBE_SAMPLES;
  const at = (units: number) => (sequence ? measurePeak(config, 1, units, recompute) : measurePeak(config, units, 1, recompute));
  const a = at(small!);
  const b = at(large!);
  const perUnit = Math.max((b - a) / (large! - small!), 0);
  const model = buildModel(config.net, config.train.seed);
  const parameters = model.countParams();
  model.dispose();
  return { fixed: Math.max(a - perUnit * small!, 0), perUnit, update: updateBytes(config, parameters) };
}

export interface PlanRequest {
  config: TrainConfig;
  backend: BackendName;
  /** The longest sequence in the training data (steps); 0 or 1 for data without a sequence axis. */
  longest: number;
}

/** Decides micro-batches and recomputation for a run on the active backend; throws `ConfigError` when no plan fits. */
export function planMemory({ config, backend, longest }: PlanRequest): MemoryPlan {
  const { training } = config.train;
  const samples = training.batchSize;
  const steps = Math.max(longest, 1);
  const sequence = longest > 0;
  const limit = memoryLimit(backend, training.memoryLimitGB);
  const { factor, overhead } = BACKEND_MEMORY[backend];
  const hasStacks = buildsConvStacks(config);
  const recomputeOptions = training.recompute === 'always' ? [true] : training.recompute === 'never' || !hasStacks ? [false] : [false, true];
  const measured = new Map<boolean, StepMemory>();
  for (const recompute of recomputeOptions) measured.set(recompute, measureStepMemory(config, sequence, recompute));
  // The whole batch's inputs stay in memory (as arrays and tensors) while it trains.
  const inputBytesPerUnit = 2 * 4 * inputValuesPerStep(config);
  const needs = (micro: number, recompute: boolean) => {
    const step = measured.get(recompute)!;
    const passes = Math.max(step.fixed + step.perUnit * micro * steps, step.update);
    return factor * (passes + inputBytesPerUnit * samples * steps) + overhead;
  };
  const micros = training.microBatchSize === 'auto' ? descending(samples) : [training.microBatchSize ?? samples];
  for (const micro of micros) {
    for (const recompute of recomputeOptions) {
      const estimatedBytes = needs(micro, recompute);
      if (estimatedBytes <= limit.bytes) {
        return { backend, batch: { samples, steps }, microBatchSize: micro, recompute, estimatedBytes, limitBytes: limit.bytes, limitSource: limit.source, notes: planNotes(config, micro, samples, recompute) };
      }
    }
  }
  throw new ConfigError([tooBig(config, backend, { samples, steps }, limit, needs, recomputeOptions, hasStacks)]);
}

function descending(n: number): number[] {
  return Array.from({ length: n }, (_, i) => n - i);
}

/** Values one sequence step of the model's inputs holds (per sample without a sequence axis). */
function inputValuesPerStep(config: TrainConfig): number {
  return Object.values(config.net.inputs).reduce((total, input) => total + input.shape.reduce<number>((n, d) => n * (d ?? 1), 1), 0);
}

/** Whether the network has layers that can recompute (conv stacks). */
function buildsConvStacks(config: TrainConfig): boolean {
  const model = buildModel(config.net, config.train.seed);
  try {
    return model.layers.some((layer) => layer instanceof ConvStack);
  } finally {
    model.dispose();
  }
}

function planNotes(config: TrainConfig, micro: number, samples: number, recompute: boolean): string[] {
  const notes: string[] = [];
  if (micro < samples) {
    notes.push(`each batch of ${samples} runs as ${Math.ceil(samples / micro)} micro-batches of up to ${micro}; gradients add up to the batch's, one optimizer step per batch`);
    if (JSON.stringify(config.net.blocks).includes('"batchNorm"')) notes.push(`batch-norm statistics are those of each micro-batch of ${micro}, not of the batch of ${samples}`);
  }
  if (recompute) notes.push('conv-stack activations are recomputed in the backward pass (same results, less memory, more compute)');
  return notes;
}

const gb = (bytes: number) => `${(bytes / GB).toFixed(1)} GB`;

function tooBig(
  config: TrainConfig,
  backend: BackendName,
  batch: { samples: number; steps: number },
  limit: { bytes: number; source: string },
  needs: (micro: number, recompute: boolean) => number,
  recomputeOptions: boolean[],
  hasStacks: boolean,
): ConfigIssue {
  const { training } = config.train;
  const best = (micro: number) => Math.min(...recomputeOptions.map((recompute) => needs(micro, recompute)));
  const tried = training.microBatchSize === 'auto' ? 1 : (training.microBatchSize ?? batch.samples);
  const shape = batch.steps > 1 ? `${batch.samples} × ${batch.steps} steps` : `${batch.samples} samples`;
  const fixes: string[] = [];
  const fitting = descending(tried - 1).find((micro) => best(micro) <= limit.bytes);
  if (fitting) fixes.push(`set training.microBatchSize to ${fitting} (about ${gb(best(fitting))}; gradients still add up to the batch's)`);
  if (training.recompute === 'never' && hasStacks) fixes.push('set training.recompute to "auto"');
  if (backend === 'wasm') fixes.push('train on the tensorflow backend, which has no 4 GiB heap (npx epochal provision tensorflow)');
  if (batch.steps > 1) fixes.push('shorten the sequences (fewer epochs per night)');
  fixes.push('shrink the network');
  return {
    path: ['training', training.microBatchSize === undefined ? 'batchSize' : 'microBatchSize'],
    message:
      `Expected one training step of ${config.net.name} (a batch of ${shape}, ${tried < batch.samples ? `micro-batches of ${tried}` : 'in one pass'}) ` +
      `to fit in ${gb(limit.bytes)} (${limit.source}) on the ${backend} backend, but it needs about ${gb(best(tried))}.`,
    hint: `${fixes.join('; or ')}.`,
    check: 'fitsInMemory',
  };
}
