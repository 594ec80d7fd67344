/**
 * The optimizer of a training run, keyed by weight name rather than position.
 *
 * tfjs optimizers keep their slots (Adam's moments, momentum buffers) in arrays
 * indexed by the position of each variable in the list passed to
 * `applyGradients`. When the set of trainable weights changes (unfreezing),
 * positions shift and slots would silently attach to the wrong weights, so on
 * every change this class builds a fresh tfjs optimizer and moves each slot
 * over by weight name. It also keeps per-group learning rates (one tfjs
 * optimizer per group) and exports and imports its state exactly, including
 * Adam's accumulated beta powers, which `setWeights` would otherwise recompute
 * as pow(beta, iterations + 1) and so drift from the trained values.
 */
import * as tf from '@tensorflow/tfjs';
import type { LearningRateGroup } from '../config/train/fine-tune.js';
import type { Optimizer as OptimizerConfig } from '../config/train/training.js';
import { selectWeights, weightsByName } from '../model/weights.js';

/** One optimizer slot of one weight (`kind` is tfjs's suffix: m, v, momentum, rms, mg). */
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
  optimizer: tf.Optimizer;
  /** The weights it updates now, in model order: the positions of its tfjs slots. */
  active: string[];
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  learningRate: number;
}

export class TrainingOptimizer {
  private readonly variables: Map<string, tf.LayerVariable>;
  private readonly groups: Group[];

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
    this.variables = weightsByName(model);
    const names = [...this.variables.keys()];
    const claimed = new Set<string>();
    const groups = learningRates.map((group) => {
      const members = selectWeights(group.patterns, names).filter((name) => !claimed.has(name));
      members.forEach((name) => claimed.add(name));
      return { members: new Set(members), learningRate: group.learningRate };
    });
    groups.push({ members: new Set(names.filter((name) => !claimed.has(name))), learningRate: config.learningRate });
    this.groups = groups.map((group) => ({ ...group, optimizer: this.create(group.learningRate), active: [] }));
    this.activate(this.trainableNow());
  }

  /** The weights it updates now. */
  get trainable(): string[] {
    return this.groups.flatMap((group) => group.active);
  }

  /**
   * Follows a change of the trainable set (read from the model's weights):
   * groups whose active weights changed get a fresh tfjs optimizer with their
   * slots moved over by name; weights new to a group start with empty slots.
   */
  async syncTrainable(): Promise<void> {
    const trainable = this.trainableNow();
    for (const group of this.groups) {
      const active = this.activeIn(group, trainable);
      if (sameList(active, group.active)) continue;
      const state = await this.groupState(group);
      group.optimizer.dispose();
      group.optimizer = this.create(group.learningRate);
      group.active = active;
      await this.restoreGroup(group, state);
      state.slots.forEach((slot) => slot.tensor.dispose());
    }
  }

  /** Sets the base group's learning rate (the unfreeze schedule may change it). */
  setBaseLearningRate(learningRate: number): void {
    const base = this.groups[this.groups.length - 1]!;
    base.learningRate = learningRate;
    (base.optimizer as unknown as AdamInternals).learningRate = learningRate;
  }

  /**
   * One optimizer step: gradients of `loss` with respect to every trainable
   * weight, optionally clipped to a global norm, applied group by group.
   * Returns the loss value.
   */
  step(loss: () => tf.Scalar, clipNorm?: number): number {
    const variables = this.trainable.map((name) => this.variable(name));
    const { value, grads } = tf.variableGrads(loss, variables);
    const clipped = clipNorm ? clipByGlobalNorm(grads, clipNorm) : grads;
    for (const group of this.groups) {
      if (group.active.length === 0) continue;
      group.optimizer.applyGradients(
        group.active.map((name) => {
          const variableName = this.variable(name).name;
          return { name: variableName, tensor: clipped[variableName]! };
        }),
      );
    }
    const result = value.dataSync()[0]!;
    tf.dispose([value, grads, clipped]);
    return result;
  }

  /** The full state, by weight name; the caller owns (and disposes) the returned tensors. */
  async state(): Promise<OptimizerState> {
    return { config: this.config, groups: await Promise.all(this.groups.map((group) => this.groupState(group))) };
  }

  /** Restores state written by `state()` (for the same groups), with the beta powers exact. */
  async restore(state: OptimizerState): Promise<void> {
    if (state.groups.length !== this.groups.length) {
      throw new Error(`Optimizer state has ${state.groups.length} learning-rate groups; this run has ${this.groups.length}.`);
    }
    for (const [i, group] of this.groups.entries()) {
      group.learningRate = state.groups[i]!.learningRate;
      group.optimizer.dispose();
      group.optimizer = this.create(group.learningRate);
      await this.restoreGroup(group, state.groups[i]!);
    }
  }

  dispose(): void {
    this.groups.forEach((group) => group.optimizer.dispose());
  }

  private create(learningRate: number): tf.Optimizer {
    const config = this.config;
    switch (config.type) {
      case 'adam':
        return tf.train.adam(learningRate, config.beta1, config.beta2, config.epsilon);
      case 'sgd':
        return config.momentum > 0 ? tf.train.momentum(learningRate, config.momentum, config.nesterov) : tf.train.sgd(learningRate);
      case 'rmsprop':
        return tf.train.rmsprop(learningRate, config.decay, config.momentum, config.epsilon);
    }
  }

  /** The tfjs variable behind a weight (its name is the engine's, possibly suffixed). */
  private variable(name: string): tf.Variable {
    return this.variables.get(name)!.read() as tf.Variable;
  }

  private trainableNow(): Set<string> {
    return new Set([...this.variables].filter(([, variable]) => variable.trainable).map(([name]) => name));
  }

  private activeIn(group: Group, trainable: ReadonlySet<string>): string[] {
    return [...this.variables.keys()].filter((name) => group.members.has(name) && trainable.has(name));
  }

  private activate(trainable: ReadonlySet<string>): void {
    for (const group of this.groups) group.active = this.activeIn(group, trainable);
  }

  /** A group's state by weight name (copies, so the caller may dispose the optimizer). */
  private async groupState(group: Group): Promise<GroupState> {
    const [iterations, ...slots] = await group.optimizer.getWeights();
    const byVariable = new Map(group.active.map((name) => [this.variable(name).name, name]));
    const adam = this.config.type === 'adam' ? (group.optimizer as unknown as AdamInternals) : undefined;
    return {
      learningRate: group.learningRate,
      iterations: iterations ? (await iterations.tensor.data())[0]! : 0,
      ...(adam ? { betaPowers: [adam.accBeta1.dataSync()[0]!, adam.accBeta2.dataSync()[0]!] as [number, number] } : {}),
      slots: slots.map((slot) => {
        const cut = slot.name.lastIndexOf('/');
        const weight = byVariable.get(slot.name.slice(0, cut));
        if (!weight) throw new Error(`Optimizer slot ${slot.name} belongs to no active weight.`);
        return { weight, kind: slot.name.slice(cut + 1), tensor: slot.tensor.clone() };
      }),
    };
  }

  /** Loads `state` into the group's (fresh) optimizer for its current active weights. */
  private async restoreGroup(group: Group, state: GroupState): Promise<void> {
    const kinds = [...new Set(state.slots.map((slot) => slot.kind))];
    const saved = new Map(state.slots.map((slot) => [`${slot.weight}/${slot.kind}`, slot.tensor]));
    const slots = kinds.flatMap((kind) =>
      group.active.map((name) => {
        const variable = this.variable(name);
        return { name: `${variable.name}/${kind}`, tensor: saved.get(`${name}/${kind}`)?.clone() ?? tf.zerosLike(variable) };
      }),
    );
    await group.optimizer.setWeights([{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }, ...slots]);
    if (state.betaPowers) {
      const adam = group.optimizer as unknown as AdamInternals;
      adam.accBeta1.assign(tf.scalar(state.betaPowers[0]));
      adam.accBeta2.assign(tf.scalar(state.betaPowers[1]));
    }
  }
}

function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
    return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)]));
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
