/**
 * The optimizer of a training run, keyed by weight name rather than position.
 *
 * Weights are split into learning-rate groups (`fineTune.learningRates`, then
 * the base group). Each group keeps its slots (Adam's moments, momentum
 * buffers) as flat vectors over its trainable weights, in model order, and
 * updates all of them with one application of its update rule (see
 * `update-rules.ts`): a handful of kernels per step instead of a dozen per
 * weight. When the trainable set changes (unfreezing) a group's slots are
 * rebuilt by weight name, so no slot ever moves to another weight. State is
 * exported and imported by weight name, exactly, Adam's accumulated beta
 * powers included (tfjs's `setWeights` would recompute them as
 * pow(beta, iterations + 1) and drift from the trained values).
 */
import * as tf from '@tensorflow/tfjs';
import type { LearningRateGroup } from '../config/train/fine-tune.js';
import type { Optimizer as OptimizerConfig } from '../config/train/training.js';
import { selectWeights, weightsByName } from '../model/weights.js';
import { updateRule, type RuleScalars, type UpdateRule } from './update-rules.js';

/** One optimizer slot of one weight (`kind` is tfjs's suffix: m, v, momentum, rms). */
export interface SlotState {
  weight: string;
  kind: string;
  tensor: tf.Tensor;
}

/** The state of one learning-rate group. */
export interface GroupState {
  learningRate: number;
  iterations: number;
  /** Adam's accumulated beta1^t and beta2^t, exactly as training left them. */
  betaPowers?: [number, number];
  slots: SlotState[];
}

/** Everything needed to continue optimizing exactly where a run stopped. */
export interface OptimizerState {
  config: OptimizerConfig;
  groups: GroupState[];
}

interface Group {
  /** Weights this group owns (whether trainable now or not). */
  members: Set<string>;
  learningRate: number;
  iterations: number;
  scalars: RuleScalars;
  /** The weights it updates now, in model order: the layout of its flat slots. */
  active: string[];
  /** One flat vector per slot kind over `active` (kept tensors). */
  slots: tf.Tensor1D[];
}

/** Gradients of the trainable weights, flat per group, summed over the parts of a step. */
type FlatGradients = (tf.Tensor1D | undefined)[];

export class TrainingOptimizer {
  private readonly variables: Map<string, tf.LayerVariable>;
  private readonly groups: Group[];
  private readonly rule: UpdateRule;

  /**
   * @param model the model whose weights it updates
   * @param config the optimizer from train_params
   * @param learningRates per-group learning rates; a weight belongs to the first group that selects it, else to the base group
   */
  constructor(
    model: tf.LayersModel,
    private readonly config: OptimizerConfig,
    learningRates: readonly LearningRateGroup[] = [],
  ) {
    this.rule = updateRule(config);
    this.variables = weightsByName(model);
    const names = [...this.variables.keys()];
    const claimed = new Set<string>();
    const groups = learningRates.map((group) => {
      const members = selectWeights(group.patterns, names).filter((name) => !claimed.has(name));
      members.forEach((name) => claimed.add(name));
      return { members: new Set(members), learningRate: group.learningRate };
    });
    groups.push({ members: new Set(names.filter((name) => !claimed.has(name))), learningRate: config.learningRate });
    const trainable = this.trainableNow();
    this.groups = groups.map((group) => {
      const active = this.activeIn(group.members, trainable);
      return { ...group, iterations: 0, scalars: this.rule.initialScalars(), active, slots: this.zeroSlots(active) };
    });
  }

  /** The weights it updates now. */
  get trainable(): string[] {
    return this.groups.flatMap((group) => group.active);
  }

  /**
   * Follows a change of the trainable set (read from the model's weights):
   * slots move over by weight name; weights new to a group start with empty slots.
   */
  async syncTrainable(): Promise<void> {
    const trainable = this.trainableNow();
    for (const group of this.groups) {
      const active = this.activeIn(group.members, trainable);
      if (sameList(active, group.active)) continue;
      const state = this.groupState(group);
      this.setActive(group, active, state.slots);
      tf.dispose(state.slots.map((slot) => slot.tensor));
    }
  }

  /** Sets the base group's learning rate (the unfreeze schedule and setLearningRate change it). */
  setBaseLearningRate(learningRate: number): void {
    this.groups[this.groups.length - 1]!.learningRate = learningRate;
  }

  /**
   * One optimizer step over a batch given as `parts` (micro-batches, whose
   * losses add up to the batch's loss): the gradients of every part with
   * respect to every trainable weight are summed, optionally clipped to a
   * global norm, and applied once, group by group. Returns the batch's loss.
   */
  step(parts: readonly (() => tf.Scalar)[], clipNorm?: number): number {
    const names = this.trainable;
    const variables = names.map((name) => this.variable(name));
    let sums: FlatGradients = this.groups.map(() => undefined);
    let loss = 0;
    for (const part of parts) {
      const { value, grads } = tf.variableGrads(part, variables);
      const flat = this.flatten(grads);
      const next = sums.map((sum, i) => (sum && flat[i] ? (tf.add(sum, flat[i]!) as tf.Tensor1D) : (sum ?? flat[i])));
      tf.dispose([...sums.filter((sum, i) => sum && sum !== next[i]), ...flat.filter((g, i) => g && g !== next[i])] as tf.Tensor[]);
      sums = next;
      loss += value.dataSync()[0]!;
      tf.dispose([value, ...Object.values(grads)]);
    }
    const clipped = clipNorm ? clipByGlobalNorm(sums, clipNorm) : sums;
    this.groups.forEach((group, i) => this.applyGroup(group, clipped[i]));
    tf.dispose([...sums, ...clipped].filter((g): g is tf.Tensor1D => g !== undefined));
    return loss;
  }

