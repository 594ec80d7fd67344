/**
 * The update rules of Epochal's optimizers, applied to all of a group's
 * weights at once as one flat vector (what PyTorch's foreach/fused optimizers
 * do): an Adam step is a dozen kernels whatever the number of weights,
 * instead of a dozen per weight. Each rule is the same element-wise
 * arithmetic, in the same order and precision, as the tfjs optimizer of the
 * same name (`tf.train.adam`, `momentum`, `sgd`, `rmsprop`), so a step gives
 * bitwise the weights tfjs would.
 */
import * as tf from '@tensorflow/tfjs';
import type { Optimizer as OptimizerConfig } from '../config/train/training.js';

/** Scalars a rule carries between steps besides its slots (Adam's accumulated beta powers, as float32 values). */
export interface RuleScalars {
  betaPowers?: [number, number];
}

/** One optimizer's update rule over flat vectors. */
export interface UpdateRule {
  /** Slot names per weight, as tfjs names them (`m`, `v`, `momentum`, `rms`). */
  slots: readonly string[];
  /** The scalars a fresh optimizer starts with. */
  initialScalars(): RuleScalars;
  /**
   * One step: new weights and slots from the current ones and the gradient
   * (all the same length). Run it inside `tf.tidy`; the caller disposes the old tensors.
   */
  apply(weights: tf.Tensor1D, gradient: tf.Tensor1D, slots: tf.Tensor1D[], learningRate: number, scalars: RuleScalars): {
    weights: tf.Tensor1D;
    slots: tf.Tensor1D[];
  };
  /** The scalars after a step. */
  advance(scalars: RuleScalars): RuleScalars;
}

/** float32 arithmetic on scalars, as tfjs does it on scalar tensors. */
const f32 = Math.fround;

export function updateRule(config: OptimizerConfig): UpdateRule {
  switch (config.type) {
    case 'adam':
      return adam(config.beta1, config.beta2, config.epsilon);
    case 'sgd':
      return config.momentum > 0 ? momentum(config.momentum, config.nesterov) : sgd();
    case 'rmsprop':
      return rmsprop(config.decay, config.momentum, config.epsilon);
  }
}

function adam(beta1: number, beta2: number, epsilon: number): UpdateRule {
  return {
    slots: ['m', 'v'],
    initialScalars: () => ({ betaPowers: [f32(beta1), f32(beta2)] }),
    apply: (w, g, [m, v], learningRate, { betaPowers }) => {
      const [acc1, acc2] = betaPowers!;
      const newM = tf.add(tf.mul(m!, beta1), tf.mul(g, 1 - beta1));
      const newV = tf.add(tf.mul(v!, beta2), tf.mul(tf.square(g), 1 - beta2));
      const mHat = tf.div(newM, f32(1 - acc1));
      const vHat = tf.div(newV, f32(1 - acc2));
      const weights = tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), -learningRate), w);
      return { weights: weights as tf.Tensor1D, slots: [newM, newV] as tf.Tensor1D[] };
    },
    advance: ({ betaPowers }) => ({ betaPowers: [f32(betaPowers![0] * f32(beta1)), f32(betaPowers![1] * f32(beta2))] }),
  };
}

function sgd(): UpdateRule {
  return {
    slots: [],
    initialScalars: () => ({}),
    apply: (w, g, _slots, learningRate) => ({ weights: tf.add(tf.mul(-learningRate, g), w) as tf.Tensor1D, slots: [] }),
    advance: (scalars) => scalars,
  };
}

function momentum(rate: number, nesterov: boolean): UpdateRule {
  return {
    slots: ['momentum'],
    initialScalars: () => ({}),
    apply: (w, g, [accumulation], learningRate) => {
      const next = tf.add(tf.mul(rate, accumulation!), g);
      const direction = nesterov ? tf.add(g, tf.mul(next, rate)) : next;
      return { weights: tf.add(tf.mul(-learningRate, direction), w) as tf.Tensor1D, slots: [next as tf.Tensor1D] };
    },
    advance: (scalars) => scalars,
  };
}

function rmsprop(decay: number, rate: number, epsilon: number): UpdateRule {
  return {
    slots: ['rms', 'momentum'],
    initialScalars: () => ({}),
    apply: (w, g, [meanSquare, moments], learningRate) => {
      const newMeanSquare = tf.add(tf.mul(meanSquare!, decay), tf.mul(tf.square(g), 1 - decay));
      const newMoments = tf.add(tf.mul(moments!, rate), tf.div(tf.mul(g, learningRate), tf.sqrt(tf.add(newMeanSquare, epsilon))));
      return { weights: tf.sub(w, newMoments) as tf.Tensor1D, slots: [newMeanSquare, newMoments] as tf.Tensor1D[] };
    },
    advance: (scalars) => scalars,
  };
}
