/**
 * The training loss, as `training.loss` configures it, computed from logits
 * (log-softmax, so a confidently wrong prediction still has a gradient) over
 * labelled positions only: padded epochs (the ignore label) count for nothing.
 *
 * - `sparseCategoricalCrossentropy`: −Σₖ qₖ log pₖ, where q is the one-hot
 *   label smoothed as Keras does, q = (1 − ε)·onehot + ε / K.
 * - `focal`: −Σₖ qₖ (1 − pₖ)^γ log pₖ (Lin et al. 2017), which weighs down
 *   positions the model already gets right; γ = 0 is cross-entropy.
 *
 * Each position is weighted by its class weight times its sample weight; the
 * loss is the weighted mean over positions.
 */
import * as tf from '@tensorflow/tfjs';
import type { Loss } from '../config/train/training.js';

export interface LossOptions {
  /** Label value of padded or unlabelled positions (default -1). */
  ignoreLabel?: number;
  /** One weight per class; unweighted when absent. */
  classWeights?: readonly number[];
  /** A weight per position, shaped like the labels (e.g. 0 for artefact epochs); unweighted when absent. */
  sampleWeights?: tf.Tensor;
  /** The configured loss (default: cross-entropy without smoothing). */
  loss?: Loss;
}

/**
 * The weight of every position: its class weight times its sample weight,
 * and 0 for the ignore label.
 */
function positionWeights(labels: tf.Tensor, options: LossOptions): { weight: tf.Tensor; safeLabels: tf.Tensor } {
  const valid = tf.notEqual(labels, options.ignoreLabel ?? -1);
  const safeLabels = tf.where(valid, labels, tf.zerosLike(labels)).toInt();
  const classWeight = options.classWeights ? tf.gather(tf.tensor1d([...options.classWeights]), safeLabels) : tf.cast(valid, 'float32');
  const positionWeight = options.sampleWeights ? tf.mul(classWeight, options.sampleWeights) : classWeight;
  return { weight: tf.mul(positionWeight, tf.cast(valid, 'float32')), safeLabels };
}

/** The total position weight of a batch: the denominator of its mean loss (at least 1e-7). */
export function lossDenominator(labels: tf.Tensor, options: LossOptions = {}): number {
  return tf.tidy(() => Math.max(tf.sum(positionWeights(labels, options).weight).dataSync()[0]!, 1e-7));
}

/** The loss of every position: `[...]` from logits `[..., classes]` and safe integer labels `[...]`. */
function perPositionLoss(logits: tf.Tensor, safeLabels: tf.Tensor, loss: Loss | undefined): tf.Tensor {
  const classes = logits.shape[logits.rank - 1]!;
  const logProbs = tf.logSoftmax(logits);
  const smoothing = loss?.labelSmoothing ?? 0;
  const oneHot = tf.oneHot(safeLabels, classes).toFloat();
  const target = smoothing > 0 ? tf.add(tf.mul(oneHot, 1 - smoothing), smoothing / classes) : oneHot;
  const gamma = loss?.type === 'focal' ? (loss.gamma ?? 2) : 0;
  const weighted = gamma > 0 ? tf.mul(tf.pow(tf.sub(1, tf.exp(logProbs)), gamma), logProbs) : logProbs;
  return tf.neg(tf.sum(tf.mul(target, weighted), -1));
}

/**
 * The configured loss of `logits` ([..., classes]) against integer `labels`
 * ([...]), a weighted mean over the labelled positions. With `denominator`
 * (the whole batch's, from `lossDenominator`) it is this part's share of the
 * whole batch's mean, so the shares of a batch's parts add up to its mean.
 */
export function classificationLoss(labels: tf.Tensor, logits: tf.Tensor, options: LossOptions = {}, denominator?: number): tf.Scalar {
  return tf.tidy(() => {
    const { weight, safeLabels } = positionWeights(labels, options);
    const total = tf.sum(tf.mul(perPositionLoss(logits, safeLabels, options.loss), weight));
    return tf.div(total, denominator ?? tf.maximum(tf.sum(weight), 1e-7)) as tf.Scalar;
  });
}