  /** The full state, by weight name; the caller owns (and disposes) the returned tensors. */
  async state(): Promise<OptimizerState> {
    return { config: this.config, groups: this.groups.map((group) => this.groupState(group)) };
  }

  /** Restores state written by `state()` (for the same groups), with the beta powers exact. */
  async restore(state: OptimizerState): Promise<void> {
    if (state.groups.length !== this.groups.length) {
      throw new Error(`Optimizer state has ${state.groups.length} learning-rate groups; this run has ${this.groups.length}.`);
    }
    for (const [i, group] of this.groups.entries()) {
      const saved = state.groups[i]!;
      group.learningRate = saved.learningRate;
      group.iterations = saved.iterations;
      group.scalars = saved.betaPowers ? { betaPowers: [...saved.betaPowers] } : this.rule.initialScalars();
      this.setActive(group, group.active, saved.slots);
    }
  }

  dispose(): void {
    this.groups.forEach((group) => tf.dispose(group.slots));
  }

  /** One update of a group's active weights with its summed gradient. */
  private applyGroup(group: Group, gradient: tf.Tensor1D | undefined): void {
    if (group.active.length === 0 || !gradient) return;
    const variables = group.active.map((name) => this.variable(name));
    const slots = tf.tidy(() => {
      const weights = tf.concat(variables.map((variable) => tf.reshape(variable, [-1]))) as tf.Tensor1D;
      const result = this.rule.apply(weights, gradient, group.slots, group.learningRate, group.scalars);
      const pieces = tf.split(result.weights, variables.map((variable) => variable.size));
      pieces.forEach((piece, j) => variables[j]!.assign(tf.reshape(piece, variables[j]!.shape)));
      return result.slots;
    });
    tf.dispose(group.slots);
    group.slots = slots.map((slot) => tf.keep(slot));
    group.scalars = this.rule.advance(group.scalars);
    group.iterations += 1;
  }

  /** The gradients (by variable name) as one flat vector per group, in each group's active order. */
  private flatten(grads: tf.NamedTensorMap): FlatGradients {
    return this.groups.map((group) =>
      group.active.length === 0
        ? undefined
        : (tf.tidy(() => tf.concat(group.active.map((name) => tf.reshape(grads[this.variable(name).name]!, [-1])))) as tf.Tensor1D),
    );
  }

  /** Sets a group's active weights and rebuilds its flat slots from `slots` by weight name (zeros where absent). */
  private setActive(group: Group, active: string[], slots: readonly SlotState[]): void {
    const saved = new Map(slots.map((slot) => [`${slot.weight}/${slot.kind}`, slot.tensor]));
    const rebuilt = this.rule.slots.map((kind) =>
      tf.keep(
        tf.tidy(() =>
          active.length === 0
            ? tf.zeros([0])
            : tf.concat(active.map((name) => tf.reshape(saved.get(`${name}/${kind}`) ?? tf.zerosLike(this.variable(name)), [-1]))),
        ) as tf.Tensor1D,
      ),
    );
    tf.dispose(group.slots);
    group.active = active;
    group.slots = rebuilt;
  }

  /** A group's state by weight name (copies, so the caller may dispose them). */
  private groupState(group: Group): GroupState {
    const sizes = group.active.map((name) => this.variable(name).size);
    const slots = this.rule.slots.flatMap((kind, k) => {
      if (group.active.length === 0) return [];
      const pieces = tf.split(group.slots[k]!, sizes);
      return group.active.map((weight, j) => ({ weight, kind, tensor: tf.reshape(pieces[j]!, this.variable(weight).shape) }));
    });
    return {
      learningRate: group.learningRate,
      iterations: group.iterations,
      ...(group.scalars.betaPowers ? { betaPowers: [...group.scalars.betaPowers] as [number, number] } : {}),
      slots,
    };
  }

  private zeroSlots(active: readonly string[]): tf.Tensor1D[] {
    const size = active.reduce((total, name) => total + this.variable(name).size, 0);
    return this.rule.slots.map(() => tf.keep(tf.zeros([size])) as tf.Tensor1D);
  }

  /** The tfjs variable behind a weight (its name is the engine's, possibly suffixed). */
  private variable(name: string): tf.Variable {
    return this.variables.get(name)!.read() as tf.Variable;
  }

  private trainableNow(): Set<string> {
    return new Set([...this.variables].filter(([, variable]) => variable.trainable).map(([name]) => name));
  }

  private activeIn(members: ReadonlySet<string>, trainable: ReadonlySet<string>): string[] {
    return [...this.variables.keys()].filter((name) => members.has(name) && trainable.has(name));
  }
}

/** Scales every group's gradient by min(1, clipNorm / global norm), the global norm taken over all of them. */
function clipByGlobalNorm(grads: FlatGradients, clipNorm: number): FlatGradients {
  const present = grads.filter((g): g is tf.Tensor1D => g !== undefined);
  if (present.length === 0) return grads;
  const scale = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
    return tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
  });
  const clipped = grads.map((g) => (g ? (tf.mul(g, scale) as tf.Tensor1D) : undefined));
  scale.dispose();
  return clipped;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
