/** Blocks that merge, reshape, mask, drop or activate without weights of their own. */
import * as tf from '@tensorflow/tfjs';
import type { BlockOf } from '../../config/net/blocks.js';
import { ApplyMask } from '../layers/apply-mask.js';
import { apply, type BlockScope } from '../scope.js';

export function buildConcat(block: BlockOf<'concat'>, inputs: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(tf.layers.concatenate({ axis: block.axis, name: scope.path }), inputs);
}

export function buildAdd(_block: BlockOf<'add'>, inputs: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(tf.layers.add({ name: scope.path }), inputs);
}

export function buildReshape(block: BlockOf<'reshape'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(tf.layers.reshape({ targetShape: inferTargetShape(block.targetShape, input!.shape), name: scope.path }), input!);
}

/**
 * Replaces a -1 in `target` with the size it must have when the input's
 * per-sample shape is fully known: tfjs leaves it unknown, which layers with
 * weights after it cannot accept.
 */
function inferTargetShape(target: number[], inputShape: (number | null)[]): number[] {
  const dims = inputShape.slice(1);
  const inferred = target.indexOf(-1);
  if (inferred < 0 || dims.some((d) => d == null)) return target;
  const total = (dims as number[]).reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  if (total % known !== 0) return target; // tfjs reports the mismatch with both shapes
  return target.map((d) => (d === -1 ? total / known : d));
}

export function buildFlatten(_block: BlockOf<'flatten'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(tf.layers.flatten({ name: scope.path }), input!);
}

export function buildPermute(block: BlockOf<'permute'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(tf.layers.permute({ dims: block.dims, name: scope.path }), input!);
}

/** Sources are [input, mask], in that order (see `blockSources`). */
export function buildApplyMask(_block: BlockOf<'applyMask'>, inputs: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(new ApplyMask({ name: scope.path }), inputs);
}

export function buildDropout(block: BlockOf<'dropout'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(scope.dropout(block.rate, scope.path, block.spatial), input!);
}

export function buildActivation(block: BlockOf<'activation'>, [input]: tf.SymbolicTensor[], scope: BlockScope) {
  return apply(scope.activation(block.activation, scope.path), input!);
}
