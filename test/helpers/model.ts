/** Test helpers for models: tiny networks, seeded inputs, exact comparisons. */
import * as tf from '@tensorflow/tfjs';
import { NetParams } from '../../src/config/net/net-params.js';
import { buildModel } from '../../src/model/build.js';

/** A network parsed through the net_params schema, so defaults apply as in a real config. */
export function tinyNet(inputs: Record<string, (number | null)[]>, blocks: Record<string, unknown>, outputs: string[]): NetParams {
  return NetParams.parse({
    name: 'tiny',
    inputs: Object.fromEntries(Object.entries(inputs).map(([name, shape]) => [name, { shape }])),
    blocks,
    outputs,
  });
}

/** Builds `net` with seed 7. */
export function build(net: NetParams, seed = 7): tf.LayersModel {
  return buildModel(net, seed);
}

/** Seeded inputs for every model input, with `batch` rows and any variable axis set to `steps`. */
export function inputsFor(model: tf.LayersModel, batch = 2, steps = 6, seed = 1): tf.Tensor[] {
  return model.inputs.map((input, i) => {
    const shape = [batch, ...input.shape.slice(1).map((d) => d ?? steps)] as number[];
    if (input.name.includes('mask')) return tf.concat([tf.ones([batch, steps - 2]), tf.zeros([batch, 2])], 1).reshape(shape);
    return tf.randomNormal(shape, 0, 1, 'float32', seed + i);
  });
}

/** Seeded integer labels shaped like the model's output without its class axis. */
export function labelsFor(model: tf.LayersModel, batch = 2, steps = 6, seed = 9): tf.Tensor {
  const output = model.outputs[0]!.shape;
  const classes = output[output.length - 1]!;
  const shape = [batch, ...output.slice(1, -1).map((d) => d ?? steps)] as number[];
  return tf.randomUniform(shape, 0, classes, 'int32', seed);
}

/** Largest absolute difference between two tensors. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Every weight's values by stable name, copied out of the model. */
export function snapshotWeights(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

/** Whether two float arrays are bitwise equal. */
export function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
