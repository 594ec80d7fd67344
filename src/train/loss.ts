/** Losses over labelled positions only: padded epochs (the ignore label) count for nothing. */
import * as tf from '@tensorflow/tfjs';

export interface CrossEntropyOptions {
  /** Label value of padded or unlabelled positions (default -1). */
  ignoreLabel?: number;
  /** One weight per class; unweighted when absent. */
  classWeights?: readonly number[];
  /** A weight per position, shaped like the labels (e.g. 0 for artefact epochs); unweighted when absent. */
  sampleWeights?: tf.Tensor;
}

/**
 * The weight of every position: its class weight times its sample weight,
 * and 0 for the ignore label. The loss is the weighted mean over positions.
 */
function positionWeights(labels: tf.Tensor, options: CrossEntropyOptions): { weight: tf.Tensor; safeLabels: tf.Tensor } {
  const valid = tf.notEqual(labels, options.ignoreLabel ?? -1);
  const safeLabels = tf.where(valid, labels, tf.zerosLike(labels)).toInt();
  const classWeight = options.classWeights ? tf.gather(tf.tensor1d([...options.classWeights]), safeLabels) : tf.cast(valid, 'float32');
  const positionWeight = options.sampleWeights ? tf.mul(classWeight, options.sampleWeights) : classWeight;
  return { weight: tf.mul(positionWeight, tf.cast(valid, 'float32')), safeLabels };
}

/** The total position weight of a batch: the denominator of its mean loss (at least 1e-7). */
export function lossDenominator(labels: tf.Tensor, options: CrossEntropyOptions = {}): number {
  return tf.tidy(() => Math.max(tf.sum(positionWeights(labels, options).weight).dataSync()[0]!, 1e-7));
}

/**
 * Mean cross-entropy of predicted class probabilities `probs` ([..., classes])
 * against integer `labels` ([...]), over the positions whose label is not the
 * ignore label, weighted per class and per position when weights are given.
 * With `denominator` (the whole batch's, from `lossDenominator`) it is this
 * part's share of the whole batch's mean, so the shares of a batch's parts
 * add up to its mean.
 */
export function maskedCrossEntropy(labels: tf.Tensor, probs: tf.Tensor, options: CrossEntropyOptions = {}, denominator?: number): tf.Scalar {
  return tf.tidy(() => {
    const classes = probs.shape[probs.rank - 1]!;
    const { weight, safeLabels } = positionWeights(labels, options);
    const logProbs = tf.log(tf.clipByValue(probs, 1e-7, 1));
    const perPosition = tf.neg(tf.sum(tf.mul(tf.oneHot(safeLabels, classes), logProbs), -1));
    const total = tf.sum(tf.mul(perPosition, weight));
    return tf.div(total, denominator ?? tf.maximum(tf.sum(weight), 1e-7)) as tf.Scalar;
  });
}
