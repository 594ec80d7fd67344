/**
 * A model's forward pass up to its logits: the pass training and evaluation
 * take, so the loss is computed from logits (see `loss.ts`), while exported
 * models keep their softmax output.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The model that outputs logits: `model` up to the input of its final softmax
 * (the same layers and weights). Undefined for a model whose output is not a
 * softmax activation layer (a tfjs model exported before heads had one, or
 * one whose output already is logits).
 */
export function logitsModel(model: tf.LayersModel): tf.LayersModel | undefined {
  const last = model.outputLayers[0];
  if (model.outputs.length !== 1 || last?.getClassName() !== 'Activation' || last.getConfig().activation !== 'softmax') return undefined;
  return tf.model({ name: `${model.name}_logits`, inputs: model.inputs, outputs: last.input as tf.SymbolicTensor });
}

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
  // A softmax inside the output layer (models exported before heads had an activation layer): log p, floored at 1e-7.
  if (model.outputLayers[0]?.getConfig().activation === 'softmax') return tf.tidy(() => tf.log(tf.clipByValue(output, 1e-7, 1)));
  return output; // already logits
}
