/**
 * `tcn`: a temporal conv net of residual blocks. Block i holds two dilated
 * convolutions (kernel `kernelSize`, dilation `dilationBase^i`) with an
 * activation and dropout after each, and a residual connection, projected by a
 * 1×1 `downsample` convolution when the channel count changes. With a
 * `mask`, padded steps are zeroed before every convolution, so whatever a
 * bias or activation put there never reaches a real step.
 */
import * as tf from '@tensorflow/tfjs';
import type { BlockOf } from '../../config/net/blocks.js';
import { ApplyMask } from '../layers/apply-mask.js';
import { TemporalConv1D } from '../layers/temporal-conv1d.js';
import { apply, type BlockScope } from '../scope.js';

export function buildTcn(block: BlockOf<'tcn'>, [input, mask]: tf.SymbolicTensor[], scope: BlockScope) {
  let x = input!;
  block.channels.forEach((channels, i) => {
    const level = scope.nested(`block_${i}`);
    const dilation = block.dilationBase ** i;
    let y = x;
    for (const j of [0, 1]) {
      const name = level.layer(`conv_${j}`);
      if (mask) y = apply(new ApplyMask({ name: level.layer(`mask_${j}`) }), [y, mask]);
      y = apply(
        new TemporalConv1D({
          name,
          filters: channels,
          kernelSize: block.kernelSize,
          dilationRate: dilation,
          padding: block.padding,
          kernelInitializer: block.kernelInitializer,
          seed: level.layerSeed(`${name}/kernel`),
          l2: block.l2,
        }),
        y,
      );
      y = apply(level.activation(block.activation, level.layer(`act_${j}`)), y);
      if (block.dropout > 0) y = apply(level.dropout(block.dropout, level.layer(`dropout_${j}`)), y);
    }
    const inChannels = x.shape[x.shape.length - 1];
    const skip =
      inChannels === channels
        ? x
        : apply(
            tf.layers.conv1d({
              name: level.layer('downsample'),
              filters: channels,
              kernelSize: 1,
              kernelInitializer: level.initializer(block.kernelInitializer, level.layer('downsample')),
            }),
            x,
          );
    x = apply(tf.layers.add({ name: level.layer('add') }), [y, skip]);
    x = apply(level.activation(block.activation, level.layer('act')), x);
  });
  return x;
}
