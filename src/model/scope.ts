/**
 * What a block builder gets besides its config and inputs: hierarchical layer
 * names (`tcn/block_2/conv_0`), per-layer seeds derived from the run seed, and
 * factories for the pieces many blocks share (activations, dropout, initializers).
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../config/net/layers.js';
import { initializer, type InitializerName } from './initializers.js';
import { leakyReLU } from './layers/leaky-relu.js';
import { SeededDropout } from './layers/seeded-dropout.js';
import { deriveSeed } from './seeds.js';

export class BlockScope {
  constructor(
    /** The block's full name, nested names joined by `/` (`ecg_tower/ecg_cnns`). */
    readonly path: string,
    /** The run seed every layer seed derives from. */
    readonly seed: number,
  ) {}

  /** The full name of one of this block's layers: `<block path>/<local>`. */
  layer(local: string): string {
    return `${this.path}/${local}`;
  }

  /** A scope for a block nested in this one (inside timeDistributed). */
  nested(block: string): BlockScope {
    return new BlockScope(`${this.path}/${block}`, this.seed);
  }

  /** A seeded initializer for weight `weight` of layer `layer`. */
  initializer(name: InitializerName, layer: string, weight = 'kernel') {
    return initializer(name, deriveSeed(this.seed, layer, weight));
  }

  /** The seed of a layer that draws random numbers itself (dropout). */
  layerSeed(layer: string): number {
    return deriveSeed(this.seed, layer);
  }

  /** An activation layer named `layer`; leakyRelu becomes tfjs's LeakyReLU layer. */
  activation(spec: Activation, layer: string): tf.layers.Layer {
    if (typeof spec === 'object') return leakyReLU(layer, spec.alpha);
    if (spec === 'leakyRelu') return leakyReLU(layer);
    return tf.layers.activation({ activation: spec, name: layer });
  }

  /** A dropout layer named `layer` with a fresh, reproducible mask per training step. */
  dropout(rate: number, layer: string, spatial = false): tf.layers.Layer {
    return new SeededDropout({ name: layer, rate, seed: this.layerSeed(layer), spatial });
  }

  /** An L2 kernel regularizer, or none for 0. */
  l2(value: number) {
    return value > 0 ? tf.regularizers.l2({ l2: value }) : undefined;
  }
}

/** Applies `layer` to `input` as a symbolic tensor. */
export function apply(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}
