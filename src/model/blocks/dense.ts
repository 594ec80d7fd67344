/** Dense blocks: `dense`, `residualDenseStack` (with a projection on the skip path) and output `head`s. */
import * as tf from '@tensorflow/tfjs';
import type { BlockOf } from '../../config/net/blocks.js';
import type { Activation } from '../../config/net/layers.js';
import { batchNormalization } from '../layers/batch-norm.js';
import { apply, type BlockScope } from '../scope.js';

interface DenseLayerOptions {
  units: number;
  activation: Activation;
  batchNorm: boolean;
  dropout: number;
  useBias?: boolean;
  kernelInitializer: BlockOf<'dense'>['kernelInitializer'];
  l2: number;
}

/** dense → (batch norm) → activation → (dropout), with layers named `<suffix>`, `bn<suffix>`, ... */
function denseLayer(x: tf.SymbolicTensor, options: DenseLayerOptions, scope: BlockScope, suffix: string): tf.SymbolicTensor {
  const name = scope.layer(`dense${suffix}`);
  let y = apply(
    tf.layers.dense({
      name,
      units: options.units,
      useBias: options.useBias ?? true,
      kernelInitializer: scope.initializer(options.kernelInitializer, name),
      kernelRegularizer: scope.l2(options.l2),
    }),
    x,
  );
  if (options.batchNorm) y = apply(batchNormalization(scope.layer(`bn${suffix}`)), y);
  if (options.activation !== 'linear') y = apply(scope.activation(options.activation, scope.layer(`act${suffix}`)), y);
  if (options.dropout > 0) y = apply(scope.dropout(options.dropout, scope.layer(`dropout${suffix}`)), y);
  return y;
}

export function buildDense(block: BlockOf<'dense'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  return denseLayer(input!, block, scope, '');
}

/**
 * A stack of dense layers with a residual connection around it:
 * `activation(F(x) + skip(x))`, where skip is x itself or, when the widths
 * differ (or projection is "always"), a linear `downsample` dense layer.
 */
export function buildResidualDenseStack(block: BlockOf<'residualDenseStack'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  const x = input!;
  let y = x;
  block.units.forEach((units, i) => {
    const last = i === block.units.length - 1;
    y = denseLayer(y, { ...block, units, activation: last ? 'linear' : block.activation, dropout: last ? 0 : block.dropout }, scope, `_${i}`);
  });
  const inWidth = x.shape[x.shape.length - 1];
  const outWidth = block.units[block.units.length - 1];
  const skip =
    block.projection === 'always' || inWidth !== outWidth
      ? apply(
          tf.layers.dense({
            name: scope.layer('downsample'),
            units: outWidth!,
            useBias: false,
            kernelInitializer: scope.initializer(block.kernelInitializer, scope.layer('downsample')),
            kernelRegularizer: scope.l2(block.l2),
          }),
          x,
        )
      : x;
  let out = apply(tf.layers.add({ name: scope.layer('add') }), [y, skip]);
  out = apply(scope.activation(block.activation, scope.layer('act')), out);
  if (block.dropout > 0) out = apply(scope.dropout(block.dropout, scope.layer('dropout')), out);
  return out;
}

/** The output layer: a linear dense layer, then its activation as a layer of its own, so training can read the logits. */
export function buildHead(block: BlockOf<'head'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  const name = scope.layer('dense');
  const logits = apply(
    tf.layers.dense({
      name,
      units: block.units,
      kernelInitializer: scope.initializer(block.kernelInitializer, name),
    }),
    input!,
  );
  if (block.activation === 'linear') return logits;
  return apply(tf.layers.activation({ activation: block.activation, name: scope.layer(block.activation) }), logits);
}
