/**
 * `timeDistributed`: runs a nested graph on every step of its input (the ECG
 * tower on every 30-s epoch of a night) in one batched pass: fold the time
 * axis into the batch, build the nested blocks on the folded tensor, unfold.
 * With a `mask`, only real steps are folded (padding is skipped, and comes
 * out as zeros).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BlockOf } from '../../config/net/blocks.js';
import { buildGraph } from '../graph.js';
import { FoldTime, UnfoldTime } from '../layers/fold-time.js';
import { apply, type BlockScope } from '../scope.js';

export function buildTimeDistributed(block: BlockOf<'timeDistributed'>, [input, mask]: tf.SymbolicTensor[], scope: BlockScope) {
  const folded = apply(new FoldTime({ name: scope.layer('fold') }), mask ? [input!, mask] : input!);
  const outputs = buildGraph(block.blocks, { [block.input]: folded }, `${scope.path}/`, scope.seed);
  return apply(new UnfoldTime({ name: scope.layer('unfold') }), [outputs[block.output]!, input!, ...(mask ? [mask] : [])]);
}
