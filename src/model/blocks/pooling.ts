/** Pooling blocks: windowed (`pool1d`), global (`globalPool1d`) and fixed-length (`adaptivePool1d`). */
import * as tf from '@tensorflow/tfjs';
import type { BlockOf } from '../../config/net/blocks.js';
import { AdaptivePool1D } from '../layers/adaptive-pool1d.js';
import { MaskedGlobalPool1D } from '../layers/masked-global-pool1d.js';
import { apply, type BlockScope } from '../scope.js';

export function buildPool1d(block: BlockOf<'pool1d'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  const args = {
    poolSize: block.poolSize,
    strides: block.strides ?? block.poolSize,
    padding: block.padding,
    name: scope.path,
  };
  return apply(block.mode === 'max' ? tf.layers.maxPooling1d(args) : tf.layers.averagePooling1d(args), input!);
}

export function buildGlobalPool1d(block: BlockOf<'globalPool1d'>, [input, mask]: tf.SymbolicTensor[], scope: BlockScope) {
  if (mask) return apply(new MaskedGlobalPool1D({ name: scope.path, mode: block.mode }), [input!, mask]);
  const args = { name: scope.path };
  return apply(block.mode === 'max' ? tf.layers.globalMaxPooling1d(args) : tf.layers.globalAveragePooling1d(args), input!);
}

export function buildAdaptivePool1d(block: BlockOf<'adaptivePool1d'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(new AdaptivePool1D({ name: scope.path, mode: block.mode, outputLength: block.outputLength }), input!);
}
