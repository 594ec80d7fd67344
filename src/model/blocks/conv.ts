/** `conv1dStack`: the seed's CNN tree, each convolution preceded by its configured steps (one `ConvStack` layer). */
import type * as tf from '@tensorflow/tfjs';
import type { BlockOf } from '../../config/net/blocks.js';
import { ConvStack } from '../layers/conv-stack.js';
import { apply, type BlockScope } from '../scope.js';

export function buildConv1dStack(block: BlockOf<'conv1dStack'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  const { layers, preConv, activation, dropout, kernelInitializer, l2 } = block;
  return apply(new ConvStack({ name: scope.path, layers, preConv, activation, dropout, kernelInitializer, l2, seed: scope.seed }), input!);
}
