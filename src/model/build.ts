/**
 * Builds a tfjs model from a validated `net_params.json`: named inputs, the
 * block graph, the outputs. The same net and seed always give the same
 * weights, and every weight has a stable hierarchical name.
 */
import * as tf from '@tensorflow/tfjs';
import type { NetParams } from '../config/net/net-params.js';
import { buildGraph } from './graph.js';

/** Builds `net` with weights seeded from `seed`. */
export function buildModel(net: NetParams, seed: number): tf.LayersModel {
  const inputs = Object.fromEntries(
    Object.entries(net.inputs).map(([name, spec]) => [name, tf.input({ name, shape: spec.shape, dtype: spec.dtype })]),
  );
  const outputs = buildGraph(net.blocks, inputs, '', seed);
  return tf.model({
    name: net.name,
    inputs: Object.values(inputs),
    outputs: net.outputs.map((name) => outputs[name]!),
  });
}
