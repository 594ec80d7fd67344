/** `conv1dStack`: the seed's CNN tree, each convolution preceded by its configured steps. */
import * as tf from '@tensorflow/tfjs';
import type { BlockOf } from '../../config/net/blocks.js';
import type { ConvLayer } from '../../config/net/layers.js';
import { TemporalConv1D } from '../layers/temporal-conv1d.js';
import { batchNormalization } from '../layers/batch-norm.js';
import { apply, type BlockScope } from '../scope.js';

export function buildConv1dStack(block: BlockOf<'conv1dStack'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  let x = input!;
  block.layers.forEach((layer, i) => {
    for (const step of block.preConv) {
      if (step === 'batchNorm') x = apply(batchNormalization(scope.layer(`bn_${i}`)), x);
      if (step === 'activation') x = apply(scope.activation(block.activation, scope.layer(`act_${i}`)), x);
      if (step === 'dropout' && block.dropout > 0) x = apply(scope.dropout(block.dropout, scope.layer(`dropout_${i}`)), x);
    }
    x = apply(conv1d(layer, scope.layer(`conv_${i}`), block.kernelInitializer, block.l2, scope), x);
    if (layer.poolSize) x = apply(tf.layers.maxPooling1d({ poolSize: layer.poolSize, name: scope.layer(`pool_${i}`) }), x);
  });
  return x;
}

/**
 * One convolution: tfjs's conv1d where it can train (dilation 1, same/valid
 * padding), else Epochal's TemporalConv1D, which has the same kernel shape.
 */
export function conv1d(
  layer: ConvLayer,
  name: string,
  kernelInitializer: BlockOf<'conv1dStack'>['kernelInitializer'],
  l2: number,
  scope: BlockScope,
): tf.layers.Layer {
  if (layer.dilation > 1 || layer.padding === 'causal') {
    return new TemporalConv1D({
      name,
      filters: layer.filters,
      kernelSize: layer.kernelSize,
      dilationRate: layer.dilation,
      strides: layer.strides,
      padding: layer.padding,
      kernelInitializer,
      seed: scope.layerSeed(`${name}/kernel`),
      l2,
    });
  }
  return tf.layers.conv1d({
    name,
    filters: layer.filters,
    kernelSize: layer.kernelSize,
    strides: layer.strides,
    padding: layer.padding,
    kernelInitializer: scope.initializer(kernelInitializer, name),
    kernelRegularizer: scope.l2(l2),
  });
}
