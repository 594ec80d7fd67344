/**
 * A model's forward pass up to its logits: the pass training and evaluation
 * take, so the loss is computed from logits (see `loss.ts`), while exported
 * models keep their softmax output.
 */
import type * as tf from '@tensorflow/tfjs';
import { logitsFromProbabilities, logitsModel } from './loss.js';

const logitsModels = new WeakMap<tf.LayersModel, tf.LayersModel | null>();

/** The logits of `model` for `inputs` (training mode when `training`). */
export function forwardLogits(model: tf.LayersModel, inputs: tf.Tensor[], training: boolean): tf.Tensor {
  let logits = logitsModels.get(model);
  if (logits === undefined) {
    logits = logitsModel(model) ?? null;
    logitsModels.set(model, logits);
  }
  if (logits) return logits.apply(inputs, { training }) as tf.Tensor;
  const output = model.apply(inputs, { training }) as tf.Tensor;
  // A softmax inside the output layer (models exported before heads had an activation layer), or already logits.
  return model.outputLayers[0]?.getConfig().activation === 'softmax' ? logitsFromProbabilities(output) : output;
}
