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
 * Mean cross-entropy of predicted class probabilities `probs` ([..., classes])
 * against integer `labels` ([...]), over the positions whose label is not the
 * ignore label, weighted per class and per position when weights are given.
 */
export function maskedCrossEntropy(labels: tf.Tensor, probs: tf.Tensor, options: CrossEntropyOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const classes = probs.shape[probs.rank - 1]!;
    const valid = tf.notEqual(labels, options.ignoreLabel ?? -1);
    const safe = tf.where(valid, labels, tf.zerosLike(labels)).toInt();
    const logProbs = tf.log(tf.clipByValue(probs, 1e-7, 1));
    const perPosition = tf.neg(tf.sum(tf.mul(tf.oneHot(safe, classes), logProbs), -1));
    const classWeight = options.classWeights ? tf.gather(tf.tensor1d([...options.classWeights]), safe) : tf.onesLike(perPosition);
    const positionWeight = options.sampleWeights ? tf.mul(classWeight, options.sampleWeights) : classWeight;
    const weight = tf.mul(positionWeight, tf.cast(valid, 'float32'));
    return tf.div(tf.sum(tf.mul(perPosition, weight)), tf.maximum(tf.sum(weight), 1e-7)) as tf.Scalar;
  });
}
